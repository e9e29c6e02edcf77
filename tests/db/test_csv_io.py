"""CSV export (chunks, masking, formula injection) and import (dry run, commit, malformed files)."""

from __future__ import annotations

import csv
import io
import json
import os

import pytest
from sqlalchemy import func, select

from db import csv_io
from db.access import Actor, PermissionDenied
from db.audit import audit_log
from db.filters import CustomerFilter
from db.models import customer_info, customer_preferences, customer_segments
from tests.db.factories import insert_customer

ADMIN = Actor("anita", "admin")
EDITOR = Actor("esha", "editor")


def _count(conn, table, *where):
    return conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one()


def _counts(conn):
    return tuple(_count(conn, t) for t in (customer_info, customer_preferences, customer_segments, audit_log))


# --- neutralise -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Priya", "Priya"),
        ("+919876543210", "+919876543210"),  # a phone in E.164: a number to a spreadsheet
        ("+91 98765 43210", "'+91 98765 43210"),
        ("+1+1+1+1+1", "'+1+1+1+1+1"),
        ("a=b", "a=b"),
        ("", ""),
        (42, 42),
        (None, None),
    ],
)
def test_neutralise(value, expected):
    assert csv_io.neutralise(value) == expected


# --- export ----------------------------------------------------------------------------------------


def _export(conn, **kwargs) -> tuple[list[str], list[list[str]]]:
    chunks = list(csv_io.export_customers(conn, **kwargs))
    rows = list(csv.reader(io.StringIO("".join(chunks))))
    return chunks, rows


def test_export_in_chunks_with_formula_cells_neutralised(conn):
    ids = [insert_customer(conn, City="Exportville", Customer_Name=f"=cmd|' /C calc'!A{i}") for i in range(7)]
    insert_customer(conn, City="Elsewhere")
    chunks, rows = _export(conn, f=CustomerFilter(cities=("Exportville",)), masked=False, chunk_size=3)
    assert rows[0] == list(csv_io.EXPORT_COLUMNS)
    assert len(chunks) == 1 + 3  # header, 3 + 3 + 1 rows
    body = rows[1:]
    assert [int(r[0]) for r in body] == ids
    name = csv_io.EXPORT_COLUMNS.index("Customer_Name")
    assert all(r[name].startswith("'=cmd") for r in body)
    phone = csv_io.EXPORT_COLUMNS.index("Phone")
    assert body[0][phone].startswith("+91")  # a valid phone stays as it is (issue 14)


def test_export_masked(conn):
    insert_customer(conn, City="Maskpur", Email="secret.person@example.com", Phone="+919876500001", Age=53)
    _, rows = _export(conn, f=CustomerFilter(cities=("Maskpur",)), masked=True)
    assert rows[0] == list(csv_io.MASKED_EXPORT_COLUMNS)
    assert "Date_of_Birth" not in rows[0]  # a masked file has no date column holding '53 years'
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Email"] == "s*****@example.com"
    assert row["Phone"].endswith("******0001")
    assert row["Age"] == "53"


def test_export_with_search_term(conn):
    cid = insert_customer(conn, City="Termcity", Customer_Name="Zorawar Singh")
    insert_customer(conn, City="Termcity", Customer_Name="Other Person")
    _, rows = _export(conn, f=CustomerFilter(cities=("Termcity",)), query="zorawar", masked=False)
    assert [int(r[0]) for r in rows[1:]] == [cid]


# --- import: dry run and commit ---------------------------------------------------------------------

HEADER = "Customer_Name,Email,Phone,Gender,Date_of_Birth,City,State,Postal_Code,Loyalty_Points\n"


def _csv(*lines: str, header: str = HEADER) -> bytes:
    return (header + "".join(line + "\n" for line in lines)).encode()


def test_dry_run_counts_and_errors_then_commit(conn):
    insert_customer(conn, Email="existing.one@example.com", City="Pune", Loyalty_Points=5)
    data = _csv(
        "Asha Rao,asha.rao.imp@example.com,98765 11111,Female,1985-02-03,Chennai,Tamil Nadu,600001,10",
        "Existing One,Existing.One@example.com,,,1990-05-17,Mumbai,Maharashtra,,",
        "Bad Row,not-an-email,12,X,2015-01-01,,Goa,012345,-3",
        "Dup,asha.rao.imp@example.com,,,1980-01-01,Pune,MH,,",
        '"=HYPERLINK(""x"")",formula@example.com,,,1980-01-01,Pune,MH,,',
    )
    before = _counts(conn)
    plan = csv_io.dry_run(conn, customers_csv=data)
    assert _counts(conn) == before  # a dry run touches nothing
    assert (plan.to_create, plan.to_update, plan.error_rows) == (2, 1, 2)
    errors = plan.errors
    assert list(errors.columns) == ["file", "row", "field", "rule"]
    bad = errors[errors["row"] == 4]
    assert set(bad["field"]) == {
        "Email",
        "Phone",
        "Gender",
        "Date_of_Birth",
        "City",
        "Postal_Code",
        "Loyalty_Points",
    }
    assert errors[errors["row"] == 5]["rule"].iloc[0] == "Email: the same address is in row 2"
    report = list(csv.reader(io.StringIO(plan.errors_csv())))
    assert report[0] == ["file", "row", "field", "rule"]

    result = csv_io.commit_import(conn, actor=ADMIN, plan=plan, all_or_nothing=False)
    assert (result.created, result.updated, result.skipped) == (2, 1, 2)
    row = (
        conn.execute(select(customer_info).where(customer_info.c.Email == "asha.rao.imp@example.com"))
        .mappings()
        .one()
    )
    assert (row["Phone"], row["Loyalty_Points"], row["Age"] is not None) == ("+919876511111", 10, True)
    updated = (
        conn.execute(select(customer_info).where(customer_info.c.Email == "existing.one@example.com"))
        .mappings()
        .one()
    )
    assert updated["City"] == "Mumbai"
    assert updated["Loyalty_Points"] == 5  # empty cell: left unchanged
    formula = conn.execute(
        select(customer_info.c.Customer_Name).where(customer_info.c.Email == "formula@example.com")
    )
    assert formula.scalar_one() == '=HYPERLINK("x")'  # stored as typed; neutralised on export
    audits = conn.execute(
        select(audit_log.c.action, audit_log.c.field, audit_log.c.old_value, audit_log.c.new_value).where(
            audit_log.c.customer_id == updated["Customer_ID"]
        )
    ).all()
    assert ("update", "City", "Pune", "Mumbai") in audits
    created = conn.execute(
        select(audit_log.c.username, audit_log.c.field, audit_log.c.new_value).where(
            audit_log.c.customer_id == row["Customer_ID"], audit_log.c.action == "create"
        )
    ).one()
    assert (created.username, created.field) == ("anita", "*")  # one row per created record
    assert json.loads(created.new_value)["Email"] == "asha.rao.imp@example.com"


def test_all_or_nothing_imports_nothing_when_a_row_is_bad(conn):
    data = _csv(
        "Good Person,good.aon@example.com,,,1985-02-03,Chennai,Tamil Nadu,600001,",
        "Bad Person,bad.aon@example.com,,,1985-02-03,,Tamil Nadu,600001,",
    )
    plan = csv_io.dry_run(conn, customers_csv=data)
    before = _counts(conn)
    with pytest.raises(csv_io.ImportRejected, match="nothing was imported"):
        csv_io.commit_import(conn, actor=ADMIN, plan=plan, all_or_nothing=True)
    assert _counts(conn) == before


def test_all_or_nothing_with_clean_file(conn):
    plan = csv_io.dry_run(
        conn, customers_csv=_csv("Clean Person,clean.aon@example.com,,,1985-02-03,Agra,UP,282001,")
    )
    result = csv_io.commit_import(conn, actor=ADMIN, plan=plan, all_or_nothing=True)
    assert (result.created, result.skipped) == (1, 0)


def test_import_needs_admin(conn):
    plan = csv_io.dry_run(conn, customers_csv=_csv("P Q,pq.admin@example.com,,,1985-02-03,Agra,UP,,"))
    before = _counts(conn)
    with pytest.raises(PermissionDenied):
        csv_io.commit_import(conn, actor=EDITOR, plan=plan, all_or_nothing=False)
    assert _counts(conn) == before


def test_failure_in_the_middle_of_an_import_writes_nothing(conn, monkeypatch):
    plan = csv_io.dry_run(conn, customers_csv=_csv("Mid Fail,mid.fail@example.com,,,1985-02-03,Agra,UP,,"))
    before = _counts(conn)
    monkeypatch.setattr(csv_io.audit, "write", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("boom")))
    with pytest.raises(RuntimeError):
        csv_io.commit_import(conn, actor=ADMIN, plan=plan, all_or_nothing=False)
    assert _counts(conn) == before


def test_preferences_and_segments_linked_by_email_and_customer_id(conn):
    existing = insert_customer(conn, Email="linked.existing@example.com")
    customers = _csv(
        "New Linked,new.linked@example.com,,,1985-02-03,Agra,UP,,",
        header="Customer_ID,Customer_Name,Email,Phone,Gender,Date_of_Birth,City,State,Postal_Code\n",
    ).replace(b"New Linked", b"N1,New Linked", 1)
    prefs = (
        "Email,Customer_ID,Communication_Channel,Marketing_Consent\n"
        "new.linked@example.com,,SMS,yes\n"
        f",{existing},Email,no\n"
        ",N1,Push,1\n"
        "nobody@example.com,,SMS,yes\n"
        "new.linked@example.com,,Fax,yes\n"
    ).encode()
    segs = (
        b"Email,Segment_Name,Segment_Category,Lifetime_Value,Risk_Score\n"
        b"new.linked@example.com,Starter,Economy,100.50,20\n"
        b"linked.existing@example.com,Whale,VIP,999999,5\n"
    )
    plan = csv_io.dry_run(conn, customers_csv=customers, preferences_csv=prefs, segments_csv=segs)
    assert (plan.to_create, plan.preferences_to_create, plan.segments_to_create) == (1, 3, 2)
    assert set(zip(plan.errors["file"], plan.errors["field"], strict=True)) == {
        ("preferences", "Email"),
        ("preferences", "Communication_Channel"),
    }
    result = csv_io.commit_import(conn, actor=ADMIN, plan=plan, all_or_nothing=False)
    assert (result.preferences_created, result.segments_created) == (3, 2)
    assert result.tables == {"Customer_Info", "Customer_Preferences", "Customer_Segments", "audit_log"}
    new_id = conn.execute(
        select(customer_info.c.Customer_ID).where(customer_info.c.Email == "new.linked@example.com")
    ).scalar_one()
    assert result.customer_ids == {new_id, existing}
    channels = conn.execute(
        select(customer_preferences.c.Communication_Channel).where(
            customer_preferences.c.Customer_ID == new_id
        )
    ).scalars()
    assert sorted(channels) == ["Push", "SMS"]
    assert _count(conn, customer_segments, customer_segments.c.Customer_ID == existing) == 1


def test_side_file_updates_existing_channel(conn):
    from tests.db.factories import insert_preference

    cid = insert_customer(conn, Email="channel.owner@example.com")
    insert_preference(conn, cid, Communication_Channel="SMS", Marketing_Consent=False)
    customers = _csv("Channel Owner,channel.owner@example.com,,,1985-02-03,Agra,UP,,")
    prefs = b"Email,Communication_Channel,Marketing_Consent\nchannel.owner@example.com,SMS,yes\n"
    plan = csv_io.dry_run(conn, customers_csv=customers, preferences_csv=prefs)
    assert (plan.preferences_to_create, plan.preferences_to_update) == (0, 1)
    result = csv_io.commit_import(conn, actor=ADMIN, plan=plan, all_or_nothing=True)
    assert result.preferences_updated == 1
    consent = conn.execute(
        select(customer_preferences.c.Marketing_Consent).where(customer_preferences.c.Customer_ID == cid)
    ).scalar_one()
    assert bool(consent) is True


# --- malformed files ---------------------------------------------------------------------------------

GOOD_ROW = "Asha Rao,asha@example.com,,,1985-02-03,Chennai,Tamil Nadu,600001,"

MALFORMED = [
    ("empty", b"", "the file is empty"),
    ("blank lines", b"\n\n  \n", "the file is empty"),
    ("header only", HEADER.encode(), "has a header but no data rows"),
    (
        "wrong encoding",
        (HEADER + "Zoë Müller,zoe@example.com,,,1985-02-03,Köln,NRW,,\n").encode("latin-1"),
        "not UTF-8",
    ),
    (
        "semicolons",
        _csv(GOOD_ROW.replace(",", ";"), header=HEADER.replace(",", ";")),
        "separated by semicolons",
    ),
    ("tabs", _csv(GOOD_ROW.replace(",", "\t"), header=HEADER.replace(",", "\t")), "separated by tabs"),
    (
        "missing columns",
        b"Name,Mail\nAsha,asha@example.com\n",
        "required column(s) missing: Customer_Name, Email",
    ),
    ("binary", b"PK\x03\x04\x00\x00garbage" * 100, "not a CSV text file"),
    ("random bytes", os.urandom(4096), ""),
]


@pytest.mark.parametrize(("kind", "data", "message"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_files_are_rejected_and_nothing_changes(conn, kind, data, message):
    before = _counts(conn)
    with pytest.raises(csv_io.ImportRejected, match=None) as rejected:
        csv_io.dry_run(conn, customers_csv=data)
    assert str(rejected.value).startswith("customers: ")
    assert message in str(rejected.value)
    assert _counts(conn) == before


def test_huge_garbage_is_rejected_by_size_before_reading(conn):
    garbage = b"\xde\xad\xbe\xef" * (200 * 1024 * 1024 // 4)  # 200 MB
    with pytest.raises(csv_io.ImportRejected, match="at most 50 MB"):
        csv_io.dry_run(conn, customers_csv=garbage)
    del garbage


def test_malformed_side_file(conn):
    with pytest.raises(csv_io.ImportRejected, match="preferences: required column"):
        csv_io.dry_run(conn, customers_csv=_csv(GOOD_ROW), preferences_csv=b"Email,Channel\na@b.com,SMS\n")
    with pytest.raises(csv_io.ImportRejected, match="segments: required column.*Email or Customer_ID"):
        csv_io.dry_run(
            conn, customers_csv=_csv(GOOD_ROW), segments_csv=b"Segment_Name,Segment_Category\nx,VIP\n"
        )
