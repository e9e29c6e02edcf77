"""Journeys: a marketer's day (dashboards and audiences, never edits) and a rejected over-long name."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from db.audit import audit_log
from db.engine import make_engine
from db.models import customer_info
from tests.e2e import browser as ui
from tests.e2e.users import PASSWORD, prepare_with_users

NAME_LIMIT = 255  # db.validation's Customer_Name rule, as a user meets it


@pytest.fixture(scope="module")
def server(server_factory):
    return server_factory(demo_customers=500, prepare=lambda url: prepare_with_users(url, customers=500))


def _nav_titles(page) -> list[str]:
    links = page.locator('[data-testid="stSidebarNav"] a')
    return [links.nth(i).inner_text().strip().split("\n")[-1] for i in range(links.count())]  # after the icon


def test_a_marketer_builds_and_exports_an_audience_but_cannot_edit(server, new_page):
    page = new_page()
    ui.sign_in(page, server.url, "mara", PASSWORD)
    expect(page.locator('[data-testid="stSidebar"]')).to_contain_text("Signed in as Mara · marketer")
    titles = _nav_titles(page)
    assert "Audiences" in titles and "Customer 360" in titles, titles
    assert not {"New customer", "Import CSV", "Users", "Audit log"} & set(titles), titles

    # A record: Overview and History only, contacts masked, no edit widget.
    ui.goto(page, f"{server.url}/customer?id=7")
    ui.wait_ready(page)
    tabs = page.get_by_role("tab")
    expect(tabs).to_have_count(2)
    assert [tabs.nth(i).inner_text().strip() for i in range(2)] == ["Overview", "History"]
    expect(page.get_by_role("button", name="Save changes")).to_have_count(0)
    expect(page.locator('[data-testid="stMain"]')).to_contain_text("*****")

    # A page of editors only says so.
    ui.goto(page, f"{server.url}/new_customer")
    expect(page.get_by_text("This page needs the editor role")).to_be_visible()

    # An audience: saved and exported; the export is in the audit log.
    ui.goto(page, f"{server.url}/audiences?categories=VIP")
    ui.wait_ready(page)
    ui.fill(page, "Audience name", "VIP winback")
    ui.click(page, "Save audience")
    expect(page.get_by_text("Saved “VIP winback”.")).to_be_visible()
    email = page.get_by_role("button", name=re.compile(r"^Email list \("))
    with page.expect_download() as download_info:
        email.click()
    rows = list(csv.reader(io.StringIO(Path(download_info.value.path()).read_text(encoding="utf-8-sig"))))
    assert rows[0] == ["Customer_Name", "Email", "Preferred_Language"] and len(rows) > 1, rows[:2]
    assert all("@" in r[1] and "*" not in r[1] for r in rows[1:]), rows[:3]  # contacts, unmasked
    ui.wait_ready(page)
    ui.assert_no_exception(page)

    engine = make_engine(f"sqlite:///{server.db_path}")
    with engine.connect() as conn:
        actions = (
            conn.execute(sa.select(audit_log.c.action).where(audit_log.c.username == "mara")).scalars().all()
        )
    engine.dispose()
    assert "export" in actions, actions


def test_an_over_long_name_is_refused_with_its_limit_and_kept(server, new_page):
    page = new_page()
    ui.sign_in(page, server.url, "eddie", PASSWORD)
    ui.nav(page, "New customer")
    name = "Asha " + "x" * 295  # 300 characters
    ui.fill(page, "Name", name)
    ui.fill(page, "Email", "asha.long.name@example.com")
    ui.fill(page, "Phone", "98765 01234")
    ui.fill(page, "City", "Pune")
    ui.fill(page, "State", "Maharashtra")
    ui.click(page, "Create customer")
    problem = page.locator('[data-testid="stAlert"]').filter(has_text="Nothing was saved")
    expect(problem).to_contain_text("Name")
    expect(problem).to_contain_text(f"at most {NAME_LIMIT} characters (got 300)")
    ui.wait_ready(page)
    expect(page.get_by_label("Name", exact=True)).to_have_value(name)  # every character kept, none cut
    engine = make_engine(f"sqlite:///{server.db_path}")
    with engine.connect() as conn:
        saved = conn.execute(
            sa.select(sa.func.count()).where(customer_info.c.Email == "asha.long.name@example.com")
        ).scalar()
    engine.dispose()
    assert saved == 0
    ui.assert_no_exception(page)
