"""Keeps `current_segment` (one row per customer: their latest segment) in step with Customer_Segments.

Writers through the app call `refresh(conn, customer_ids=...)` in their own transaction; it also
keeps db.rollup's counts of the current segments in step.
Anything else (seeding, another program writing the tables) is caught by `ensure_fresh`,
which compares a cheap watermark of Customer_Segments and rebuilds when it moved.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, Double, Engine, delete, func, insert, select, type_coerce

from db import rollup
from db.models import current_segment, customer_info, customer_segments, sync_state

WATERMARK = "current_segment"
_COLUMNS = (
    "Customer_ID",
    "Segment_ID",
    "Segment_Name",
    "Segment_Category",
    "Lifetime_Value",
    "Risk_Score",
    "Engagement_Level",
    "State",
    "Last_Login",
    "Value_Risk",
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
        # rounded to the product's 4 decimals: the same double on every backend (SQLite multiplies
        # REALs) and in the demo loader
        type_coerce(func.round(func.coalesce(s.Lifetime_Value * s.Risk_Score, 0), 4), Double).label(
            "Value_Risk"
        ),
        s.Engagement_Level,
        customer_info.c.State,
        customer_info.c.Last_Login,
        rank,
    ).select_from(customer_segments.join(customer_info, customer_info.c.Customer_ID == s.Customer_ID))
    if customer_ids is not None:
        inner = inner.where(s.Customer_ID.in_(customer_ids))
    ranked = inner.subquery()
    return select(*(ranked.c[name] for name in _COLUMNS)).where(ranked.c.rn == 1)


def watermark(conn: Connection) -> str:
    # Three statements: each is answered from an index (SQLite reads the whole table for
    # several aggregates in one query: 300 ms instead of 90 ms at a million segments).
    s = customer_segments.c
    count = conn.execute(select(func.count()).select_from(customer_segments)).scalar()
    top_id = conn.execute(select(func.max(s.Segment_ID))).scalar()
    latest = conn.execute(select(func.max(s.Last_Updated))).scalar()
    return f"{count}|{top_id}|{latest}"


def save_watermark(conn: Connection) -> None:
    """Record that current_segment matches Customer_Segments as they are now."""
    conn.execute(delete(sync_state).where(sync_state.c.name == WATERMARK))
    conn.execute(insert(sync_state).values(name=WATERMARK, watermark=watermark(conn)))


def refresh(
    conn: Connection,
    *,
    customer_ids: Iterable[int] | None = None,
    segments_before: dict[tuple, list] | None = None,
) -> None:
    """Recompute the current segment of `customer_ids` (all customers when None), and the rollups.

    A writer of Customer_Segments passes `segments_before`: rollup.segment_cells() of the same
    customers taken before its write.
    """
    ids = None if customer_ids is None else sorted(set(customer_ids))
    if ids == []:
        return
    wipe = delete(current_segment)
    if ids is not None:
        before = rollup.contributions(conn, ids, lock=True)
        wipe = wipe.where(current_segment.c.Customer_ID.in_(ids))
    conn.execute(wipe)
    conn.execute(insert(current_segment).from_select(list(_COLUMNS), _latest_rows(ids)))
    if ids is None:
        rollup.rebuild(conn)
    else:
        rollup.apply(conn, before, rollup.contributions(conn, ids))
        if segments_before is not None:
            rollup.apply_segments(conn, segments_before, rollup.segment_cells(conn, ids))
    save_watermark(conn)


def is_fresh(conn: Connection) -> bool:
    stored = conn.execute(select(sync_state.c.watermark).where(sync_state.c.name == WATERMARK)).scalar()
    return stored == watermark(conn)


def ensure_fresh(engine: Engine) -> bool:
    """Rebuild when Customer_Segments changed behind our back; True when a rebuild ran."""
    return fresh_watermark(engine)[0]


def fresh_watermark(engine: Engine) -> tuple[bool, str]:
    """ensure_fresh(), and the watermark current_segment now matches: (rebuilt, watermark)."""
    with engine.connect() as conn:
        stored = conn.execute(select(sync_state.c.watermark).where(sync_state.c.name == WATERMARK)).scalar()
        now = watermark(conn)
        if stored == now:
            return False, now
    with engine.begin() as conn:
        refresh(conn)
        return True, watermark(conn)
