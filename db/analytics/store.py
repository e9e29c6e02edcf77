"""The analytics copy: a DuckDB file of the app's own, loaded from the source with SELECT only.

One AnalyticsStore per process and source database:

- `reader()` gives a DuckDB cursor over the current copy (the first use loads it);
- `check()` reads the source's change signal at most once per `refresh_seconds` and, when it
  moved (or `full_reload_seconds` passed), starts a load in a background thread: at most one load
  at a time, at most one per interval; pages keep reading the previous copy meanwhile;
- a load builds a new file beside the current one and swaps it in only when complete; a load
  that fails leaves the previous copy serving and says so (`status().error`); one killed with
  the process leaves a `.building` file that the next start removes;
- `apply(customer_ids)` re-reads those customers from the source after an app write and
  replaces their rows in the copy at once (also in a load running meanwhile);
- several processes: each has its own copy file, named by the source and its pid; a write in
  one process reaches the others through the source's change signal. A restarted process adopts
  the newest copy left by a process that has ended, and checks it against the source.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
from sqlalchemy import Engine, delete, select

from db.analytics import build, run, schema
from db.analytics.source import (
    IN_PROCESS_BELOW,
    Signal,
    build_with_connectorx,
    connectorx_url,
    customer_count,
    read_customers,
    read_driver,
    source_key,
)

log = logging.getLogger(__name__)

_TABLES = tuple(schema.SOURCES)


@dataclass(frozen=True)
class Status:
    version: int  # changes whenever the copy's data does (a load swapped in, an app write)
    as_of: dt.datetime | None  # when the source was read for the current copy (local time)
    loading: bool
    error: str | None  # why the last load failed, until one succeeds
    loader: str | None
    customers: int


class AnalyticsStore:
    def __init__(
        self,
        engine: Engine,
        *,
        directory: Path,
        refresh_seconds: float = 60,
        full_reload_seconds: float = 3600,
        memory_limit: str = "1GB",
        threads: int = 2,
        in_process_below: int = IN_PROCESS_BELOW,
    ):
        self.engine = engine
        self.directory = Path(directory)
        self.refresh_seconds = refresh_seconds
        self.full_reload_seconds = full_reload_seconds
        self.memory_limit = memory_limit
        self.threads = threads
        self.in_process_below = in_process_below
        self._key = source_key(engine)
        self._signal = Signal(engine)
        self._lock = threading.RLock()  # swaps and app writes
        self._load_lock = threading.Lock()  # one load at a time
        self._con: duckdb.DuckDBPyConnection | None = None
        self._path: Path | None = None
        self._meta: dict[str, str] = {}
        self._version = 0
        self._generation = 0
        self._loaded_at = 0.0  # monotonic time of the current copy's load
        self._last_check = float("-inf")  # monotonic time of the last signal check or load end
        self._manual = float("-inf")  # when the last load was asked for
        self._pending: set[int] | None = None  # customers written while a load runs
        self._thread: threading.Thread | None = None
        self._error: str | None = None
        self.directory.mkdir(parents=True, exist_ok=True)
        self._adopt()

    # --- reading --------------------------------------------------------------------------

    @contextmanager
    def reader(self):
        """A cursor of the current copy (loaded first if there is none yet)."""
        if self._con is None:
            self.load()
        with self._lock:
            con = self._con
            if con is None:
                raise RuntimeError(self._error or "the analytics copy could not be loaded")
            cur = con.cursor()
        try:
            yield cur
        finally:
            cur.close()

    def status(self) -> Status:
        as_of = self._meta.get("as_of")
        return Status(
            version=self._version,
            as_of=dt.datetime.fromisoformat(as_of) if as_of else None,
            loading=self._load_lock.locked(),
            error=self._error,
            loader=self._meta.get("loader"),
            customers=int(self._meta.get("customers", 0)),
        )

    # --- freshness ------------------------------------------------------------------------

    def check(self) -> bool:
        """Start a background load when the source may have changed; True when one started.

        The signal is read at most once per `refresh_seconds`, counted from the last check or
        the end of the last load, whichever is later: continuous writes elsewhere cause at most
        one load per interval, never back-to-back loads, however long a load takes."""
        now = time.monotonic()
        with self._lock:
            if now - self._last_check < self.refresh_seconds or self._load_lock.locked():
                return False
            self._last_check = now
        if self._con is not None and now - self._loaded_at < self.full_reload_seconds:
            current = self._signal.read()
            if current is not None and current == self._meta.get("signal"):
                return False
        return self.refresh_in_background()

    def ensure_fresh(self) -> None:
        """Load now unless the current copy matches the source's signal (the CLI)."""
        if (
            self._con is None
            or self._signal.read() in (None, "")
            or self._signal.read() != self._meta.get("signal")
        ):
            self.load()

    def refresh_in_background(self, *, min_interval: float = 0) -> bool:
        """Start a load in a thread unless one runs (or one started less than `min_interval`
        seconds ago); True when one started."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return False
            now = time.monotonic()
            if min_interval and now - self._manual < min_interval:
                return False
            self._manual = now
            self._thread = threading.Thread(target=self._load_quietly, name="analytics-load", daemon=True)
            self._thread.start()
        return True

    def wait(self, timeout: float | None = None) -> None:
        """Wait for a background load to end (tests, the CLI)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _load_quietly(self) -> None:
        try:
            self.load()
        except Exception:  # noqa: BLE001 - recorded in status().error; the old copy serves on
            log.exception("analytics load failed")
        finally:
            with self._lock:
                self._last_check = max(self._last_check, time.monotonic())

    # --- loading --------------------------------------------------------------------------

    def load(self) -> None:
        """Read the source, build a new copy beside the current one, swap it in."""
        with self._load_lock:
            with self._lock:
                self._pending = set()
            started = time.monotonic()
            try:
                building = self._build()
            except Exception as error:
                with self._lock:
                    self._pending = None
                    when = dt.datetime.now().strftime("%H:%M:%S")
                    self._error = f"the refresh at {when} failed ({type(error).__name__}: {error})"
                raise
            self._swap(building, started)

    def _build(self) -> Path:
        meta = {
            "signal": self._signal.read() or "",  # before reading: a change during the load moves it
            "as_of": dt.datetime.now().replace(microsecond=0).isoformat(),
        }
        self._generation += 1
        final = self.directory / f"{self._key}-{os.getpid()}-{self._generation}.duckdb"
        building = final.with_suffix(".building")
        _remove(building)
        sizes = {"memory_limit": self.memory_limit, "threads": self.threads}
        small = self.in_process_below > 0 and customer_count(self.engine) < self.in_process_below
        built = False
        if not small and connectorx_url(self.engine) is not None:
            try:
                build_with_connectorx(self.engine, building, meta=meta, **sizes)
                built = True
            except Exception as error:  # noqa: BLE001 - the driver reads it instead
                log.warning("connectorx could not read the source (%s); reading it with the driver", error)
                _remove(building)
        if not built:
            build.write(building, read_driver(self.engine), {**meta, "loader": "driver"}, **sizes)
        os.replace(building, final)
        return final

    def _swap(self, path: Path, started: float) -> None:
        con = self._connect(path)
        with self._lock:
            pending, self._pending = self._pending, None
            if pending:
                _apply(con, self.engine, pending)
            old = self._path
            self._con, self._path = con, path
            self._meta = _read_meta(con)
            self._version += 1
            self._loaded_at = started
            self._error = None
        if old is not None and old != path:
            _remove(old)

    def _connect(self, path: Path) -> duckdb.DuckDBPyConnection:
        return build.connect(path, memory_limit=self.memory_limit, threads=self.threads)

    # --- app writes -----------------------------------------------------------------------

    def apply(self, customer_ids) -> None:
        """Re-read these customers from the source and replace their rows in the copy."""
        ids = {int(i) for i in customer_ids}
        if not ids:
            return
        with self._lock:
            if self._pending is not None:
                self._pending |= ids
            if self._con is None:
                return
            _apply(self._con, self.engine, ids)
            self._version += 1

    # --- files ----------------------------------------------------------------------------

    def _adopt(self) -> None:
        """Take over the newest copy left by an ended process of this source, if any."""
        for stale in self.directory.glob(f"{self._key}-*.building"):
            if not _alive(stale):
                _remove(stale)

        candidates = sorted(
            self.directory.glob(f"{self._key}-*.duckdb"), key=lambda p: p.stat().st_mtime, reverse=True
        )
        for path in candidates:
            if _alive(path):
                continue
            try:
                con = self._connect(path)
                meta = _read_meta(con)
                con.close()
            except (duckdb.Error, OSError):
                continue
            if not meta.get("as_of") or meta.get("schema") != schema.fingerprint():
                continue
            self._generation += 1
            final = self.directory / f"{self._key}-{os.getpid()}-{self._generation}.duckdb"
            os.replace(path, final)
            self._con, self._path, self._meta = self._connect(final), final, meta
            self._version += 1
            self._loaded_at = time.monotonic()
            break
        for path in self.directory.glob(f"{self._key}-*.duckdb"):
            if path != self._path and not _alive(path):
                _remove(path)

    def close(self) -> None:
        self.wait()
        with self._lock:
            if self._con is not None:
                self._con.close()
            self._con = None
        self._signal.close()


def _apply(con, engine: Engine, ids: set[int]) -> None:
    tables = read_customers(engine, ids)
    con.execute("BEGIN")
    try:
        con.execute('CREATE OR REPLACE TEMP TABLE changed_ids ("Customer_ID" BIGINT)')
        con.executemany("INSERT INTO changed_ids VALUES (?)", [(i,) for i in sorted(ids)])
        changed = select(schema.changed_ids.c.Customer_ID)
        for table in (*(schema.copy_metadata.tables[n] for n in _TABLES), schema.customers):
            run.execute(con, delete(table).where(table.c.Customer_ID.in_(changed)))
        for name in _TABLES:
            build.insert(con, name, tables[name])
        run.execute(con, schema.build_customers(only_changed=True))
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise


def _read_meta(con) -> dict[str, str]:
    return dict(con.execute("SELECT key, value FROM meta").fetchall())


def _alive(path: Path) -> bool:
    """True when the process that named this file (key-pid-generation) still runs."""
    try:
        pid = int(path.name.split("-")[1])
    except (IndexError, ValueError):
        return False
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove(path: Path) -> None:
    for p in (path, Path(str(path) + ".wal")):
        with contextlib.suppress(FileNotFoundError):
            p.unlink()
