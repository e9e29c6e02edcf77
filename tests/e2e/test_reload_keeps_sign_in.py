"""Sign-in survives a reload and a second tab; sign-out ends it, and a copied cookie is refused."""

from __future__ import annotations

from playwright.sync_api import expect

from dashboard.auth import COOKIE_NAME
from tests.e2e import browser as ui
from tests.e2e.users import PASSWORD, prepare_with_users

SIDEBAR_NAV = '[data-testid="stSidebarNav"]'


def _session_cookie(context) -> dict | None:
    return next((c for c in context.cookies() if c["name"] == COOKIE_NAME), None)


def _wait_for_cookie(page) -> dict:
    page.wait_for_function(f"() => document.cookie.includes({COOKIE_NAME + '='!r})", timeout=15_000)
    cookie = _session_cookie(page.context)
    assert cookie is not None
    return cookie


def test_reload_keeps_sign_in_until_sign_out(server_factory, new_page):
    server = server_factory(demo_customers=300, prepare=lambda url: prepare_with_users(url, customers=300))
    page = new_page()
    ui.sign_in(page, server.url, "eddie", PASSWORD)
    ui.nav(page, "Customer list")
    cookie = _wait_for_cookie(page)
    assert cookie["sameSite"] == "Strict" and cookie["path"] == "/"
    assert "eddie" not in cookie["value"] and len(cookie["value"]) >= 40
    assert cookie["expires"] > 0  # a lifetime, not a browser-session cookie

    page.reload()
    ui.wait_ready(page)
    expect(page.locator(SIDEBAR_NAV)).to_be_visible()
    expect(page.get_by_role("heading", name="Customer list").first).to_be_visible()
    expect(page.get_by_text("Signed in as Eddie")).to_be_visible()  # the display name
    ui.assert_no_exception(page)

    # A second tab of the same browser is signed in too.
    second = page.context.new_page()
    ui.goto(second, server.url)
    expect(second.locator(SIDEBAR_NAV)).to_be_visible()
    second.close()

    ui.click(page, "Sign out")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.wait_for_function(f"() => !document.cookie.includes({COOKIE_NAME + '='!r})", timeout=15_000)
    page.reload()
    ui.wait_ready(page)
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.locator(SIDEBAR_NAV)).to_have_count(0)

    # The cookie copied before the sign-out is worthless afterwards, in another browser too.
    other = new_page()
    other.context.add_cookies([{k: cookie[k] for k in ("name", "value", "domain", "path", "sameSite")}])
    ui.goto(other, server.url)
    expect(other.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(other.locator(SIDEBAR_NAV)).to_have_count(0)
    # ...and the app deleted it from that browser.
    other.wait_for_function(f"() => !document.cookie.includes({COOKIE_NAME + '='!r})", timeout=15_000)
