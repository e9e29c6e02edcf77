"""`python -m db.analytics.extract URL DIR`: read the three source tables with connectorx into
Arrow IPC files DIR/<table>.arrow (run by db.analytics.source in a child process).

Why a child process: connectorx carries its own copy of SQLite, and two copies of SQLite in one
process break each other's POSIX locks (sqlite.org/howtocorrupt.html, 2.2.1): closing the
second copy's file releases the app's locks and deletes the WAL under its open connections. In a
process of its own the reader is just another program reading the database. It also keeps the
Arrow tables out of the app's memory: the app maps the files.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pyarrow as pa
from sqlalchemy import create_engine

from db.analytics.source import SOURCES, connectorx_url, select_for


def extract(url: str, out: Path) -> None:
    import connectorx as cx

    engine = create_engine(url)
    cx_url = connectorx_url(engine)
    if cx_url is None:
        raise SystemExit("connectorx cannot read this database")
    for name, source in SOURCES.items():
        try:
            sql = str(select_for(engine, source, as_text=False).compile(dialect=engine.dialect))
            table = cx.read_sql(cx_url, sql, return_type="arrow")
        except Exception:  # a value of another type than declared: on SQLite, read it as text
            if engine.dialect.name != "sqlite":
                raise
            sql = str(select_for(engine, source, as_text=True, sentinel=True).compile(dialect=engine.dialect))
            table = cx.read_sql(cx_url, sql, return_type="arrow")
        with (
            pa.OSFile(str(out / f"{name}.arrow"), "wb") as sink,
            pa.ipc.new_file(sink, table.schema) as writer,
        ):
            writer.write_table(table)


if __name__ == "__main__":
    extract(sys.argv[1], Path(sys.argv[2]))
