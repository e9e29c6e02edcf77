"""Option lists for the sidebar filters: distinct places and the ranges of age and join date.

Each reads indexed columns of Customer_Info by seeks, never every customer (no filter applied:
the sidebar offers every value in the database).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, func, select

from db.models import GENDERS, customer_info


def places(conn: Connection) -> list[tuple[str, str, str | None]]:
    """Distinct (State, City, Country) triples, sorted (Country None when only NULL is stored),
    by a skip scan of their index: a few index seeks per triple instead of reading every
    customer (a few hundred triples; ~0.1 ms a seek)."""
    c = customer_info.c
    out = []
    pair = _next_pair(conn, None, None)
    while pair is not None:
        state, city = pair
        countries = []
        country = _first(conn, c.Country, c.State == state, c.City == city)
        while country is not None:
            countries.append(country)
            country = _first(conn, c.Country, c.State == state, c.City == city, c.Country > country)
        out += [(state, city, country) for country in countries or [None]]
        pair = _next_pair(conn, state, city)
    return out


def _first(conn: Connection, col, *where):
    """MIN(col) under `where`: an index seek when `where` fixes the columns before `col`."""
    return conn.execute(select(func.min(col)).where(*where)).scalar()


def _next_pair(conn: Connection, state: str | None, city: str | None) -> tuple[str, str] | None:
    c = customer_info.c
    if state is not None:
        nxt = _first(conn, c.City, c.State == state, c.City > city)
        if nxt is not None:
            return state, nxt
        state = _first(conn, c.State, c.State > state)
    else:
        state = _first(conn, c.State)
    if state is None:
        return None
    return state, _first(conn, c.City, c.State == state)


def countries(conn: Connection) -> list[str]:
    """Distinct countries, sorted."""
    return countries_of(places(conn))


def countries_of(triples: list[tuple]) -> list[str]:
    return sorted({country for _, _, country in triples if country is not None})


def state_cities(conn: Connection) -> list[tuple[str, str]]:
    """Distinct (State, City) pairs, sorted."""
    return state_cities_of(places(conn))


def state_cities_of(triples: list[tuple]) -> list[tuple[str, str]]:
    return sorted({(state, city) for state, city, _ in triples})


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
