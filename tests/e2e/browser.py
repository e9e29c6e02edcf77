"""Helpers to drive Streamlit in Chromium: wait for a finished run, sign in, screenshots."""

from __future__ import annotations

from pathlib import Path

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
