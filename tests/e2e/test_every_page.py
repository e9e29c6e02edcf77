"""Journey 6: every page each role may use renders at 1280x800 without an exception or overflow."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e import browser as ui
from tests.e2e.users import PASSWORD, USERS, prepare_with_users


@pytest.fixture(scope="module")
def server(server_factory):
    return server_factory(prepare=prepare_with_users)


def _nav_links(page) -> list[tuple[str, str]]:
    links = page.locator('[data-testid="stSidebarNav"] a')
    found = (links.nth(i) for i in range(links.count()))
    return [(link.inner_text().strip(), link.get_attribute("href")) for link in found]


@pytest.mark.parametrize("username", list(USERS))
def test_every_page_renders_cleanly(server, new_page, username):
    page = new_page()
    ui.sign_in(page, server.url, username, PASSWORD)
    links = _nav_links(page)
    assert len(links) >= 6, links
    for title, href in links:
        # Through the sidebar: loading the address would start a new, signed-out session.
        page.locator(f'{ui.NAV_LINKS}[href="{href}"]').click()
        page.wait_for_url(href)
        ui.wait_ready(page)
        expect(page.get_by_role("heading", name="Sign in")).to_have_count(0)
        ui.assert_no_exception(page)
        expect(page.locator('[data-testid="stMain"]')).to_be_visible()
        overflow = page.evaluate(
            "() => { const m = document.querySelector('[data-testid=\"stMain\"]');"
            " return m.scrollWidth - m.clientWidth }"
        )
        assert overflow <= 1, f"{title}: {overflow}px of horizontal overflow"
