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
    frame,
    from_rollup,
    label,
    ordered,
    risk_band,
    rolled_up,
    value_times_risk,
)
from db.analytics.summary import INACTIVITY_BINS, NEVER_BIN, Summary, grouped, login_bin, login_bounds
from db.analytics.summary import summary as summarise
from db.filters import RISK_HIGH_FROM, CustomerFilter
from db.models import CATEGORIES, ENGAGEMENT_LEVELS, current_segment, current_segment_rollup, customer_info
from db.rollup import MATRIX_VALUE_BOUNDS, RISK_STEP, VALUE_EDGES

ci = customer_info.c
cs = current_segment.c
rc = current_segment_rollup.c

NEVER = "never"  # days_bin_start of the customers who never logged in

# Lifetime_Value ranges (rupees) of the value x risk matrix: (lower bound, label).
# (the bounds are db.rollup's, where each is a value-bin edge)
VALUE_BINS = tuple(
    zip(
        (0, *MATRIX_VALUE_BOUNDS),
        ("<₹10K", "₹10K-25K", "₹25K-50K", "₹50K-1L", "₹1L-2.5L", "₹2.5L-5L", "₹5L-10L", "₹10L+"),
        strict=True,
    )
)
RISK_BINS = tuple(f"{i * 10}-{i * 10 + 10}" for i in range(10))


def _value_at_risk():
    return func.sum(value_times_risk(cs))


def risk_distribution(
    conn: Connection, *, f: CustomerFilter, bin_width: int = 5, summary: Summary | None = None
) -> pd.DataFrame:
    """[bin_start, band, customers]: customers per Risk_Score bin [start, start+bin_width)
    (100 falls in the last bin); band is the risk band of the bin's start.

    Grouped by the raw (indexed) Risk_Score in the database, binned here.
    """
    if bin_width % RISK_STEP == 0 and not rolled_up(f):
        # the lowest score of each risk bin stands for the bin (bins nest in bin_width)
        raw = grouped((summary or summarise(conn, f=f)).cube, ["risk_bin"], ["customers"])
        raw = raw.assign(score=raw["risk_bin"] * RISK_STEP)[["score", "customers"]]
    else:
        if bin_width % RISK_STEP == 0:
            stmt = from_rollup(rc.risk_bin * RISK_STEP, func.sum(rc.customers), f=f, by=[rc.risk_bin])
        else:
            score = filter_first(conn, f, cs.Risk_Score)
            stmt = filtered(score, func.count(), f=f, anchor=current_segment).group_by(score)
        raw = frame(conn, stmt, ["score", "customers"])
    raw = raw[raw["customers"] > 0]
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


def risk_heatmap(conn: Connection, *, f: CustomerFilter, summary: Summary | None = None) -> pd.DataFrame:
    """[category, engagement, mean_risk, customers] by current segment category and engagement."""
    if not rolled_up(f):
        cube = (summary or summarise(conn, f=f)).cube
        out = grouped(cube, ["category", "engagement"], ["risk_sum", "customers"])
        out = out.set_axis(["category", "engagement", "mean_risk", "customers"], axis=1)
        return _heatmap_frame(out.replace({"engagement": {"": None}}))
    stmt = from_rollup(
        rc.Segment_Category,
        func.nullif(rc.Engagement_Level, ""),
        func.sum(rc.risk_sum),
        func.sum(rc.customers),
        f=f,
        by=[rc.Segment_Category, rc.Engagement_Level],
    )
    return _heatmap_frame(frame(conn, stmt, ["category", "engagement", "mean_risk", "customers"]))


def _heatmap_frame(out: pd.DataFrame) -> pd.DataFrame:
    out = out[out["customers"] > 0]
    if out.empty:
        return out
    out["engagement"] = out["engagement"].map(label)
    # sum / count here: MariaDB's AVG of a DECIMAL keeps only 4 more decimals
    out["mean_risk"] = out["mean_risk"].astype(float) / out["customers"]
    return _category_engagement_order(out)


def value_at_risk_by_category(
    conn: Connection, *, f: CustomerFilter, summary: Summary | None = None
) -> pd.DataFrame:
    """[category, value_at_risk, customers] by current segment category (CATEGORIES order)."""
    if rolled_up(f):
        stmt = from_rollup(
            rc.Segment_Category,
            func.sum(rc.value_risk_sum),
            func.sum(rc.customers),
            f=f,
            by=[rc.Segment_Category],
        )
        out = frame(conn, stmt, ["category", "value_at_risk", "customers"])
    else:
        cube = (summary or summarise(conn, f=f)).cube
        out = grouped(cube, ["category"], ["value_risk_sum", "customers"])
        out = out.set_axis(["category", "value_at_risk", "customers"], axis=1)
        out = out[out["customers"] > 0]
    if out.empty:
        return out
    out["value_at_risk"] = out["value_at_risk"].fillna(0.0).astype(float) / 100.0
    order = ordered(out["category"], CATEGORIES)
    return out.set_index("category").loc[order].reset_index()


def value_at_risk_by_state(
    conn: Connection, *, f: CustomerFilter, top: int = 15, summary: Summary | None = None
) -> pd.DataFrame:
    """[state, value_at_risk, customers]: the `top` states by value at risk, largest first."""
    # current_segment's copy of State: grouped in the order of its (State, Risk_Score,
    # Lifetime_Value) index, no join with Customer_Info unless the filter needs it.
    if rolled_up(f):
        stmt = filtered(cs.State, _value_at_risk(), func.count(), f=f, anchor=current_segment)
        out = frame(conn, stmt.group_by(cs.State), ["state", "value_at_risk", "customers"])
    else:
        out = (summary or summarise(conn, f=f)).states.rename(columns={"value_risk_sum": "value_at_risk"})
        out = out[["state", "value_at_risk", "customers"]]
    if out.empty:
        return out
    out["value_at_risk"] = out["value_at_risk"].fillna(0.0).astype(float) / 100.0
    out = out.sort_values(["value_at_risk", "state"], ascending=[False, True], ignore_index=True)
    return out.head(top).reset_index(drop=True)


def _inactivity_by_ranges(conn: Connection, today: dt.date) -> pd.DataFrame:
    """[bin, risk sum, customers] of all current segments: one range sum per bin on the
    (Last_Login, Risk_Score) index, no CASE and no sort per row."""
    login = cs.Last_Login
    bounds = login_bounds(today)
    never = select(literal(NEVER_BIN).label("bin"), func.sum(cs.Risk_Score), func.count())
    parts = [never.where(login.is_(None))]
    for i in range(len(INACTIVITY_BINS)):
        cond = [login >= bounds[i]] if i < len(bounds) else [login.is_not(None)]
        if i > 0:
            cond.append(login < bounds[i - 1])
        parts.append(select(literal(i).label("bin"), func.sum(cs.Risk_Score), func.count()).where(*cond))
    raw = frame(conn, union_all(*parts), ["bin", "mean_risk", "customers"])
    return raw[raw["customers"] > 0]


def risk_vs_inactivity(
    conn: Connection, *, f: CustomerFilter, today: dt.date | None = None, summary: Summary | None = None
) -> pd.DataFrame:
    """[days_bin_start, days_bin_end, mean_risk, customers] by days since Last_Login.

    Days since login = today - the calendar date of Last_Login; a bin [start, end) holds the
    logins on dates today-end+1 .. today-start (future logins count in the first bin). Customers
    with no Last_Login are the last row, with days_bin_start "never" and days_bin_end None;
    the open last bin has days_bin_end None. Only non-empty bins are returned.
    """
    today = today or dt.date.today()
    login = cs.Last_Login  # current_segment's copy of Customer_Info.Last_Login
    if not rolled_up(f):
        logins = (summary or summarise(conn, f=f, today=today)).logins
        raw = logins[["bin", "risk_sum", "customers"]].set_axis(["bin", "mean_risk", "customers"], axis=1)
    elif by_ranges(conn, f):
        raw = _inactivity_by_ranges(conn, today)
    else:
        bin_expr = login_bin(login, today)
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


# The first rollup value bin of each VALUE_BINS range (every bound is a rollup value-bin edge).
_MATRIX_ROW_STARTS = [VALUE_EDGES.index(lower) + 1 if lower else 0 for lower, _ in VALUE_BINS]


def _matrix_groups(conn: Connection, f: CustomerFilter, summary: Summary | None) -> pd.DataFrame:
    """[v: VALUE_BINS index, r: risk decile (0-10), customers]: rollup cells grouped by the
    matrix's cells in the database, or the summary's cells placed in them here."""
    if rolled_up(f):
        starts = [(b, i) for i, b in enumerate(_MATRIX_ROW_STARTS) if b]
        v = case(*[(rc.value_bin >= b, i) for b, i in reversed(starts)], else_=0).label("v")
        r = (rc.risk_bin // (10 // RISK_STEP)).label("r")
        return frame(conn, from_rollup(v, r, func.sum(rc.customers), f=f, by=[v, r]), ["v", "r", "customers"])
    cube = (summary or summarise(conn, f=f)).cube
    v = np.searchsorted(_MATRIX_ROW_STARTS, cube["value_bin"].to_numpy(), side="right") - 1
    return pd.DataFrame({"v": v, "r": cube["risk_bin"] // (10 // RISK_STEP), "customers": cube["customers"]})


def value_risk_matrix(conn: Connection, *, f: CustomerFilter, summary: Summary | None = None) -> pd.DataFrame:
    """[value_bin, risk_bin, customers]: the full grid of VALUE_BINS x RISK_BINS (zeros included),
    value bins from low to high, risk bins 0-10 .. 90-100 (100 in 90-100)."""
    cols = ["value_bin", "risk_bin", "customers"]
    raw = _matrix_groups(conn, f, summary)
    if not raw["customers"].sum():
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
