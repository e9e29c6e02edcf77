"""Option lists for the sidebar filters: distinct places and the ranges of age and join date.

Each is a small GROUP BY / MIN-MAX over indexed columns of Customer_Info (no filter applied:
the sidebar offers every value in the database).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, func, select

from db.models import GENDERS, customer_info


def countries(conn: Connection) -> list[str]:
    """Distinct countries, sorted: grouped by (State, City, Country), the order of their index
    (a few hundred rows, no sort), where a GROUP BY Country would sort every customer."""
    c = customer_info.c
    stmt = select(c.Country).where(c.Country.is_not(None)).group_by(c.State, c.City, c.Country)
    return sorted({row[0] for row in conn.execute(stmt)})


def state_cities(conn: Connection) -> list[tuple[str, str]]:
    """Distinct (State, City) pairs, sorted."""
    c = customer_info.c
    stmt = select(c.State, c.City).group_by(c.State, c.City).order_by(c.State, c.City)
    return [(row[0], row[1]) for row in conn.execute(stmt)]


def age_range(conn: Connection) -> tuple[int, int] | None:
    """(min, max) Age. Age is indexed after Gender (GENDERS or NULL, a CHECK): min and max per
    gender are index seeks, where a plain MIN/MAX over the table would read every row."""
    c = customer_info.c
    genders = [c.Gender == g for g in GENDERS] + [c.Gender.is_(None)]
    subs = [select(agg(c.Age)).where(g).scalar_subquery() for agg in (func.min, func.max) for g in genders]
    row = conn.execute(select(*subs)).one()
    lows = [v for v in row[: len(genders)] if v is not None]
    highs = [v for v in row[len(genders) :] if v is not None]
    return (int(min(lows)), int(max(highs))) if lows else None


def join_date_range(conn: Connection) -> tuple[dt.date, dt.date] | None:
    # Two statements: SQLite answers MIN or MAX alone from the index, not both in one query.
    c = customer_info.c
    lo = conn.execute(select(func.min(c.Join_Date))).scalar()
    hi = conn.execute(select(func.max(c.Join_Date))).scalar()
    if lo is None:
        return None
    return _as_date(lo), _as_date(hi)


def _as_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])
