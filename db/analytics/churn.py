"""Churn page: risk bands, value at risk, inactivity. Every figure uses the current segment;
customers not scored (NULL risk score, or no segment) are left out of the risk figures and
counted by the KPI 'Not scored'."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from sqlalchemy import case, func, select

from db.analytics import run
from db.analytics.common import empty, sort_by
from db.analytics.metrics import known, risk_band
from db.analytics.schema import customers
from db.analytics.where import filtered
from db.filters import RISK_HIGH_FROM, CustomerFilter
from db.models import CATEGORIES, ENGAGEMENT_LEVELS

c = customers.c
SCORED = c.Risk_Score.is_not(None)
NEVER = "never"  # days_bin_start of the customers who never logged in
INACTIVITY_BINS = ((0, 30), (30, 60), (60, 90), (90, 180), (180, 365), (365, None))
# Lifetime value ranges (rupees) of the value x risk matrix: (lower bound, label).
VALUE_BINS = tuple(
    zip(
        (0, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000),
        ("<₹10K", "₹10K-25K", "₹25K-50K", "₹50K-1L", "₹1L-2.5L", "₹2.5L-5L", "₹5L-10L", "₹10L+"),
        strict=True,
    )
)
RISK_BINS = tuple(f"{i * 10}-{i * 10 + 10}" for i in range(10))
_CATEGORY = known(c.Segment_Category).label("category")


def risk_distribution(con, *, f: CustomerFilter, bin_width: int = 5) -> pd.DataFrame:
    """[bin_start, band, customers]: scored customers per risk score bin [start, start+bin_width)
    (100 falls in the last bin); band is the risk band of the bin's start."""
    nbins = -(-100 // bin_width)
    idx = func.least(func.greatest(func.floor(c.Risk_Score / bin_width), 0), nbins - 1).label("i")
    raw = run.frame(con, filtered(select(idx, func.count().label("n")), f).where(SCORED).group_by(idx))
    if raw.empty:
        return empty(["bin_start", "band", "customers"])
    per = np.zeros(nbins, dtype=np.int64)
    per[raw["i"].astype(int).to_numpy()] = raw["n"].to_numpy()
    starts = [i * bin_width for i in range(nbins)]
    return pd.DataFrame({"bin_start": starts, "band": [risk_band(s) for s in starts], "customers": per})


def risk_heatmap(con, *, f: CustomerFilter) -> pd.DataFrame:
    """[category, engagement, mean_risk, customers] of the scored customers by current segment
    category and engagement (NULL as 'Unknown')."""
    eng = known(c.Engagement_Level).label("engagement")
    stmt = (
        filtered(
            select(
                _CATEGORY, eng, func.avg(c.Risk_Score).label("mean_risk"), func.count().label("customers")
            ),
            f,
        )
        .where(SCORED)
        .group_by(_CATEGORY, eng)
    )
    out = run.frame(con, stmt)
    if out.empty:
        return empty(["category", "engagement", "mean_risk", "customers"])
    out["customers"] = out["customers"].astype(int)
    return sort_by(sort_by(out, "engagement", ENGAGEMENT_LEVELS), "category", CATEGORIES)


def value_at_risk_by_category(con, *, f: CustomerFilter) -> pd.DataFrame:
    """[category, value_at_risk, customers] by current segment category (CATEGORIES order)."""
    stmt = filtered(
        select(
            _CATEGORY,
            func.coalesce(func.sum(c.Value_At_Risk), 0.0).label("value_at_risk"),
            func.count().label("customers"),
        ),
        f,
    ).group_by(_CATEGORY)
    out = run.frame(con, stmt)
    if out.empty:
        return empty(["category", "value_at_risk", "customers"])
    out["customers"] = out["customers"].astype(int)
    return sort_by(out, "category", CATEGORIES)


def value_at_risk_by_state(con, *, f: CustomerFilter, top: int = 15) -> pd.DataFrame:
    """[state, value_at_risk, customers]: the `top` states by value at risk, largest first."""
    state = known(c.State).label("state")
    var = func.coalesce(func.sum(c.Value_At_Risk), 0.0).label("value_at_risk")
    stmt = (
        filtered(select(state, var, func.count().label("customers")), f)
        .group_by(state)
        .order_by(var.desc(), state)
        .limit(top)
    )
    out = run.frame(con, stmt)
    out["customers"] = out["customers"].astype(int)
    return out


def login_bounds(today: dt.date) -> list[dt.datetime]:
    """The lowest Last_Login of each closed INACTIVITY_BINS bin, newest first: days since login
    = today - the calendar date of Last_Login; a bin [start, end) holds the logins on dates
    today-end+1 .. today-start (future logins count in the first bin)."""
    days = [end - 1 for _, end in INACTIVITY_BINS if end is not None]
    return [dt.datetime.combine(today - dt.timedelta(days=d), dt.time()) for d in days]


def risk_vs_inactivity(con, *, f: CustomerFilter, today: dt.date | None = None) -> pd.DataFrame:
    """[days_bin_start, days_bin_end, mean_risk, customers] of the scored customers by days since
    their last login (login_bounds()). Customers who never logged in are the last row, with
    days_bin_start "never" and days_bin_end None; the open last bin has days_bin_end None.
    Only non-empty bins are returned."""
    today = today or dt.date.today()
    login = c.Last_Login
    whens = [(login.is_(None), -1)] + [(login >= b, i) for i, b in enumerate(login_bounds(today))]
    b = case(*whens, else_=len(INACTIVITY_BINS) - 1).label("b")
    stmt = (
        filtered(select(b, func.avg(c.Risk_Score).label("mean_risk"), func.count().label("n")), f)
        .where(SCORED)
        .group_by(b)
    )
    raw = run.frame(con, stmt)
    cols = ["days_bin_start", "days_bin_end", "mean_risk", "customers"]
    if raw.empty:
        return empty(cols)
    rows = []
    for i, mean, n in sorted(raw.itertuples(index=False), key=lambda r: (r[0] < 0, r[0])):
        start, end = (NEVER, None) if i < 0 else INACTIVITY_BINS[int(i)]
        rows.append((start, end, float(mean), int(n)))
    return pd.DataFrame(rows, columns=cols)


def value_risk_matrix(con, *, f: CustomerFilter) -> pd.DataFrame:
    """[value_bin, risk_bin, customers]: the full grid of VALUE_BINS x RISK_BINS (zeros included)
    of the scored customers with a value; risk bins 0-10 .. 90-100 (100 in 90-100)."""
    lv = c.Lifetime_Value
    v = case(*[(lv >= lower, i) for i, (lower, _) in reversed(list(enumerate(VALUE_BINS)))], else_=0).label(
        "v"
    )
    r = func.least(func.floor(c.Risk_Score / 10), 9).label("r")
    raw = run.frame(
        con, filtered(select(v, r, func.count().label("n")), f).where(SCORED, lv.is_not(None)).group_by(v, r)
    )
    cols = ["value_bin", "risk_bin", "customers"]
    if raw.empty:
        return empty(cols)
    counts = np.zeros((len(VALUE_BINS), len(RISK_BINS)), dtype=np.int64)
    counts[raw["v"].astype(int).to_numpy(), raw["r"].astype(int).clip(0, 9).to_numpy()] = raw["n"].to_numpy()
    rows = [
        (VALUE_BINS[i][1], RISK_BINS[j], int(counts[i, j]))
        for i in range(len(VALUE_BINS))
        for j in range(len(RISK_BINS))
    ]
    return pd.DataFrame(rows, columns=cols)


TOP_AT_RISK_COLUMNS = [
    "Customer_ID",
    "Customer_Name",
    "City",
    "State",
    "Segment_Category",
    "Lifetime_Value",
    "Risk_Score",
    "Value_At_Risk",
]


def top_at_risk(con, *, f: CustomerFilter, limit: int = 100) -> pd.DataFrame:
    """The High-band customers with the largest value at risk (ties: lowest Customer_ID first)."""
    stmt = (
        filtered(select(*(c[name] for name in TOP_AT_RISK_COLUMNS)), f)
        .where(c.Risk_Score >= RISK_HIGH_FROM)
        .order_by(c.Value_At_Risk.desc().nulls_last(), c.Customer_ID)
        .limit(limit)
    )
    return run.frame(con, stmt)
