"""Reading the audit log (admins only): filter by user, customer, table, action and date; page; export.

Newest first, keyset-paged on (at, id) so the thousandth page costs what the first does. The
log holds old and new values of personal fields, so its export is audited too (db.exports).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Connection, and_, func, or_, select

from db import exports
from db.access import Actor, require
from db.audit import ACTION_LABELS, ALL_FIELDS, AUDIT_COLUMNS, EXPORT, TABLE_LABELS, audit_log
from db.csv_cells import neutralise
from db.filters import FILTER_LABELS
from db.validation import LABELS

COLUMNS = ["id", *AUDIT_COLUMNS]


@dataclass(frozen=True)
class AuditFilter:
    usernames: tuple[str, ...] = ()
    customer_id: int | None = None
    tables: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    date_from: dt.date | None = None
    date_to: dt.date | None = None  # inclusive


# AuditFilter's fields in words (the audit row of an export of the log names its filter).
AUDIT_FILTER_LABELS = {
    "usernames": "User",
    "customer_id": "Customer ID",
    "tables": "Table",
    "actions": "Action",
    "date_from": "From",
    "date_to": "To",
}


def filter_params(f: AuditFilter) -> dict[str, str]:
    """The fields of `f` that are set, as text (lists comma-separated)."""
    out = {}
    for name in AUDIT_FILTER_LABELS:
        value = getattr(f, name)
        if value not in ((), None):
            out[name] = ",".join(value) if isinstance(value, tuple) else str(value)
    return out


@dataclass(frozen=True)
class AuditPage:
    rows: pd.DataFrame
    total: int
    next_before: tuple | None  # pass as `before` for the next (older) page


def _conditions(f: AuditFilter) -> list:
    conds = []
    if f.usernames:
        conds.append(audit_log.c.username.in_(f.usernames))
    if f.customer_id is not None:
        conds.append(audit_log.c.customer_id == int(f.customer_id))
    if f.tables:
        conds.append(audit_log.c.table_name.in_(f.tables))
    if f.actions:
        conds.append(audit_log.c.action.in_(f.actions))
    if f.date_from is not None:
        conds.append(audit_log.c.at >= dt.datetime.combine(f.date_from, dt.time.min))
    if f.date_to is not None:
        conds.append(audit_log.c.at < dt.datetime.combine(f.date_to + dt.timedelta(days=1), dt.time.min))
    return conds


def _select(f: AuditFilter):
    return select(*(audit_log.c[c] for c in COLUMNS)).where(*_conditions(f))


def _after(before: tuple | None):
    if before is None:
        return None
    at, row_id = before
    return or_(audit_log.c.at < at, and_(audit_log.c.at == at, audit_log.c.id < row_id))


def query(
    conn: Connection, *, actor: Actor, f: AuditFilter, before: tuple | None = None, limit: int = 100
) -> AuditPage:
    require(actor, "admin", action="read the audit log")
    limit = max(1, min(int(limit), 1000))
    stmt = _select(f).order_by(audit_log.c.at.desc(), audit_log.c.id.desc()).limit(limit + 1)
    if (cond := _after(before)) is not None:
        stmt = stmt.where(cond)
    rows = [dict(r) for r in conn.execute(stmt).mappings()]
    more = len(rows) > limit
    rows = rows[:limit]
    total = conn.execute(select(func.count()).select_from(audit_log).where(*_conditions(f))).scalar_one()
    next_before = (rows[-1]["at"], rows[-1]["id"]) if more and rows else None
    return AuditPage(rows=pd.DataFrame(rows, columns=COLUMNS), total=total, next_before=next_before)


def options(conn: Connection, *, actor: Actor) -> dict[str, list[str]]:
    """The usernames, tables and actions present, for the filter widgets."""
    require(actor, "admin", action="read the audit log")
    out = {}
    for key, col in (("usernames", audit_log.c.username), ("tables", audit_log.c.table_name)):
        out[key] = [v for (v,) in conn.execute(select(col).distinct().order_by(col)) if v is not None]
    out["actions"] = [
        v for (v,) in conn.execute(select(audit_log.c.action).distinct().order_by(audit_log.c.action))
    ]
    return out


def export_csv(conn: Connection, *, actor: Actor, f: AuditFilter, chunk_size: int = 5000) -> Iterator[str]:
    """The filtered audit log as CSV text chunks, header first, newest first, keyset-paged."""
    require(actor, "admin", action="export the audit log")
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(COLUMNS)
    before = None
    while True:
        stmt = _select(f).order_by(audit_log.c.at.desc(), audit_log.c.id.desc()).limit(chunk_size)
        if (cond := _after(before)) is not None:
            stmt = stmt.where(cond)
        rows = conn.execute(stmt).all()
        for r in rows:
            writer.writerow([neutralise("" if v is None else v) for v in r])
        yield buf.getvalue()
        buf.seek(0)
        buf.truncate()
        if len(rows) < chunk_size:
            return
        before = (rows[-1].at, rows[-1].id)


def export_text(conn: Connection, *, actor: Actor, f: AuditFilter, page: str | None = None) -> str:
    """The whole filtered log as CSV, and the audit row of that export (written after the read
    is committed, in a write transaction of its own)."""
    text = "".join(export_csv(conn, actor=actor, f=f))
    conn.commit()
    export = exports.Export(
        what="Audit log",
        field="audit_log",
        rows=exports.count_rows(text),
        masked=False,
        page=page,
        filter=filter_params(f),
        table_name="audit_log",
    )
    exports.record(conn, actor=actor, export=export)
    return text


def readable(rows: pd.DataFrame) -> pd.DataFrame:
    """A page of rows for people: actions in words; an export's field says what was exported
    and its new value what the file held (rows, masked or not, page, filter)."""
    out = rows.copy()
    labels = {**FILTER_LABELS, **AUDIT_FILTER_LABELS}
    is_export = out["action"] == EXPORT
    if is_export.any():
        picked = out.loc[is_export]
        out["field"] = out["field"].astype(object)
        out["new_value"] = out["new_value"].astype(object)
        out.loc[is_export, "field"] = [
            exports.title(v, fld) for v, fld in zip(picked["new_value"], picked["field"], strict=True)
        ]
        out.loc[is_export, "new_value"] = [exports.describe(v, labels) for v in picked["new_value"]]
    out["action"] = out["action"].map(lambda a: ACTION_LABELS.get(a, a))
    out["table_name"] = out["table_name"].map(lambda t: TABLE_LABELS.get(t, t))
    fields = ~is_export
    out["field"] = [_field_text(v) if f else v for v, f in zip(out["field"], fields, strict=True)]
    for col in ("old_value", "new_value"):
        out[col] = pd.Series(
            [_value_text(v) if f else v for v, f in zip(out[col], fields, strict=True)],
            index=out.index,
            dtype=object,
        )
    return out


def _field_text(field):
    return "All fields" if field == ALL_FIELDS else LABELS.get(field, field)


def _value_text(value):
    """A stored audit value for people: true/false as Yes/No, a whole record (JSON) as labelled
    pairs, anything else as it is."""
    if value in ("true", "false"):
        return "Yes" if value == "true" else "No"
    if isinstance(value, str) and value.startswith("{"):
        try:
            record = json.loads(value)
        except ValueError:
            return value
        if isinstance(record, dict):
            return "; ".join(f"{LABELS.get(k, k)}: {_value_text(v)}" for k, v in record.items())
    return value
