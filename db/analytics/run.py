"""Running SQLAlchemy Core statements on the analytics copy (DuckDB), with bound parameters.

DuckDB speaks PostgreSQL's SQL closely enough that SQLAlchemy's PostgreSQL compiler, with `$n`
placeholders, renders every statement the figures need; values always travel as parameters.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import ClauseElement
from sqlalchemy.dialects import postgresql

_DIALECT = postgresql.dialect(paramstyle="numeric_dollar")


def compiled(stmt: ClauseElement) -> tuple[str, list]:
    """The statement's SQL text and its positional parameters."""
    c = stmt.compile(dialect=_DIALECT, compile_kwargs={"render_postcompile": True})
    return c.string, [c.params[name] for name in (c.positiontup or ())]


def execute(con, stmt: ClauseElement):
    sql, params = compiled(stmt)
    return con.execute(sql, params)


def frame(con, stmt: ClauseElement, columns: list[str] | None = None) -> pd.DataFrame:
    """The statement's rows as a DataFrame (named as its labels, or `columns`)."""
    out = execute(con, stmt).df()
    if columns is not None:
        out.columns = columns
    return out


def one(con, stmt: ClauseElement) -> dict:
    """The statement's single row as a dict."""
    cur = execute(con, stmt)
    names = [d[0] for d in cur.description]
    row = cur.fetchone()
    return dict(zip(names, row, strict=True)) if row else dict.fromkeys(names)


def scalar(con, stmt: ClauseElement):
    row = execute(con, stmt).fetchone()
    return row[0] if row else None
