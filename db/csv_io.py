"""CSV export of the filtered customer list, and CSV import with a dry run first.

Export: keyset-paged by Customer_ID in chunks, so a million rows never sit in memory; every text
cell that a spreadsheet would read as a formula (= + - @, tab, CR first) gets a leading apostrophe.

Import: `dry_run` reads the files (customers; optionally preferences and segments linked by the
Email column or Customer_ID), validates every row with db.validation and matches customers on
Email; it returns an ImportPlan with counts and a per-row error table (file, row, field, rule).
`commit_import` then writes all valid rows in one transaction with executemany (or nothing at
all when all_or_nothing and some row has an error); when the database refuses a row or fails,
the transaction is rolled back and ImportRejected names the row and the reason (db.import_failures).
A file that cannot be read as a customers CSV raises ImportRejected before anything is touched.

Rules of the import, stated for the UI:
- files up to 50 MB each, UTF-8 (with or without BOM) or UTF-16 with BOM, comma-separated, header
  row with the schema's column names (case and spaces/underscores are forgiven; db.csv_read);
- customers are matched on Email (normalised, any letter case, the domain in either IDNA form):
  a match is an update (the stored address is kept as it is spelled), else a create;
- on an update, an empty cell leaves the stored value unchanged (it never erases it);
- Age in the file is ignored (computed from Date_of_Birth); unknown columns are ignored;
- a preference row for a channel the customer already has updates it, else adds it;
- a segment row is always added (it becomes the customer's current segment).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import Connection, select, update
from sqlalchemy.exc import DBAPIError

from db import audit, contact_match, filters, masking, records
from db import import_failures as failures
from db.access import Actor, require
from db.csv_cells import neutralise
from db.csv_read import ImportRejected, read_csv
from db.current_segment import current_segment
from db.filters import CustomerFilter
from db.models import customer_info, customer_preferences, customer_segments
from db.validation import (
    CUSTOMER_FIELDS,
    CUSTOMER_REQUIRED,
    PREFERENCE_FIELDS,
    PREFERENCE_REQUIRED,
    SEGMENT_FIELDS,
    SEGMENT_REQUIRED,
    ValidationFailed,
    is_blank,
    normalize_email,
    validate_customer,
    validate_preference,
    validate_segment,
)
from db.writes import _diff

LOOKUP_BATCH = 500
ERROR_COLUMNS = ["file", "row", "field", "rule"]

ci = customer_info.c
cs = current_segment().c


# --- export ----------------------------------------------------------------------------------


EXPORT_COLUMNS = tuple(c.name for c in customer_info.columns) + (
    "Segment_Name",
    "Segment_Category",
    "Lifetime_Value",
    "Risk_Score",
    "Engagement_Level",
)
MASKED_EXPORT_COLUMNS = masking.masked_file_columns(EXPORT_COLUMNS)  # no Date_of_Birth; Age stays


def _export_cell(value) -> object:
    if value is None:
        return ""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return neutralise(value) if isinstance(value, str) else value


def export_customers(
    conn: Connection,
    *,
    f: CustomerFilter,
    query: str = "",
    masked: bool,
    chunk_size: int = 10_000,
) -> Iterator[str]:
    """CSV text chunks (header first) of the customers matching the filter and search term.

    masked=True (db.masking): the columns MASKED_EXPORT_COLUMNS, Email and Phone masked and no
    Date_of_Birth column (the Age column, in whole years, stays as stored).
    """
    columns = [
        *customer_info.columns,
        cs.Segment_Name,
        cs.Segment_Category,
        cs.Lifetime_Value,
        cs.Risk_Score,
        cs.Engagement_Level,
    ]
    base = select(*columns).select_from(
        customer_info.outerjoin(current_segment(), cs.Customer_ID == ci.Customer_ID)
    )
    _, condition, _ = records.resolve_term(conn, f=f, query=query, contacts=not masked)
    base = filters.apply(base, f, segment_joined=True).where(condition)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    header = MASKED_EXPORT_COLUMNS if masked else EXPORT_COLUMNS
    writer.writerow(header)
    yield buffer.getvalue()
    last_id = None
    while True:
        stmt = base.order_by(ci.Customer_ID).limit(chunk_size)
        if last_id is not None:
            stmt = stmt.where(ci.Customer_ID > last_id)
        rows = conn.execute(stmt).fetchall()
        if not rows:
            return
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        for row in rows:
            record = masking.mask_record(row._mapping) if masked else row._mapping
            writer.writerow([_export_cell(record[c]) for c in header])
        yield buffer.getvalue()
        last_id = rows[-1]._mapping["Customer_ID"]
        if len(rows) < chunk_size:
            return


# --- import: plan --------------------------------------------------------------------------------


@dataclass
class ImportPlan:
    to_create: int
    to_update: int
    errors: pd.DataFrame  # file, row, field, rule
    preferences_to_create: int = 0
    preferences_to_update: int = 0
    segments_to_create: int = 0
    rows_read: int = 0
    # valid rows kept for commit_import
    creates: list[dict] = field(default_factory=list, repr=False)
    updates: list[tuple[int, dict, dict]] = field(default_factory=list, repr=False)  # id, new, old
    preferences: list[dict] = field(default_factory=list, repr=False)
    segments: list[dict] = field(default_factory=list, repr=False)

    @property
    def error_rows(self) -> int:
        return int(self.errors[["file", "row"]].drop_duplicates().shape[0]) if not self.errors.empty else 0

    def errors_csv(self) -> str:
        """The error report as CSV text (for a download button)."""
        out = io.StringIO()
        self.errors.map(neutralise).to_csv(out, index=False, lineterminator="\r\n")
        return out.getvalue()


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    skipped: int
    preferences_created: int = 0
    preferences_updated: int = 0
    segments_created: int = 0
    tables: frozenset[str] = frozenset()
    # every customer whose rows the import created or changed (as WriteResult.customer_ids)
    customer_ids: frozenset[int] = frozenset()


def _batched(items: list, size: int = LOOKUP_BATCH):
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _existing_by(conn: Connection, column, values: list) -> dict:
    """value -> full Customer_Info row for the values that exist."""
    found = {}
    for chunk in _batched(sorted(set(values))):
        for row in conn.execute(select(customer_info).where(column.in_(chunk))).mappings():
            found[row[column.name]] = dict(row)
    return found


def _existing_emails(conn: Connection, emails: list[str]) -> dict[str, dict]:
    """Normalised address -> the Customer_Info row that stores it in any letter case or IDNA form
    (another program may have stored Asha@Example.com or xn--...); the spelling as given wins,
    else the lowest Customer_ID."""
    spelled = contact_match.spellings_of(emails)
    found: dict[str, dict] = {}
    for chunk in _batched(sorted(spelled)):
        stmt = select(customer_info).where(contact_match.stored_as_any(ci.Email, chunk))
        for row in conn.execute(stmt).mappings():
            address = spelled.get(row["Email"].lower())
            if address is None:
                continue
            rank = (row["Email"] != address, row["Customer_ID"])
            held = found.get(address)
            if held is None or rank < (held["Email"] != address, held["Customer_ID"]):
                found[address] = dict(row)
    return found


def dry_run(
    conn: Connection,
    *,
    customers_csv: bytes,
    preferences_csv: bytes | None = None,
    segments_csv: bytes | None = None,
    today: dt.date | None = None,
) -> ImportPlan:
    """Validate the files and plan the import; touches nothing. ImportRejected for unreadable files."""
    today = today or dt.date.today()
    raw_customers = read_csv(customers_csv, file="customers", required=CUSTOMER_REQUIRED)
    raw_prefs = (
        read_csv(preferences_csv, file="preferences", required=PREFERENCE_REQUIRED, link=True)
        if preferences_csv is not None
        else []
    )
    raw_segs = (
        read_csv(segments_csv, file="segments", required=SEGMENT_REQUIRED, link=True)
        if segments_csv is not None
        else []
    )
    errors: list[tuple[str, int, str, str]] = []

    clean_rows: list[tuple[int, dict, str | None]] = []  # (row number, clean, file Customer_ID)
    seen_email: dict[str, int] = {}
    seen_phone: dict[str, int] = {}
    for raw in raw_customers:
        row_no = raw["_row"]
        data = {k: v for k, v in raw.items() if k in CUSTOMER_FIELDS}
        try:
            clean = validate_customer(data, today=today)
        except ValidationFailed as failed:
            errors += [("customers", row_no, k, msg) for k, msg in failed.errors.items()]
            continue
        email, phone = clean["Email"], clean.get("Phone")
        if email in seen_email:
            errors.append(
                ("customers", row_no, "Email", f"Email: the same address is in row {seen_email[email]}")
            )
            continue
        if phone and phone in seen_phone:
            errors.append(
                ("customers", row_no, "Phone", f"Phone: the same number is in row {seen_phone[phone]}")
            )
            continue
        seen_email[email] = row_no
        if phone:
            seen_phone[phone] = row_no
        # keep which optional columns were blank: on update they are left unchanged
        blank = {k for k, v in data.items() if is_blank(v)} | {k for k in CUSTOMER_FIELDS if k not in data}
        clean["_blank"] = blank
        clean["_row"] = row_no
        clean_rows.append((row_no, clean, (raw.get("Customer_ID") or "").strip() or None))

    existing = _existing_emails(conn, [c["Email"] for _, c, _ in clean_rows])
    creates, updates, link_email = _match(conn, clean_rows, existing, errors)
    # stored email -> Customer_ID of the customers the side files may refer to
    stored_ids = {row["Email"]: row["Customer_ID"] for row in existing.values()}

    prefs, segs = [], []
    if raw_prefs or raw_segs:
        missing_keys = []
        for raw in (*raw_prefs, *raw_segs):
            key = _link_key(raw)
            if key and key not in link_email:
                missing_keys.append(key)
        stored_ids |= _resolve_links(conn, missing_keys, link_email)
    for raw in raw_prefs:
        item = _side_row(raw, "preferences", validate_preference, PREFERENCE_FIELDS, link_email, errors)
        if item:
            prefs.append(item)
    for raw in raw_segs:
        item = _side_row(raw, "segments", validate_segment, SEGMENT_FIELDS, link_email, errors)
        if item:
            segs.append(item)
    pref_updates = _count_existing_channels(conn, prefs, stored_ids)

    frame = pd.DataFrame(errors, columns=ERROR_COLUMNS)
    return ImportPlan(
        to_create=len(creates),
        to_update=len(updates),
        errors=frame,
        preferences_to_create=len(prefs) - pref_updates,
        preferences_to_update=pref_updates,
        segments_to_create=len(segs),
        rows_read=len(raw_customers),
        creates=creates,
        updates=updates,
        preferences=prefs,
        segments=segs,
    )


def _match(conn: Connection, clean_rows: list, existing: Mapping[str, dict], errors: list):
    """Valid customer rows -> (creates, updates, side-file key -> stored email); a phone another
    customer has is a row error."""
    phones_taken = _existing_by(conn, ci.Phone, [c["Phone"] for _, c, _ in clean_rows if c.get("Phone")])
    creates: list[dict] = []
    updates: list[tuple[int, dict, dict]] = []
    link_email: dict[str, str] = {}  # key in the side files -> the customer's stored email
    for row_no, clean, file_id in clean_rows:
        blank = clean.pop("_blank")
        old = existing.get(clean["Email"])
        phone_owner = phones_taken.get(clean.get("Phone"))
        if phone_owner is not None and (old is None or phone_owner["Customer_ID"] != old["Customer_ID"]):
            errors.append(("customers", row_no, "Phone", "Phone: already used by another customer"))
            continue
        if old is None:
            creates.append(clean)
        else:
            new = {k: v for k, v in clean.items() if k not in blank or k == "Age"}
            new["Email"] = old["Email"]  # the same address, kept as it is stored (case, IDNA form)
            if "Date_of_Birth" not in new:
                new.pop("Age", None)
            updates.append((old["Customer_ID"], new, old))
        stored = clean["Email"] if old is None else old["Email"]
        link_email[clean["Email"]] = stored
        if file_id:
            link_email[f"id:{file_id}"] = stored
    return creates, updates, link_email


def _link_key(raw: Mapping) -> str | None:
    email = (raw.get("Email") or "").strip()
    if email:
        try:
            return normalize_email(email)
        except Exception:  # noqa: BLE001 - reported as a row error later
            return None
    cid = (raw.get("Customer_ID") or "").strip()
    return f"id:{cid}" if cid else None


def _resolve_links(conn: Connection, keys: list[str], link_email: dict[str, str]) -> dict[str, int]:
    """Side-file keys not in the customers file: existing customers by email (any spelling) or
    Customer_ID; returns their stored email -> Customer_ID."""
    emails = [k for k in keys if not k.startswith("id:")]
    ids = [int(k[3:]) for k in keys if k.startswith("id:") and k[3:].isdigit()]
    found = {}
    for email, row in _existing_emails(conn, emails).items():
        link_email[email] = row["Email"]
        found[row["Email"]] = row["Customer_ID"]
    for cid, row in _existing_by(conn, ci.Customer_ID, ids).items():
        link_email[f"id:{cid}"] = row["Email"]
        found[row["Email"]] = row["Customer_ID"]
    return found


def _side_row(raw, file, validate, fields, link_email, errors) -> dict | None:
    row_no = raw["_row"]
    key = _link_key(raw)
    if key is None or key not in link_email:
        link_field = "Email" if (raw.get("Email") or "").strip() else "Customer_ID"
        errors.append(
            (
                file,
                row_no,
                link_field,
                f"{link_field}: no such customer in the customers file or the database",
            )
        )
        return None
    try:
        clean = validate({k: v for k, v in raw.items() if k in fields})
    except ValidationFailed as failed:
        errors.extend((file, row_no, k, msg) for k, msg in failed.errors.items())
        return None
    clean["_email"] = link_email[key]
    clean["_row"] = row_no
    return clean


def _count_existing_channels(conn: Connection, prefs: list[dict], stored_ids: Mapping[str, int]) -> int:
    """How many preference rows are for a channel their (existing) customer already has."""
    ids = {stored_ids[p["_email"]] for p in prefs if p["_email"] in stored_ids}
    taken = set()
    p = customer_preferences.c
    for chunk in _batched(sorted(ids)):
        taken |= set(
            conn.execute(select(p.Customer_ID, p.Communication_Channel).where(p.Customer_ID.in_(chunk))).all()
        )
    return sum(
        1 for pref in prefs if (stored_ids.get(pref["_email"]), pref["Communication_Channel"]) in taken
    )


# --- import: commit ----------------------------------------------------------------------------


def commit_import(conn: Connection, *, actor: Actor, plan: ImportPlan, all_or_nothing: bool) -> ImportResult:
    """Write the plan's valid rows in one transaction (admin only). With all_or_nothing and any
    row error, nothing is written (ImportRejected). When the database refuses a row or fails,
    nothing is written either, and ImportRejected says which row and why (db.import_failures)."""
    require(actor, "admin", action="import customers")
    skipped = plan.error_rows
    if all_or_nothing and skipped:
        raise ImportRejected(
            f"{skipped} row(s) have errors and 'all or nothing' is on: nothing was imported "
            "(download the error report, fix the rows and run the dry run again)"
        )
    at = audit.now()
    audit_rows: list[tuple] = []
    with failures.import_transaction(conn):
        created = _insert_customers(conn, plan.creates, actor, at, audit_rows)
        updated = _update_customers(conn, plan.updates, actor, at, audit_rows)
        email_to_id = _ids_by_email(conn, {p["_email"] for p in (*plan.preferences, *plan.segments)})
        p_created, p_updated = _write_preferences(conn, plan.preferences, email_to_id, actor, at, audit_rows)
        s_created = _insert_segments(conn, plan.segments, email_to_id, actor, at, audit_rows)
        with failures.step("writing the audit log"):
            audit.write(conn, audit_rows)
    tables = {"Customer_Info", "audit_log"}
    if plan.preferences:
        tables.add("Customer_Preferences")
    if plan.segments:
        tables.add("Customer_Segments")
    # every row written has its audit row (one per created row, one per changed field), naming
    # its customer; rows found unchanged have none
    at_customer = audit.AUDIT_COLUMNS.index("customer_id")
    changed_ids = frozenset(row[at_customer] for row in audit_rows)
    return ImportResult(
        created=created,
        updated=updated,
        skipped=skipped,
        preferences_created=p_created,
        preferences_updated=p_updated,
        segments_created=s_created,
        tables=frozenset(tables),
        customer_ids=changed_ids,
    )


def _ids_by_email(conn: Connection, emails: set[str]) -> dict[str, int]:
    out = {}
    for chunk in _batched(sorted(emails)):
        out.update(conn.execute(select(ci.Email, ci.Customer_ID).where(ci.Email.in_(chunk))).all())
    return out


def _customer_of(email_to_id: Mapping[str, int], item: dict, file: str) -> int:
    """The Customer_ID of a side-file row's customer; RowFailed when they were deleted meanwhile."""
    cid = email_to_id.get(item["_email"])
    if cid is None:
        raise failures.gone(file, item["_row"], f"its customer ({item['_email']}) was deleted")
    return cid


def _insert_customers(conn, creates, actor, at, audit_rows) -> int:
    if not creates:
        return 0
    columns = [*CUSTOMER_FIELDS, "Age"]
    rows = [[c.get(k) for k in columns] for c in creates]
    failures.insert_rows(conn, customer_info, columns, rows, [c["_row"] for c in creates], file="customers")
    ids = _ids_by_email(conn, {c["Email"] for c in creates})
    for c in creates:
        cid = ids[c["Email"]]
        audit_rows.append(
            audit.create_row(
                actor=actor,
                table_name="Customer_Info",
                record_id=cid,
                customer_id=cid,
                values={k: c.get(k) for k in columns},
                at=at,
            )
        )
    return len(creates)


def _update_customers(conn, updates, actor, at, audit_rows) -> int:
    count = 0
    for cid, new, old in updates:
        diff = _diff(customer_info, old, new)
        if not diff:
            continue
        try:
            result = conn.execute(
                update(customer_info)
                .where(ci.Customer_ID == cid, ci.Email == old["Email"])
                .values({k: v for k, (_, v) in diff.items()})
            )
        except DBAPIError as error:
            raise failures.refused("customers", new["_row"], error) from error
        if result.rowcount != 1:
            what = f"customer {cid} ({old['Email']}) was changed or deleted"
            raise failures.gone("customers", new["_row"], what)
        audit_rows += audit.rows_for(
            actor=actor,
            action="update",
            table_name="Customer_Info",
            record_id=cid,
            customer_id=cid,
            changes=diff,
            at=at,
        )
        count += 1
    return count


def _write_preferences(conn, prefs, email_to_id, actor, at, audit_rows) -> tuple[int, int]:
    if not prefs:
        return 0, 0
    p = customer_preferences.c
    existing: dict[tuple[int, str], dict] = {}
    ids = {x["_row"]: _customer_of(email_to_id, x, "preferences") for x in prefs}
    for chunk in _batched(sorted(set(ids.values()))):
        for row in conn.execute(select(customer_preferences).where(p.Customer_ID.in_(chunk))).mappings():
            existing.setdefault((row["Customer_ID"], row["Communication_Channel"]), dict(row))
    updated = 0
    new_rows, numbers = [], []
    for pref in prefs:
        cid = ids[pref["_row"]]
        values = {k: v for k, v in pref.items() if k in PREFERENCE_FIELDS}
        old = existing.get((cid, values["Communication_Channel"]))
        if old is None:
            new_rows.append({"Customer_ID": cid, **values})
            numbers.append(pref["_row"])
            existing[(cid, values["Communication_Channel"])] = {
                "Customer_ID": cid,
                **values,
                "Preference_ID": None,
            }
            continue
        updated += _update_preference(conn, old, values, pref["_row"], actor, at, audit_rows)
    if not new_rows:
        return 0, updated
    columns = list(new_rows[0])
    rows = [[r[k] for k in columns] for r in new_rows]
    created = failures.insert_rows(conn, customer_preferences, columns, rows, numbers, file="preferences")
    audit_rows += [
        audit.create_row(
            actor=actor,
            table_name="Customer_Preferences",
            record_id=None,
            customer_id=row["Customer_ID"],
            values={k: v for k, v in row.items() if k != "Customer_ID"},
            at=at,
        )
        for row in new_rows
    ]
    return created, updated


def _update_preference(conn, old: dict, values: dict, row: int, actor, at, audit_rows) -> int:
    """Update a stored preference to the file's values; 1 if anything changed, else 0."""
    diff = _diff(customer_preferences, old, values)
    if not diff or old["Preference_ID"] is None:  # None: added by this import a row earlier
        return 0
    try:
        conn.execute(
            update(customer_preferences)
            .where(customer_preferences.c.Preference_ID == old["Preference_ID"])
            .values({k: v for k, (_, v) in diff.items()})
        )
    except DBAPIError as error:
        raise failures.refused("preferences", row, error) from error
    audit_rows += audit.rows_for(
        actor=actor,
        action="update",
        table_name="Customer_Preferences",
        record_id=old["Preference_ID"],
        customer_id=old["Customer_ID"],
        changes=diff,
        at=at,
    )
    return 1


def _insert_segments(conn, segs, email_to_id, actor, at, audit_rows) -> int:
    if not segs:
        return 0
    rows = [
        {
            "Customer_ID": _customer_of(email_to_id, s, "segments"),
            "Last_Updated": at,
            **{k: v for k, v in s.items() if k in SEGMENT_FIELDS},
        }
        for s in segs
    ]
    columns = list(rows[0])
    values = [[r[k] for k in columns] for r in rows]
    failures.insert_rows(conn, customer_segments, columns, values, [s["_row"] for s in segs], file="segments")
    audit_rows += [
        audit.create_row(
            actor=actor,
            table_name="Customer_Segments",
            record_id=None,
            customer_id=row["Customer_ID"],
            values={k: v for k, v in row.items() if k in SEGMENT_FIELDS},
            at=at,
        )
        for row in rows
    ]
    return len(rows)
