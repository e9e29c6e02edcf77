"""Create / update / delete of customers, preferences and segments: validate, check, write, audit.

Every function:
- takes the caller's Connection and `actor=`, and refuses viewers (PermissionDenied) itself;
- validates with db.validation (ValidationFailed: field -> message, all fields at once);
- runs in ONE transaction: `conn.begin()` when none is active, else a savepoint
  (`conn.begin_nested()`, the caller then commits its outer transaction); on any failure
  everything is rolled back, nothing is half-written;
- guards against lost updates without extra columns: `original` is the row as the form loaded it;
  the row is re-read (SELECT ... FOR UPDATE where supported) and when any column differs,
  Conflict is raised and nothing is written: `.changed` {field: value now}, and `.fields` saying
  for people what changed, to what, and who saved it when (db.conflicts);
- writes one audit_log row per changed field in the same transaction;
- returns WriteResult(tables=..., customer_ids=...) naming every table written (for cache
  invalidation) and every customer whose rows in the three tables were created, changed or
  deleted (for the analytics copy to re-read); nothing derived is stored in the database.

Database errors become clear messages: a unique Email/Phone taken a moment ago ->
ValidationFailed({"Email": "Email: already used by another customer"}); a lost connection or
another failure -> WriteFailed("could not save: ...; nothing was saved").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Connection, Table, delete, insert, select, update
from sqlalchemy import exc as sa_exc

from db import audit, connection_errors, contact_match, engine
from db.access import EDITS_RECORDS, Actor, require
from db.conflicts import Conflict, check_original, same
from db.models import customer_info, customer_preferences, customer_segments
from db.validation import (
    CUSTOMER_FIELDS,
    LABELS,
    PREFERENCE_FIELDS,
    SEGMENT_FIELDS,
    ValidationFailed,
    join_before_birth,
    validate_customer,
    validate_preference,
    validate_segment,
)

__all__ = [
    "Conflict",
    "NotFound",
    "ValidationFailed",
    "WriteFailed",
    "WriteResult",
    "add_preference",
    "add_segment",
    "create_customer",
    "delete_customer",
    "delete_preference",
    "delete_segment",
    "set_account_status",
    "transaction",
    "update_customer",
    "update_preference",
    "update_segment",
]

CUSTOMER = "Customer_Info"
PREFERENCES = "Customer_Preferences"
SEGMENTS = "Customer_Segments"
AUDIT = "audit_log"


class NotFound(Exception):
    """The record does not exist (any more)."""


class WriteFailed(Exception):
    """The database refused or lost the write; nothing was saved."""


@dataclass(frozen=True)
class WriteResult:
    tables: frozenset[str]
    record_id: int | None
    changed: tuple[str, ...] = field(default=())  # fields written (empty: nothing to do)
    # every customer whose Customer_Info, Customer_Preferences or Customer_Segments rows the
    # write created, changed or deleted (empty: nothing was written)
    customer_ids: frozenset[int] = frozenset()


# --- transaction and error translation --------------------------------------------------------

_UNIQUE_FIELDS = ("Email", "Phone")


def _integrity_errors(error: sa_exc.IntegrityError) -> dict[str, str]:
    text = str(error.orig) if error.orig is not None else str(error)
    lowered = text.lower()
    if "unique" in lowered or "duplicate" in lowered:
        for name in _UNIQUE_FIELDS:
            if name.lower() in lowered:
                return {name: f"{LABELS[name]}: already used by another customer"}
        return {"record": "record: a value that must be unique is already used"}
    if "foreign key" in lowered:
        return {"Customer_ID": "Customer: no such customer (it may have been deleted a moment ago)"}
    if "check" in lowered:
        return {"record": f"record: a value breaks a database rule ({text[:200]})"}
    if "null" in lowered:
        return {"record": f"record: a required value is missing ({text[:200]})"}
    return {"record": f"record: the database refused the values ({text[:200]})"}


def _failure(error: sa_exc.DBAPIError) -> WriteFailed:
    kind = connection_errors.failure_kind(error)
    if kind == connection_errors.LOST:
        return WriteFailed("could not save: the database connection was lost; nothing was saved")
    if kind == connection_errors.BUSY:  # SQLite, after its busy timeout
        return WriteFailed(
            f"could not save: other saves kept the database busy for more than "
            f"{engine.SQLITE_BUSY_TIMEOUT_SECONDS} seconds; nothing was saved, try again"
        )
    if kind == connection_errors.LOCKED:
        return WriteFailed(
            "could not save: the record is being saved by someone else right now; "
            "nothing was saved, try again"
        )
    return WriteFailed(
        f"could not save: the database reported an error ({type(error.orig).__name__}); nothing was saved"
    )


@contextmanager
def transaction(conn: Connection) -> Iterator[Connection]:
    """A write transaction (engine.begin_write), or a savepoint in the caller's; DB errors translated."""
    try:
        tx = engine.begin_write(conn)  # on SQLite this waits for the write lock, and may give up
    except sa_exc.DBAPIError as error:
        raise _failure(error) from error
    try:
        yield conn
    except BaseException as error:
        try:
            if tx.is_active:
                tx.rollback()
        except sa_exc.DBAPIError:
            pass  # the connection is gone: the server has rolled back already
        if isinstance(error, sa_exc.IntegrityError):
            raise ValidationFailed(_integrity_errors(error)) from error
        if isinstance(error, sa_exc.DBAPIError):
            raise _failure(error) from error
        raise
    try:
        tx.commit()
    except sa_exc.IntegrityError as error:  # deferred constraints
        raise ValidationFailed(_integrity_errors(error)) from error
    except sa_exc.DBAPIError as error:
        raise _failure(error) from error


# --- helpers ---------------------------------------------------------------------------------


def _pk(table: Table):
    return next(iter(table.primary_key.columns))


def _locked_row(conn: Connection, table: Table, record_id: int, *, what: str) -> dict:
    stmt = select(table).where(_pk(table) == record_id).with_for_update()
    row = conn.execute(stmt).mappings().first()
    if row is None:
        raise NotFound(f"{what} {record_id} does not exist (it may have been deleted)")
    return dict(row)


def _diff(table: Table, current: Mapping, clean: Mapping) -> dict[str, tuple[object, object]]:
    return {
        name: (current.get(name), value)
        for name, value in clean.items()
        if name in table.c and not same(table.c[name], current.get(name), value)
    }


def _check_unique(conn: Connection, values: Mapping, *, except_id: int | None = None) -> None:
    errors = {}
    c = customer_info.c
    for name in _UNIQUE_FIELDS:
        value = values.get(name)
        if value is None:
            continue
        stmt = select(c.Customer_ID).where(c[name] == value)
        if except_id is not None:
            stmt = stmt.where(c.Customer_ID != except_id)
        taken = conn.execute(stmt.limit(1)).first() is not None
        if taken or contact_match.taken_in_another_format(
            conn, column=c[name], key=c.Customer_ID, value=value, except_id=except_id
        ):
            errors[name] = f"{LABELS[name]}: already used by another customer"
    if errors:
        raise ValidationFailed(errors)


def _editable(data: Mapping, fields: tuple[str, ...]) -> dict:
    return {k: v for k, v in data.items() if k in fields}


def _result(tables: set[str], record_id: int, changed: tuple[str, ...], customer_id: int) -> WriteResult:
    """What a write that changed rows of one customer reports."""
    return WriteResult(frozenset(tables), record_id, changed, customer_ids=frozenset({customer_id}))


# --- customers -------------------------------------------------------------------------------


def create_customer(
    conn: Connection, *, actor: Actor, data: Mapping[str, object], today: dt.date | None = None
) -> WriteResult:
    require(actor, EDITS_RECORDS, action="create customers")
    clean = validate_customer(_editable(data, CUSTOMER_FIELDS), today=today)
    with transaction(conn):
        _check_unique(conn, clean)
        new_id = conn.execute(insert(customer_info).values(**clean)).inserted_primary_key[0]
        audit.record(
            conn,
            actor=actor,
            action="create",
            table_name=CUSTOMER,
            record_id=new_id,
            customer_id=new_id,
            changes={k: (None, v) for k, v in clean.items() if v is not None},
        )
    return _result({CUSTOMER, AUDIT}, new_id, tuple(clean), new_id)


def update_customer(
    conn: Connection,
    *,
    actor: Actor,
    customer_id: int,
    original: Mapping[str, object],
    changes: Mapping[str, object],
    today: dt.date | None = None,
) -> WriteResult:
    """Write the fields of `changes` that differ from the row; Conflict if the row moved on."""
    require(actor, EDITS_RECORDS, action="edit customers")
    changes = _editable(changes, CUSTOMER_FIELDS)
    to_check = dict(changes)
    if "Postal_Code" in to_check and "Country" not in to_check:
        to_check["Country"] = original.get("Country")  # the PIN rule depends on the country
    clean = validate_customer(to_check, today=today, partial=True)
    dates = [clean.get(k, original.get(k)) for k in ("Date_of_Birth", "Join_Date")]
    if problem := join_before_birth(*(d if isinstance(d, dt.date) else None for d in dates)):
        raise ValidationFailed({"Join_Date": problem})
    with transaction(conn):
        current = _locked_row(conn, customer_info, customer_id, what="customer")
        check_original(
            conn,
            actor=actor,
            table=customer_info,
            record_id=customer_id,
            customer_id=customer_id,
            current=current,
            original=original,
        )
        diff = _diff(customer_info, current, clean)
        if not diff:
            return WriteResult(tables=frozenset(), record_id=customer_id)
        _check_unique(conn, {k: new for k, (_, new) in diff.items()}, except_id=customer_id)
        conn.execute(
            update(customer_info)
            .where(customer_info.c.Customer_ID == customer_id)
            .values({k: new for k, (_, new) in diff.items()})
        )
        audit.record(
            conn,
            actor=actor,
            action="update",
            table_name=CUSTOMER,
            record_id=customer_id,
            customer_id=customer_id,
            changes=diff,
        )
    return _result({CUSTOMER, AUDIT}, customer_id, tuple(diff), customer_id)


def set_account_status(
    conn: Connection, *, actor: Actor, customer_id: int, status: str, original: Mapping[str, object]
) -> WriteResult:
    return update_customer(
        conn, actor=actor, customer_id=customer_id, original=original, changes={"Account_Status": status}
    )


def delete_customer(conn: Connection, *, actor: Actor, customer_id: int, confirm: str) -> WriteResult:
    """Delete a customer with their preferences and segments; `confirm` must equal their Email."""
    require(actor, EDITS_RECORDS, action="delete customers")
    with transaction(conn):
        current = _locked_row(conn, customer_info, customer_id, what="customer")
        if (confirm or "").strip() != current["Email"]:
            raise ValidationFailed({"confirm": "confirm: type the customer's email exactly to delete them"})
        rows = []
        at = audit.now()
        for table, name in ((customer_preferences, PREFERENCES), (customer_segments, SEGMENTS)):
            pk = _pk(table)
            for child in conn.execute(select(table).where(table.c.Customer_ID == customer_id)).mappings():
                rows += audit.rows_for(
                    actor=actor,
                    action="delete",
                    table_name=name,
                    record_id=child[pk.name],
                    customer_id=customer_id,
                    changes={k: (v, None) for k, v in child.items() if v is not None and k != pk.name},
                    at=at,
                )
            conn.execute(delete(table).where(table.c.Customer_ID == customer_id))
        rows += audit.rows_for(
            actor=actor,
            action="delete",
            table_name=CUSTOMER,
            record_id=customer_id,
            customer_id=customer_id,
            changes={k: (v, None) for k, v in current.items() if v is not None},
            at=at,
        )
        conn.execute(delete(customer_info).where(customer_info.c.Customer_ID == customer_id))
        audit.write(conn, rows)
    return _result({CUSTOMER, PREFERENCES, SEGMENTS, AUDIT}, customer_id, ("*",), customer_id)


# --- preferences -----------------------------------------------------------------------------


def _channel_taken(conn: Connection, customer_id: int, channel: str, *, except_id: int | None = None) -> None:
    p = customer_preferences.c
    stmt = select(p.Preference_ID).where(p.Customer_ID == customer_id, p.Communication_Channel == channel)
    if except_id is not None:
        stmt = stmt.where(p.Preference_ID != except_id)
    if conn.execute(stmt.limit(1)).first() is not None:
        raise ValidationFailed(
            {
                "Communication_Channel": f"{LABELS['Communication_Channel']}: "
                f"this customer already has an {channel} preference"
            }
        )


def add_preference(
    conn: Connection, *, actor: Actor, customer_id: int, data: Mapping[str, object]
) -> WriteResult:
    require(actor, EDITS_RECORDS, action="edit preferences")
    clean = validate_preference(_editable(data, PREFERENCE_FIELDS))
    with transaction(conn):
        _locked_row(conn, customer_info, customer_id, what="customer")  # serialises channel checks
        _channel_taken(conn, customer_id, clean["Communication_Channel"])
        new_id = conn.execute(
            insert(customer_preferences).values(Customer_ID=customer_id, **clean)
        ).inserted_primary_key[0]
        audit.record(
            conn,
            actor=actor,
            action="create",
            table_name=PREFERENCES,
            record_id=new_id,
            customer_id=customer_id,
            changes={k: (None, v) for k, v in clean.items()},
        )
    return _result({PREFERENCES, AUDIT}, new_id, tuple(clean), customer_id)


def update_preference(
    conn: Connection,
    *,
    actor: Actor,
    preference_id: int,
    original: Mapping[str, object],
    changes: Mapping[str, object],
) -> WriteResult:
    require(actor, EDITS_RECORDS, action="edit preferences")
    clean = validate_preference(_editable(changes, PREFERENCE_FIELDS), partial=True)
    with transaction(conn):
        current = _locked_row(conn, customer_preferences, preference_id, what="preference")
        customer_id = current["Customer_ID"]
        check_original(
            conn,
            actor=actor,
            table=customer_preferences,
            record_id=preference_id,
            customer_id=customer_id,
            current=current,
            original=original,
        )
        diff = _diff(customer_preferences, current, clean)
        if not diff:
            return WriteResult(tables=frozenset(), record_id=preference_id)
        if "Communication_Channel" in diff:
            _locked_row(conn, customer_info, customer_id, what="customer")
            _channel_taken(conn, customer_id, clean["Communication_Channel"], except_id=preference_id)
        conn.execute(
            update(customer_preferences)
            .where(customer_preferences.c.Preference_ID == preference_id)
            .values({k: new for k, (_, new) in diff.items()})
        )
        audit.record(
            conn,
            actor=actor,
            action="update",
            table_name=PREFERENCES,
            record_id=preference_id,
            customer_id=customer_id,
            changes=diff,
        )
    return _result({PREFERENCES, AUDIT}, preference_id, tuple(diff), customer_id)


def delete_preference(conn: Connection, *, actor: Actor, preference_id: int) -> WriteResult:
    require(actor, EDITS_RECORDS, action="delete preferences")
    with transaction(conn):
        current = _locked_row(conn, customer_preferences, preference_id, what="preference")
        conn.execute(
            delete(customer_preferences).where(customer_preferences.c.Preference_ID == preference_id)
        )
        audit.record(
            conn,
            actor=actor,
            action="delete",
            table_name=PREFERENCES,
            record_id=preference_id,
            customer_id=current["Customer_ID"],
            changes={k: (v, None) for k, v in current.items() if v is not None and k != "Preference_ID"},
        )
    return _result({PREFERENCES, AUDIT}, preference_id, ("*",), current["Customer_ID"])


# --- segments --------------------------------------------------------------------------------


def add_segment(
    conn: Connection, *, actor: Actor, customer_id: int, data: Mapping[str, object]
) -> WriteResult:
    require(actor, EDITS_RECORDS, action="edit segments")
    clean = validate_segment(_editable(data, SEGMENT_FIELDS))
    with transaction(conn):
        _locked_row(conn, customer_info, customer_id, what="customer")
        new_id = conn.execute(
            insert(customer_segments).values(Customer_ID=customer_id, Last_Updated=audit.now(), **clean)
        ).inserted_primary_key[0]
        audit.record(
            conn,
            actor=actor,
            action="create",
            table_name=SEGMENTS,
            record_id=new_id,
            customer_id=customer_id,
            changes={k: (None, v) for k, v in clean.items()},
        )
    return _result({SEGMENTS, AUDIT}, new_id, tuple(clean), customer_id)


def update_segment(
    conn: Connection,
    *,
    actor: Actor,
    segment_id: int,
    original: Mapping[str, object],
    changes: Mapping[str, object],
) -> WriteResult:
    require(actor, EDITS_RECORDS, action="edit segments")
    clean = validate_segment(_editable(changes, SEGMENT_FIELDS), partial=True)
    with transaction(conn):
        current = _locked_row(conn, customer_segments, segment_id, what="segment")
        customer_id = current["Customer_ID"]
        check_original(
            conn,
            actor=actor,
            table=customer_segments,
            record_id=segment_id,
            customer_id=customer_id,
            current=current,
            original=original,
        )
        diff = _diff(customer_segments, current, clean)
        if not diff:
            return WriteResult(tables=frozenset(), record_id=segment_id)
        conn.execute(
            update(customer_segments)
            .where(customer_segments.c.Segment_ID == segment_id)
            .values({k: new for k, (_, new) in diff.items()} | {"Last_Updated": audit.now()})
        )
        audit.record(
            conn,
            actor=actor,
            action="update",
            table_name=SEGMENTS,
            record_id=segment_id,
            customer_id=customer_id,
            changes=diff,
        )
    return _result({SEGMENTS, AUDIT}, segment_id, tuple(diff), customer_id)


def delete_segment(conn: Connection, *, actor: Actor, segment_id: int) -> WriteResult:
    require(actor, EDITS_RECORDS, action="delete segments")
    with transaction(conn):
        current = _locked_row(conn, customer_segments, segment_id, what="segment")
        customer_id = current["Customer_ID"]
        conn.execute(delete(customer_segments).where(customer_segments.c.Segment_ID == segment_id))
        audit.record(
            conn,
            actor=actor,
            action="delete",
            table_name=SEGMENTS,
            record_id=segment_id,
            customer_id=current["Customer_ID"],
            changes={k: (v, None) for k, v in current.items() if v is not None and k != "Segment_ID"},
        )
    return _result({SEGMENTS, AUDIT}, segment_id, ("*",), customer_id)
