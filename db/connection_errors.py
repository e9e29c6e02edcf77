"""One line for a database that cannot be used: a bad URL, an unreachable server, a wrong password,
a missing database, a SQLite path that cannot be created, tables under other names.
The CLI prints it (exit 1) and the app shows it instead of a traceback.

`failure_kind` tells what a failed write ran into (the connection lost, the database busy, a
lock conflict with another save); db.writes and db.import_failures word it for their callers."""

from __future__ import annotations

from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError

FAILURES = (ValueError, OSError, SQLAlchemyError)


def describe(error: BaseException) -> str:
    if isinstance(error, (ArgumentError, NoSuchModuleError)):
        return f"bad database URL: {error}"
    if isinstance(error, DBAPIError):
        return "database: " + (str(error.orig).strip().splitlines() or [type(error.orig).__name__])[0]
    if isinstance(error, SQLAlchemyError):
        return (str(error).splitlines() or [type(error).__name__])[0]
    return str(error) or type(error).__name__


LOST = "lost"  # the connection to the database was lost
BUSY = "busy"  # SQLite: other saves held the write lock longer than the busy timeout
LOCKED = "locked"  # a deadlock or lock wait with another save


def failure_kind(error: DBAPIError) -> str | None:
    """LOST, BUSY or LOCKED for a failed statement or commit, else None (a refusal, a bug, ...)."""
    text = str(error.orig if error.orig is not None else error).lower()
    if error.connection_invalidated or any(
        s in text for s in ("lost connection", "server closed", "connection", "gone away", "terminat")
    ):
        return LOST
    if "database is locked" in text or "database is busy" in text:
        return BUSY
    if "deadlock" in text or "lock wait" in text or "lock timeout" in text:
        return LOCKED
    return None
