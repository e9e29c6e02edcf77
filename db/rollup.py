"""Rollups, kept in step with the rows they count in the same transaction:

- current_segment_rollup: the current segments per category, engagement, risk bin and value bin.
  db.current_segment.refresh() calls `contributions` for the customers it rewrites before and
  after, and `apply` adds the difference.
- segment_value_rollup: Customer_Segments rows per category, segment name and 50-rupee value
  bucket. A segment writer takes `segment_cells` of the customer before writing and passes them
  to refresh(), which adds the difference (`apply_segments`).

A refresh of everyone (and the demo loader) calls `rebuild`.
Risk bins are 5 points wide (the risk bands start at 30 and 70, both multiples); value bins are
about 48 per power of ten between whole-rupee edges that include every bound of the value x risk
matrix, so the Pareto curve and the matrix read off the bins exactly as they would off the rows.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from decimal import Decimal

from sqlalchemy import Connection, case, delete, func, insert, literal, select, update

from db.models import current_segment, current_segment_rollup, customer_segments, segment_value_rollup

RISK_STEP = 5
VALUE_BUCKET = 50  # rupees, segment_value_rollup
# Lower bounds (rupees) the value x risk matrix groups by; each must be one of VALUE_EDGES.
MATRIX_VALUE_BOUNDS = (10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000)
# value_bin 0 holds values below VALUE_EDGES[0], bin i holds VALUE_EDGES[i-1] <= value < VALUE_EDGES[i],
# and the last bin everything from VALUE_EDGES[-1] up.
VALUE_EDGES: tuple[int, ...] = tuple(
    sorted({round(10 ** (k / 48)) for k in range(0, 48 * 9 + 1)} | set(MATRIX_VALUE_BOUNDS))
)

cs = current_segment.c
_MEASURES = ("customers", "value_sum", "risk_sum", "value_risk_sum")


def value_bin(value) -> int:
    return bisect_right(VALUE_EDGES, Decimal(str(value)))


def value_bin_floor(b: int) -> float:
    """The lowest value of bin `b`."""
    return 0.0 if b <= 0 else float(VALUE_EDGES[b - 1])


def risk_bin(score) -> int:
    return int(Decimal(str(score)) // RISK_STEP)


def value_bin_sql(value, lo: int = 0, hi: int = len(VALUE_EDGES)):
    """bisect_right(VALUE_EDGES, value) as a nested CASE: about 9 comparisons a row."""
    if lo == hi:
        return literal(lo)
    mid = (lo + hi) // 2
    below = value_bin_sql(value, lo, mid)
    return case((value < VALUE_EDGES[mid], below), else_=value_bin_sql(value, mid + 1, hi))


def risk_bin_sql(conn: Connection, score):
    from db.analytics.common import floor_div

    return floor_div(conn, score, RISK_STEP)


def _rows(conn: Connection, customer_ids, key, *columns, lock: bool = False):
    """`columns` of the rows whose `key` is one of `customer_ids`, a few thousand ids a query."""
    ids = sorted(set(customer_ids))
    for start in range(0, len(ids), 5000):
        stmt = select(*columns).where(key.in_(ids[start : start + 5000]))
        yield from conn.execute(stmt.with_for_update() if lock else stmt)


def contributions(conn: Connection, customer_ids: list[int], *, lock: bool = False) -> dict[tuple, list]:
    """{(category, engagement, risk_bin, value_bin): [customers, value, risk, value x risk]} of
    these customers' current segments (`lock`: FOR UPDATE, so that two writers of one customer
    take turns)."""
    out: dict[tuple, list] = defaultdict(lambda: [0, Decimal(0), Decimal(0), Decimal(0)])
    for category, engagement, value, score in _rows(
        conn,
        customer_ids,
        cs.Customer_ID,
        cs.Segment_Category,
        cs.Engagement_Level,
        cs.Lifetime_Value,
        cs.Risk_Score,
        lock=lock,
    ):
        value, score = Decimal(str(value)), Decimal(str(score))
        cell = out[(category, engagement or "", risk_bin(score), value_bin(value))]
        cell[0] += 1
        cell[1] += value
        cell[2] += score
        cell[3] += value * score
    return out


_CURRENT_KEYS = ("Segment_Category", "Engagement_Level", "risk_bin", "value_bin")


def apply(conn: Connection, before: dict[tuple, list], after: dict[tuple, list]) -> None:
    """Add `after` - `before` to current_segment_rollup."""
    _apply(conn, current_segment_rollup, _CURRENT_KEYS, _MEASURES, before, after)


def _apply(conn: Connection, table, keys: tuple, measures: tuple, before: dict, after: dict) -> None:
    """Add the differences of `after` - `before` ({key tuple: measures}) to the cells of `table`:
    an UPDATE of the cell, or an INSERT when it does not exist yet. Empty cells stay in place:
    every figure sums them as zeros."""
    c = table.c
    for key in before.keys() | after.keys():
        old, new = before.get(key, [0] * len(measures)), after.get(key, [0] * len(measures))
        delta = [n - o for n, o in zip(new, old, strict=True)]
        if not any(delta):
            continue
        where = [c[k] == v for k, v in zip(keys, key, strict=True)]
        changes = {m: c[m] + d for m, d in zip(measures, delta, strict=True)}
        if conn.execute(update(table).where(*where).values(changes)).rowcount == 0:
            conn.execute(insert(table).values(dict(zip((*keys, *measures), (*key, *delta), strict=True))))


def rebuild(conn: Connection) -> None:
    """Recount both rollups from current_segment and Customer_Segments."""
    _rebuild_current(conn)
    _rebuild_segments(conn)


def _rebuild_current(conn: Connection) -> None:
    conn.execute(delete(current_segment_rollup))
    engagement = func.coalesce(cs.Engagement_Level, "")
    rbin = risk_bin_sql(conn, cs.Risk_Score)
    vbin = value_bin_sql(cs.Lifetime_Value)
    grouped = select(
        cs.Segment_Category,
        engagement,
        rbin,
        vbin,
        func.count(),
        func.sum(cs.Lifetime_Value),
        func.sum(cs.Risk_Score),
        func.sum(cs.Lifetime_Value * cs.Risk_Score),
    ).group_by(cs.Segment_Category, engagement, rbin, vbin)
    conn.execute(insert(current_segment_rollup).from_select([*_CURRENT_KEYS, *_MEASURES], grouped))


# --- segment_value_rollup ----------------------------------------------------------------------

ss = customer_segments.c


def value_bucket(value) -> int:
    return -1 if value is None else int(Decimal(str(value)) // VALUE_BUCKET)


def segment_cells(conn: Connection, customer_ids: list[int]) -> dict[tuple, list]:
    """{(category, name, value_bucket): [segments, value]} of these customers' segment rows."""
    out: dict[tuple, list] = defaultdict(lambda: [0, Decimal(0)])
    rows = _rows(conn, customer_ids, ss.Customer_ID, ss.Segment_Category, ss.Segment_Name, ss.Lifetime_Value)
    for category, name, value in rows:
        cell = out[(category, name, value_bucket(value))]
        cell[0] += 1
        cell[1] += Decimal(0) if value is None else Decimal(str(value))
    return out


_SEGMENT_KEYS = ("Segment_Category", "Segment_Name", "value_bucket")
_SEGMENT_MEASURES = ("segments", "value_sum")


def apply_segments(conn: Connection, before: dict[tuple, list], after: dict[tuple, list]) -> None:
    """Add `after` - `before` to segment_value_rollup."""
    _apply(conn, segment_value_rollup, _SEGMENT_KEYS, _SEGMENT_MEASURES, before, after)


def _rebuild_segments(conn: Connection) -> None:
    from db.analytics.common import floor_div

    conn.execute(delete(segment_value_rollup))
    bucket = func.coalesce(floor_div(conn, ss.Lifetime_Value, VALUE_BUCKET), -1)
    grouped = select(
        ss.Segment_Category,
        ss.Segment_Name,
        bucket,
        func.count(),
        func.coalesce(func.sum(ss.Lifetime_Value), 0),
    ).group_by(ss.Segment_Category, ss.Segment_Name, bucket)
    conn.execute(insert(segment_value_rollup).from_select([*_SEGMENT_KEYS, *_SEGMENT_MEASURES], grouped))
