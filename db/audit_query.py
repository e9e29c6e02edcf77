"""Reading the audit log (admins only): filter by user, customer, table, action and date; page; export.

Newest first, keyset-paged on (at, id) so the thousandth page costs what the first does.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Connection, and_, func, or_, select

from db.access import Actor, require
from db.audit import AUDIT_COLUMNS, audit_log

COLUMNS = ["id", *AUDIT_COLUMNS]


@dataclass(frozen=True)
class AuditFilter:
    usernames: tuple[str, ...] = ()
    customer_id: int | None = None
    tables: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    date_from: dt.date | None = None
    date_to: dt.date | None = None  # inclusive


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


def _neutralise(value):
    """A text cell a spreadsheet would read as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


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
            writer.writerow([_neutralise("" if v is None else v) for v in r])
        yield buf.getvalue()
        buf.seek(0)
        buf.truncate()
        if len(rows) < chunk_size:
            return
        before = (rows[-1].at, rows[-1].id)
