"""Segments / value page: lifetime value by category and segment, its spread and concentration.

Segment-level figures (by_category, distribution, category_tree) count every Customer_Segments
row of the filtered customers; customer-level figures (engagement_by_category, pareto,
top_shares) use each customer's current segment.
"""

from __future__ import annotations

import functools
import math
from decimal import Decimal

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Select, case, func, literal, select

from db.analytics.common import (
    empty,
    filtered,
    frame,
    from_rollup,
    label,
    nice_width,
    ordered,
    rolled_up,
)
from db.analytics.summary import ValueSummary, value_summary
from db.filters import CustomerFilter
from db.models import (
    CATEGORIES,
    ENGAGEMENT_LEVELS,
    current_segment,
    current_segment_rollup,
    customer_segments,
    segment_value_rollup,
)
from db.rollup import VALUE_BUCKET

ss = customer_segments.c
cs = current_segment.c
rc = current_segment_rollup.c
sv = segment_value_rollup.c
_BY_CATEGORY = ["category", "segments", "total", "mean", "median"]

# Lifetime values are first counted in buckets of this many rupees in the database; histograms
# and medians are found from those few thousand buckets.
VALUE_UNIT = float(VALUE_BUCKET)  # the bucket of segment_value_rollup
DISTRIBUTION_BINS = 30


def by_category(conn: Connection, *, f: CustomerFilter, summary: ValueSummary | None = None) -> pd.DataFrame:
    """[category, segments, total, mean, median] of Lifetime_Value over all segment rows.

    mean and median ignore NULL values (segments counts every row).
    """
    if f.is_empty:
        return _by_category_rolled(conn)
    vs = summary or value_summary(conn, f=f)
    raw = vs.names.groupby("category", as_index=False)[["segments", "total", "valued"]].sum()
    if raw.empty:
        return empty(_BY_CATEGORY)
    base = filtered(ss.Lifetime_Value, f=f, anchor=customer_segments)
    per = dict(tuple(vs.buckets.groupby("category")))
    medians = [_median_in_buckets(conn, base, c, per[c]) if c in per else None for c in raw["category"]]
    return _by_category_frame(raw, medians)


def _median_in_buckets(conn: Connection, base: Select, category: str, buckets: pd.DataFrame) -> float | None:
    """The exact median of the category's values: the buckets holding the middle row(s) from the
    counts per bucket, then those rows by ORDER BY/OFFSET on the (Segment_Category,
    Lifetime_Value) index within those buckets (`base`: the rows' SELECT, filtered or not)."""
    b = buckets.sort_values("b")
    counts = b["n"].to_numpy()
    n = int(counts.sum())
    if n == 0:
        return None
    k = (n - 1) // 2
    cum = np.cumsum(counts)
    first, last = np.searchsorted(cum, [k, k + (n + 1) % 2], side="right")
    before = int(cum[first - 1]) if first else 0
    lo, hi = int(b["b"].iloc[first]), int(b["b"].iloc[last])
    return _median_at(conn, base, category, lo, k - before, n, hi_bucket=hi)


def _median_at(
    conn: Connection,
    base: Select,
    category: str,
    bucket: int,
    offset: int,
    n: int,
    hi_bucket: int | None = None,
) -> float:
    """The middle row(s) of the category's `n` values: the row(s) `offset` places into `bucket`
    (and, when given, not past `hi_bucket`: with both bounds SQLite walks that stretch of the
    index instead of sorting every row of a filter's customers)."""
    v = ss.Lifetime_Value
    bounds = [v >= _bound(v, bucket * VALUE_UNIT)]
    if hi_bucket is not None:
        bounds.append(v < _bound(v, (hi_bucket + 1) * VALUE_UNIT))
    stmt = (
        base.where(ss.Segment_Category == category, *bounds)
        .order_by(v)
        .offset(offset)
        .limit(1 if n % 2 else 2)
    )
    values = [float(x) for x in conn.execute(stmt).scalars()]
    return sum(values) / len(values)


def _by_category_frame(raw: pd.DataFrame, medians: list) -> pd.DataFrame:
    raw["median"] = medians
    raw["total"] = raw["total"].fillna(0.0).astype(float)
    # sum / count here rather than AVG: MariaDB's AVG of a DECIMAL keeps only 4 more decimals
    raw["mean"] = raw["total"] / raw["valued"].where(raw["valued"] > 0)
    raw["median"] = raw["median"].astype(float)
    raw["segments"] = raw["segments"].astype(int)
    order = ordered(raw["category"], CATEGORIES)
    return raw.set_index("category").loc[order].reset_index()[_BY_CATEGORY]


# --- unfiltered: from segment_value_rollup --------------------------------------------------


@functools.cache
def _rolled_stats_query() -> Select:
    """The statement of _rolled_stats() (no parameters: built once)."""
    per = (
        select(sv.Segment_Category.label("c"), sv.value_bucket.label("b"), func.sum(sv.segments).label("n"))
        .where(sv.value_bucket >= 0)
        .group_by(sv.Segment_Category, sv.value_bucket)
        .having(func.sum(sv.segments) > 0)
        .subquery()
    )
    run = select(
        per.c.c,
        per.c.b,
        per.c.n,
        func.sum(per.c.n).over(partition_by=per.c.c, order_by=per.c.b).label("cum"),
        func.sum(per.c.n).over(partition_by=per.c.c).label("total"),
    ).subquery()
    # the middle row's 0-based position k = (total - 1) // 2 lies in the first bucket with cum > k
    mid = 2 * run.c.cum > run.c.total - 1
    p99 = 100 * run.c.cum >= 99 * run.c.total
    return select(
        run.c.c,
        func.max(run.c.total),
        func.min(run.c.b),
        func.min(case((p99, run.c.b))),
        func.min(case((mid, run.c.b))),
        func.min(case((mid, run.c.cum - run.c.n))),
    ).group_by(run.c.c)


def _rolled_stats(conn: Connection) -> pd.DataFrame:
    """[category, n, lo, p99, mid, before] per category from segment_value_rollup: segment rows
    with a value, the lowest bucket, the 99th percentile's bucket, the bucket holding the middle
    row(s) and the rows in buckets below it.

    Computed in the database with a running count per category, so that a few rows come back
    instead of every (category, bucket) pair (18,000 at a million customers).
    """
    stmt = _rolled_stats_query()
    out = frame(conn, stmt, ["category", "n", "lo", "p99", "mid", "before"])
    for col in ("n", "lo", "p99", "mid", "before"):
        out[col] = out[col].astype(int)
    return out.set_index("category")


def _top_value(conn: Connection, category: str) -> float:
    return float(
        conn.execute(select(func.max(ss.Lifetime_Value)).where(ss.Segment_Category == category)).scalar()
    )


def _median_rolled(conn: Connection, category: str, stats) -> float:
    """The exact median of the category's values, from the bucket _rolled_stats() found."""
    n = int(stats["n"])
    offset = (n - 1) // 2 - int(stats["before"])
    return _median_at(conn, select(ss.Lifetime_Value), category, int(stats["mid"]), offset, n)


def _histogram_rolled(conn: Connection, category: str, stats, bins: int) -> pd.DataFrame:
    """_histogram() of one category, its bins counted in the database from the rollup."""
    start, width, nbins = _bin_plan(int(stats["lo"]), int(stats["p99"]), bins)
    # in bucket units: start and width are whole multiples of VALUE_UNIT
    idx = (sv.value_bucket - int(start // VALUE_UNIT)) // int(width // VALUE_UNIT)
    idx = case((idx > nbins - 1, nbins - 1), else_=idx).label("i")
    stmt = (
        select(idx, func.sum(sv.segments))
        .where(sv.Segment_Category == category, sv.value_bucket >= 0)
        .group_by(idx)
    )
    per = np.zeros(nbins)
    for i, n in conn.execute(stmt).all():
        per[int(i)] += int(n)
    return _bins_frame(start, width, per, _top_value(conn, category))


def _by_category_rolled(conn: Connection) -> pd.DataFrame:
    valued = func.sum(case((sv.value_bucket >= 0, sv.segments), else_=0))
    stmt = (
        select(sv.Segment_Category, func.sum(sv.segments), func.sum(sv.value_sum), valued)
        .group_by(sv.Segment_Category)
        .having(func.sum(sv.segments) > 0)
    )
    raw = frame(conn, stmt, ["category", "segments", "total", "valued"])
    if raw.empty:
        return empty(_BY_CATEGORY)
    stats = _rolled_stats(conn)
    medians = [_median_rolled(conn, c, stats.loc[c]) if c in stats.index else None for c in raw["category"]]
    return _by_category_frame(raw, medians)


def _bin_plan(lo_bucket: int, p99_bucket: int, bins: int) -> tuple[float, float, int]:
    """(start, width, number of bins): about `bins` round-width bins (multiples of VALUE_UNIT)
    from the lowest value's bucket to the end of the 99th percentile's bucket."""
    lo = lo_bucket * VALUE_UNIT
    hi = (p99_bucket + 1) * VALUE_UNIT
    width = nice_width(hi - lo, bins)
    width = max(VALUE_UNIT, math.ceil(width / VALUE_UNIT) * VALUE_UNIT)
    start = math.floor(lo / width) * width
    return start, width, max(1, math.ceil((hi - start) / width))


def _bins_frame(start: float, width: float, per, top: float) -> pd.DataFrame:
    nbins = len(per)
    starts = start + width * np.arange(nbins)
    ends = starts + width
    ends[-1] = max(ends[-1], float(top))
    return pd.DataFrame({"bin_start": starts, "bin_end": ends, "segments": np.asarray(per).astype(int)})


def _histogram(buckets: pd.DataFrame, bins: int) -> pd.DataFrame:
    """Rebin one category's VALUE_UNIT buckets into about `bins` round-width bins.

    The bins cover the lowest value up to the 99th percentile; the last bin also holds the tail
    (its bin_end is the largest value).
    """
    b = buckets.sort_values("b")
    counts = b["n"].to_numpy()
    cum = np.cumsum(counts)
    p99_bucket = int(b["b"].to_numpy()[np.searchsorted(cum, 0.99 * cum[-1])])
    start, width, nbins = _bin_plan(int(b["b"].iloc[0]), p99_bucket, bins)
    idx = np.minimum(((b["b"].to_numpy() * VALUE_UNIT - start) // width).astype(int), nbins - 1)
    per = np.bincount(idx, weights=counts, minlength=nbins)
    return _bins_frame(start, width, per, b["top"].max())


def _bound(col, value: float):
    """A bound for `col` as a Decimal parameter of the column's own type: PostgreSQL compares a
    NUMERIC column with a float parameter as floats, which no index serves (a float bound made
    these range counts take a minute at 1M instead of 0.7 s)."""
    return literal(Decimal(f"{float(value):.2f}"), col.type)


def distribution(conn: Connection, *, f: CustomerFilter, summary: ValueSummary | None = None) -> pd.DataFrame:
    """[category, bin_start, bin_end, segments]: histogram of Lifetime_Value per category.

    About 30 bins of a round width per category, from its lowest value to its 99th percentile;
    the last bin also counts the tail above. Bins are [bin_start, bin_end).
    """
    cols = ["category", "bin_start", "bin_end", "segments"]
    if f.is_empty:
        stats = _rolled_stats(conn)
        categories = ordered(stats.index, CATEGORIES)
        hist = [_histogram_rolled(conn, c, stats.loc[c], DISTRIBUTION_BINS) for c in categories]
    else:
        buckets = (summary or value_summary(conn, f=f)).buckets
        categories = ordered(buckets["category"].unique(), CATEGORIES)
        hist = [_histogram(buckets[buckets["category"] == c], DISTRIBUTION_BINS) for c in categories]
    if not hist:
        return empty(cols)
    parts = []
    for category, h in zip(categories, hist, strict=True):
        h.insert(0, "category", category)
        parts.append(h)
    return pd.concat(parts, ignore_index=True)[cols]


def category_tree(
    conn: Connection, *, f: CustomerFilter, summary: ValueSummary | None = None
) -> pd.DataFrame:
    """[category, segment_name, segments, total]: segment rows and value per category and name."""
    if f.is_empty:
        stmt = (
            select(sv.Segment_Category, sv.Segment_Name, func.sum(sv.segments), func.sum(sv.value_sum))
            .group_by(sv.Segment_Category, sv.Segment_Name)
            .having(func.sum(sv.segments) > 0)
        )
        out = frame(conn, stmt, ["category", "segment_name", "segments", "total"])
    else:
        names = (summary or value_summary(conn, f=f)).names
        out = names[["category", "segment_name", "segments", "total"]].copy()
    if out.empty:
        return out
    out["total"] = out["total"].fillna(0.0).astype(float)
    rank = {c: i for i, c in enumerate(CATEGORIES)}
    out["_r"] = out["category"].map(rank).fillna(len(rank))
    out = out.sort_values(["_r", "total", "segment_name"], ascending=[True, False, True], ignore_index=True)
    return out.drop(columns="_r")


def engagement_by_category(
    conn: Connection, *, f: CustomerFilter, summary: ValueSummary | None = None
) -> pd.DataFrame:
    """[category, engagement, customers]: customers by current segment category and engagement."""
    if rolled_up(f):
        stmt = from_rollup(
            rc.Segment_Category,
            func.nullif(rc.Engagement_Level, ""),
            func.sum(rc.customers),
            f=f,
            by=[rc.Segment_Category, rc.Engagement_Level],
        )
        out = frame(conn, stmt, ["category", "engagement", "customers"])
    else:
        out = (summary or value_summary(conn, f=f)).engagement.copy()
    if out.empty:
        return out
    out["engagement"] = out["engagement"].map(label)
    c_rank = {c: i for i, c in enumerate(CATEGORIES)}
    e_rank = {e: i for i, e in enumerate(ENGAGEMENT_LEVELS)}
    out["_c"] = out["category"].map(c_rank).fillna(99)
    out["_e"] = out["engagement"].map(e_rank).fillna(99)
    out = out.sort_values(["_c", "category", "_e", "engagement"], ignore_index=True)
    return out[["category", "engagement", "customers"]]


def _current_value_bins(conn: Connection, f: CustomerFilter) -> pd.DataFrame:
    """[b, n, total] of the filtered current segments per rollup value bin."""
    stmt = from_rollup(rc.value_bin, func.sum(rc.customers), func.sum(rc.value_sum), f=f, by=[rc.value_bin])
    out = frame(conn, stmt, ["b", "n", "total"])
    out["total"] = out["total"].astype(float)
    return out


def _pareto_curve(
    conn: Connection, f: CustomerFilter, summary: ValueSummary | None = None
) -> tuple[np.ndarray, np.ndarray, float] | None:
    """Cumulative customers and value, richest bucket first (customers within a bucket are
    taken as equal: their bucket's mean). None without customers."""
    if rolled_up(f):
        buckets = _current_value_bins(conn, f)
    else:
        buckets = (summary or value_summary(conn, f=f)).current_values
    if buckets.empty:
        return None
    per = buckets.groupby("b")[["n", "total"]].sum().sort_index(ascending=False)
    n = np.concatenate([[0.0], np.cumsum(per["n"].to_numpy(dtype=float))])
    v = np.concatenate([[0.0], np.cumsum(per["total"].to_numpy(dtype=float))])
    return n, v, float(v[-1])


def _share_at(curve, shares: np.ndarray) -> np.ndarray:
    n, v, total = curve
    if total <= 0:
        return np.zeros_like(shares)
    return np.interp(shares * n[-1], n, v) / total


def pareto(
    conn: Connection, *, f: CustomerFilter, points: int = 100, summary: ValueSummary | None = None
) -> pd.DataFrame:
    """[customer_share, value_share]: the Lorenz-style concentration curve, points+1 rows 0..1.

    Customers are sorted by their current segment's Lifetime_Value, largest first;
    value_share at customer_share x is the share of the total value held by the top x.
    """
    curve = _pareto_curve(conn, f, summary)
    if curve is None:
        return empty(["customer_share", "value_share"])
    shares = np.linspace(0.0, 1.0, points + 1)
    return pd.DataFrame({"customer_share": shares, "value_share": _share_at(curve, shares)})


def top_shares(conn: Connection, *, f: CustomerFilter) -> dict:
    """{"top_1", "top_10", "top_20"}: share of the total current-segment value held by the top
    1 / 10 / 20 % of customers (None without customers)."""
    curve = _pareto_curve(conn, f)
    if curve is None:
        return {"top_1": None, "top_10": None, "top_20": None}
    s = _share_at(curve, np.array([0.01, 0.10, 0.20]))
    return {"top_1": float(s[0]), "top_10": float(s[1]), "top_20": float(s[2])}
