"""Audit rows: who changed which field of which record, from what to what (table `audit_log`).

Written by db.writes and db.csv_io inside the same transaction as the change itself, so a change
and its history are committed or rolled back together. Values are stored as text. Downloads of
personal data write rows of their own (action EXPORT, db.exports).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from sqlalchemy import Connection, Table, insert

from db.access import Actor
from db.models import AuditLog

audit_log = AuditLog.__table__


AUDIT_COLUMNS = (
    "at",
    "username",
    "action",
    "table_name",
    "record_id",
    "customer_id",
    "field",
    "old_value",
    "new_value",
)
_DATETIME_TEXT = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores DateTime on SQLite

EXPORT = "export"  # the action of a download of personal data (db.exports)
# audit_log.action in words: one row's action, and the filter that shows rows of that action.
ACTION_LABELS = {"create": "Create", "update": "Change", "delete": "Delete", EXPORT: "Export"}
ACTION_FILTER_LABELS = {"create": "Creations", "update": "Changes", "delete": "Deletions", EXPORT: "Exports"}


def as_text(value: object) -> str | None:
    """The audit (and comparison) text of a value: dates ISO, Decimal plain, None stays None."""
    if value is None or type(value) is str:
        return value
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
) -> list[tuple]:
    """One audit row (a tuple in AUDIT_COLUMNS order) per field: changes maps field -> (old, new)."""
    user = actor.username
    return [
        (at, user, action, table_name, record_id, customer_id, field, as_text(old), as_text(new))
        for field, (old, new) in changes.items()
    ]


ALL_FIELDS = "*"
# audit_log.table_name in words (the Audit log page, a customer's history)
TABLE_LABELS = {
    "Customer_Info": "Customer",
    "Customer_Preferences": "Preference",
    "Customer_Segments": "Segment",
    "app_user": "User",
    "saved_audience": "Audience",
}


def create_row(
    *,
    actor: Actor,
    table_name: str,
    record_id: int | None,
    customer_id: int | None,
    values: Mapping,
    at: dt.datetime,
) -> tuple:
    """ONE audit row for a created record: field '*', new_value = JSON object of every non-empty field.

    Used by bulk imports (100,000 customers -> 100,000 audit rows instead of 1,300,000); the
    history still holds who, when, which record and every value.
    """
    payload = {k: as_text(v) for k, v in values.items() if v is not None}
    return (
        at,
        actor.username,
        "create",
        table_name,
        record_id,
        customer_id,
        ALL_FIELDS,
        None,
        json.dumps(payload),
    )


def _driver_value(value: object, sqlite: bool) -> object:
    if not sqlite or value is None or type(value) in (str, int, float):
        return value
    if isinstance(value, dt.datetime):
        return value.strftime(_DATETIME_TEXT)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bool):
        return int(value)
    return value


def bulk_insert(conn: Connection, table: Table, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """INSERT many rows (tuples in `columns` order) with the driver's executemany.

    The statement is compiled once by SQLAlchemy; the rows go to the DBAPI as they are, skipping
    SQLAlchemy's per-row parameter processing (several times faster for 100,000s of rows).
    """
    dialect = conn.dialect
    sqlite = dialect.name == "sqlite"
    rows = (
        [tuple(_driver_value(v, sqlite) for v in row) for row in rows] if sqlite else [tuple(r) for r in rows]
    )
    if not rows:
        return 0
    compiled = insert(table).compile(dialect=dialect, column_keys=list(columns))
    if compiled.positional:
        order = [columns.index(name) for name in compiled.positiontup]
        params = rows if order == list(range(len(columns))) else [tuple(r[i] for i in order) for r in rows]
    else:
        params = [dict(zip(columns, r, strict=True)) for r in rows]
    for start in range(0, len(params), 50_000):
        conn.exec_driver_sql(compiled.string, params[start : start + 50_000])
    return len(rows)


def write(conn: Connection, rows: Iterable[tuple]) -> int:
    """Insert audit rows (tuples from rows_for); returns how many."""
    return bulk_insert(conn, audit_log, AUDIT_COLUMNS, rows)


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
