"""One line for a database that cannot be used: a bad URL, an unreachable server, a wrong password,
a missing database, a SQLite path that cannot be created, tables under other names.
The CLI prints it (exit 1) and the app shows it instead of a traceback."""

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
