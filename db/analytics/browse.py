"""Browsing the customer list by a sidebar filter on segment fields or sorted by risk: the page's
customer ids from the analytics copy (the source has no index for these since the dashboards no
longer keep derived tables there); db.records reads those customers' rows from the source."""

from __future__ import annotations

from sqlalchemy import and_, func, or_, select

from db.analytics import run
from db.analytics.schema import customers
from db.analytics.where import conditions
from db.filters import CustomerFilter

c = customers.c
# the record pages' sort keys (db.records.SORTS) over the copy: NULL value and risk read as 0
SORTS = {
    "Customer_ID": c.Customer_ID,
    "Customer_Name": c.Customer_Name,
    "Email": c.Email,
    "City": c.City,
    "Join_Date": c.Join_Date,
    "Risk_Score": func.coalesce(c.Risk_Score, 0.0),
    "Loyalty_Points": func.coalesce(c.Loyalty_Points, 0),
}


def wanted(f: CustomerFilter, *, query: str, sort: str) -> bool:
    """True when the list is read fastest from the copy: no search term, and a filter on segment
    fields or the risk sort."""
    return not query.strip() and (f.uses_segment or sort == "Risk_Score")


def page(
    con, *, f: CustomerFilter, sort: str, descending: bool, after: tuple | None, limit: int
) -> tuple[list[int], int, tuple | None]:
    """(Customer_IDs of the page in order, total matching, the `after` of the next page)."""
    key = SORTS[sort]
    conds = conditions(f)
    if sort == "Risk_Score":
        conds.append(c.Segment_ID.is_not(None))  # as the source's list: customers with a segment
    total = int(run.scalar(con, select(func.count()).select_from(customers).where(*conds)) or 0)
    if after is not None:
        last_key, last_id = (after[-1], after[-1]) if sort == "Customer_ID" else after
        if sort == "Customer_ID":
            conds.append(c.Customer_ID < last_id if descending else c.Customer_ID > last_id)
        elif descending:
            conds.append(or_(key < last_key, and_(key == last_key, c.Customer_ID < last_id)))
        else:
            conds.append(or_(key > last_key, and_(key == last_key, c.Customer_ID > last_id)))
    order = [key.desc(), c.Customer_ID.desc()] if descending else [key.asc(), c.Customer_ID.asc()]
    stmt = select(c.Customer_ID, key.label("k")).where(*conds).order_by(*order).limit(limit + 1)
    rows = run.execute(con, stmt).fetchall()
    ids = [int(r[0]) for r in rows[:limit]]
    next_after = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_after = (int(last[0]),) if sort == "Customer_ID" else (_plain(last[1]), int(last[0]))
    return ids, total, next_after


def _plain(value):
    """A sort key as the source would give it (DuckDB returns numpy/pandas types for some)."""
    return value.item() if hasattr(value, "item") else value
