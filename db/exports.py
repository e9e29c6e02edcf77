"""Every download that holds personal data writes one audit row: who, when, which page and filter,
how many rows, masked or not (audit_log.action EXPORT).

The row is written when the file is built (the click on a deferred download button), never when
a page only shows the button; the file is handed out only once its row is written.

- `is_personal(columns)`: the one rule for which downloads those are;
- `record(conn, actor=..., export=Export(...))`: the audit row of one download (the customer
  list here, db.audiences for contact lists, db.audit_query for the audit log, dashboard.export
  for tables and chart CSVs);
- `customer_list_csv`: the customer list's CSV, masked for roles that may not see personal data;
- `title` / `describe`: an export row in words, for the Audit log page.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import Connection, insert

from db import audit, csv_io
from db.access import Actor, require
from db.filters import FILTER_LABELS, CustomerFilter
from db.writes import transaction

# A column of one of these makes a file personal data: it names, reaches or identifies a customer.
# Files of counts and sums (most chart CSVs) have none and are not audited.
PERSONAL_COLUMNS = frozenset({"Customer_ID", "Customer_Name", "Email", "Phone", "Date_of_Birth"})
FIELD_MAX = 64  # audit_log.field


def is_personal(columns: Iterable) -> bool:
    """Whether a file with these columns holds personal data (and so its download is audited)."""
    return any(str(c) in PERSONAL_COLUMNS for c in columns)


@dataclass(frozen=True)
class Export:
    """What one download held."""

    what: str  # the file, for people: "Customer list", "Top high-risk customers"
    field: str  # audit_log.field, a stable name: "customer_list", "audience:Email", "table:..."
    rows: int
    masked: bool  # email, phone and date of birth masked
    page: str | None = None  # the page it was downloaded from
    filter: Mapping[str, str] = field(default_factory=dict)  # e.g. CustomerFilter.to_params()
    search: str = ""
    table_name: str = "Customer_Info"  # what it was read from
    record_id: int | None = None
    details: Mapping = field(default_factory=dict)  # more of the record (an audience's funnel)

    def payload(self) -> dict:
        """audit_log.new_value, as JSON."""
        base = {
            "page": self.page,
            "what": self.what,
            "filter": dict(self.filter),
            "search": self.search,
            "rows": int(self.rows),
            "masked": bool(self.masked),
        }
        return {**base, **self.details}


def record(conn: Connection, *, actor: Actor, export: Export) -> None:
    """Write the one audit row of a download: a savepoint in the caller's transaction (the caller
    commits), or else a write transaction of its own, committed here. Any signed-in role."""
    require(actor, "viewer", action="exporting")
    with transaction(conn):
        conn.execute(
            insert(audit.audit_log).values(
                at=audit.now(),
                username=actor.username,
                action=audit.EXPORT,
                table_name=export.table_name,
                record_id=export.record_id,
                customer_id=None,
                field=export.field[:FIELD_MAX],
                old_value=None,
                new_value=json.dumps(export.payload(), default=str),
            )
        )


def count_rows(text: str) -> int:
    """The data rows of CSV text with a header row (quoted line breaks inside a cell included)."""
    return max(sum(1 for _ in csv.reader(io.StringIO(text))) - 1, 0)


def customer_list_csv(
    conn: Connection, *, actor: Actor, f: CustomerFilter, query: str = "", page: str | None = None
) -> str:
    """The customer list's CSV (db.csv_io.export_customers; masked unless the actor sees personal
    data) and its audit row. The read is committed (ended) before the row is written in a write
    transaction of its own: give it a connection without pending writes."""
    require(actor, "viewer", action="exporting the customer list")
    masked = not actor.sees_personal_data
    text = "".join(csv_io.export_customers(conn, f=f, query=query, masked=masked))
    conn.commit()
    export = Export(
        what="Customer list",
        field="customer_list",
        rows=count_rows(text),
        masked=masked,
        page=page,
        filter=f.to_params(),
        search=query,
    )
    record(conn, actor=actor, export=export)
    return text


# --- in words (the Audit log page) -------------------------------------------------------------------


def _payload(new_value: str | None) -> dict | None:
    try:
        data = json.loads(new_value or "")
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def title(new_value: str | None, field: str | None) -> str:
    """What an export row's file was, for people ("Customer list", "Audience list (Email)")."""
    data = _payload(new_value) or {}
    if data.get("what"):
        return str(data["what"])
    if (field or "").startswith("audience:"):  # rows written before exports had a `what`
        return f"Audience list ({field.split(':', 1)[1]})"
    return field or ""


def _filter_text(params: Mapping, labels: Mapping[str, str]) -> str:
    if not params:
        return "none"
    parts = (f"{labels.get(k, k)}: {str(v).replace(',', ', ')}" for k, v in params.items())
    return "; ".join(parts)


def describe(new_value: str | None, labels: Mapping[str, str] = FILTER_LABELS) -> str:
    """An export row's details in words: rows, masked or not, page, audience, filter, search."""
    data = _payload(new_value)
    if data is None:
        return new_value or ""
    rows = data.get("rows")
    parts = [f"{rows:,} rows" if isinstance(rows, int) else "rows unknown"]
    if "masked" in data:
        parts[0] += ", masked" if data["masked"] else ", not masked"
    if data.get("withdrawn"):
        parts.append(f"{data['withdrawn']:,} left out (no longer reachable)")
    if data.get("page"):
        parts.append(f"page: {data['page']}")
    if data.get("audience"):
        parts.append(f"audience: {data['audience']}")
    params = data.get("filter")
    if params is None:  # audience rows written before exports had a `filter`
        params = (data.get("definition") or {}).get("filter") or {}
    parts.append(f"filter: {_filter_text(params, labels)}")
    if data.get("search"):
        parts.append(f"search: {data['search']}")
    return " · ".join(parts)
