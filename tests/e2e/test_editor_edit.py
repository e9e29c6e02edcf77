"""Journey 3: an editor finds a customer by phone, fixes an email, adds an SMS preference.

The change shows in the 360's Overview, in its History tab, in the database and on the consent
dashboard.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from db.engine import make_engine
from db.models import AuditLog, customer_info, customer_preferences
from tests.e2e import browser as ui
from tests.e2e.users import PASSWORD, prepare_with_users


@pytest.fixture(scope="module")
def server(server_factory):
    return server_factory(prepare=prepare_with_users)


def _customer_without_sms(url: str) -> dict:
    """An Active customer with no SMS preference row and a phone no one else has."""
    engine = make_engine(url)
    ci, cp = customer_info.c, customer_preferences.c
    has_sms = sa.select(cp.Customer_ID).where(cp.Communication_Channel == "SMS")
    shared_phone = (
        sa.select(ci.Phone).where(ci.Phone.is_not(None)).group_by(ci.Phone).having(sa.func.count() > 1)
    )
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(ci.Customer_ID, ci.Customer_Name, ci.Email, ci.Phone)
            .where(ci.Customer_ID.not_in(has_sms), ci.Phone.not_in(shared_phone), ci.Phone.like("+91%"))
            .where(ci.Account_Status == "Active")
            .order_by(ci.Customer_ID)
            .limit(1)
        ).one()
    engine.dispose()
    return dict(row._mapping)


audit_log = AuditLog.__table__


def _db(url: str, customer_id: int) -> tuple[str, list[str], list[tuple]]:
    engine = make_engine(url)
    with engine.connect() as conn:
        email = conn.execute(
            sa.select(customer_info.c.Email).where(customer_info.c.Customer_ID == customer_id)
        ).scalar_one()
        channels = (
            conn.execute(
                sa.select(customer_preferences.c.Communication_Channel).where(
                    customer_preferences.c.Customer_ID == customer_id
                )
            )
            .scalars()
            .all()
        )
        audit = conn.execute(
            sa.select(audit_log.c.username, audit_log.c.action, audit_log.c.table_name, audit_log.c.field)
            .where(audit_log.c.customer_id == customer_id)
            .order_by(audit_log.c.id)
        ).all()
    engine.dispose()
    return email, list(channels), [tuple(a) for a in audit]


def test_editor_finds_by_phone_edits_and_adds_sms(server, new_page):
    url = f"sqlite:///{server.db_path}"
    who = _customer_without_sms(url)
    cid, national = who["Customer_ID"], who["Phone"][-10:]
    typed_phone = f"{national[:5]} {national[5:]}"  # "98765 43210"
    new_email = f"eddie.fixed.{cid}@gmail.com"

    page = new_page()
    ui.sign_in(page, server.url, "eddie", PASSWORD)
    ui.nav(page, "Preferences and consent")
    before = ui.metrics(page)["Preference records"]

    # Find the customer by phone, typed in another format.
    ui.nav(page, "Customer list")
    search = page.get_by_role("textbox", name="Search")
    search.fill(typed_phone)
    search.press("Enter")
    expect(page.get_by_text(re.compile(r"^1 customer matches"))).to_be_visible()
    grid = page.locator('[data-testid="stMain"] [data-testid="stDataFrame"]').first
    expect(grid.locator("tbody tr")).to_have_count(1)
    rows = ui.grid_rows(page)
    assert len(rows) == 1 and who["Customer_Name"] in rows[0], rows
    ui.select_grid_row(page, 0)
    expect(page.get_by_role("heading", name="Customer 360")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"customer\?id={cid}$"))
    ui.wait_ready(page)
    expect(page.get_by_role("heading", name=who["Customer_Name"])).to_be_visible()

    # An invalid email: the message names the field, nothing is saved.
    page.get_by_role("tab", name="Edit profile").click()
    ui.fill(page, "Email", "not-an-email")
    page.get_by_role("button", name="Save changes").click()
    problem = page.locator('[data-testid="stAlert"]').filter(has_text="Nothing was saved")
    expect(problem).to_contain_text("Email")
    ui.wait_ready(page)
    assert _db(url, cid)[0] == who["Email"]
    expect(page.get_by_label("Email", exact=True)).to_have_value("not-an-email")  # typed value kept

    # Fixed and saved.
    ui.fill(page, "Email", new_email)
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator('[data-testid="stAlert"]').filter(has_text="Saved: Email.")).to_be_visible()
    ui.wait_ready(page)
    expect(page.locator('[data-testid="stMain"]')).to_contain_text(new_email)
    assert _db(url, cid)[0] == new_email

    # Add an SMS preference row.
    adder = page.locator('[data-testid="stExpander"]').filter(has_text="Add a preference row")
    adder.locator("summary").click()
    channel = adder.get_by_label("Channel")  # the selectbox
    ui.choose(page, channel, "SMS")
    adder.get_by_role("button", name="Add preference").click()
    expect(page.locator('[data-testid="stAlert"]').filter(has_text="Preference added.")).to_be_visible()
    ui.wait_ready(page)
    assert "SMS" in _db(url, cid)[1]

    # The 360's Overview shows the SMS row, and its History tab both changes.
    expect(
        page.locator('[data-testid="stMain"] [data-testid="stDataFrame"] td').filter(has_text="SMS").first
    ).to_be_attached()
    prefs = ui.rows_of(ui.grid_with(page, "SMS"))
    assert any("SMS" in row for row in prefs), prefs
    page.get_by_role("tab", name="History").click()
    history = "\n".join("\t".join(r) for r in ui.rows_of(ui.grid_with(page, new_email)))
    assert "SMS" in history, history
    assert new_email in history and "eddie" in history, history
    audit = _db(url, cid)[2]
    assert ("eddie", "update", "Customer_Info", "Email") in audit or any(
        a[0] == "eddie" and a[3] == "Email" for a in audit
    ), audit
    assert any(a[0] == "eddie" and a[2] == "Customer_Preferences" for a in audit), audit

    # The consent dashboard counts one preference record more.
    ui.nav(page, "Preferences and consent")
    after = ui.metrics(page)["Preference records"]
    as_int = lambda s: int(re.sub(r"\D", "", s))  # noqa: E731
    assert as_int(after) == as_int(before) + 1, (before, after)
    ui.assert_no_exception(page)


def test_a_failed_save_after_a_successful_one_shows_its_messages(server, new_page):
    """After a save, the next save that fails validation must show its messages (Edit profile tab)."""
    url = f"sqlite:///{server.db_path}"
    cid = 23
    page = new_page()
    ui.goto(page, f"{server.url}/customer?id={cid}")
    ui.fill(page, "Username", "eddie")
    ui.fill(page, "Password", PASSWORD)
    ui.click(page, "Sign in")
    expect(page.get_by_role("heading", name="Customer 360")).to_be_visible()
    ui.wait_ready(page)

    page.get_by_role("tab", name="Edit profile").click()
    ui.fill(page, "City", "Thiruvananthapuram")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator('[data-testid="stAlert"]').filter(has_text="Saved: City.")).to_be_visible()
    ui.wait_ready(page)

    before = _db(url, cid)[0]
    page.get_by_role("tab", name="Edit profile").click()
    ui.fill(page, "Email", "still not an email")
    page.get_by_role("button", name="Save changes").click()
    problems = page.locator('[data-testid="stAlert"]').filter(has_text="Nothing was saved")
    expect(problems).to_be_attached()
    ui.wait_ready(page)
    assert _db(url, cid)[0] == before
    expect(problems).to_be_visible()
    expect(page.get_by_role("tab", selected=True)).to_have_text("Edit profile")
    expect(problems).to_contain_text("Email")
