"""The marketer role and audiences, on every backend: what the role is for (save, export the
unmasked contact details of reachable customers, delete), with the fixtures of test_audiences."""

# ruff: noqa: F811 - fixtures shared with tests/db/test_audiences.py are imported by name
from __future__ import annotations

from db import audiences as A
from db.access import Actor
from db.audiences import AudienceDefinition
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
