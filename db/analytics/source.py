"""Reading the customer's tables for the analytics copy: SELECT only, as Arrow, and a cheap
signal per engine that tells whether they may have changed since the last read.

Loader: connectorx (Rust, straight to Arrow, one package for SQLite, PostgreSQL and MySQL/MariaDB:
1M customers in about 6 s on SQLite and PostgreSQL where the project's own drivers through
SQLAlchemy took 34-47 s), run in a child process that builds the copy file (db.analytics.build
says why). Where
connectorx cannot read a source (an unusual URL, a type it does not know), the project's own
driver reads it instead, every value as text; the copy's typed INSERT (db.analytics.schema)
turns both into the same values.

On SQLite every column but the keys is read as text: SQLite stores whatever it was given
('not-a-date' in a DATE column), and the copy decides what each value means.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
from sqlalchemy import Engine, String, bindparam, cast, func, literal_column, select, text
from sqlalchemy.engine import make_url

from db.analytics.schema import NUL_TEXT, SOURCES

log = logging.getLogger(__name__)

_KEYS = {"Customer_ID", "Segment_ID", "Preference_ID"}


def _text(col, sentinel: bool):
    # connectorx types an expression by its first value and fails on a NULL: on SQLite, NULL
    # travels as NUL_TEXT (char(0), no parameter), which the copy's typed INSERT reads as NULL
    text_col = cast(col, String)
    return func.coalesce(text_col, literal_column(f"char({ord(NUL_TEXT)})")) if sentinel else text_col


def select_for(
    engine: Engine, source, ids: Iterable[int] | None = None, *, as_text: bool, sentinel: bool = False
):
    """SELECT the spec's columns of `source` (of these customers); as_text: every column but the
    keys cast to text (SQLite keeps whatever it was given, the copy decides what it means)."""
    cols = [
        c if (not as_text or c.name in _KEYS) else _text(c, sentinel).label(c.name) for c in source.columns
    ]
    stmt = select(*cols)
    if ids is not None:
        stmt = stmt.where(source.c.Customer_ID.in_(sorted(set(ids))))
    return stmt


def connectorx_url(engine: Engine) -> str | None:
    url = engine.url
    backend = url.get_backend_name()
    if backend == "sqlite":
        if not url.database or url.database == ":memory:":
            return None
        return "sqlite://" + os.path.abspath(url.database)
    if backend in ("postgresql", "mysql"):
        return url.set(drivername=backend, query={}).render_as_string(hide_password=False)
    return None


def _as_text(values) -> pa.Array:
    return pa.array([None if v is None else str(v) for v in values], pa.string())


def _read_driver(engine: Engine, ids: Iterable[int] | None = None) -> dict[str, pa.Table]:
    """The three tables (or the rows of `ids`) through SQLAlchemy, in one transaction (one
    snapshot), every value as text."""
    out = {}
    with engine.connect() as conn:
        for name, source in SOURCES.items():
            result = conn.execution_options(stream_results=True).execute(
                select_for(engine, source, ids, as_text=True)
            )
            names = list(result.keys())
            batches = []
            for part in result.partitions(100_000):
                columns = list(zip(*part, strict=True))
                batches.append(pa.record_batch([_as_text(c) for c in columns], names=names))
            schema = pa.schema([(n, pa.string()) for n in names])
            out[name] = pa.Table.from_batches(batches, schema=schema)
    return out


IN_PROCESS_BELOW = 50_000  # customers: a smaller source is read in-process (no child process)


def read_driver(engine: Engine) -> dict[str, pa.Table]:
    """Every row of the three tables, through the project's own driver (one snapshot)."""
    return _read_driver(engine)


def customer_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(SOURCES["customer_info"])).scalar_one()


def build_with_connectorx(engine: Engine, path: Path, *, meta: dict, memory_limit: str, threads: int) -> None:
    """Build the copy file at `path` in a child process (db.analytics.build) that reads the
    source with connectorx; RuntimeError with its last line when it fails."""
    url = engine.url.render_as_string(hide_password=False)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    args = [url, str(path), memory_limit, str(threads), json.dumps(meta)]
    done = subprocess.run(
        [sys.executable, "-m", "db.analytics.build", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=3600,
        check=False,
    )
    if done.returncode != 0:
        lines = (done.stderr or done.stdout or "no output").strip().splitlines()
        raise RuntimeError(lines[-1] if lines else "the reader failed")


def read_customers(engine: Engine, ids: Iterable[int]) -> dict[str, pa.Table]:
    """The rows of these customers in the three tables (after an app write)."""
    return _read_driver(engine, ids)


# --- change signals ---------------------------------------------------------------------------


@dataclass
class Signal:
    """A cheap fingerprint of the three tables: different whenever a commit changed them
    (and sometimes when nothing did, which only costs a load). None: cannot tell."""

    engine: Engine
    _sqlite: sqlite3.Connection | None = field(default=None, repr=False)

    def read(self) -> str | None:
        try:
            name = self.engine.dialect.name
            if name == "sqlite":
                return self._sqlite_signal()
            if name == "postgresql":
                return self._postgres_signal()
            if name == "mysql":
                return self._mysql_signal()
        except Exception as error:  # noqa: BLE001 - no signal: the caller reloads on its period
            log.warning("could not read the change signal: %s", error)
        return None

    def _sqlite_signal(self) -> str | None:
        path = self.engine.url.database
        if not path or path == ":memory:":
            return None
        # data_version: bumped on this connection by every other connection's commit (exact);
        # the files' stat also survives a restart of the app.
        if self._sqlite is None:
            self._sqlite = sqlite3.connect(path, check_same_thread=False)
        version = self._sqlite.execute("PRAGMA data_version").fetchone()[0]
        stats = []
        for suffix in ("", "-wal"):
            try:
                st = os.stat(path + suffix)
                stats.append(f"{st.st_mtime_ns}:{st.st_size}")
            except FileNotFoundError:
                stats.append("-")
        return f"sqlite|{version}|{'|'.join(stats)}"

    def _postgres_signal(self) -> str:
        # Per-table statistics (inserted, updated, deleted tuples: flushed by each backend within
        # seconds of its commit) and the relfilenode, which a TRUNCATE changes.
        rows = []
        with self.engine.connect() as conn:
            for source in SOURCES.values():
                reg = self.engine.dialect.identifier_preparer.format_table(source)
                row = conn.execute(
                    text(
                        "SELECT c.relfilenode, pg_stat_get_tuples_inserted(c.oid), "
                        "pg_stat_get_tuples_updated(c.oid), pg_stat_get_tuples_deleted(c.oid) "
                        "FROM pg_class c WHERE c.oid = to_regclass(:name)"
                    ),
                    {"name": reg},
                ).first()
                rows.append(":".join(map(str, row)) if row else "-")
        return "pg|" + "|".join(rows)

    def _mysql_signal(self) -> str | None:
        # InnoDB's UPDATE_TIME (whole seconds; NULL until the first write after a server start):
        # a time in the current second may be followed by another write in the same second, so
        # it cannot vouch for the copy (None: load again at the next check).
        with self.engine.connect() as conn:
            with contextlib.suppress(Exception):  # MySQL 8 caches these figures; MariaDB has no such setting
                conn.execute(text("SET SESSION information_schema_stats_expiry = 0"))
            rows = conn.execute(
                text(
                    "SELECT TABLE_NAME, UPDATE_TIME, UPDATE_TIME >= NOW() - INTERVAL 1 SECOND "
                    "FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() "
                    "AND TABLE_NAME IN :names ORDER BY TABLE_NAME"
                ).bindparams(bindparam("names", expanding=True)),
                {"names": [s.name for s in SOURCES.values()]},
            ).all()
        if any(recent for _, _, recent in rows):
            return None
        return "mysql|" + "|".join(f"{n}:{t}" for n, t, _ in rows)

    def close(self) -> None:
        if self._sqlite is not None:
            self._sqlite.close()
            self._sqlite = None


def source_key(engine: Engine) -> str:
    """A short, stable name for the source database (no password), for the copy's file name."""
    import hashlib

    url = make_url(str(engine.url)).render_as_string(hide_password=True)
    return hashlib.sha256(url.encode()).hexdigest()[:12]
