"""What happened when the database refused or failed an import, in words: which row of which file,
why, and that nothing was imported.

db.csv_io writes an import in one transaction (import_transaction). When a statement fails, the
transaction is rolled back as a whole, and ImportRejected says so. A bulk INSERT that the database
refuses is retried in halves inside savepoints until the first row it refuses is found (about
twice the rows, in log2(n) statements, and only after a refusal), so the message names that row.
Only a connection lost during the COMMIT itself leaves it unknown whether the import was saved;
the message says that instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import Connection, Table
from sqlalchemy import exc as sa_exc

from db import audit, connection_errors, engine
from db.csv_read import ImportRejected
from db.validation import LABELS
from db.writes import _integrity_errors

ROLLED_BACK = "Nothing was imported: the import is one transaction, and it was rolled back."
_REFUSALS = (sa_exc.IntegrityError, sa_exc.DataError)
_COLUMN = re.compile(r"""column ["'`]?(\w+)|\.(\w+)\s*$""", re.IGNORECASE)


class RowFailed(Exception):
    """Raised inside the import's transaction: `sentence` says which row could not be written and
    why, `advice` what to do."""

    def __init__(self, sentence: str, advice: str):
        self.sentence, self.advice = sentence, advice
        super().__init__(sentence)


class StepFailed(Exception):
    """Raised inside the import's transaction: the database failed while doing `what`."""

    def __init__(self, what: str, error: sa_exc.DBAPIError):
        self.what, self.error = what, error
        super().__init__(f"{what}: {error}")


def _said(error: sa_exc.DBAPIError) -> str:
    """The first line of what the database said (PyMySQL's (code, text) without the code)."""
    args = getattr(error.orig, "args", ())
    if len(args) == 2 and isinstance(args[0], int) and isinstance(args[1], str):
        text = args[1].strip()
    else:
        text = str(error.orig if error.orig is not None else error).strip()
    return (text.splitlines() or [type(error.orig).__name__])[0][:200]


def reason(error: sa_exc.DBAPIError) -> str:
    """Why the database refused or failed a statement, in plain words."""
    kind = connection_errors.failure_kind(error)
    if kind == connection_errors.LOST:
        return "the connection to the database was lost"
    if kind == connection_errors.BUSY:
        seconds = engine.SQLITE_BUSY_TIMEOUT_SECONDS
        return f"other saves kept the database busy for more than {seconds} seconds"
    if kind == connection_errors.LOCKED:
        return "another save was changing the same rows at the same time"
    if isinstance(error, sa_exc.DataError):
        return f"a value does not fit its column in the database, too long or out of range ({_said(error)})"
    if not isinstance(error, sa_exc.IntegrityError):
        return f"the database reported an error ({type(error.orig).__name__}: {_said(error)})"
    (name, message), *_ = _integrity_errors(error).items()  # the words the forms use
    if name != "record":
        return message  # "Email: already used by another customer", "Customer: no such customer ..."
    said = _said(error)
    if "null" in said.lower():
        found = _COLUMN.search(said)
        column = next((g for g in found.groups() if g), "") if found else ""
        return f"{LABELS.get(column, column) or 'a value'}: required by the database, but empty ({said})"
    if "check" in said.lower() or "constraint" in said.lower():  # MariaDB: "CONSTRAINT `x` failed"
        return f"a value breaks a rule of the database ({said})"
    return f"the database refused the values ({said})"


def refused(file: str, row: int, error: sa_exc.DBAPIError) -> Exception:
    """What to raise when the statement writing `file` row `row` failed."""
    if isinstance(error, _REFUSALS) and connection_errors.failure_kind(error) is None:
        return RowFailed(
            f"The database refused row {row} of the {file} file: {reason(error)}.",
            "Correct the row, run the dry run again and import.",
        )
    return StepFailed(f"writing row {row} of the {file} file", error)


def gone(file: str, row: int, what: str) -> RowFailed:
    return RowFailed(
        f"Row {row} of the {file} file could not be written: {what} after the dry run.",
        "Run the dry run again and import.",
    )


@contextmanager
def step(what: str) -> Iterator[None]:
    """Database failures while doing `what` (e.g. 'writing the audit log') become StepFailed."""
    try:
        yield
    except sa_exc.DBAPIError as error:
        raise StepFailed(what, error) from error


def insert_rows(conn: Connection, table: Table, columns: Sequence[str], rows: list, numbers: list, *, file):
    """audit.bulk_insert of `rows` (their file row `numbers`) in a savepoint; when the database
    refuses them, RowFailed names the first row it refuses (found by halving, in savepoints)."""
    if not rows:
        return 0
    what = f"writing {len(rows):,} rows of the {file} file"
    with step(what):
        try:
            with conn.begin_nested():
                audit.bulk_insert(conn, table, columns, rows)
        except _REFUSALS as error:
            if connection_errors.failure_kind(error) is not None:
                raise
            first = _first_refused(conn, table, columns, rows)
            if first is None:  # not refused again, row by row: say what the database said
                raise StepFailed(what, error) from error
            index, row_error = first
            raise refused(file, numbers[index], row_error) from row_error
    return len(rows)


def _insert_or_refuse(conn: Connection, table: Table, columns, rows) -> sa_exc.DBAPIError | None:
    try:
        with conn.begin_nested():
            audit.bulk_insert(conn, table, columns, rows)
    except _REFUSALS as error:
        return error
    return None


def _first_refused(conn: Connection, table: Table, columns, rows: list) -> tuple[int, Exception] | None:
    """(index, error) of the first row the database refuses after the rows before it (those stay
    inserted in the transaction, which the caller rolls back), or None."""
    lo, hi = 0, len(rows)  # rows[:lo] are inserted; the first refused row is in rows[lo:hi]
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _insert_or_refuse(conn, table, columns, rows[lo:mid]) is None:
            lo = mid
        else:
            hi = mid
    error = _insert_or_refuse(conn, table, columns, rows[lo : lo + 1])
    return (lo, error) if error is not None else None


def _rollback(tx) -> None:
    try:
        if tx.is_active:
            tx.rollback()
    except sa_exc.DBAPIError:
        pass  # the connection is gone: the server has rolled back already


@contextmanager
def import_transaction(conn: Connection) -> Iterator[Connection]:
    """The import's one transaction (engine.begin_write; a savepoint inside the caller's). Any
    failure rolls it back and becomes ImportRejected saying what happened."""
    try:
        tx = engine.begin_write(conn)
    except sa_exc.DBAPIError as error:
        raise ImportRejected(
            f"The import could not start: {reason(error)}. Nothing was imported; try again."
        ) from error
    try:
        yield conn
    except (RowFailed, StepFailed, sa_exc.DBAPIError) as failure:
        _rollback(tx)
        raise ImportRejected(_failed(failure)) from failure
    except BaseException:
        _rollback(tx)
        raise
    try:
        tx.commit()
    except sa_exc.DBAPIError as error:
        _rollback(tx)
        if connection_errors.failure_kind(error) == connection_errors.LOST:
            raise ImportRejected(
                "The connection to the database was lost while the import was being committed, so it "
                "is not known whether the database saved it. Look up a customer from the file before "
                "importing again."
            ) from error
        raise ImportRejected(
            f"The database refused to commit the import: {reason(error)}. {ROLLED_BACK}"
        ) from error


def _failed(failure: Exception) -> str:
    if isinstance(failure, RowFailed):
        return f"{failure.sentence} {ROLLED_BACK} {failure.advice}"
    if isinstance(failure, StepFailed):
        return f"The import failed while {failure.what}: {reason(failure.error)}. {ROLLED_BACK} Try again."
    return f"The import failed: {reason(failure)}. {ROLLED_BACK} Try again."
