"""Exports of personal data on every backend: each download writes exactly one audit row (who,
when, page, filter, rows, masked or not), which columns make a file personal, the rows in words."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from sqlalchemy import select

from db import audit_query, csv_io, exports, masking
from db.access import Actor, PermissionDenied
from db.analytics.churn import TOP_AT_RISK_COLUMNS
from db.audiences import EXPORT_COLUMNS
from db.audit import audit_log
from db.csv_cells import neutralise
from db.filters import CustomerFilter
from db.migrate import upgrade
from db.models import customer_info
from tests.db.factories import insert_customer

CITY = "Exportpur"
FILTER = CustomerFilter(cities=(CITY,), statuses=("Active",))


@pytest.fixture
def engine(fresh_engine):
    upgrade(fresh_engine)
    with fresh_engine.begin() as conn:
        for i in range(3):
            insert_customer(conn, City=CITY, Customer_Name=f"Line\nbreak {i}")  # a quoted newline
        insert_customer(conn, City=CITY, Account_Status="Suspended")
        insert_customer(conn, City="Elsewhere")
    return fresh_engine


def _export_rows(conn) -> list:
    return conn.execute(select(audit_log).where(audit_log.c.action == "export")).all()


@pytest.mark.parametrize(("role", "masked"), [("viewer", True), ("marketer", True), ("editor", False)])
def test_a_customer_list_export_writes_exactly_one_audit_row(engine, role, masked):
    actor = Actor(f"{role}1", role)
    before = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0) - dt.timedelta(seconds=1)
    with engine.connect() as conn:
        text = exports.customer_list_csv(conn, actor=actor, f=FILTER, query="", page="Customer list")
        rows = _export_rows(conn)
    assert len(rows) == 1
    row = rows[0]
    assert (row.username, row.table_name, row.field) == (actor.username, "Customer_Info", "customer_list")
    assert row.record_id is None and row.customer_id is None and row.old_value is None
    assert before <= row.at <= before + dt.timedelta(minutes=1)
    logged = json.loads(row.new_value)
    assert logged == {
        "page": "Customer list",
        "what": "Customer list",
        "filter": {"cities": CITY, "statuses": "Active"},
        "search": "",
        "rows": 3,
        "masked": masked,
    }
    assert exports.count_rows(text) == 3
    assert ("priya.sharma." in text) is not masked  # the email's local part


@pytest.mark.parametrize("role", ["viewer", "marketer", "editor", "admin"])
def test_each_column_of_a_customer_list_export_holds_what_its_header_says(engine, role):
    """Masked (viewer, marketer): no Date_of_Birth column (an age text is not a date), the Age
    column in whole years as stored, email and phone masked as on the pages. Unmasked: the stored
    values. The audit row says which."""
    masked = role in ("viewer", "marketer")
    ci = customer_info.c
    with engine.connect() as conn:
        text = exports.customer_list_csv(conn, actor=Actor(f"{role}1", role), f=FILTER, page="Customer list")
        [audit_row] = _export_rows(conn)
        stored = conn.execute(
            select(customer_info)
            .where(ci.City == CITY, ci.Account_Status == "Active")
            .order_by(ci.Customer_ID)
        )
        stored = stored.mappings().all()
    assert json.loads(audit_row.new_value)["masked"] is masked
    header, *body = list(csv.reader(io.StringIO(text)))
    assert header == list(csv_io.MASKED_EXPORT_COLUMNS if masked else csv_io.EXPORT_COLUMNS)
    assert ("Date_of_Birth" in header) is not masked and "Age" in header
    assert len(body) == len(stored) == 3
    for cells, want in zip(body, stored, strict=True):
        got = dict(zip(header, cells, strict=True))
        assert got["Age"] == str(want["Age"]) and 18 <= int(got["Age"]) <= 120
        assert not any(cell.endswith("years") for cell in cells)
        if masked:
            assert got["Email"] == masking.mask_email(want["Email"]) == "p*****@example.com"
            # "+91 ******0001": a text starting with "+" gets the one CSV-cell rule's apostrophe
            assert got["Phone"] == neutralise(masking.mask_phone(want["Phone"]))
            assert got["Phone"] == f"'+91 ******{want['Phone'][-4:]}"
            assert str(want["Date_of_Birth"]) not in text
        else:
            assert (got["Email"], got["Phone"]) == (want["Email"], want["Phone"])
            assert dt.date.fromisoformat(got["Date_of_Birth"]) == want["Date_of_Birth"]


def test_the_search_term_is_recorded_and_anonymous_is_refused(engine):
    with engine.connect() as conn:
        exports.customer_list_csv(conn, actor=Actor("e", "editor"), f=CustomerFilter(), query="Line")
        with pytest.raises(PermissionDenied):
            exports.customer_list_csv(conn, actor=None, f=CustomerFilter())
        rows = _export_rows(conn)
    assert len(rows) == 1 and json.loads(rows[0].new_value)["search"] == "Line"


def test_record_in_the_callers_transaction_is_rolled_back_with_it(engine):
    export = exports.Export(what="Top high-risk customers", field="table:top", rows=2, masked=False)
    with engine.connect() as conn:
        conn.begin()
        exports.record(conn, actor=Actor("v", "viewer"), export=export)
        conn.rollback()
        assert _export_rows(conn) == []
        conn.rollback()
        exports.record(conn, actor=Actor("v", "viewer"), export=export)  # its own transaction
    with engine.connect() as conn:
        assert len(_export_rows(conn)) == 1


def test_an_audit_log_export_is_audited_and_described(engine):
    admin = Actor("ada", "admin")
    with engine.connect() as conn:
        exports.customer_list_csv(conn, actor=Actor("v", "viewer"), f=FILTER, page="Customer list")
        f = audit_query.AuditFilter(actions=("export",))
        text = audit_query.export_text(conn, actor=admin, f=f, page="Audit log")
        assert exports.count_rows(text) == 1  # the customer list's row; its own comes after
        page = audit_query.query(conn, actor=admin, f=f)
    assert page.total == 2
    shown = audit_query.readable(page.rows)
    assert list(shown["action"]) == ["Export", "Export"]
    assert list(shown["field"]) == ["Audit log", "Customer list"]
    assert shown["new_value"].iloc[0] == "1 rows, not masked · page: Audit log · filter: Action: export"
    assert shown["new_value"].iloc[1] == (
        "3 rows, masked · page: Customer list · filter: City: Exportpur; Account status: Active"
    )


def test_which_files_are_personal():
    assert exports.is_personal(TOP_AT_RISK_COLUMNS)
    assert all(exports.is_personal(columns) for columns in EXPORT_COLUMNS.values())
    assert not exports.is_personal(["State", "Customers", "Lifetime_Value", "Value_At_Risk"])
    assert not exports.is_personal([])


def test_rows_written_before_exports_had_a_page_are_described_from_their_definition():
    old = json.dumps(
        {"audience": "VIP", "definition": {"filter": {"states": "Kerala,Goa"}}, "rows": 1200, "withdrawn": 3}
    )
    assert exports.title(old, "audience:SMS") == "Audience list (SMS)"
    assert exports.describe(old) == (
        "1,200 rows · 3 left out (no longer reachable) · audience: VIP · filter: State: Kerala, Goa"
    )
    assert exports.describe("not json") == "not json"
