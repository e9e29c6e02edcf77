"""Customer records on the Streamlit side: cached reads, masked views, and writes that clear caches.

Reads are cached with dashboard.cache.cached (registered with the tables they read); every write
goes through `write()`, which runs the db.writes function on its own connection and then clears
exactly the cached reads of the tables the write reports in WriteResult.tables.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, replace

import pandas as pd

from dashboard import resources
from dashboard.cache import cached, invalidate
from db import masking
from db.access import SEES_PERSONAL_DATA, Actor
from db.audit import ALL_FIELDS
from db.filters import CustomerFilter

PAGE_SIZE = 50

# Sort choices shown on the list page: label -> column name understood by db.records.search.
SORTS = {
    "Customer ID": "Customer_ID",
    "Name": "Customer_Name",
    "Join date": "Join_Date",
    "Risk score": "Risk_Score",
    "City": "City",
    "Loyalty points": "Loyalty_Points",
}

# Tables read by each cached read (a write to any of them clears it). The list shows each
# customer's current segment, read from Customer_Segments (db.current_segment).
LIST_READS = frozenset({"Customer_Info", "Customer_Segments"})
RECORD_READS = frozenset({"Customer_Info", "Customer_Preferences", "Customer_Segments", "audit_log"})


FINDER_SIZE = 10  # customers the Customer 360's finder lists
# The search box's placeholder and help, by whether the user may search email and phone.
SEARCH_HINTS = {
    True: (
        "Name, email, phone (any format) or customer ID",
        "A name matches from its start or anywhere inside; an email from its start in any letter case, "
        "or by the part before the @; a phone in any format (with or without +91, 0, spaces, dashes or "
        "brackets) or by its last 4 or more digits; a number alone is also tried as a customer ID.",
    ),
    False: (
        "Name or customer ID",
        "A name matches from its start or anywhere inside; a number is tried as a customer ID. Searching "
        f"by email or phone needs the {SEES_PERSONAL_DATA} role.",
    ),
}

# What the list says when a search term matched in a way the user may not expect.
MATCH_NOTES = {
    "name_contains": "No name starts with that text; showing names that contain it.",
    "email_local": "No name has that text; showing customers whose email starts with it.",
    "phone_digits": "No phone is exactly that number; showing phones that end with its digits.",
}


@dataclass(frozen=True)
class ListPage:
    rows: pd.DataFrame
    total: int
    next_after: tuple | None
    total_label: str = ""  # "1,234", or "10,000+" when the count was capped
    total_is_capped: bool = False
    match: str = "all"  # how the search term matched (all / id_or_phone / email / name_prefix / ...)


@cached(reads=LIST_READS)
def search_page(
    f: CustomerFilter,
    query: str = "",
    sort: str = "Customer_ID",
    descending: bool = False,
    after: tuple | None = None,
    limit: int = PAGE_SIZE,
    contacts: bool = True,
) -> ListPage:
    """One page of the customer list (keyset paged after `after`); contacts=False for a role that
    may not see email and phone (the term then never searches them)."""
    from db import records
    from db.analytics import browse

    if browse.wanted(f, query=query, sort=sort):
        return _browse_page(f, sort=sort, descending=descending, after=after, limit=limit)
    with resources.engine().connect() as conn:
        page = records.search(
            conn,
            f=f,
            query=query,
            sort=sort,
            descending=descending,
            after=after,
            limit=limit,
            contacts=contacts,
        )
    return ListPage(
        rows=page.rows,
        total=int(page.total),
        next_after=page.next_after,
        total_label=getattr(page, "total_label", f"{int(page.total):,}"),
        total_is_capped=bool(getattr(page, "total_is_capped", False)),
        match=getattr(page, "match", "all"),
    )


def _browse_page(f: CustomerFilter, *, sort: str, descending: bool, after, limit: int) -> ListPage:
    """The page's customers chosen on the analytics copy, their rows read from the source."""
    from dashboard import data
    from db import records
    from db.analytics import browse

    data.ready()
    with data.store().reader() as con:
        ids, total, next_after = browse.page(
            con, f=f, sort=sort, descending=descending, after=after, limit=limit
        )
    with resources.engine().connect() as conn:
        rows = records.rows_of(conn, ids=ids)
    return ListPage(rows=rows, total=total, next_after=next_after, total_label=f"{total:,}", match="all")


@cached(reads=RECORD_READS)
def _customer_360(customer_id: int):
    from db import records

    with resources.engine().connect() as conn:
        return records.customer_360(conn, customer_id=customer_id)


def customer_360(customer_id: int, *, masked: bool):
    """The 360 read of one customer (None when there is no such customer); masked for viewers."""
    record = _customer_360(customer_id)
    if record is None or not masked:
        return record
    return replace(record, profile=mask_profile(record.profile), history=mask_history(record.history))


# --- masking (viewers) ----------------------------------------------------------------

MASKED_FIELDS = masking.MASKED_FIELDS
MASK = "*****"


def mask_profile(profile: dict, *, today: dt.date | None = None) -> dict:
    out = dict(profile)
    out["Email"] = masking.mask_email(profile.get("Email"))
    out["Phone"] = masking.mask_phone(profile.get("Phone"))
    dob = profile.get("Date_of_Birth")
    if isinstance(dob, str):
        dob = dt.date.fromisoformat(dob[:10])
    out["Date_of_Birth"] = masking.age_only(dob, today=today)
    return out


def mask_list(rows: pd.DataFrame) -> pd.DataFrame:
    rows = rows.copy()
    if "Email" in rows:
        rows["Email"] = rows["Email"].map(masking.mask_email)
    if "Phone" in rows:
        rows["Phone"] = rows["Phone"].map(masking.mask_phone)
    return rows


def mask_history(history: pd.DataFrame) -> pd.DataFrame:
    """Old and new values of personal fields are hidden from viewers."""
    if history is None or history.empty or "field" not in history:
        return history
    history = history.copy()
    personal = history["field"].isin(MASKED_FIELDS)
    whole = history["field"] == ALL_FIELDS  # a record written whole: its values as one JSON object
    for col in ("old_value", "new_value"):
        if col in history:
            history[col] = history[col].astype(object)
            history.loc[personal & history[col].notna(), col] = MASK
            history.loc[whole, col] = history.loc[whole, col].map(_mask_record)
    return history


def _mask_record(value):
    try:
        record = json.loads(value) if isinstance(value, str) else None
    except ValueError:
        return value
    if not isinstance(record, dict):
        return value
    return json.dumps({k: (MASK if k in MASKED_FIELDS and v is not None else v) for k, v in record.items()})


# --- export ----------------------------------------------------------------------------


def export_csv(f: CustomerFilter, *, query: str, actor: Actor, page: str) -> Callable[[], bytes]:
    """A deferred CSV export of the filtered list for st.download_button: built on the click
    (masked unless the actor sees personal data), and then written to the audit log."""
    engine = resources.engine()  # resolved now: the callable may run outside the script run

    def build() -> bytes:
        from db import exports

        with engine.connect() as conn:
            text = exports.customer_list_csv(conn, actor=actor, f=f, query=query, page=page)
        invalidate({"audit_log"})
        return text.encode("utf-8")

    return build


# --- writes ----------------------------------------------------------------------------


def after_write(result) -> int:
    """Clear exactly the cached reads made stale by a write (WriteResult.tables), and read the
    customers it touched into the analytics copy again (every dashboard figure)."""
    from dashboard import data

    data.apply_write(getattr(result, "customer_ids", ()))
    return invalidate(result.tables)


def write(fn: Callable, *, actor: Actor, **kwargs):
    """Run one db.writes function on a fresh connection, then clear the stale caches.

    Exceptions (ValidationFailed, Conflict, NotFound, WriteFailed, PermissionDenied) propagate
    to the page, which shows them; nothing is cleared when nothing was written.
    """
    with resources.engine().connect() as conn:
        result = fn(conn, actor=actor, **kwargs)
        if conn.in_transaction():
            conn.commit()
    after_write(result)
    return result


def _writes():
    from db import writes

    return writes


def create_customer(*, actor: Actor, data: dict):
    return write(_writes().create_customer, actor=actor, data=data)


def update_customer(*, actor: Actor, customer_id: int, original: dict, changes: dict):
    return write(
        _writes().update_customer, actor=actor, customer_id=customer_id, original=original, changes=changes
    )


def set_account_status(*, actor: Actor, customer_id: int, status: str, original: dict):
    return write(
        _writes().set_account_status, actor=actor, customer_id=customer_id, status=status, original=original
    )


def delete_customer(*, actor: Actor, customer_id: int, confirm: str):
    return write(_writes().delete_customer, actor=actor, customer_id=customer_id, confirm=confirm)


def add_preference(*, actor: Actor, customer_id: int, data: dict):
    return write(_writes().add_preference, actor=actor, customer_id=customer_id, data=data)


def update_preference(*, actor: Actor, preference_id: int, original: dict, changes: dict):
    return write(
        _writes().update_preference,
        actor=actor,
        preference_id=preference_id,
        original=original,
        changes=changes,
    )


def delete_preference(*, actor: Actor, preference_id: int):
    return write(_writes().delete_preference, actor=actor, preference_id=preference_id)


def add_segment(*, actor: Actor, customer_id: int, data: dict):
    return write(_writes().add_segment, actor=actor, customer_id=customer_id, data=data)


def update_segment(*, actor: Actor, segment_id: int, original: dict, changes: dict):
    return write(
        _writes().update_segment, actor=actor, segment_id=segment_id, original=original, changes=changes
    )


def delete_segment(*, actor: Actor, segment_id: int):
    return write(_writes().delete_segment, actor=actor, segment_id=segment_id)


def forget(customer_id: int) -> None:
    """Drop this customer's cached 360 read (before reloading after a conflict)."""
    _customer_360.clear(customer_id)


def parse_customer_id(raw) -> int | None:
    """The ?id= query parameter as a positive integer, or None when missing or unreadable."""
    if isinstance(raw, list):
        raw = raw[0] if raw else None
    text = str(raw or "").strip().lstrip("#")
    if not text.isdigit() or len(text) > 12:
        return None
    value = int(text)
    return value if value > 0 else None


def current_filter() -> CustomerFilter:
    """The shared sidebar filter (dashboard.filters when present, else read from the URL)."""
    try:
        from dashboard import filters
    except ImportError:
        filters = None
    if filters is not None:
        for name in ("sidebar", "current_filter"):
            fn = getattr(filters, name, None)
            if callable(fn):
                return fn()
    import streamlit as st

    return CustomerFilter.from_params(st.query_params.to_dict())


def import_dry_run(customers_csv: bytes, preferences_csv: bytes | None, segments_csv: bytes | None):
    from db import csv_io

    with resources.engine().connect() as conn:
        return csv_io.dry_run(
            conn,
            customers_csv=customers_csv,
            preferences_csv=preferences_csv,
            segments_csv=segments_csv,
        )


def import_commit(plan, *, actor: Actor, all_or_nothing: bool):
    from db import csv_io

    with resources.engine().connect() as conn:
        result = csv_io.commit_import(conn, actor=actor, plan=plan, all_or_nothing=all_or_nothing)
        if conn.in_transaction():
            conn.commit()
    if getattr(result, "tables", None):
        after_write(result)
    else:
        invalidate(RECORD_READS)
    return result


def error_report_csv(errors: pd.DataFrame) -> bytes:
    """The dry run's per-row error report as CSV, cells neutralised against formula injection."""
    from db.csv_cells import neutralise

    return errors.map(neutralise).to_csv(index=False).encode("utf-8")
