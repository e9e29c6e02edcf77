"""Audit rows: who changed which field of which record, from what to what (table `audit_log`).

Written by db.writes and db.csv_io inside the same transaction as the change itself, so a change
and its history are committed or rolled back together. Values are stored as text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal

from sqlalchemy import Connection, insert

from db.access import Actor
from db.models import AuditLog

audit_log = AuditLog.__table__


def as_text(value: object) -> str | None:
    """The audit (and comparison) text of a value: dates ISO, Decimal plain, None stays None."""
    if value is None:
        return None
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def now() -> dt.datetime:
    """UTC, without tzinfo (the column is a plain DateTime on every backend)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def rows_for(
    *,
    actor: Actor,
    action: str,
    table_name: str,
    record_id: int | None,
    customer_id: int | None,
    changes: Mapping[str, tuple[object, object]],
    at: dt.datetime,
) -> list[dict]:
    """One audit row per field: changes maps field -> (old, new)."""
    return [
        {
            "at": at,
            "username": actor.username,
            "action": action,
            "table_name": table_name,
            "record_id": record_id,
            "customer_id": customer_id,
            "field": field,
            "old_value": as_text(old),
            "new_value": as_text(new),
        }
        for field, (old, new) in changes.items()
    ]


def write(conn: Connection, rows: Iterable[dict]) -> int:
    """Insert audit rows (executemany); returns how many."""
    rows = list(rows)
    if rows:
        conn.execute(insert(audit_log), rows)
    return len(rows)


def record(
    conn: Connection,
    *,
    actor: Actor,
    action: str,
    table_name: str,
    record_id: int | None,
    customer_id: int | None,
    changes: Mapping[str, tuple[object, object]],
) -> int:
    """Write one audit row per changed field, in the caller's transaction."""
    return write(
        conn,
        rows_for(
            actor=actor,
            action=action,
            table_name=table_name,
            record_id=record_id,
            customer_id=customer_id,
            changes=changes,
            at=now(),
        ),
    )
