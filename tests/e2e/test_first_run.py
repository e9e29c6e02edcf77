"""Journey 1: a fresh install opens on the first-administrator screen, then the overview."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e import browser as ui


def test_first_run_creates_the_admin_and_shows_the_overview(server_factory, new_page):
    server = server_factory(demo_customers=1500)
    page = new_page()
    ui.goto(page, server.url)
    expect(page.get_by_role("heading", name="Create the first administrator")).to_be_visible()
    expect(page.locator('[data-testid="stSidebarNav"]')).to_have_count(0)

    ui.fill(page, "Username", "founder")
    ui.fill(page, "Display name", "The Founder")
    ui.fill(page, "Password", "short")
    ui.fill(page, "Repeat the password", "short")
    ui.click(page, "Create administrator")
    expect(page.get_by_text("at least 12 characters")).to_be_visible()

    ui.fill(page, "Password", "a long enough password")
    ui.fill(page, "Repeat the password", "a long enough password")
    ui.click(page, "Create administrator")
    expect(page.locator('[data-testid="stSidebarNav"]')).to_be_visible()
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    charts = page.locator(".js-plotly-plot")
    expect(charts.first).to_be_visible()
    assert charts.count() >= 2
    traces = page.evaluate(
        "() => [...document.querySelectorAll('.js-plotly-plot')].map(p => (p.data || []).length)"
    )
    assert all(n >= 1 for n in traces), traces
    ui.assert_no_exception(page)

    # Signing out leads to the sign-in page, not to the first-run screen again.
    ui.click(page, "Sign out")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
