"""Overview page: headline numbers, joins per month, account status mix."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from sqlalchemy import Connection, case, func, select

from db.analytics.common import (
    empty,
    filtered,
    frame,
    from_rollup,
    label,
    num,
    rolled_up,
    stored_date,
    value_times_risk,
)
from db.analytics.summary import CustomerSummary, Summary, customer_summary
from db.filters import RISK_HIGH_FROM, CustomerFilter
from db.models import current_segment, current_segment_rollup, customer_info
from db.rollup import RISK_STEP

ci = customer_info.c
cs = current_segment.c
rc = current_segment_rollup.c


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _previous_month(first: dt.date) -> dt.date:
    return (first - dt.timedelta(days=1)).replace(day=1)


def _next_month(first: dt.date) -> dt.date:
    return (first + dt.timedelta(days=32)).replace(day=1)


def kpis(
    conn: Connection,
    *,
    f: CustomerFilter,
    today: dt.date | None = None,
    statuses: pd.DataFrame | None = None,
    summary: CustomerSummary | None = None,
) -> dict:
    """Headline numbers of the filtered customers (`statuses`: their status_mix(), when the
    caller has it already).

    customers, active (Account_Status 'Active'), active_share (0..1, None without customers),
    new_this_month / new_last_month (Join_Date in the calendar month of `today` / the one before),
    and the segment_totals() of their current segments.
    """
    today = today or dt.date.today()
    this_month = _month_start(today)
    last_month = _previous_month(this_month)
    next_month = _next_month(this_month)

    # Customer side: counts by status ...
    if statuses is None:
        statuses = status_mix(conn, f=f, summary=summary)
    customers = int(statuses["customers"].sum())
    active = int(statuses.loc[statuses["status"] == "Active", "customers"].sum())
    # ... and joins of the two months (a range on the Join_Date index, or the summary's days).
    if f.is_empty:
        joins = conn.execute(
            select(ci.Join_Date, func.count())
            .where(ci.Join_Date >= last_month, ci.Join_Date < next_month)
            .group_by(ci.Join_Date)
        ).all()
    else:
        days = (summary or customer_summary(conn, f=f)).days
        joins = zip(days["day"].dt.date, days["customers"], strict=True)
    joins = [(day, n) for day, n in joins if last_month <= day < next_month]
    new_this = sum(n for day, n in joins if day >= this_month)
    new_last = sum(n for day, n in joins if day < this_month)
    return {
        "customers": int(customers),
        "active": int(active),
        "active_share": (active / customers) if customers else None,
        "new_this_month": int(new_this),
        "new_last_month": int(new_last),
        **segment_totals(conn, f=f),
    }


def segment_totals(conn: Connection, *, f: CustomerFilter, summary: Summary | None = None) -> dict:
    """Over the filtered customers' current segments: segments (how many), total_lifetime_value,
    avg_risk (None without segments), high_risk (Risk_Score >= 70) and value_at_risk (sum of
    Lifetime_Value * Risk_Score / 100). From the rollup, the `summary` when given, or one pass."""
    if rolled_up(f):
        seg = conn.execute(_rollup_totals(f)).one()
    elif summary is not None:
        seg = _summary_totals(summary.cube)
    else:
        seg = conn.execute(_filtered_totals(f)).one()
    segments = int(seg[0] or 0)  # a SUM on the rollup: NULL without rows, Decimal on MariaDB
    return {
        "segments": segments,
        "total_lifetime_value": num(seg[1]),
        "avg_risk": None if not segments else num(seg[2]) / segments,
        "high_risk": int(seg[3] or 0),
        "value_at_risk": num(seg[4]) / 100.0,
    }


def _rollup_totals(f: CustomerFilter):
    return from_rollup(
        func.sum(rc.customers),
        func.sum(rc.value_sum),
        func.sum(rc.risk_sum),
        func.sum(case((rc.risk_bin * RISK_STEP >= RISK_HIGH_FROM, rc.customers), else_=0)),
        func.sum(rc.value_risk_sum),
        f=f,
    )


def _filtered_totals(f: CustomerFilter):
    return filtered(
        func.count(),
        func.sum(cs.Lifetime_Value),
        func.sum(cs.Risk_Score),
        func.sum(case((cs.Risk_Score >= RISK_HIGH_FROM, 1), else_=0)),
        func.sum(value_times_risk(cs)),
        f=f,
        anchor=current_segment,
    )


def _summary_totals(cube: pd.DataFrame) -> tuple:
    high = cube["risk_bin"] * RISK_STEP >= RISK_HIGH_FROM
    n, value, risk, value_risk = cube[["customers", "value_sum", "risk_sum", "value_risk_sum"]].sum()
    return n, value, risk, cube.loc[high, "customers"].sum(), value_risk


def _join_days(conn: Connection, f: CustomerFilter, summary: CustomerSummary | None = None) -> pd.DataFrame:
    """[day (datetime64), customers] per raw Join_Date (index scan; a few thousand rows), binned
    by the callers."""
    if not f.is_empty:
        return (summary or customer_summary(conn, f=f)).days.copy()
    stmt = select(stored_date(conn, ci.Join_Date), func.count()).group_by(ci.Join_Date)
    days = frame(conn, stmt, ["day", "customers"]).dropna(subset=["day"])
    days["day"] = pd.to_datetime(days["day"])
    return days


def _months(days: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(months, customers): every calendar month (datetime64[M]) from the first to the last join."""
    month = days["day"].to_numpy().astype("datetime64[M]")
    first = month.min()
    counts = np.bincount((month - first).astype(np.int64), weights=days["customers"].to_numpy())
    return first + np.arange(len(counts)), counts.astype(np.int64)


def new_per_month(
    conn: Connection, *, f: CustomerFilter, summary: CustomerSummary | None = None
) -> pd.DataFrame:
    """[month (first day, datetime.date), customers]: joins per calendar month, gaps filled with 0."""
    days = _join_days(conn, f, summary)
    if days.empty:
        return empty(["month", "customers"])
    months, counts = _months(days)
    return pd.DataFrame({"month": months.astype("datetime64[D]").tolist(), "customers": counts.tolist()})


def status_mix(
    conn: Connection, *, f: CustomerFilter, summary: CustomerSummary | None = None
) -> pd.DataFrame:
    """[status, customers]: customers per Account_Status (NULL as 'Unknown'), largest first."""
    if f.is_empty:
        stmt = select(ci.Account_Status, func.count()).group_by(ci.Account_Status)
        out = frame(conn, stmt, ["status", "customers"])
    else:
        out = (summary or customer_summary(conn, f=f)).statuses.copy()
    out["status"] = out["status"].map(label)
    return out.sort_values(["customers", "status"], ascending=[False, True], ignore_index=True)
