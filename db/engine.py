"""Engine and session factory: SQLite pragmas, pool settings, one place to make connections."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin (see _sqlite_begin):
    # otherwise SAVEPOINT may open the outermost transaction and RELEASE would commit it.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.execute("PRAGMA cache_size=-65536")  # 64 MiB page cache per connection
    # No memory map: it made no page or search faster at a million customers (bench/pages.py,
    # bench/search.py), and every file page a query touched counted in the process's memory
    # (up to its 256 MiB, 510 MB peak for a broad filter against 290 MB without).
    cur.execute("PRAGMA temp_store=MEMORY")
    cur.close()


def _sqlite_begin(conn) -> None:
    conn.exec_driver_sql("BEGIN")


# MariaDB / MySQL report a failed CHECK as an OperationalError (4025 / 3819); it is an integrity error.
_CHECK_VIOLATION_CODES = {3819, 4025}


def _check_violation_is_integrity_error(ctx):
    orig = ctx.original_exception
    args = getattr(orig, "args", ())
    if args and args[0] in _CHECK_VIOLATION_CODES:
        return IntegrityError(ctx.statement, ctx.parameters, orig)
    return None


def make_engine(url: str, **kwargs) -> Engine:
    """Create an engine for `url`; a SQLite file's folder is created on first use."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 5)
    kwargs.setdefault("max_overflow", 10)
    if parsed.get_backend_name() == "mysql":
        kwargs.setdefault("pool_recycle", 3600)
        url = parsed.update_query_dict({"charset": "utf8mb4"}).render_as_string(hide_password=False)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "handle_error", _check_violation_is_integrity_error)
        return engine
    return create_engine(url, **kwargs)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
