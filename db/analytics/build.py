"""Building one analytics copy file: the copy's tables from the source's rows (Arrow), typed and
canonical (db.analytics.schema), the wide customers table and the file's meta.

`python -m db.analytics.build URL PATH MEMORY THREADS META_JSON` reads the three source tables
with connectorx and builds the file at PATH; db.analytics.store runs it in a child process:

- connectorx carries its own copy of SQLite, and two copies of SQLite in one process break each
  other's POSIX locks (sqlite.org/howtocorrupt.html, 2.2.1): closing the second copy's file
  releases the app's locks and deletes the WAL under its open connections. In a process of its
  own the reader is just another program reading the database;
- the Arrow tables and DuckDB's build memory stay out of the app's process (which keeps serving
  pages from the previous copy meanwhile).
"""

from __future__ import annotations

import json
import sys

import duckdb
import pyarrow as pa
from sqlalchemy import create_engine

from db.analytics import run, schema
from db.analytics.source import SOURCES, connectorx_url, select_for


def connect(path: str, *, memory_limit: str, threads: int) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    # both validated by db.settings (a size such as '1GB', a whole number)
    con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute(f"SET threads = {int(threads)}")
    con.execute("SET preserve_insertion_order = false")
    return con


def insert(con, name: str, table: pa.Table) -> None:
    """The rows of `table` (as read from the source) into the copy's table `name`, typed."""
    con.register("raw_rows", table)
    try:
        sql, params = schema.insert_typed(name, "raw_rows")
        con.execute(sql, params)
    finally:
        con.unregister("raw_rows")


def create(con) -> None:
    for statement in schema.create_statements():
        con.execute(statement)


def finish(con, meta: dict) -> None:
    """The wide customers table, the meta table (with the customer count), a checkpoint."""
    run.execute(con, schema.build_customers())
    count = con.execute("SELECT count(*) FROM customers").fetchone()[0]
    meta = {**meta, "customers": count, "schema": schema.fingerprint()}
    con.execute("CREATE TABLE meta (key VARCHAR, value VARCHAR)")
    con.executemany("INSERT INTO meta VALUES (?, ?)", [(k, str(v)) for k, v in meta.items()])
    con.execute("CHECKPOINT")


def write(path, tables: dict[str, pa.Table], meta: dict, *, memory_limit: str, threads: int) -> None:
    con = connect(path, memory_limit=memory_limit, threads=threads)
    try:
        create(con)
        for name in SOURCES:
            insert(con, name, tables[name])
        finish(con, meta)
    finally:
        con.close()


def _read_connectorx(url: str):
    """(name, Arrow table) of the three source tables, read one at a time."""
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
            text = select_for(engine, source, as_text=True, sentinel=True)
            table = cx.read_sql(cx_url, str(text.compile(dialect=engine.dialect)), return_type="arrow")
        yield name, table


def main(argv: list[str]) -> None:
    url, path, memory_limit, threads, meta = argv
    con = connect(path, memory_limit=memory_limit, threads=int(threads))
    try:
        create(con)
        for name, table in _read_connectorx(url):
            insert(con, name, table)
            del table  # one table's rows in memory at a time
        finish(con, {**json.loads(meta), "loader": "connectorx"})
    finally:
        con.close()


if __name__ == "__main__":
    main(sys.argv[1:])
