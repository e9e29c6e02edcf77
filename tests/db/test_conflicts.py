"""A refused edit says what the other person changed: field, their value, who and when (or that
it was changed outside this app), on every engine."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from db import conflicts, formats, writes
from db.access import Actor
from db.migrate import upgrade
from db.models import customer_info, customer_preferences
from db.records import customer_360
from tests.db.factories import customer_data, insert_customer, insert_preference

EDITOR = Actor("esha", "editor")
RAVI = Actor("ravi", "editor")


def _row(conn, customer_id) -> dict:
    stmt = select(customer_info).where(customer_info.c.Customer_ID == customer_id)
    return dict(conn.execute(stmt).mappings().one())


def _refused(conn, customer_id, stale, **changes) -> conflicts.Conflict:
    with pytest.raises(writes.Conflict) as refused:
        writes.update_customer(conn, actor=EDITOR, customer_id=customer_id, original=stale, changes=changes)
    return refused.value


def test_a_change_by_another_app_user_names_the_field_the_value_who_and_when(conn):
    cid = insert_customer(conn, City="Pune", Loyalty_Points=5)
    stale = _row(conn, cid)
    before = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    writes.update_customer(
        conn, actor=RAVI, customer_id=cid, original=stale, changes={"City": "Mumbai", "Loyalty_Points": 50}
    )
    conflict = _refused(conn, cid, stale, Customer_Name="Priya S. Sharma")
    assert conflict.changed == {"City": "Mumbai", "Loyalty_Points": 50}
    by_field = {f.field: f for f in conflict.fields}
    city = by_field["City"]
    assert (city.label, city.loaded, city.now, city.by) == ("City", "Pune", "Mumbai", "ravi")
    assert before - dt.timedelta(seconds=1) <= city.at <= before + dt.timedelta(minutes=1)
    expected = "City: now “Mumbai” (“Pune” when you opened the form), changed by ravi on {}."
    assert city.sentence == expected.format(formats.date_text(city.at))
    points = by_field["Loyalty_Points"]
    assert (points.label, points.loaded, points.now, points.by) == ("Loyalty points", "5", "50", "ravi")
    assert _row(conn, cid)["Customer_Name"] == stale["Customer_Name"]  # nothing was saved


def test_a_change_by_a_raw_update_is_changed_outside_this_app(conn):
    cid = insert_customer(conn, City="Pune")
    stale = _row(conn, cid)
    conn.execute(update(customer_info).where(customer_info.c.Customer_ID == cid).values(City="Nagpur"))
    conflict = _refused(conn, cid, stale, Customer_Name="Someone Else")
    (city,) = conflict.fields
    assert (city.label, city.loaded, city.now, city.by, city.at) == ("City", "Pune", "Nagpur", None, None)
    assert city.source == conflicts.OUTSIDE_APP == "changed outside this app"
    assert "changed outside this app" in city.sentence and "“Nagpur”" in city.sentence


def test_an_app_save_overwritten_by_another_program_is_changed_outside_this_app(conn):
    """The audit log's latest save of the field wrote another value: it does not explain this one."""
    cid = insert_customer(conn, City="Pune")
    writes.update_customer(
        conn, actor=RAVI, customer_id=cid, original=_row(conn, cid), changes={"City": "Goa"}
    )
    stale = _row(conn, cid)
    conn.execute(update(customer_info).where(customer_info.c.Customer_ID == cid).values(City="Delhi"))
    (city,) = _refused(conn, cid, stale, Customer_Name="Someone Else").fields
    assert (city.loaded, city.now, city.by) == ("Goa", "Delhi", None)


def test_the_latest_of_several_app_saves_is_named(engine):
    """Two real connections, real commits: the value stored now is the second user's."""
    with engine.connect() as setup:
        cid = writes.create_customer(setup, actor=EDITOR, data=customer_data(City="Pune")).record_id
    with engine.connect() as first, engine.connect() as second:
        stale = customer_360(second, customer_id=cid).profile
        second.rollback()
        writes.update_customer(first, actor=RAVI, customer_id=cid, original=stale, changes={"City": "Mumbai"})
        loaded = customer_360(first, customer_id=cid).profile
        first.rollback()
        writes.update_customer(
            first, actor=Actor("ada", "admin"), customer_id=cid, original=loaded, changes={"City": "Thane"}
        )
        (city,) = _refused(second, cid, stale, Loyalty_Points=9).fields
    assert (city.loaded, city.now, city.by) == ("Pune", "Thane", "ada")


def test_a_preference_conflict_shows_yes_and_no_with_who(conn):
    cid = insert_customer(conn)
    pid = insert_preference(conn, cid, Marketing_Consent=False)
    p = customer_preferences.c
    stale = dict(conn.execute(select(customer_preferences).where(p.Preference_ID == pid)).mappings().one())
    writes.update_preference(
        conn, actor=RAVI, preference_id=pid, original=stale, changes={"Marketing_Consent": True}
    )
    with pytest.raises(writes.Conflict) as refused:
        writes.update_preference(
            conn, actor=EDITOR, preference_id=pid, original=stale, changes={"Time_Zone": "UTC"}
        )
    (consent,) = refused.value.fields
    assert (consent.label, consent.loaded, consent.now, consent.by) == (
        "Marketing consent",
        "No",
        "Yes",
        "ravi",
    )


def test_personal_values_are_masked_for_a_role_that_may_not_see_them(conn):
    cid = insert_customer(conn, Email="priya.old@gmail.com", Phone="+919876543210")
    stale = _row(conn, cid)
    conn.execute(
        update(customer_info)
        .where(customer_info.c.Customer_ID == cid)
        .values(Email="priya.new@gmail.com", Phone="+919812345678")
    )
    current = _row(conn, cid)
    for actor, email, phone in (
        (Actor("vikram", "viewer"), "p*****@gmail.com", "+91 ******5678"),
        (EDITOR, "priya.new@gmail.com", "+91 98123 45678"),
    ):
        with pytest.raises(conflicts.Conflict) as refused:
            conflicts.check_original(
                conn,
                actor=actor,
                table=customer_info,
                record_id=cid,
                customer_id=cid,
                current=current,
                original=stale,
            )
        shown = {f.field: f.now for f in refused.value.fields}
        assert shown == {"Email": email, "Phone": phone}


@pytest.fixture
def engine(fresh_engine):
    upgrade(fresh_engine)
    return fresh_engine
