"""Keeps `current_segment` (one row per customer: their latest segment) in step with Customer_Segments.

Writers through the app call `refresh(conn, customer_ids=...)` in their own transaction.
Anything else (seeding, another program writing the tables) is caught by `ensure_fresh`,
which compares a cheap watermark of Customer_Segments and rebuilds when it moved.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, Engine, delete, func, insert, select

from db.models import current_segment, customer_segments, sync_state

WATERMARK = "current_segment"
_COLUMNS = (
    "Customer_ID",
    "Segment_ID",
    "Segment_Name",
    "Segment_Category",
    "Lifetime_Value",
    "Risk_Score",
    "Engagement_Level",
)


def _latest_rows(customer_ids: list[int] | None):
    s = customer_segments.c
    rank = (
        func.row_number()
        .over(partition_by=s.Customer_ID, order_by=(s.Last_Updated.desc(), s.Segment_ID.desc()))
        .label("rn")
    )
    inner = select(
        s.Customer_ID,
        s.Segment_ID,
        s.Segment_Name,
        s.Segment_Category,
        func.coalesce(s.Lifetime_Value, 0).label("Lifetime_Value"),
        func.coalesce(s.Risk_Score, 0).label("Risk_Score"),
        s.Engagement_Level,
        rank,
    )
    if customer_ids is not None:
        inner = inner.where(s.Customer_ID.in_(customer_ids))
    ranked = inner.subquery()
    return select(*(ranked.c[name] for name in _COLUMNS)).where(ranked.c.rn == 1)


def watermark(conn: Connection) -> str:
    s = customer_segments.c
    row = conn.execute(select(func.count(), func.max(s.Segment_ID), func.max(s.Last_Updated))).one()
    return f"{row[0]}|{row[1]}|{row[2]}"


def save_watermark(conn: Connection) -> None:
    """Record that current_segment matches Customer_Segments as they are now."""
    conn.execute(delete(sync_state).where(sync_state.c.name == WATERMARK))
    conn.execute(insert(sync_state).values(name=WATERMARK, watermark=watermark(conn)))


def refresh(conn: Connection, *, customer_ids: Iterable[int] | None = None) -> None:
    """Recompute the current segment of `customer_ids` (all customers when None)."""
    ids = None if customer_ids is None else sorted(set(customer_ids))
    if ids == []:
        return
    wipe = delete(current_segment)
    if ids is not None:
        wipe = wipe.where(current_segment.c.Customer_ID.in_(ids))
    conn.execute(wipe)
    conn.execute(insert(current_segment).from_select(list(_COLUMNS), _latest_rows(ids)))
    save_watermark(conn)


def is_fresh(conn: Connection) -> bool:
    stored = conn.execute(select(sync_state.c.watermark).where(sync_state.c.name == WATERMARK)).scalar()
    return stored == watermark(conn)


def ensure_fresh(engine: Engine) -> bool:
    """Rebuild when Customer_Segments changed behind our back; True when a rebuild ran."""
    with engine.connect() as conn:
        if is_fresh(conn):
            return False
    with engine.begin() as conn:
        refresh(conn)
    return True
