"""Option lists for the sidebar filters: distinct places and the ranges of age and join date.

Each reads indexed columns of Customer_Info by seeks, never every customer (no filter applied:
the sidebar offers every value in the database).
"""

from __future__ import annotations

import datetime as dt
import functools

from sqlalchemy import Connection, bindparam, func, select
from sqlalchemy.dialects import sqlite

from db.models import GENDERS, customer_info


def places(conn: Connection) -> list[tuple[str, str, str | None]]:
    """Distinct (State, City, Country) triples, sorted (Country None when only NULL is stored).

    SQLite groups by reading the whole index (0.2 s at 1M customers): there a skip scan seeks
    each triple (20 ms). PostgreSQL's parallel GROUP BY beats hundreds of round trips, and
    MariaDB reads such a GROUP BY off the index by itself.
    """
    if conn.dialect.name != "sqlite":
        c = customer_info.c
        stmt = select(c.State, c.City, c.Country).group_by(c.State, c.City, c.Country)
        triples = {tuple(row) for row in conn.execute(stmt)}
        named = {(s, ci) for s, ci, co in triples if co is not None}
        kept = [t for t in triples if t[2] is not None or (t[0], t[1]) not in named]
        return sorted(kept, key=lambda t: (t[0], t[1], t[2] or ""))
    # Hundreds of one-row seeks: on the DBAPI cursor, with the statements compiled once, since
    # SQLAlchemy's own execute would cost more than the seeks themselves.
    cursor = conn.connection.cursor()
    try:
        return _skip_scan(lambda name, **params: cursor.execute(_sqlite_sql()[name], params).fetchone()[0])
    finally:
        cursor.close()


def _skip_scan(seek) -> list[tuple[str, str, str | None]]:
    """The places() triples, by `seek(statement name, **params)` -> the MIN it selects."""
    out = []
    pair = _next_pair(seek, None, None)
    while pair is not None:
        state, city = pair
        countries = []
        country = seek("first_country", s=state, c=city)
        while country is not None:
            countries.append(country)
            country = seek("next_country", s=state, c=city, after=country)
        out += [(state, city, country) for country in countries or [None]]
        pair = _next_pair(seek, state, city)
    return out


# The seeks of places(): MIN of a column when the columns before it in the index are fixed.
_c = customer_info.c
_FIRST_COUNTRY = select(func.min(_c.Country)).where(_c.State == bindparam("s"), _c.City == bindparam("c"))
_SEEKS = {
    "first_state": select(func.min(_c.State)),
    "next_state": select(func.min(_c.State)).where(_c.State > bindparam("after")),
    "first_city": select(func.min(_c.City)).where(_c.State == bindparam("s")),
    "next_city": select(func.min(_c.City)).where(_c.State == bindparam("s"), _c.City > bindparam("after")),
    "first_country": _FIRST_COUNTRY,
    "next_country": _FIRST_COUNTRY.where(_c.Country > bindparam("after")),
}


@functools.cache
def _sqlite_sql() -> dict[str, str]:
    """The seeks compiled for sqlite3 with named parameters (:s, :c, :after)."""
    dialect = sqlite.dialect(paramstyle="named")
    return {name: str(stmt.compile(dialect=dialect)) for name, stmt in _SEEKS.items()}


def _next_pair(seek, state: str | None, city: str | None) -> tuple[str, str] | None:
    if state is not None:
        nxt = seek("next_city", s=state, after=city)
        if nxt is not None:
            return state, nxt
        state = seek("next_state", after=state)
    else:
        state = seek("first_state")
    if state is None:
        return None
    return state, seek("first_city", s=state)


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
