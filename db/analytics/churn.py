"""Churn page: risk bands, value at risk, inactivity. All figures use the current segment."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from sqlalchemy import Connection, case, func, literal, select, union_all

from db.analytics.common import (
    by_ranges,
    empty,
    filter_first,
    filtered,
    floor_div,
    frame,
    from_rollup,
    label,
    ordered,
    risk_band,
    rolled_up,
    value_times_risk,
)
from db.filters import RISK_HIGH_FROM, CustomerFilter
from db.models import CATEGORIES, ENGAGEMENT_LEVELS, current_segment, current_segment_rollup, customer_info
from db.rollup import MATRIX_VALUE_BOUNDS, RISK_STEP, VALUE_EDGES

ci = customer_info.c
cs = current_segment.c
rc = current_segment_rollup.c

# Days since Last_Login: bins [start, end); end None = open. Customers who never logged in: "never".
INACTIVITY_BINS = ((0, 30), (30, 60), (60, 90), (90, 180), (180, 365), (365, None))
NEVER = "never"

# Lifetime_Value ranges (rupees) of the value x risk matrix: (lower bound, label).
# (the bounds are db.rollup's, where each is a value-bin edge)
VALUE_BINS = tuple(
    zip(
        (0, *MATRIX_VALUE_BOUNDS),
        ("<₹10K", "₹10K-25K", "₹25K-50K", "₹50K-1L", "₹1L-2.5L", "₹2.5L-5L", "₹5L-10L", "₹10L+"),
        strict=True,
    )
)
VALUE_STEP = 5_000
RISK_BINS = tuple(f"{i * 10}-{i * 10 + 10}" for i in range(10))


def _value_at_risk():
    return func.sum(value_times_risk(cs))


def risk_distribution(conn: Connection, *, f: CustomerFilter, bin_width: int = 5) -> pd.DataFrame:
    """[bin_start, band, customers]: customers per Risk_Score bin [start, start+bin_width)
    (100 falls in the last bin); band is the risk band of the bin's start.

    Grouped by the raw (indexed) Risk_Score in the database, binned here.
    """
    if rolled_up(f) and bin_width % RISK_STEP == 0:
        # the lowest score of each rollup risk bin stands for the bin (bins nest in bin_width)
        stmt = from_rollup(rc.risk_bin * RISK_STEP, func.sum(rc.customers), f=f, by=[rc.risk_bin])
    else:
        score = filter_first(conn, f, cs.Risk_Score)
        stmt = filtered(score, func.count(), f=f, anchor=current_segment).group_by(score)
    raw = frame(conn, stmt, ["score", "customers"])
    if raw.empty:
        return empty(["bin_start", "band", "customers"])
    nbins = -(-100 // bin_width)
    idx = (raw["score"].astype(float) // bin_width).astype(int).clip(0, nbins - 1)
    counts = raw.groupby(idx)["customers"].sum()
    starts = [i * bin_width for i in range(nbins)]
    return pd.DataFrame(
        {
            "bin_start": starts,
            "band": [risk_band(s) for s in starts],
            "customers": [int(counts.get(i, 0)) for i in range(nbins)],
        }
    )


def _category_engagement_order(df: pd.DataFrame) -> pd.DataFrame:
    c_rank = {c: i for i, c in enumerate(CATEGORIES)}
    e_rank = {e: i for i, e in enumerate(ENGAGEMENT_LEVELS)}
    df = df.assign(_c=df["category"].map(c_rank).fillna(99), _e=df["engagement"].map(e_rank).fillna(99))
    return df.sort_values(["_c", "category", "_e", "engagement"], ignore_index=True).drop(
        columns=["_c", "_e"]
    )


def risk_heatmap(conn: Connection, *, f: CustomerFilter) -> pd.DataFrame:
    """[category, engagement, mean_risk, customers] by current segment category and engagement."""
    if rolled_up(f):
        stmt = from_rollup(
            rc.Segment_Category,
            func.nullif(rc.Engagement_Level, ""),
            func.sum(rc.risk_sum),
            func.sum(rc.customers),
            f=f,
            by=[rc.Segment_Category, rc.Engagement_Level],
        )
    else:
        stmt = filtered(
            cs.Segment_Category,
            cs.Engagement_Level,
            func.sum(cs.Risk_Score),
            func.count(),
            f=f,
            anchor=current_segment,
        ).group_by(cs.Segment_Category, cs.Engagement_Level)
    out = frame(conn, stmt, ["category", "engagement", "mean_risk", "customers"])
    if out.empty:
        return out
    out["engagement"] = out["engagement"].map(label)
    # sum / count here: MariaDB's AVG of a DECIMAL keeps only 4 more decimals
    out["mean_risk"] = out["mean_risk"].astype(float) / out["customers"]
    return _category_engagement_order(out)


def value_at_risk_by_category(conn: Connection, *, f: CustomerFilter) -> pd.DataFrame:
    """[category, value_at_risk, customers] by current segment category (CATEGORIES order)."""
    if rolled_up(f):
        stmt = from_rollup(
            rc.Segment_Category,
            func.sum(rc.value_risk_sum),
            func.sum(rc.customers),
            f=f,
            by=[rc.Segment_Category],
        )
    else:
        stmt = filtered(
            cs.Segment_Category, _value_at_risk(), func.count(), f=f, anchor=current_segment
        ).group_by(cs.Segment_Category)
    out = frame(conn, stmt, ["category", "value_at_risk", "customers"])
    if out.empty:
        return out
    out["value_at_risk"] = out["value_at_risk"].fillna(0.0).astype(float) / 100.0
    order = ordered(out["category"], CATEGORIES)
    return out.set_index("category").loc[order].reset_index()


def value_at_risk_by_state(conn: Connection, *, f: CustomerFilter, top: int = 15) -> pd.DataFrame:
    """[state, value_at_risk, customers]: the `top` states by value at risk, largest first."""
    # current_segment's copy of State: grouped in the order of its (State, Risk_Score,
    # Lifetime_Value) index, no join with Customer_Info unless the filter needs it.
    stmt = filtered(cs.State, _value_at_risk(), func.count(), f=f, anchor=current_segment).group_by(cs.State)
    out = frame(conn, stmt, ["state", "value_at_risk", "customers"])
    if out.empty:
        return out
    out["value_at_risk"] = out["value_at_risk"].fillna(0.0).astype(float) / 100.0
    out = out.sort_values(["value_at_risk", "state"], ascending=[False, True], ignore_index=True)
    return out.head(top).reset_index(drop=True)


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time())


def risk_vs_inactivity(conn: Connection, *, f: CustomerFilter, today: dt.date | None = None) -> pd.DataFrame:
    """[days_bin_start, days_bin_end, mean_risk, customers] by days since Last_Login.

    Days since login = today - the calendar date of Last_Login; a bin [start, end) holds the
    logins on dates today-end+1 .. today-start (future logins count in the first bin). Customers
    with no Last_Login are the last row, with days_bin_start "never" and days_bin_end None;
    the open last bin has days_bin_end None. Only non-empty bins are returned.
    """
    today = today or dt.date.today()
    login = cs.Last_Login  # current_segment's copy of Customer_Info.Last_Login
    # days < end  <=>  login date > today - end  <=>  Last_Login >= midnight of today-end+1
    bounds = [_midnight(today - dt.timedelta(days=end - 1)) for _, end in INACTIVITY_BINS if end is not None]
    if by_ranges(conn, f):
        # One range sum per bin on the (Last_Login, Risk_Score) index: no CASE, no sort per row.
        parts = [
            select(literal(-1).label("bin"), func.sum(cs.Risk_Score), func.count()).where(login.is_(None))
        ]
        for i in range(len(INACTIVITY_BINS)):
            cond = [login >= bounds[i]] if i < len(bounds) else [login.is_not(None)]
            if i > 0:
                cond.append(login < bounds[i - 1])
            parts.append(select(literal(i).label("bin"), func.sum(cs.Risk_Score), func.count()).where(*cond))
        raw = frame(conn, union_all(*parts), ["bin", "mean_risk", "customers"])
        raw = raw[raw["customers"] > 0]
    else:
        whens = [(login.is_(None), -1)] + [(login >= b, i) for i, b in enumerate(bounds)]
        bin_expr = case(*whens, else_=len(INACTIVITY_BINS) - 1)
        stmt = filtered(
            bin_expr.label("bin"), func.sum(cs.Risk_Score), func.count(), f=f, anchor=current_segment
        ).group_by(bin_expr)
        raw = frame(conn, stmt, ["bin", "mean_risk", "customers"])
    cols = ["days_bin_start", "days_bin_end", "mean_risk", "customers"]
    if raw.empty:
        return empty(cols)
    rows = []
    for b, risk_sum, n in sorted(raw.itertuples(index=False), key=lambda r: (r[0] < 0, r[0])):
        start, end = (NEVER, None) if b < 0 else INACTIVITY_BINS[int(b)]
        rows.append((start, end, float(risk_sum) / n, int(n)))
    return pd.DataFrame(rows, columns=cols)


def _matrix_groups(conn: Connection, f: CustomerFilter) -> pd.DataFrame:
    """[v: VALUE_BINS index, r: risk decile (0-10), customers]: from the rollup, grouped by the
    matrix's cells in the database (every VALUE_BINS bound is a rollup value-bin edge); else by
    VALUE_STEP rupees (every bound is a multiple) and risk tens, placed in cells here."""
    if rolled_up(f):
        # the first rollup value bin of each VALUE_BINS range, highest first
        starts = [(VALUE_EDGES.index(lower) + 1, i) for i, (lower, _) in enumerate(VALUE_BINS) if lower]
        v = case(*[(rc.value_bin >= b, i) for b, i in reversed(starts)], else_=0).label("v")
        r = (rc.risk_bin // (10 // RISK_STEP)).label("r")
        return frame(conn, from_rollup(v, r, func.sum(rc.customers), f=f, by=[v, r]), ["v", "r", "customers"])
    value_expr = floor_div(conn, func.coalesce(cs.Lifetime_Value, 0), float(VALUE_STEP))
    risk_expr = floor_div(conn, cs.Risk_Score, 10.0)
    stmt = filtered(
        value_expr.label("v"), risk_expr.label("r"), func.count(), f=f, anchor=current_segment
    ).group_by(value_expr, risk_expr)
    raw = frame(conn, stmt, ["v", "r", "customers"])
    lowers = np.array([lower for lower, _ in VALUE_BINS], dtype=float)
    raw["v"] = np.searchsorted(lowers, raw["v"].astype(float).to_numpy() * VALUE_STEP, side="right") - 1
    return raw


def value_risk_matrix(conn: Connection, *, f: CustomerFilter) -> pd.DataFrame:
    """[value_bin, risk_bin, customers]: the full grid of VALUE_BINS x RISK_BINS (zeros included),
    value bins from low to high, risk bins 0-10 .. 90-100 (100 in 90-100)."""
    cols = ["value_bin", "risk_bin", "customers"]
    raw = _matrix_groups(conn, f)
    if raw.empty:
        return empty(cols)
    counts = np.zeros((len(VALUE_BINS), len(RISK_BINS)), dtype=np.int64)
    cells = (raw["v"].astype(int).to_numpy(), raw["r"].astype(int).clip(0, 9).to_numpy())
    np.add.at(counts, cells, raw["customers"].astype(np.int64).to_numpy())
    rows = [
        (VALUE_BINS[v][1], RISK_BINS[r], int(counts[v, r]))
        for v in range(len(VALUE_BINS))
        for r in range(len(RISK_BINS))
    ]
    return pd.DataFrame(rows, columns=cols)


def top_at_risk(conn: Connection, *, f: CustomerFilter, limit: int = 100) -> pd.DataFrame:
    """The High-band customers with the largest value at risk (ties: lowest Customer_ID first)."""
    # Rank on current_segment first (joined to Customer_Info only when the filter needs it),
    # then fetch names and places of the `limit` winners: no join for every High-band row.
    var = value_times_risk(cs).label("var")
    ranked = filtered(
        cs.Customer_ID,
        cs.Segment_Category,
        cs.Lifetime_Value,
        cs.Risk_Score,
        var,
        f=f,
        anchor=current_segment,
    ).where(cs.Risk_Score >= RISK_HIGH_FROM)
    ranked = ranked.order_by(var.desc(), cs.Customer_ID).limit(limit).subquery()
    r = ranked.c
    stmt = (
        select(
            r.Customer_ID,
            ci.Customer_Name,
            ci.City,
            ci.State,
            r.Segment_Category,
            r.Lifetime_Value,
            r.Risk_Score,
            r.var,
        )
        .select_from(ranked.join(customer_info, ci.Customer_ID == r.Customer_ID))
        .order_by(r.var.desc(), r.Customer_ID)
    )
    cols = [
        "Customer_ID",
        "Customer_Name",
        "City",
        "State",
        "Segment_Category",
        "Lifetime_Value",
        "Risk_Score",
        "Value_At_Risk",
    ]
    out = frame(conn, stmt, cols)
    if out.empty:
        return out
    out["Lifetime_Value"] = out["Lifetime_Value"].astype(float)
    out["Risk_Score"] = out["Risk_Score"].astype(float)
    out["Value_At_Risk"] = out["Value_At_Risk"].astype(float) / 100.0
    return out
