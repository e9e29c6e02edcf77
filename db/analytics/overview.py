"""Overview: headline numbers of the filtered customers, joins per month, account status mix."""

from __future__ import annotations

import calendar
import datetime as dt

import pandas as pd
from sqlalchemy import func, select

from db.analytics import metrics, run
from db.analytics.common import empty, num
from db.analytics.metrics import known
from db.analytics.schema import customers
from db.analytics.where import filtered
from db.filters import CustomerFilter

c = customers.c


def same_days_last_month(today: dt.date) -> tuple[dt.date, dt.date]:
    """(first, last) day of last month's stretch that matches this month to date: 1-15 Nov for
    15 Dec; the last day is clamped to the month's length (1-28 Feb for 30 Mar)."""
    first = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    length = calendar.monthrange(first.year, first.month)[1]
    return first, first.replace(day=min(today.day, length))


def kpis(con, *, f: CustomerFilter, today: dt.date | None = None) -> dict:
    """The KPI tiles of the filtered customers (metrics.KPI_KEYS), and new_this_month (joined in
    this month up to `today`) with new_last_month (joined on the same days of last month)."""
    today = today or dt.date.today()
    last_from, last_to = same_days_last_month(today)
    this_from = today.replace(day=1)
    stmt = filtered(
        select(
            *metrics.columns(*metrics.KPI_KEYS, "scored"),
            func.count().filter(c.Join_Date.between(this_from, today)).label("new_this_month"),
            func.count().filter(c.Join_Date.between(last_from, last_to)).label("new_last_month"),
        ),
        f,
    )
    row = run.one(con, stmt)
    out = {k: row[k] for k in row}
    for key in (
        "customers",
        "active",
        "high_risk",
        "not_scored",
        "scored",
        "new_this_month",
        "new_last_month",
    ):
        out[key] = int(out[key] or 0)
    for key in ("total_lifetime_value", "value_at_risk"):
        out[key] = num(out[key])
    for key in ("avg_risk", "active_share", "value_at_risk_share"):
        out[key] = None if out[key] is None or pd.isna(out[key]) else float(out[key])
    return out


def customer_count(con, *, f: CustomerFilter) -> int:
    """How many customers the filter selects (the KPI "customers")."""
    return int(run.one(con, filtered(select(*metrics.columns("customers")), f))["customers"] or 0)


def new_per_month(con, *, f: CustomerFilter) -> pd.DataFrame:
    """[month (first day, datetime.date), customers]: joins per calendar month, gaps filled with 0.
    Customers without a join date are left out."""
    month = func.date_trunc("month", c.Join_Date).label("month")
    stmt = filtered(select(month, func.count().label("customers")), f).where(c.Join_Date.is_not(None))
    raw = run.frame(con, stmt.group_by(month).order_by(month))
    if raw.empty:
        return empty(["month", "customers"])
    months = pd.date_range(raw["month"].min(), raw["month"].max(), freq="MS")
    counts = raw.set_index(pd.to_datetime(raw["month"]))["customers"].reindex(months, fill_value=0)
    return pd.DataFrame({"month": [m.date() for m in months], "customers": counts.astype(int).tolist()})


def status_mix(con, *, f: CustomerFilter) -> pd.DataFrame:
    """[status, customers]: customers per account status (NULL as 'Unknown'), largest first."""
    status = known(c.Account_Status).label("status")
    stmt = filtered(select(status, func.count().label("customers")), f).group_by(status)
    out = run.frame(con, stmt)
    out["customers"] = out["customers"].astype(int)
    return out.sort_values(["customers", "status"], ascending=[False, True], ignore_index=True)
