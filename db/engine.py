"""Engine and session factory: SQLite pragmas, pool settings, one place to make connections."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection, Engine, Transaction, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

# How long a SQLite write waits for another connection's write to finish before it gives up.
SQLITE_BUSY_TIMEOUT_SECONDS = 10
_WRITE = "customer_dashboard_write"  # execution option: the next BEGIN starts a write transaction


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin (see _sqlite_begin):
    # otherwise SAVEPOINT may open the outermost transaction and RELEASE would commit it.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_SECONDS * 1000:d}")
    # 8 MiB page cache per connection (the OS caches the file too): with 64 MiB, each pooled
    # connection's cache filled up as editors opened customers, and the server's memory grew
    # all run long (bench/load.py); bench/search.py at 1M: lookups 1 -> 2 ms, scans unchanged.
    cur.execute("PRAGMA cache_size=-8192")
    # No memory map: it made no page or search faster at a million customers (bench/pages.py,
    # bench/search.py), and every file page a query touched counted in the process's memory
    # (up to its 256 MiB, 510 MB peak for a broad filter against 290 MB without).
    cur.execute("PRAGMA temp_store=MEMORY")
    cur.close()


def _sqlite_begin(conn) -> None:
    # A write transaction takes the write lock up front and so waits its turn (busy_timeout); a
    # deferred one that has read fails at once when another connection wrote meanwhile.
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(_WRITE) else "BEGIN")


def begin_write(conn: Connection) -> Transaction:
    """Begin a transaction that reads and then writes (use it as a context manager).

    On a connection without a transaction it begins one (on SQLite with BEGIN IMMEDIATE, so that
    concurrent writers queue for the lock, one after the other, within
    SQLITE_BUSY_TIMEOUT_SECONDS); inside the caller's transaction it is a savepoint, and the caller
    commits.
    """
    if conn.in_transaction():
        return conn.begin_nested()
    conn.execution_options(**{_WRITE: True})
    try:
        return conn.begin()
    finally:
        conn.execution_options(**{_WRITE: False})


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
            folder = Path(parsed.database).parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                reason = error.strerror or type(error).__name__
                raise ValueError(f"cannot create the SQLite database's folder {folder}: {reason}") from None
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
