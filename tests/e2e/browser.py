"""Helpers to drive Streamlit in Chromium: wait for a finished run, sign in, screenshots."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

from playwright.sync_api import Page, expect

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
expect.set_options(timeout=30_000)

READY = '[data-testid="stApp"][data-test-script-state="notRunning"][data-test-connection-state="CONNECTED"]'


def wait_ready(page: Page, timeout: float = 60_000) -> None:
    """The script run has finished, the socket is connected and nothing is still loading."""
    page.wait_for_selector(READY, timeout=timeout)
    expect(page.locator('[data-testid="stSkeleton"]')).to_have_count(0, timeout=timeout)
    expect(page.locator(READY)).to_have_count(1, timeout=timeout)


def goto(page: Page, url: str) -> None:
    page.goto(url)
    wait_ready(page)


def fill(page: Page, label: str, value: str, *, commit: bool = False) -> None:
    """Type into a text input; commit=True presses Enter (inputs outside a form apply on Enter)."""
    box = page.get_by_label(label, exact=True)
    box.fill(value)
    if commit:
        box.press("Enter")
        wait_ready(page)


def click(page: Page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()
    wait_ready(page)


def sign_in(page: Page, base_url: str, username: str, password: str) -> None:
    goto(page, base_url)
    fill(page, "Username", username)
    fill(page, "Password", password)
    click(page, "Sign in")
    expect(page.locator('[data-testid="stSidebarNav"]')).to_be_visible()


def assert_no_exception(page: Page) -> None:
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)


def full_screenshot(page: Page, path: Path) -> None:
    """Streamlit scrolls inside stMain: grow the viewport to its scroll height first."""
    height = page.evaluate(
        "() => { const m = document.querySelector('[data-testid=\"stMain\"]');"
        " return m ? m.scrollHeight : 800 }"
    )
    width = page.viewport_size["width"]
    page.set_viewport_size({"width": width, "height": max(800, int(height))})
    page.wait_for_timeout(400)
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)


# --- helpers for the journeys (appended) ---------------------------------------------------

NAV_LINKS = '[data-testid="stSidebarNav"] a'


def nav(page: Page, title: str, heading: str | None = None) -> None:
    """Open a page through the sidebar navigation (a page load would start a new, signed-out session)."""
    link = page.locator(NAV_LINKS).filter(has_text=title).first
    more = page.locator('[data-testid="stSidebarNav"] button').filter(has_text="more")
    if link.count() == 0 and more.count():  # "View 3 more": the navigation is collapsed
        more.first.click()
    link.click()
    expect(page.get_by_role("heading", name=heading or title).first).to_be_visible()
    wait_ready(page)


def metrics(page: Page) -> dict[str, str]:
    """The st.metric tiles of the main area: label -> shown value."""
    tiles = page.locator('[data-testid="stMain"] [data-testid="stMetric"]')
    out = {}
    for i in range(tiles.count()):
        label = tiles.nth(i).locator('[data-testid="stMetricLabel"]').inner_text().strip()
        out[label] = tiles.nth(i).locator('[data-testid="stMetricValue"]').inner_text().strip()
    return out


def grid_rows(page: Page, index: int = 0) -> list[list[str]]:
    """The rendered rows of the index-th st.dataframe (its accessibility table: visible rows only)."""
    return rows_of(page.locator('[data-testid="stMain"] [data-testid="stDataFrame"]').nth(index))


def grid_with(page: Page, text: str):
    """The one st.dataframe of the main area whose rendered cells or headers contain `text`."""
    grid = page.locator('[data-testid="stMain"] [data-testid="stDataFrame"]').filter(has_text=text)
    expect(grid).to_have_count(1)
    return grid


def rows_of(grid) -> list[list[str]]:
    """The rendered rows of an st.dataframe locator (its accessibility table: visible rows only)."""
    expect(grid.locator("td").first).to_be_attached()
    rows = grid.locator("tbody tr")
    return [rows.nth(i).locator("td").all_inner_texts() for i in range(rows.count())]


def click_plot_point(page: Page, plot_index: int, point_index: int = 0) -> None:
    """A real mouse click on a Plotly bar/point (Streamlit's on_select needs one on the drag layer)."""
    plot = page.locator('[data-testid="stMain"] .js-plotly-plot').nth(plot_index)
    plot.scroll_into_view_if_needed()
    point = plot.locator(".point path, .point").nth(point_index)
    expect(point).to_be_attached()
    box = point.bounding_box()
    assert box is not None, "the plot point has no box"
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def sidebar_pill(page: Page, group_label: str, option: str) -> None:
    """Toggle one option of an st.pills group in the sidebar."""
    group = page.locator('[data-testid="stSidebar"] [data-testid="stButtonGroup"]').filter(
        has=page.get_by_text(group_label, exact=True)
    )
    group.get_by_role("button", name=option, exact=True).click()


def select_grid_row(page: Page, row: int = 0, index: int = 0) -> None:
    """Tick the row marker of a row of an st.dataframe with single-row selection (a canvas grid)."""
    grid = page.locator('[data-testid="stMain"] [data-testid="stDataFrame"]').nth(index)
    expect(grid.locator("td").first).to_be_attached()
    canvas = grid.locator("canvas").first
    box = canvas.bounding_box()
    assert box is not None, "the grid has no canvas"
    header, height = 35, 35
    page.mouse.click(box["x"] + 14, box["y"] + header + height * row + height / 2)


def choose(page: Page, combobox, option: str) -> None:
    """Pick an option of an st.selectbox (its combobox locator); reopens the list if a click was lost."""
    expect(combobox).to_be_visible()
    if combobox.input_value() == option:
        return
    item = page.get_by_role("option", name=option, exact=True)
    for _ in range(3):
        combobox.click()
        try:
            expect(item).to_be_visible(timeout=5_000)
            break
        except AssertionError:
            page.keyboard.press("Escape")
    item.click()
    expect(combobox).to_have_value(option)


def block_outside(context, blocked: list[str]) -> None:
    """Let `context` reach only 127.0.0.1 (and data: / blob: URLs); abort any other request and
    append its URL to `blocked`."""

    def route(r):
        host = urlparse(r.request.url).hostname
        if r.request.url.startswith(("data:", "blob:")) or host in ("127.0.0.1", "localhost"):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    context.route("**/*", route)
