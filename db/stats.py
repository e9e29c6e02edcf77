"""Row counts per table."""

from __future__ import annotations

from sqlalchemy import Connection, func, inspect, select

from db.models import Base


def row_counts(conn: Connection) -> dict[str, int]:
    present = set(inspect(conn).get_table_names())
    return {
        name: conn.execute(select(func.count()).select_from(table)).scalar_one()
        for name, table in Base.metadata.tables.items()
        if name in present
    }
