"""Option lists for the sidebar filters: distinct places and the ranges of age and join date.

Each is a small GROUP BY / MIN-MAX over indexed columns of Customer_Info (no filter applied:
the sidebar offers every value in the database).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, func, select

from db.models import customer_info


def countries(conn: Connection) -> list[str]:
    c = customer_info.c
    stmt = select(c.Country).where(c.Country.is_not(None)).group_by(c.Country).order_by(c.Country)
    return [row[0] for row in conn.execute(stmt)]


def state_cities(conn: Connection) -> list[tuple[str, str]]:
    """Distinct (State, City) pairs, sorted."""
    c = customer_info.c
    stmt = select(c.State, c.City).group_by(c.State, c.City).order_by(c.State, c.City)
    return [(row[0], row[1]) for row in conn.execute(stmt)]


def age_range(conn: Connection) -> tuple[int, int] | None:
    c = customer_info.c
    lo, hi = conn.execute(select(func.min(c.Age), func.max(c.Age))).one()
    return None if lo is None else (int(lo), int(hi))


def join_date_range(conn: Connection) -> tuple[dt.date, dt.date] | None:
    c = customer_info.c
    lo, hi = conn.execute(select(func.min(c.Join_Date), func.max(c.Join_Date))).one()
    if lo is None:
        return None
    return _as_date(lo), _as_date(hi)


def _as_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])
