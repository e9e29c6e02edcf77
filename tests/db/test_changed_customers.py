"""Every write names the customers whose rows it created, changed or deleted (customer_ids), and
nothing derived is written beside the customer's three tables."""

from __future__ import annotations

from sqlalchemy import func, select

from db import csv_io, writes
from db.access import Actor
from db.models import customer_info, customer_preferences, customer_segments
from tests.db.factories import customer_data, insert_customer, insert_preference, insert_segment

EDITOR = Actor("esha", "editor")
ADMIN = Actor("anita", "admin")


def _row(conn, table, key, value) -> dict:
    return dict(conn.execute(select(table).where(table.c[key] == value)).mappings().one())


def test_customer_writes_name_their_customer(conn):
    bystander = insert_customer(conn)
    created = writes.create_customer(conn, actor=EDITOR, data=customer_data())
    cid = created.record_id
    assert created.customer_ids == {cid}
    original = _row(conn, customer_info, "Customer_ID", cid)
    updated = writes.update_customer(
        conn, actor=EDITOR, customer_id=cid, original=original, changes={"City": "Nashik"}
    )
    assert updated.customer_ids == {cid}
    unchanged = writes.update_customer(
        conn,
        actor=EDITOR,
        customer_id=cid,
        original=_row(conn, customer_info, "Customer_ID", cid),
        changes={"City": "Nashik"},
    )
    assert unchanged.customer_ids == frozenset()
    status = writes.set_account_status(
        conn,
        actor=EDITOR,
        customer_id=cid,
        status="Suspended",
        original=_row(conn, customer_info, "Customer_ID", cid),
    )
    assert status.customer_ids == {cid}
    deleted = writes.delete_customer(conn, actor=EDITOR, customer_id=cid, confirm=original["Email"])
    assert deleted.customer_ids == {cid}
    assert bystander not in created.customer_ids | updated.customer_ids | deleted.customer_ids


def test_preference_writes_name_their_customer(conn):
    cid, other = insert_customer(conn), insert_customer(conn)
    insert_preference(conn, other, Communication_Channel="SMS")
    added = writes.add_preference(conn, actor=EDITOR, customer_id=cid, data={"Communication_Channel": "SMS"})
    assert added.customer_ids == {cid}
    pid = added.record_id
    original = _row(conn, customer_preferences, "Preference_ID", pid)
    updated = writes.update_preference(
        conn, actor=EDITOR, preference_id=pid, original=original, changes={"Time_Zone": "UTC"}
    )
    assert updated.customer_ids == {cid}
    unchanged = writes.update_preference(
        conn,
        actor=EDITOR,
        preference_id=pid,
        original=_row(conn, customer_preferences, "Preference_ID", pid),
        changes={"Time_Zone": "UTC"},
    )
    assert unchanged.customer_ids == frozenset()
    assert writes.delete_preference(conn, actor=EDITOR, preference_id=pid).customer_ids == {cid}


def test_segment_writes_name_their_customer(conn):
    cid, other = insert_customer(conn), insert_customer(conn)
    insert_segment(conn, other)
    added = writes.add_segment(
        conn, actor=EDITOR, customer_id=cid, data={"Segment_Name": "Loyal", "Segment_Category": "VIP"}
    )
    assert added.customer_ids == {cid}
    sid = added.record_id
    original = _row(conn, customer_segments, "Segment_ID", sid)
    updated = writes.update_segment(
        conn, actor=EDITOR, segment_id=sid, original=original, changes={"Risk_Score": 55}
    )
    assert updated.customer_ids == {cid}
    unchanged = writes.update_segment(
        conn,
        actor=EDITOR,
        segment_id=sid,
        original=_row(conn, customer_segments, "Segment_ID", sid),
        changes={"Risk_Score": 55},
    )
    assert unchanged.customer_ids == frozenset()
    deleted = writes.delete_segment(conn, actor=EDITOR, segment_id=sid)
    assert deleted.customer_ids == {cid}
    assert deleted.tables == {"Customer_Segments", "audit_log"}


def test_csv_import_names_every_customer_it_wrote_and_no_other(conn):
    changed = insert_customer(conn, Email="imp.changed@example.com", City="Pune")
    same = insert_customer(conn, Email="imp.same@example.com")
    pref_only = insert_customer(conn, Email="imp.pref@example.com")
    insert_preference(conn, pref_only, Communication_Channel="SMS", Marketing_Consent=False)
    segment_only = insert_customer(conn, Email="imp.segment@example.com")
    untouched = insert_customer(conn, Email="imp.untouched@example.com")
    stored = _row(conn, customer_info, "Customer_ID", same)
    header = "Customer_Name,Email,Phone,Gender,Date_of_Birth,City,State,Postal_Code,Loyalty_Points\n"
    rows = [
        "New Import,imp.new@example.com,,,1985-02-03,Agra,UP,,",
        "Changed Import,imp.changed@example.com,,,1990-05-17,Mumbai,Maharashtra,,",
        f"{stored['Customer_Name']},imp.same@example.com,,{stored['Gender']},{stored['Date_of_Birth']},"
        f"{stored['City']},{stored['State']},{stored['Postal_Code']},{stored['Loyalty_Points']}",
    ]
    customers = (header + "".join(r + "\n" for r in rows)).encode()
    prefs = (
        b"Email,Communication_Channel,Marketing_Consent\n"
        b"imp.pref@example.com,SMS,yes\n"  # updates their SMS row
        b"imp.new@example.com,Email,yes\n"
    )
    segs = b"Email,Segment_Name,Segment_Category\nimp.segment@example.com,Whale,VIP\n"
    plan = csv_io.dry_run(conn, customers_csv=customers, preferences_csv=prefs, segments_csv=segs)
    assert plan.errors.empty
    result = csv_io.commit_import(conn, actor=ADMIN, plan=plan, all_or_nothing=True)
    new_id = conn.execute(
        select(customer_info.c.Customer_ID).where(customer_info.c.Email == "imp.new@example.com")
    ).scalar_one()
    assert (result.created, result.updated, result.preferences_updated) == (1, 1, 1)
    assert result.customer_ids == {new_id, changed, pref_only, segment_only}
    assert same not in result.customer_ids and untouched not in result.customer_ids


def test_no_table_beside_the_customers_grows_with_a_write(conn):
    """Only the three tables and audit_log are written: no derived rows, no watermark."""
    from sqlalchemy import inspect

    ours = [
        t
        for t in inspect(conn).get_table_names()
        if t not in ("Customer_Info", "Customer_Preferences", "Customer_Segments", "audit_log")
    ]

    def counts():
        return {
            t: conn.exec_driver_sql(
                f"SELECT COUNT(*) FROM {conn.dialect.identifier_preparer.quote(t)}"  # noqa: S608 - reflected names
            ).scalar_one()
            for t in ours
        }

    before = counts()
    cid = writes.create_customer(conn, actor=EDITOR, data=customer_data()).record_id
    writes.add_segment(
        conn, actor=EDITOR, customer_id=cid, data={"Segment_Name": "Loyal", "Segment_Category": "VIP"}
    )
    assert counts() == before
    assert conn.execute(select(func.count()).select_from(customer_segments)).scalar_one() >= 1
