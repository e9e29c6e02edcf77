"""Each customer's current segment, read straight from Customer_Segments (the record pages).

The current segment of a customer is their Customer_Segments row with the latest Last_Updated,
a NULL Last_Updated counting as the oldest on every engine, ties broken by the highest
Segment_ID. `current_segment()` is that rule as one selectable with one row per customer that
has segments; nothing is stored (the dashboards compute the same rule in their own copy).

It is a correlated subquery, not ROW_NUMBER() over the whole table: joined to a page of 50
customers, SQLite, PostgreSQL and MariaDB merge it into the outer query and read only those
customers' segment rows through the (Customer_ID, Last_Updated, Segment_ID) index, so a page
stays a few index lookups at a million customers (1-4 ms for the join). A window in a derived
table is computed for every customer before the join on SQLite and PostgreSQL (a page joined
with it: 11.5 s and 1.6 s at 1M customers). The price: a read of every current segment (a sort
by risk, a filter on segment fields alone) runs the subquery once per segment row, seconds at 1M.
"""

from __future__ import annotations

from functools import cache

from sqlalchemy import ColumnElement, Subquery, func, select

from db.models import customer_segments

NAME = "current_segment"
COLUMNS = (
    "Customer_ID",
    "Segment_ID",
    "Segment_Name",
    "Segment_Category",
    "Lifetime_Value",
    "Risk_Score",
    "Engagement_Level",
    "Last_Updated",
)


def latest_first(columns=customer_segments.c) -> tuple[ColumnElement, ...]:
    """ORDER BY terms putting a customer's current segment first: dated rows before undated ones
    (`IS NULL` first, not NULLS LAST, which MySQL lacks), then the latest, then the highest id."""
    return (columns.Last_Updated.is_(None), columns.Last_Updated.desc(), columns.Segment_ID.desc())


@cache
def current_segment() -> Subquery:
    """The current segment of every customer that has one, as a subquery named current_segment.

    Columns: COLUMNS. Lifetime_Value and Risk_Score are 0 where the row holds NULL (so that sorts
    and ranges on them compare plain numbers). The same object on every call: a statement that
    joins it and db.filters' conditions on its columns refer to one FROM entry.
    """
    row = customer_segments.alias("segment")
    other = customer_segments.alias("later_segment")
    latest_id = (
        select(other.c.Segment_ID)
        .where(other.c.Customer_ID == row.c.Customer_ID)
        .order_by(*latest_first(other.c))
        .limit(1)
        .correlate(row)
        .scalar_subquery()
    )
    return (
        select(
            row.c.Customer_ID,
            row.c.Segment_ID,
            row.c.Segment_Name,
            row.c.Segment_Category,
            func.coalesce(row.c.Lifetime_Value, 0).label("Lifetime_Value"),
            func.coalesce(row.c.Risk_Score, 0).label("Risk_Score"),
            row.c.Engagement_Level,
            row.c.Last_Updated,
        )
        .where(row.c.Segment_ID == latest_id)
        .subquery(NAME)
    )
