"""The marketer role and audiences, on every backend: what the role is for (save, export the
unmasked contact details of reachable customers, delete) and the audit row of an export, with the
fixtures of test_audiences."""

# ruff: noqa: F811 - fixtures shared with tests/db/test_audiences.py are imported by name
from __future__ import annotations

import json

from sqlalchemy import select

from db import audiences as A
from db.access import Actor
from db.audiences import AudienceDefinition
from db.audit import audit_log
from tests.db.test_audiences import (  # noqa: F401 - fixtures
    EDITOR,
    ONLY,
    _list,
    _read,
    conn,
    copy,
    people,
    store,
)

MARKETER = Actor("mara", "marketer")


def test_a_marketer_saves_and_exports_the_contact_details_of_reachable_customers(conn, people, copy):
    """The list is unmasked, and holds only reachable customers."""
    d = AudienceDefinition(filter=ONLY)
    audience_id = A.save(conn, d, name="Marketing", actor=MARKETER)
    conn.commit()
    text, record = A.export_csv(conn.engine, copy, d, "Email", actor=MARKETER, audience_id=audience_id)
    editor_text, _ = A.export_csv(conn.engine, copy, d, "Email", actor=EDITOR)
    assert text == editor_text and record["rows"] == 2
    emails = {row[1] for row in _read(text)[1:]}
    assert all("@" in e and "*" not in e for e in emails)
    assert len(emails) == len(_list(copy, conn, d, "Email"))  # the reachable customers, no one else
    A.delete(conn, audience_id, actor=MARKETER)
    conn.commit()
    assert A.load(conn, audience_id) is None


def test_a_marketers_export_writes_one_audit_row_with_page_filter_rows_and_masking(conn, people, copy):
    d = AudienceDefinition(filter=ONLY)
    A.export_csv(conn.engine, copy, d, "Push", actor=MARKETER, page="Audiences")
    conn.commit()
    rows = conn.execute(select(audit_log).where(audit_log.c.action == "export")).all()
    assert len(rows) == 1
    row = rows[0]
    assert (row.username, row.field, row.table_name, row.record_id) == (
        "mara",
        "audience:Push",
        "saved_audience",
        None,
    )
    logged = json.loads(row.new_value)
    assert (logged["page"], logged["what"], logged["masked"]) == ("Audiences", "Audience list (Push)", False)
    assert logged["filter"] == ONLY.to_params() and logged["search"] == ""
    assert logged["rows"] == 1 and logged["audience"] is None and logged["definition"] == d.to_dict()
