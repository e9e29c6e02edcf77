"""Journey: from the churn page's view to a saved audience with a per-channel export, in a minute.

An editor opens the churn page on a filtered view (High risk VIP customers, as a drill-down
leaves it), clicks "Build an audience from this view", sets the channel priority, saves the
audience under a name and downloads one channel's list; the file has only that channel's columns.
"""

from __future__ import annotations

import csv
import io
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from db import audiences
from db.audit import audit_log
from db.engine import make_engine
from tests.e2e import browser as ui
from tests.e2e.users import PASSWORD, prepare_with_users

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "docs" / "screenshots" / "audiences.png"
PRIORITY = "Push → Email → SMS → Phone"


@pytest.fixture(scope="module")
def server(server_factory):
    return server_factory(prepare=prepare_with_users)


def _csv(path: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(Path(path).read_text(encoding="utf-8-sig"))))


def test_churn_view_to_saved_audience_and_export(server, new_page):
    page = new_page(1280, 900)
    # A shared link to a drilled-down churn view; signing in keeps the page and its filter.
    ui.goto(page, f"{server.url}/churn?risk_bands=High&categories=VIP,Premium")
    ui.fill(page, "Username", "eddie")
    ui.fill(page, "Password", PASSWORD)
    ui.click(page, "Sign in")
    expect(page.get_by_role("heading", name="Churn risk")).to_be_visible()

    started = time.monotonic()
    ui.click(page, "Build an audience from this view")
    expect(page.get_by_role("heading", name="Audiences")).to_be_visible()
    expect(page.get_by_text("Opened from Churn risk")).to_be_visible()
    assert "risk_bands=High" in page.url and "categories=" in page.url
    ui.assert_no_exception(page)

    page.get_by_role("combobox", name="Channel priority").click()
    page.get_by_role("option", name=PRIORITY, exact=True).click()
    ui.wait_ready(page)
    channel_table = page.locator('[data-testid="stDataFrame"]').first
    expect(channel_table).to_be_visible()

    ui.fill(page, "Audience name", "High-risk VIP and Premium")
    ui.click(page, "Save audience")
    expect(page.get_by_text("Saved “High-risk VIP and Premium”.")).to_be_visible()

    push = page.get_by_role("button", name=re.compile(r"^Push list \("))
    expect(push).to_be_enabled()
    with page.expect_download() as download_info:
        push.click()
    push_rows = _csv(download_info.value.path())
    ui.wait_ready(page)

    email = page.get_by_role("button", name=re.compile(r"^Email list \("))
    with page.expect_download() as download_info:
        email.click()
    email_rows = _csv(download_info.value.path())
    ui.wait_ready(page)
    elapsed = time.monotonic() - started

    assert push_rows[0] == ["Customer_ID"]
    assert len(push_rows) > 1 and all(r[0].isdigit() for r in push_rows[1:])
    assert email_rows[0] == ["Customer_Name", "Email", "Preferred_Language"]
    # The button labels carry the counts: the files hold exactly that many customers.
    assert f"Push list ({len(push_rows) - 1:,})" in push.inner_text().replace("\n", " ")
    assert elapsed < 60, f"journey took {elapsed:.0f} s"

    ui.assert_no_exception(page)
    # Re-open it from the saved list (as a marketer would the next day): history from the database.
    page.get_by_text("Saved audiences", exact=True).click()
    ui.click(page, "Open audience")
    # The run after "Open audience" no longer shows the one-time "Saved" notice.
    expect(page.get_by_text("Saved “High-risk VIP and Premium”.")).to_have_count(0)
    ui.wait_ready(page)
    expect(page.get_by_text("Saved by eddie")).to_be_visible()
    history = page.locator('[data-testid="stDataFrame"]').last
    expect(history).to_be_visible()
    ui.full_screenshot(page, SCREENSHOT)

    # Both exports are in the saved audience's history and in the audit log.
    engine = make_engine(f"sqlite:///{server.db_path}")
    try:
        with engine.connect() as conn:
            saved = next(a for a in audiences.list_saved(conn) if a["name"] == "High-risk VIP and Premium")
            record = audiences.load(conn, saved["id"])
            logged = conn.execute(
                select(func.count()).where(
                    audit_log.c.action == "export", audit_log.c.record_id == saved["id"]
                )
            ).scalar()
    finally:
        engine.dispose()
    assert [e["channel"] for e in record["exports"]] == ["Push", "Email"]
    assert [e["rows"] for e in record["exports"]] == [len(push_rows) - 1, len(email_rows) - 1]
    assert record["definition"].priority == tuple(PRIORITY.split(" → "))
    assert record["definition"].source == "Churn risk"
    assert logged == 2
