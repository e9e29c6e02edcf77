"""A refused save says what is wrong next to the field and keeps what was typed (issue 14)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from db.access import Actor
from db.engine import make_engine
from db.models import customer_info
from tests.pages._records_fixtures import app
from tests.pages.test_records_pages import _button

K = "new-customer.v0"
LONG_NAME = "Asha " * 60  # 300 characters


def _fill(at, **over):
    values = {
        "Customer_Name": "Arjun Mehta",
        "Email": "arjun.kept@example.in",
        "City": "Jaipur",
        "State": "Rajasthan",
        **{k: v for k, v in over.items() if isinstance(v, str)},
    }
    for field, value in values.items():
        at.text_input(key=f"{K}.{field}").set_value(value)
    at.date_input(key=f"{K}.Date_of_Birth").set_value(over.get("dob", dt.date(1985, 1, 2)))
    if "joined" in over:
        at.date_input(key=f"{K}.Join_Date").set_value(over["joined"])


def _customers(url) -> int:
    engine = make_engine(url)
    with engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(customer_info)).scalar()
    engine.dispose()
    return n


@pytest.mark.parametrize(
    ("over", "field", "message"),
    [
        ({"Customer_Name": LONG_NAME}, "Customer_Name", "Name: at most 255 characters (got 299)"),
        (
            {"dob": dt.date.today() + dt.timedelta(days=3)},
            "Date_of_Birth",
            "Date of birth: cannot be in the future",
        ),
        ({"dob": dt.date(1890, 5, 1)}, "Date_of_Birth", "Date of birth: age must be at most"),
        (
            {"joined": dt.date.today() + dt.timedelta(days=3)},
            "Join_Date",
            "Join date: cannot be in the future",
        ),
        ({"joined": dt.date(1980, 1, 1)}, "Join_Date", "Join date: cannot be before the date of birth"),
    ],
)
def test_a_refused_new_customer_names_the_rule_and_keeps_the_typing(db, monkeypatch, over, field, message):
    url, _ = db
    monkeypatch.setattr("dashboard.auth.current_actor", lambda: Actor("eddie", "editor"))
    before = _customers(url)
    at = app("new_customer.py").run()
    strings = {k: v for k, v in over.items() if isinstance(v, str)}
    _fill(at, **over)
    _button(at, "Create customer").click().run()
    assert not at.exception, at.exception
    shown = "\n".join(str(e.value) for e in at.error)
    assert message in shown, shown
    assert _customers(url) == before  # nothing saved
    for key, typed in strings.items():
        assert at.text_input(key=f"{K}.{key}").value == typed  # kept, never cut


def test_a_success_is_announced_once(db, monkeypatch):
    url, _ = db
    monkeypatch.setattr("dashboard.auth.current_actor", lambda: Actor("eddie", "editor"))
    at = app("new_customer.py").run()
    _fill(at, Email="once.only@example.in")
    _button(at, "Create customer").click().run()
    assert not at.exception, at.exception
    assert len(at.success) == 1 and not at.toast
