"""The SELECTs an engine sends, recorded, then replayed on the bare DBAPI connection (no
SQLAlchemy, pandas or Streamlit): the "raw SQL" time of the page benchmarks."""

from __future__ import annotations

import time

from sqlalchemy import event


class Recorder:
    """Records the SELECT statements (with their parameters) sent while `on` by `target`: one
    engine, or sqlalchemy.engine.Engine for every engine."""

    def __init__(self, target):
        self.statements: list[tuple[str, object]] = []
        self.on = False
        event.listen(target, "before_cursor_execute", self._before)

    def _before(self, _conn, _cursor, statement, parameters, _context, _executemany):
        # queries only: not the BEGIN / SAVEPOINT housekeeping some drivers send as statements
        if self.on and statement.lstrip().upper().startswith(("SELECT", "WITH")):
            self.statements.append((statement, parameters))


def statement_ms(conn, statements) -> list[float]:
    """ms to execute and fetch each statement on `conn`'s DBAPI connection, in order."""
    dbapi = conn.connection.driver_connection
    out = []
    for statement, parameters in statements:
        cur = dbapi.cursor()
        t = time.perf_counter()
        cur.execute(statement, parameters)
        cur.fetchall()
        out.append((time.perf_counter() - t) * 1000)
        cur.close()
    return out
