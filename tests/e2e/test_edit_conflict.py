"""Journey 4: two people edit the same customer; the second save is refused, nothing overwritten.

An editor and an admin open the same customer's edit form (each through a shared link, which keeps
its page and `?id=` through sign-in; the form is the "Edit profile" tab at the top). The editor
saves a new city; the admin then saves a new name: the admin sees the conflict naming the field
(City), the editor's value, the city the form was opened with, and the editor (with when), and
the database keeps the editor's city and the old name.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from db.engine import make_engine
from db.models import customer_info
from tests.e2e import browser as ui
from tests.e2e.users import PASSWORD, prepare_with_users

CUSTOMER_ID = 17


@pytest.fixture(scope="module")
def server(server_factory):
    return server_factory(prepare=prepare_with_users)


def _row(url: str, customer_id: int) -> dict:
    engine = make_engine(url)
    with engine.connect() as conn:
        row = conn.execute(sa.select(customer_info).where(customer_info.c.Customer_ID == customer_id)).one()
    engine.dispose()
    return dict(row._mapping)


def _open_edit_form(new_page, server, username: str):
    page = new_page()
    ui.goto(page, f"{server.url}/customer?id={CUSTOMER_ID}")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    ui.fill(page, "Username", username)
    ui.fill(page, "Password", PASSWORD)
    ui.click(page, "Sign in")
    expect(page.get_by_role("heading", name="Customer 360")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"customer\?id={CUSTOMER_ID}$"))
    ui.wait_ready(page)
    page.get_by_role("tab", name="Edit profile").click()
    expect(page.get_by_label("City", exact=True)).to_be_visible()
    return page


def test_second_save_sees_the_conflict_and_overwrites_nothing(server, new_page):
    url = f"sqlite:///{server.db_path}"
    before = _row(url, CUSTOMER_ID)
    new_city = "Kozhikode" if before["City"] != "Kozhikode" else "Thrissur"
    new_name = before["Customer_Name"] + " Second"

    editor = _open_edit_form(new_page, server, "eddie")
    admin = _open_edit_form(new_page, server, "ada")
    expect(admin.get_by_label("Name", exact=True)).to_have_value(before["Customer_Name"])

    # The editor saves first.
    ui.fill(editor, "City", new_city)
    editor.get_by_role("button", name="Save changes").click()
    expect(editor.locator('[data-testid="stAlert"]').filter(has_text="Saved: City.")).to_be_visible()
    ui.wait_ready(editor)
    assert _row(url, CUSTOMER_ID)["City"] == new_city

    # The admin, still on the form loaded before that save, changes another field.
    ui.fill(admin, "Name", new_name)
    admin.get_by_role("button", name="Save changes").click()
    warning = admin.locator('[data-testid="stAlert"]').filter(has_text="someone else changed this record")
    expect(warning).to_be_visible()
    ui.wait_ready(admin)
    # One line per changed field: its label, the other value, the value the form started from,
    # and who saved it when; the admin's own field (Name) is not among them.
    changes = warning.locator("li")
    expect(changes).to_have_count(1)
    opened_with = re.escape(before["City"])
    expect(changes.first).to_have_text(
        re.compile(
            rf"^City: now “{re.escape(new_city)}” \(“{opened_with}” when you opened the form\), "
            r"changed by eddie on \d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}\.$"
        )
    )
    expect(admin.get_by_label("Name", exact=True)).to_have_value(new_name)  # typed value kept
    expect(admin.get_by_role("button", name="Reload current values")).to_be_visible()

    after = _row(url, CUSTOMER_ID)
    assert after["City"] == new_city  # the editor's save stands
    assert after["Customer_Name"] == before["Customer_Name"]  # the admin's change was not written
    assert {k: v for k, v in after.items() if k != "City"} == {k: v for k, v in before.items() if k != "City"}

    # Reloading brings the current values into the form; saving then works.
    admin.get_by_role("button", name="Reload current values").click()
    expect(admin.get_by_role("button", name="Reload current values")).to_have_count(0)
    ui.wait_ready(admin)
    city = admin.get_by_label("City", exact=True)
    expect(city).to_have_count(1)  # the re-created form replaces the old one
    expect(city).to_have_value(new_city)
    ui.fill(admin, "Name", new_name)
    admin.get_by_role("button", name="Save changes").click()
    expect(admin.locator('[data-testid="stAlert"]').filter(has_text="Saved: Name.")).to_be_visible()
    final = _row(url, CUSTOMER_ID)
    assert (final["Customer_Name"], final["City"]) == (new_name, new_city)
    ui.assert_no_exception(admin)
    ui.assert_no_exception(editor)
