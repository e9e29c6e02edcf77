"""Lost updates: is a row still what the form was loaded with, and if not, what a refusal tells.

An edit sends `original` (the row as its form was loaded). db.writes re-reads the row under a lock;
every column of `original` whose stored value differs makes the edit a Conflict, which names for
each such field: its label (db.validation.LABELS), the value the form started from and the value
stored now (as text for people, masked for a role that may not see personal data), and who saved
it and when, from our own audit log. A value the audit log does not account for (its latest
change of that field wrote something else, or it has none) was "changed outside this app".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy import Boolean, Connection, Date, DateTime, Integer, Numeric, Table, select

from db import formats, masking
from db.access import Actor
from db.audit import audit_log
from db.validation import LABELS, _Bad, _boolean, _date, is_blank

OUTSIDE_APP = "changed outside this app"
EMPTY = "empty"  # a value that is not there, in a sentence ("City: now empty")


# --- comparing values of a column ---------------------------------------------------------------


def canonical(column, value: object) -> object:
    """A comparable form of `value` for `column` (blank -> None, dates, numbers, booleans)."""
    if is_blank(value):
        return None
    kind = column.type
    try:
        if isinstance(kind, Boolean):
            return _boolean(value)
        if isinstance(kind, DateTime):
            if hasattr(value, "to_pydatetime"):
                value = value.to_pydatetime()
            if isinstance(value, dt.datetime):
                return value.replace(tzinfo=None).isoformat(sep=" ")
            return str(value).replace("T", " ")
        if isinstance(kind, Date):
            return _date(value).isoformat()
        if isinstance(kind, (Integer, Numeric)):
            return Decimal(str(int(value) if isinstance(value, bool) else value)).normalize()
    except (_Bad, InvalidOperation, ValueError):
        return str(value)
    return str(value)


def same(column, a: object, b: object) -> bool:
    return canonical(column, a) == canonical(column, b)


# --- what a refusal carries ---------------------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    """One field someone changed since the form was opened (values as text for people; None: empty)."""

    field: str  # the column
    label: str
    loaded: str | None  # what the form started from
    now: str | None  # what is stored now
    by: str | None = None  # the app user whose save stored it; None: changed outside this app
    at: dt.datetime | None = None  # when that save was (as the audit log keeps it)

    @property
    def source(self) -> str:
        """'changed by eddie on 1 Dec 2026, 14:05', or 'changed outside this app'."""
        if self.by is None:
            return OUTSIDE_APP
        when = f" on {formats.date_text(self.at)}" if self.at is not None else ""
        return f"changed by {self.by}{when}"

    @property
    def sentence(self) -> str:
        """City: now “Kozhikode” (“Pune” when you opened the form), changed by eddie on 1 Dec 2026, 14:05."""
        then = f"{_quoted(self.loaded)} when you opened the form"
        return f"{self.label}: now {_quoted(self.now)} ({then}), {self.source}."


class Conflict(Exception):
    """Someone else saved the record since the form was loaded; nothing was saved.

    `.changed` maps each field that differs from the loaded values to the value it holds now;
    `.fields` says the same for people (FieldChange: label, both values, who and when).
    """

    def __init__(self, changed: Mapping[str, object], fields: tuple[FieldChange, ...] = ()):
        self.changed = dict(changed)
        self.fields = tuple(fields)
        names = ", ".join(LABELS.get(k, k) for k in self.changed)
        super().__init__(f"changed by someone else since you opened it: {names}; nothing was saved")


def _quoted(text: str | None) -> str:
    return EMPTY if text is None else f"“{text}”"


def value_text(field: str, value: object, *, masked: bool = False) -> str | None:
    """A stored value as people read it (None when empty); personal data masked when `masked`."""
    if is_blank(value):
        return None
    if masked and field in masking.MASKED_COLUMNS:
        return masking.mask_field(field, value)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.date):
        return formats.date_text(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if field == "Phone":
        return formats.phone_text(value)
    return str(value)


# --- the check ----------------------------------------------------------------------------------


def check_original(
    conn: Connection,
    *,
    actor: Actor,
    table: Table,
    record_id: int,
    customer_id: int,
    current: Mapping,
    original: Mapping,
) -> None:
    """Raise Conflict when a column of `original` no longer holds its loaded value (`current`:
    the row as re-read under the write's lock, in the same transaction)."""
    changed = {
        name: current[name]
        for name, loaded in original.items()
        if name in table.c and name in current and not same(table.c[name], loaded, current[name])
    }
    if not changed:
        return
    saves = _last_saves(conn, table=table, record_id=record_id, customer_id=customer_id, fields=changed)
    masked = not actor.sees_personal_data
    fields = []
    for name, now in changed.items():
        by, at, written = saves.get(name, (None, None, None))
        if by is not None and not same(table.c[name], written, now):
            by = at = None  # the app's last save of this field wrote something else
        fields.append(
            FieldChange(
                field=name,
                label=LABELS.get(name, name),
                loaded=value_text(name, original[name], masked=masked),
                now=value_text(name, now, masked=masked),
                by=by,
                at=at,
            )
        )
    raise Conflict(changed, tuple(fields))


def _last_saves(
    conn: Connection, *, table: Table, record_id: int, customer_id: int, fields: Mapping
) -> dict[str, tuple[str, dt.datetime, str | None]]:
    """Per field: (username, at, new value) of this app's latest save of it, from the audit log."""
    a = audit_log.c
    rows = conn.execute(
        select(a.field, a.username, a.at, a.new_value)
        .where(
            a.customer_id == customer_id,
            a.table_name == table.name,
            a.record_id == record_id,
            a.action == "update",
            a.field.in_(list(fields)),
        )
        .order_by(a.at.desc(), a.id.desc())
    )
    out: dict[str, tuple[str, dt.datetime, str | None]] = {}
    for field, username, at, new_value in rows:
        out.setdefault(field, (username, at, new_value))
    return out
