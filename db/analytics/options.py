"""Option lists for the sidebar filters, from the copy: distinct places, the ranges of age and
join date, and the categorical values actually stored (no filter applied: the sidebar offers
every value in the data)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import func, select

from db.analytics import run
from db.analytics.schema import customers

c = customers.c


def places(con) -> list[tuple[str, str, str | None]]:
    """Distinct (State, City, Country) triples, sorted (Country None when only NULL is stored)."""
    stmt = select(c.State, c.City, c.Country).where(c.State.is_not(None), c.City.is_not(None))
    stmt = stmt.group_by(c.State, c.City, c.Country)
    triples = {tuple(row) for row in run.execute(con, stmt).fetchall()}
    named = {(s, ci) for s, ci, co in triples if co is not None}
    kept = [t for t in triples if t[2] is not None or (t[0], t[1]) not in named]
    return sorted(kept, key=lambda t: (t[0], t[1], t[2] or ""))


def countries_of(triples: list[tuple]) -> list[str]:
    return sorted({country for _, _, country in triples if country is not None})


def state_cities_of(triples: list[tuple]) -> list[tuple[str, str]]:
    return sorted({(state, city) for state, city, _ in triples})


def age_range(con) -> tuple[int, int] | None:
    row = run.one(con, select(func.min(c.Age).label("lo"), func.max(c.Age).label("hi")))
    return None if row["lo"] is None else (int(row["lo"]), int(row["hi"]))


def join_date_range(con) -> tuple[dt.date, dt.date] | None:
    row = run.one(con, select(func.min(c.Join_Date).label("lo"), func.max(c.Join_Date).label("hi")))
    if row["lo"] is None:
        return None
    return pd.Timestamp(row["lo"]).date(), pd.Timestamp(row["hi"]).date()
