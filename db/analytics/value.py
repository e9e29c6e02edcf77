"""Segments and value page: lifetime value per current segment category and name, its
distribution, engagement mix and concentration (Pareto). Every figure counts customers by their
current segment; customers without a segment are the 'Unknown' category."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from sqlalchemy import Float, case, cast, func, literal, select

from db.analytics import run
from db.analytics.common import empty, nice_width, sort_by
from db.analytics.metrics import known
from db.analytics.schema import customers
from db.analytics.where import filtered
from db.filters import CustomerFilter
from db.models import CATEGORIES, ENGAGEMENT_LEVELS

c = customers.c
_CATEGORY = known(c.Segment_Category).label("category")
BY_CATEGORY = ["category", "customers", "total", "mean", "median"]


def by_category(con, *, f: CustomerFilter) -> pd.DataFrame:
    """[category, customers, total, mean, median] of current-segment lifetime value per category
    (CATEGORIES order, Unknown last); mean and median leave out customers without a value."""
    lv = c.Lifetime_Value
    stmt = filtered(
        select(
            _CATEGORY,
            func.count().label("customers"),
            func.coalesce(func.sum(lv), 0.0).label("total"),
            func.avg(lv).label("mean"),
            func.median(lv).label("median"),
        ),
        f,
    ).group_by(_CATEGORY)
    out = run.frame(con, stmt)
    if out.empty:
        return empty(BY_CATEGORY)
    out["customers"] = out["customers"].astype(int)
    return sort_by(out, "category", CATEGORIES)[BY_CATEGORY]


def _bin_plan(lo: float, p99: float, bins: int = 30) -> tuple[float, float, int]:
    """(start, width, number of bins): about `bins` round-width bins from lo to p99."""
    width = max(1.0, nice_width(p99 - lo, bins))
    start = math.floor(lo / width) * width
    return start, width, max(1, math.ceil((p99 - start) / width) or 1)


def distribution(con, *, f: CustomerFilter, bins: int = 30) -> pd.DataFrame:
    """[category, bin_start, bin_end, customers]: histogram of current-segment lifetime value per
    category, about `bins` round-width bins from its lowest value to its 99th percentile
    (DuckDB's approximate quantile: it only places the bin edges; the counts are exact); the last
    bin also counts the tail above (its bin_end is the largest value). Bins are [start, end)."""
    lv = c.Lifetime_Value
    stats = run.frame(
        con,
        filtered(
            select(
                _CATEGORY,
                func.min(lv).label("lo"),
                func.approx_quantile(lv, cast(literal(0.99), Float)).label("p99"),
                func.max(lv).label("top"),
            ),
            f,
        )
        .where(lv.is_not(None))
        .group_by(_CATEGORY),
    )
    if stats.empty:
        return empty(["category", "bin_start", "bin_end", "customers"])
    plans = {}
    for row in sort_by(stats, "category", CATEGORIES).itertuples():
        plans[row.category] = (*_bin_plan(float(row.lo), max(float(row.p99), float(row.lo))), float(row.top))
    # one pass: each category's bin index by its own start and width
    idx = case(
        *(
            (cat == _CATEGORY, func.least(func.greatest(func.floor((lv - start) / width), 0), n - 1))
            for cat, (start, width, n, _) in plans.items()
        )
    ).label("i")
    counted = run.frame(
        con,
        filtered(select(_CATEGORY, idx, func.count().label("n")), f)
        .where(lv.is_not(None))
        .group_by(_CATEGORY, idx),
    )
    parts = []
    for cat, (start, width, nbins, top) in plans.items():
        mine = counted[counted["category"] == cat]
        per = np.zeros(nbins, dtype=np.int64)
        per[mine["i"].astype(int).to_numpy()] = mine["n"].to_numpy()
        starts = start + width * np.arange(nbins)
        ends = starts + width
        ends[-1] = max(ends[-1], top)
        parts.append(pd.DataFrame({"category": cat, "bin_start": starts, "bin_end": ends, "customers": per}))
    return pd.concat(parts, ignore_index=True)


def category_tree(con, *, f: CustomerFilter) -> pd.DataFrame:
    """[category, segment_name, customers, total]: customers and value per current segment
    category and segment name (customers without a segment: Unknown / Unknown)."""
    name = known(c.Segment_Name).label("segment_name")
    stmt = filtered(
        select(
            _CATEGORY,
            name,
            func.count().label("customers"),
            func.coalesce(func.sum(c.Lifetime_Value), 0.0).label("total"),
        ),
        f,
    ).group_by(_CATEGORY, name)
    out = run.frame(con, stmt)
    if out.empty:
        return empty(["category", "segment_name", "customers", "total"])
    out["customers"] = out["customers"].astype(int)
    out = out.sort_values(["total", "segment_name"], ascending=[False, True], ignore_index=True)
    return sort_by(out, "category", CATEGORIES)


def engagement_by_category(con, *, f: CustomerFilter) -> pd.DataFrame:
    """[category, engagement, customers]: customers by current segment category and engagement."""
    eng = known(c.Engagement_Level).label("engagement")
    stmt = filtered(select(_CATEGORY, eng, func.count().label("customers")), f).group_by(_CATEGORY, eng)
    out = run.frame(con, stmt)
    if out.empty:
        return empty(["category", "engagement", "customers"])
    out["customers"] = out["customers"].astype(int)
    return sort_by(sort_by(out, "engagement", ENGAGEMENT_LEVELS), "category", CATEGORIES)


PARETO_BINS_PER_DECADE = 200  # value bins of the concentration curve: 1.2 % wide


def pareto(con, *, f: CustomerFilter, points: int = 100) -> pd.DataFrame:
    """[customer_share, value_share]: the concentration curve, points+1 rows 0..1.

    Customers with a current-segment value, sorted by it, largest first; value_share at
    customer_share x is the share of the total value held by the top x. Computed from counts and
    sums per value bin (PARETO_BINS_PER_DECADE per power of ten, one grouped pass, no sort of the
    customers), customers inside a bin taken at the bin's mean: shares exact to about 0.001."""
    lv = c.Lifetime_Value
    b = func.floor(func.log10(func.greatest(lv, 0) + 1) * PARETO_BINS_PER_DECADE).label("b")
    per = run.frame(
        con,
        filtered(select(b, func.count().label("n"), func.sum(lv).label("v")), f)
        .where(lv.is_not(None))
        .group_by(b)
        .order_by(b.desc()),
    )
    if per.empty or not per["v"].sum() > 0:
        return empty(["customer_share", "value_share"])
    x = np.concatenate([[0.0], np.cumsum(per["n"].to_numpy()) / per["n"].sum()])
    y = np.concatenate([[0.0], np.cumsum(per["v"].to_numpy(dtype=float)) / float(per["v"].sum())])
    shares = np.linspace(0.0, 1.0, points + 1)
    return pd.DataFrame({"customer_share": shares, "value_share": np.interp(shares, x, y)})
