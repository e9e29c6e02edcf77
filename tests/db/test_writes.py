"""Writes: validation, permissions, audit rows, lost-update conflicts, rollback, error translation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import func, select

from db import writes
from db.access import Actor, PermissionDenied
from db.audit import audit_log
from db.current_segment import current_segment
from db.migrate import upgrade
from db.models import customer_info, customer_preferences, customer_segments
from db.records import customer_360
from tests.db.factories import (
    customer_data,
    insert_customer,
    insert_preference,
    insert_segment,
)

EDITOR = Actor("esha", "editor")
VIEWER = Actor("vikram", "viewer")
INJECTIONS = ['\'; DROP TABLE "Customer_Info"; --', '" OR 1=1 --']


def _row(conn, customer_id):
    return (
        conn.execute(select(customer_info).where(customer_info.c.Customer_ID == customer_id))
        .mappings()
        .first()
    )


def _audit(conn, **where):
    stmt = select(audit_log)
    for key, value in where.items():
        stmt = stmt.where(audit_log.c[key] == value)
    return [dict(r) for r in conn.execute(stmt.order_by(audit_log.c.id)).mappings()]


def _count(conn, table):
    return conn.execute(select(func.count()).select_from(table)).scalar_one()


# --- create ----------------------------------------------------------------------------------


def test_create_writes_row_audit_and_reports_tables(conn):
    result = writes.create_customer(
        conn, actor=EDITOR, data=customer_data(Phone="98765 43210", Email="New@Example.com")
    )
    row = _row(conn, result.record_id)
    assert row["Email"] == "new@example.com"
    assert row["Phone"] == "+919876543210"
    assert row["Age"] is not None
    assert result.tables == {"Customer_Info", "audit_log"}
    assert result.customer_ids == {result.record_id}
    rows = _audit(conn, customer_id=result.record_id)
    assert {r["action"] for r in rows} == {"create"}
    assert {r["username"] for r in rows} == {"esha"}
    by_field = {r["field"]: r for r in rows}
    assert by_field["Email"]["old_value"] is None
    assert by_field["Email"]["new_value"] == "new@example.com"
    assert by_field["Date_of_Birth"]["new_value"] == "1990-05-17"


def test_create_invalid_raises_all_errors_and_writes_nothing(conn):
    before = _count(conn, customer_info)
    with pytest.raises(writes.ValidationFailed) as failed:
        writes.create_customer(conn, actor=EDITOR, data=customer_data(Email="nope", Postal_Code="12"))
    assert set(failed.value.errors) == {"Email", "Postal_Code"}
    assert _count(conn, customer_info) == before


def test_viewer_is_refused_and_nothing_changes(conn):
    cid = insert_customer(conn, City="Pune")
    original = dict(_row(conn, cid))
    audits = _count(conn, audit_log)
    calls = [
        lambda: writes.create_customer(conn, actor=VIEWER, data=customer_data()),
        lambda: writes.update_customer(
            conn, actor=VIEWER, customer_id=cid, original=original, changes={"City": "Goa"}
        ),
        lambda: writes.set_account_status(
            conn, actor=VIEWER, customer_id=cid, status="Inactive", original=original
        ),
        lambda: writes.delete_customer(conn, actor=VIEWER, customer_id=cid, confirm=original["Email"]),
        lambda: writes.add_preference(
            conn, actor=VIEWER, customer_id=cid, data={"Communication_Channel": "SMS"}
        ),
        lambda: writes.add_segment(
            conn, actor=VIEWER, customer_id=cid, data={"Segment_Name": "x", "Segment_Category": "VIP"}
        ),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    assert dict(_row(conn, cid)) == original
    assert _count(conn, audit_log) == audits


def test_duplicate_email_and_phone_are_field_errors(conn):
    insert_customer(conn, Email="taken@example.com", Phone="+919876543210")
    with pytest.raises(writes.ValidationFailed) as failed:
        writes.create_customer(
            conn, actor=EDITOR, data=customer_data(Email="TAKEN@example.com", Phone="098765 43210")
        )
    assert failed.value.errors == {
        "Email": "Email: already used by another customer",
        "Phone": "Phone: already used by another customer",
    }


def test_unique_violation_from_the_database_becomes_a_field_error(conn, monkeypatch):
    """The race: the pre-check passed, another session took the email a moment later."""
    insert_customer(conn, Email="race@example.com")
    monkeypatch.setattr(writes, "_check_unique", lambda *a, **k: None)
    before = _count(conn, customer_info)
    with pytest.raises(writes.ValidationFailed) as failed:
        writes.create_customer(conn, actor=EDITOR, data=customer_data(Email="race@example.com"))
    assert failed.value.errors == {"Email": "Email: already used by another customer"}
    assert _count(conn, customer_info) == before


@pytest.mark.parametrize("text", INJECTIONS)
def test_injection_strings_are_stored_as_plain_data(conn, text):
    result = writes.create_customer(conn, actor=EDITOR, data=customer_data(Customer_Name=text, City=text))
    row = _row(conn, result.record_id)
    assert row["Customer_Name"] == text
    assert row["City"] == text
    assert _count(conn, customer_info) >= 1


# --- update ----------------------------------------------------------------------------------


def test_update_writes_only_changed_fields_with_audit(conn):
    cid = insert_customer(conn, City="Pune", Loyalty_Points=10)
    original = dict(_row(conn, cid))
    result = writes.update_customer(
        conn,
        actor=EDITOR,
        customer_id=cid,
        original=original,
        changes={"City": "Mumbai", "Loyalty_Points": "10", "State": original["State"]},
    )
    assert result.changed == ("City",)
    assert result.tables == frozenset({"Customer_Info", "audit_log"})
    assert _row(conn, cid)["City"] == "Mumbai"
    rows = _audit(conn, customer_id=cid)
    assert [(r["action"], r["field"], r["old_value"], r["new_value"]) for r in rows] == [
        ("update", "City", "Pune", "Mumbai")
    ]


def test_update_with_nothing_changed_is_a_no_op(conn):
    cid = insert_customer(conn)
    original = dict(_row(conn, cid))
    result = writes.update_customer(
        conn, actor=EDITOR, customer_id=cid, original=original, changes={"City": original["City"]}
    )
    assert result.tables == frozenset()
    assert _audit(conn, customer_id=cid) == []


def test_update_date_of_birth_recomputes_age(conn):
    cid = insert_customer(conn)
    original = dict(_row(conn, cid))
    writes.update_customer(
        conn,
        actor=EDITOR,
        customer_id=cid,
        original=original,
        changes={"Date_of_Birth": "2000-01-01"},
        today=dt.date(2026, 6, 1),
    )
    assert _row(conn, cid)["Age"] == 26
    assert {r["field"] for r in _audit(conn, customer_id=cid)} == {"Date_of_Birth", "Age"}


def test_update_postal_code_checked_against_country(conn):
    cid = insert_customer(conn, Country="India")
    original = dict(_row(conn, cid))
    with pytest.raises(writes.ValidationFailed) as failed:
        writes.update_customer(
            conn, actor=EDITOR, customer_id=cid, original=original, changes={"Postal_Code": "SW1A"}
        )
    assert list(failed.value.errors) == ["Postal_Code"]


def test_update_missing_customer_is_not_found(conn):
    with pytest.raises(writes.NotFound):
        writes.update_customer(
            conn, actor=EDITOR, customer_id=987654321, original={}, changes={"City": "Goa"}
        )


def test_conflict_when_the_row_changed_since_loading(conn):
    cid = insert_customer(conn, City="Pune", Loyalty_Points=5)
    stale = dict(_row(conn, cid))
    writes.update_customer(
        conn, actor=EDITOR, customer_id=cid, original=stale, changes={"Loyalty_Points": 50}
    )
    with pytest.raises(writes.Conflict) as conflict:
        writes.update_customer(conn, actor=EDITOR, customer_id=cid, original=stale, changes={"City": "Goa"})
    assert conflict.value.changed == {"Loyalty_Points": 50}
    assert _row(conn, cid)["City"] == "Pune"


def test_set_account_status(conn):
    cid = insert_customer(conn, Account_Status="Active")
    result = writes.set_account_status(
        conn, actor=EDITOR, customer_id=cid, status="suspended", original=dict(_row(conn, cid))
    )
    assert _row(conn, cid)["Account_Status"] == "Suspended"
    assert result.changed == ("Account_Status",)
    with pytest.raises(writes.ValidationFailed):
        writes.set_account_status(
            conn, actor=EDITOR, customer_id=cid, status="Gone", original=dict(_row(conn, cid))
        )


# --- two real connections, real commits ------------------------------------------------------


@pytest.fixture
def engine(fresh_engine):
    upgrade(fresh_engine)
    return fresh_engine


def test_two_editors_second_is_told_what_changed(engine):
    with engine.connect() as setup:
        cid = writes.create_customer(
            setup, actor=EDITOR, data=customer_data(City="Pune", Loyalty_Points=1)
        ).record_id
    with engine.connect() as first, engine.connect() as second:
        loaded_first = customer_360(first, customer_id=cid).profile
        first.rollback()
        loaded_second = customer_360(second, customer_id=cid).profile
        second.rollback()
        writes.update_customer(
            first, actor=EDITOR, customer_id=cid, original=loaded_first, changes={"City": "Mumbai"}
        )
        with pytest.raises(writes.Conflict) as conflict:
            writes.update_customer(
                second,
                actor=Actor("ravi", "editor"),
                customer_id=cid,
                original=loaded_second,
                changes={"City": "Delhi", "Loyalty_Points": 9},
            )
        assert conflict.value.changed == {"City": "Mumbai"}
        assert "City" in str(conflict.value)
    with engine.connect() as check:
        row = _row(check, cid)
        assert (row["City"], row["Loyalty_Points"]) == ("Mumbai", 1)
        assert [r["username"] for r in _audit(check, customer_id=cid, action="update")] == ["esha"]


def test_failure_after_the_update_rolls_everything_back(engine, monkeypatch):
    with engine.connect() as setup:
        cid = writes.create_customer(setup, actor=EDITOR, data=customer_data(City="Pune")).record_id
    audits_before = None
    with engine.connect() as check:
        audits_before = _count(check, audit_log)

    def broken_audit(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(writes.audit, "record", broken_audit)
    with engine.connect() as conn:
        original = dict(_row(conn, cid))
        conn.rollback()
        with pytest.raises(RuntimeError):
            writes.update_customer(
                conn, actor=EDITOR, customer_id=cid, original=original, changes={"City": "Mumbai"}
            )
        assert not conn.in_transaction()
    with engine.connect() as check:
        assert _row(check, cid)["City"] == "Pune"
        assert _count(check, audit_log) == audits_before


def test_failure_in_the_middle_of_a_delete_keeps_everything(engine, monkeypatch):
    with engine.begin() as setup:
        cid = insert_customer(setup)
        insert_preference(setup, cid)
        insert_segment(setup, cid)
    email = None
    with engine.connect() as conn:
        email = _row(conn, cid)["Email"]
        conn.rollback()
        monkeypatch.setattr(
            writes.audit, "write", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("boom"))
        )
        with pytest.raises(RuntimeError):
            writes.delete_customer(conn, actor=EDITOR, customer_id=cid, confirm=email)
    with engine.connect() as check:
        assert _row(check, cid) is not None
        assert _count(check, customer_preferences) == 1
        assert _count(check, customer_segments) == 1


def test_lost_connection_becomes_write_failed(engine, monkeypatch):
    with engine.connect() as setup:
        cid = writes.create_customer(setup, actor=EDITOR, data=customer_data(City="Pune")).record_id

    def lost(*args, **kwargs):
        raise sa_exc.OperationalError(
            "UPDATE ...", {}, Exception("server closed the connection unexpectedly")
        )

    monkeypatch.setattr(writes.audit, "record", lost)
    with engine.connect() as conn:
        original = dict(_row(conn, cid))
        conn.rollback()
        with pytest.raises(writes.WriteFailed, match="connection was lost; nothing was saved"):
            writes.update_customer(
                conn, actor=EDITOR, customer_id=cid, original=original, changes={"City": "Mumbai"}
            )
    with engine.connect() as check:
        assert _row(check, cid)["City"] == "Pune"


# --- delete ----------------------------------------------------------------------------------


def test_delete_needs_the_exact_email(conn):
    cid = insert_customer(conn, Email="keep@example.com")
    with pytest.raises(writes.ValidationFailed) as failed:
        writes.delete_customer(conn, actor=EDITOR, customer_id=cid, confirm="KEEP@example.com ")
    assert list(failed.value.errors) == ["confirm"]
    assert _row(conn, cid) is not None


def test_delete_cascades_with_audit_for_every_record(conn):
    cid = insert_customer(conn, Email="gone@example.com")
    pid = insert_preference(conn, cid)
    sid = insert_segment(conn, cid)
    writes.add_segment(
        conn, actor=EDITOR, customer_id=cid, data={"Segment_Name": "New", "Segment_Category": "VIP"}
    )
    result = writes.delete_customer(conn, actor=EDITOR, customer_id=cid, confirm="gone@example.com")
    assert result.tables == {"Customer_Info", "Customer_Preferences", "Customer_Segments", "audit_log"}
    assert result.customer_ids == {cid}
    assert _row(conn, cid) is None
    assert (
        conn.execute(select(customer_preferences).where(customer_preferences.c.Customer_ID == cid)).first()
        is None
    )
    cs = current_segment()
    assert conn.execute(select(cs).where(cs.c.Customer_ID == cid)).first() is None
    deleted = _audit(conn, customer_id=cid, action="delete")
    tables = {(r["table_name"], r["record_id"]) for r in deleted}
    assert ("Customer_Info", cid) in tables
    assert ("Customer_Preferences", pid) in tables
    assert ("Customer_Segments", sid) in tables
    email_row = next(r for r in deleted if r["field"] == "Email")
    assert (email_row["old_value"], email_row["new_value"]) == ("gone@example.com", None)


# --- preferences and segments ------------------------------------------------------------------


def test_preferences_one_per_channel_and_audited(conn):
    cid = insert_customer(conn)
    pid = writes.add_preference(
        conn, actor=EDITOR, customer_id=cid, data={"Communication_Channel": "sms", "Marketing_Consent": "yes"}
    ).record_id
    with pytest.raises(writes.ValidationFailed) as failed:
        writes.add_preference(conn, actor=EDITOR, customer_id=cid, data={"Communication_Channel": "SMS"})
    assert (
        failed.value.errors["Communication_Channel"] == "Channel: this customer already has an SMS preference"
    )
    other = writes.add_preference(
        conn, actor=EDITOR, customer_id=cid, data={"Communication_Channel": "Email"}
    ).record_id
    loaded = dict(
        conn.execute(select(customer_preferences).where(customer_preferences.c.Preference_ID == other))
        .mappings()
        .one()
    )
    with pytest.raises(writes.ValidationFailed):
        writes.update_preference(
            conn, actor=EDITOR, preference_id=other, original=loaded, changes={"Communication_Channel": "SMS"}
        )
    writes.update_preference(
        conn, actor=EDITOR, preference_id=other, original=loaded, changes={"Marketing_Consent": True}
    )
    with pytest.raises(writes.Conflict) as conflict:
        writes.update_preference(
            conn, actor=EDITOR, preference_id=other, original=loaded, changes={"Time_Zone": "UTC"}
        )
    assert conflict.value.changed == {"Marketing_Consent": True}
    writes.delete_preference(conn, actor=EDITOR, preference_id=pid)
    actions = [(r["table_name"], r["action"], r["field"]) for r in _audit(conn, customer_id=cid)]
    assert ("Customer_Preferences", "create", "Communication_Channel") in actions
    assert ("Customer_Preferences", "update", "Marketing_Consent") in actions
    assert ("Customer_Preferences", "delete", "Communication_Channel") in actions


def test_segments_move_the_current_segment(conn):
    cid = insert_customer(conn)
    old = insert_segment(conn, cid, Segment_Category="Economy", Last_Updated=dt.datetime(2020, 1, 1))
    result = writes.add_segment(
        conn,
        actor=EDITOR,
        customer_id=cid,
        data={"Segment_Name": "Big spender", "Segment_Category": "VIP", "Risk_Score": "12.5"},
    )
    assert result.tables == {"Customer_Segments", "audit_log"}
    cs = current_segment()
    current = conn.execute(select(cs).where(cs.c.Customer_ID == cid)).mappings().one()
    assert (current["Segment_ID"], current["Segment_Category"], current["Risk_Score"]) == (
        result.record_id,
        "VIP",
        Decimal("12.50"),
    )
    loaded = dict(
        conn.execute(select(customer_segments).where(customer_segments.c.Segment_ID == result.record_id))
        .mappings()
        .one()
    )
    writes.update_segment(
        conn, actor=EDITOR, segment_id=result.record_id, original=loaded, changes={"Risk_Score": 80}
    )
    assert conn.execute(select(cs.c.Risk_Score).where(cs.c.Customer_ID == cid)).scalar() == 80
    writes.delete_segment(conn, actor=EDITOR, segment_id=result.record_id)
    assert conn.execute(select(cs.c.Segment_ID).where(cs.c.Customer_ID == cid)).scalar() == old
    fields = {
        (r["action"], r["field"]) for r in _audit(conn, customer_id=cid, table_name="Customer_Segments")
    }
    assert {("create", "Segment_Name"), ("update", "Risk_Score"), ("delete", "Segment_Name")} <= fields
