"""The five dashboard pages, this code (the analytics copy) and the previous implementation
(derived tables in the customer's database, commit 38a1ab8) side by side on the same rows.

    python bench/pages.py --backends sqlite --customers 1000000           # seed, clone, measure
    python bench/pages.py --backends sqlite,postgresql --customers 1000000 --reuse
    python bench/pages.py --url-prev sqlite:////tmp/q1.db                  # an existing 0004 database
    python bench/pages.py --url-prev postgresql+psycopg://postgres@127.0.0.1:5432/seed1m \\
        --url-new postgresql+psycopg://postgres@127.0.0.1:5432/seed1m_new --reuse
    python bench/pages.py --url-new sqlite:////tmp/q10.db --pages overview,churn

The previous implementation runs from a git worktree of 38a1ab8 (--prev-tree, created when
missing). It needs its own tables (current_segment, the rollups: schema revision 0004), which
this code drops (0005), so each measurement uses two databases with the same customer rows:

- given --url-prev (a database the previous code seeded or upgraded): the new one is a clone
  (SQLite: a copy of the file; PostgreSQL: CREATE DATABASE ... TEMPLATE), upgraded by this code;
- given --url-new (this code's schema): the previous one is a clone, downgraded to 0004 by this
  code's migration (the derived tables come back empty) and rebuilt by the previous code's
  `python -m db upgrade` (it rebuilds current_segment and the rollups when they are stale);
- given neither: databases named by backend and size (/tmp/bench_pages/prev_1m.db, bench_prev_1m,
  ...) are seeded with --seeder: `prev` (default) runs the previous code's `python -m db seed`
  and clones as above; `new` runs this code's faster seeder and derives the previous database
  from it. The rows are the same either way (the generator did not change).
- --reuse keeps databases that exist with the expected number of customers and revision.

Per implementation, database and page, one subprocess renders the page under Streamlit's
AppTest as a signed-in viewer, as a server that has served pages before: one priming render
(a filter that matches nobody, then no filter), then for each filter (default: Maharashtra +
VIP; broad: women 25-34, Active; none) the median of --runs cold renders (st.cache_data
cleared before each), then the median of --runs warm renders of the default filter (every
read from the cache). Peak MB: the process's peak RSS (VmHWM).

This code's analytics copy is loaded once per database before the pages, in a process of its
own ("load s": the full load, the connectorx reader included; "copy MB": the DuckDB file;
"load peak MB": that process's peak RSS / its children's: the builder, where the store runs
one), into ANALYTICS_DIR
(--analytics-dir/<database>), where each page process adopts the copy the last one left.
Figures are never refreshed during the run (ANALYTICS_REFRESH_SECONDS is set very high).

Prints markdown tables and the budgets (at 1M customers: every page <= 0.5 s cold under each
filter, warm <= 0.1 s, full load <= 20 s; at 10M: every page <= 1.5 s cold, full load <= 200 s,
the app process < 1.5 GB).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qsl

ROOT = Path(__file__).resolve().parents[1]
PREV_COMMIT = "38a1ab8"
PREV_REVISION = "0004"
DEFAULT_PREV_TREE = Path("/tmp/prev-38a1ab8")
WORK = Path("/tmp/bench_pages")
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"

PAGES = ("overview", "demographics", "segments", "churn", "consent")
TITLES = {
    "overview": "Overview",
    "demographics": "Demographics",
    "segments": "Segments and value",
    "churn": "Churn risk",
    "consent": "Preferences and consent",
}
FILTERS = {
    "default": "states=Maharashtra&categories=VIP",
    "broad": "genders=Female&age_min=25&age_max=34&statuses=Active",
    "none": "",
}
NOTHING = {"cities": "Atlantis"}

# (customers at least, cold s per page and filter, warm s, full load s, app process MB)
BUDGETS = (
    (5_000_000, 1.5, None, 200.0, 1536.0),
    (500_000, 0.5, 0.1, 20.0, None),
)


# --- memory ---------------------------------------------------------------------------------


def _status_kib(key: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def _children_peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


# --- workers (run in a subprocess, with the tree of the implementation on sys.path) ----------


def _render(root: Path, page: str, params: dict[str, str]) -> float:
    from streamlit.testing.v1 import AppTest

    from dashboard import auth
    from db.access import Actor

    at = AppTest.from_file(str(root / "pages" / f"{page}.py"), default_timeout=900)
    at.session_state[auth.SESSION_KEY] = auth.session_for(Actor("vera", "viewer"))
    for k, v in params.items():
        at.query_params[k] = v
    t = time.perf_counter()
    at.run()
    seconds = time.perf_counter() - t
    if at.exception:
        raise RuntimeError(f"{page} {params}: {[e.message for e in at.exception]}")
    if not at.get("plotly_chart") and params is not NOTHING:
        raise RuntimeError(f"{page} {params}: no chart rendered")
    return seconds


def _scan_components_once() -> None:
    """Every new AppTest scans all installed packages for Streamlit components (0.2-0.7 s here);
    a server does it once at start. Scan once per process, so that renders measure the page."""
    import functools

    from streamlit.components.v2 import manifest_scanner

    manifest_scanner.scan_component_manifests = functools.cache(manifest_scanner.scan_component_manifests)


def _profile_figures() -> dict[str, float] | None:
    """Time every public function of this code's figure modules (db.analytics.*), patched before
    the pages import them: {module.function: seconds}, reset by the caller. None for code
    without them (the previous implementation)."""
    import functools
    import importlib

    try:
        modules = [importlib.import_module(f"db.analytics.{m}") for m in FIGURE_MODULES]
        importlib.import_module("db.analytics.store")
    except ImportError:
        return None
    spent: dict[str, float] = {}

    def timed(name, fn):
        @functools.wraps(fn)
        def wrapper(*a, **kw):
            t = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                spent[name] = spent.get(name, 0.0) + time.perf_counter() - t

        return wrapper

    for module in modules:
        for name, fn in list(vars(module).items()):
            if (
                callable(fn)
                and not name.startswith("_")
                and getattr(fn, "__module__", None) == module.__name__
            ):
                if isinstance(fn, type):
                    continue
                setattr(module, name, timed(f"{module.__name__.rsplit('.', 1)[-1]}.{name}", fn))
    return spent


FIGURE_MODULES = ("overview", "demographics", "value", "churn", "consent", "options")


def page_worker(root: Path, page: str, runs: int, profile: bool = False) -> dict:
    """Render `page` of the tree at `root` (DATABASE_URL etc. set by the driver)."""
    import streamlit as st

    spent = _profile_figures() if profile else None

    copies = Path(os.environ["ANALYTICS_DIR"]) if os.environ.get("ANALYTICS_DIR") else None
    before = {p.stat().st_ino for p in copies.glob("*.duckdb")} if copies else set()
    _scan_components_once()
    _render(root, page, NOTHING)  # imports, engine, first connection (new: adopts the copy)
    _render(root, page, {})  # the lazy first uses of pandas and Plotly on real rows
    out: dict = {}
    if copies:  # the copy file is renamed when adopted (same inode), a new one when loaded
        out["adopted"] = bool(before & {p.stat().st_ino for p in copies.glob("*.duckdb")})
    for name, query in FILTERS.items():
        params = dict(parse_qsl(query))
        times = []
        for i in range(runs):
            st.cache_data.clear()
            if spent is not None:
                spent.clear()
            times.append(_render(root, page, params))
            if spent is not None and i == 0:  # the figures of the first cold render, slowest first
                top = sorted(spent.items(), key=lambda kv: -kv[1])[:6]
                out[f"figures_{name}"] = [(k, round(v, 3)) for k, v in top]
        out[f"cold_{name}"] = statistics.median(times)
    default = dict(parse_qsl(FILTERS["default"]))
    _render(root, page, default)  # fills the cache for the warm renders
    out["warm"] = statistics.median(_render(root, page, default) for _ in range(runs))
    out["peak_mb"] = _status_kib("VmHWM") / 1024
    return out


def load_worker(url: str, directory: Path) -> dict:
    """A full load of this code's analytics copy of `url` into `directory` (emptied first), as the
    app's store does it (the store decides where the build runs: a child process, or in-process
    for a small source); the peak RSS of this process and of its children (the builder)."""
    from db.analytics.store import AnalyticsStore
    from db.engine import make_engine
    from db.settings import Settings

    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    settings = Settings.load()
    engine = make_engine(url)
    store = AnalyticsStore(
        engine,
        directory=directory,
        memory_limit=settings.analytics_memory_limit,
        threads=settings.analytics_threads,
        refresh_seconds=1e12,
    )
    t = time.perf_counter()
    store.load()
    seconds = time.perf_counter() - t
    status = store.status()
    store.close()
    engine.dispose()
    copies = [p for p in directory.iterdir() if p.suffix in (".duckdb", ".wal")]
    return {
        "load_s": seconds,
        "copy_mb": sum(p.stat().st_size for p in copies) / 2**20,
        "load_peak_mb": _status_kib("VmHWM") / 1024,
        "reader_peak_mb": _children_peak_mb(),
        "loader": status.loader,
        "customers": status.customers,
    }


# --- databases ------------------------------------------------------------------------------


def _backend(url: str) -> str:
    return url.split(":", 1)[0].split("+", 1)[0]


def _sqlite_path(url: str) -> Path:
    from sqlalchemy.engine import make_url

    return Path(make_url(url).database)


def _pg_name(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).database


def _with_database(url: str, name: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(database=name).render_as_string(hide_password=False)


def _pg_admin(url: str):
    from sqlalchemy import create_engine

    return create_engine(_with_database(url, "postgres"), isolation_level="AUTOCOMMIT")


def _exists(url: str) -> bool:
    if _backend(url) == "sqlite":
        return _sqlite_path(url).is_file()
    from sqlalchemy import text

    admin = _pg_admin(url)
    try:
        with admin.connect() as conn:
            found = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": _pg_name(url)})
            return found.first() is not None
    finally:
        admin.dispose()


def _describe(url: str) -> tuple[int | None, str | None]:
    """(customers, alembic revision) of a database, (None, None) when it cannot be read."""
    from sqlalchemy import create_engine

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            n = conn.exec_driver_sql('SELECT count(*) FROM "Customer_Info"').scalar()
            revision = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        return n, revision
    except Exception:  # noqa: BLE001 - missing tables: not a usable database
        return None, None
    finally:
        engine.dispose()


def _drop(url: str) -> None:
    if _backend(url) == "sqlite":
        path = _sqlite_path(url)
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return
    from sqlalchemy import text

    admin = _pg_admin(url)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{_pg_name(url)}" WITH (FORCE)'))
    admin.dispose()


def _create_empty(url: str) -> None:
    _drop(url)
    if _backend(url) == "sqlite":
        _sqlite_path(url).parent.mkdir(parents=True, exist_ok=True)
        return
    from sqlalchemy import text

    admin = _pg_admin(url)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{_pg_name(url)}"'))
    admin.dispose()


def _clone(src: str, dst: str) -> None:
    """dst: a copy of src (SQLite: the file after a checkpoint; PostgreSQL: TEMPLATE)."""
    t = time.perf_counter()
    _drop(dst)
    if _backend(src) == "sqlite":
        s, d = _sqlite_path(src), _sqlite_path(dst)
        con = sqlite3.connect(s)
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        con.close()
        d.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(s, d)
    elif _backend(src) == "postgresql":
        from sqlalchemy import text

        admin = _pg_admin(src)
        with admin.connect() as conn:
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": _pg_name(src)},
            )
            conn.execute(text(f'CREATE DATABASE "{_pg_name(dst)}" TEMPLATE "{_pg_name(src)}"'))
        admin.dispose()
    else:
        raise SystemExit(f"cloning {_backend(src)} is not supported: pass --url-prev and --url-new")
    _log(f"cloned {_safe(src)} -> {_safe(dst)} in {time.perf_counter() - t:.0f} s")


def _run(cmd: list[str], cwd: Path, what: str) -> None:
    t = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": str(cwd), "DEMO_CUSTOMERS": "0"}
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{what} failed:\n{(done.stderr or done.stdout)[-3000:]}")
    _log(f"{what}: {time.perf_counter() - t:.0f} s")


def _vacuum_analyze(url: str) -> None:
    if _backend(url) != "postgresql":
        return
    from sqlalchemy import create_engine

    t = time.perf_counter()
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")
    engine.dispose()
    _log(f"VACUUM ANALYZE {_safe(url)}: {time.perf_counter() - t:.0f} s")


def _to_new(prev_url: str, new_url: str) -> None:
    _clone(prev_url, new_url)
    cmd = [sys.executable, "-m", "db", "upgrade", "--url", new_url]
    _run(cmd, ROOT, f"upgrade {_safe(new_url)} (new code)")


def _to_prev(new_url: str, prev_url: str, prev_tree: Path) -> None:
    _clone(new_url, prev_url)
    downgrade = (
        "import sys; from alembic import command; from db.engine import make_engine; "
        "from db.migrate import alembic_config; "
        f"command.downgrade(alembic_config(make_engine(sys.argv[1])), {PREV_REVISION!r})"
    )
    _run([sys.executable, "-c", downgrade, prev_url], ROOT, f"downgrade {_safe(prev_url)} to {PREV_REVISION}")
    # the previous code rebuilds current_segment and the rollups (no watermark yet); on SQLite
    # without current_segment's six indexes, built afterwards with a big page cache (kept while
    # 10M rows go in, with the app's 64 MiB cache, they took over 25 minutes and had not finished)
    deferred = _drop_indexes(prev_url, "current_segment")
    cmd = [sys.executable, "-m", "db", "upgrade", "--url", prev_url]
    _run(cmd, prev_tree, f"rebuild the derived tables of {_safe(prev_url)} (previous code)")
    _create_indexes(prev_url, deferred)
    _vacuum_analyze(prev_url)  # as the previous seeder left them


def _drop_indexes(url: str, table: str) -> list[str]:
    """Drop the secondary indexes of `table` (not its key); their CREATE statements."""
    if _backend(url) == "sqlite":
        return _drop_indexes_sqlite(url, table)
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        rows = conn.execute(
            text(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = :t AND NOT EXISTS "
                "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"
            ),
            {"t": table},
        ).all()
        for name, _ in rows:
            conn.execute(text(f'DROP INDEX "{name}"'))
    engine.dispose()
    return [sql for _, sql in rows]


def _create_indexes(url: str, statements: list[str]) -> None:
    if not statements:
        return
    if _backend(url) == "sqlite":
        _create_indexes_sqlite(url, statements)
        return
    from sqlalchemy import create_engine

    t = time.perf_counter()
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql("SET maintenance_work_mem = '1GB'")
        for sql in statements:
            conn.exec_driver_sql(sql)
    engine.dispose()
    _log(f"created {len(statements)} indexes: {time.perf_counter() - t:.0f} s")


def _drop_indexes_sqlite(url: str, table: str) -> list[str]:
    """Drop the explicit indexes of `table`; their CREATE statements."""
    con = sqlite3.connect(_sqlite_path(url), isolation_level=None)
    try:
        rows = con.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
            (table,),
        ).fetchall()
        for name, _ in rows:
            con.execute(f'DROP INDEX "{name}"')
    finally:
        con.close()
    return [sql for _, sql in rows]


def _create_indexes_sqlite(url: str, statements: list[str]) -> None:
    t = time.perf_counter()
    con = sqlite3.connect(_sqlite_path(url), isolation_level=None)
    try:
        con.execute("PRAGMA cache_size=-2097152")  # 2 GiB
        con.execute("PRAGMA threads=2")
        con.execute("PRAGMA synchronous=OFF")
        for sql in statements:
            con.execute(sql)
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    finally:
        con.close()
    _log(f"created {len(statements)} indexes: {time.perf_counter() - t:.0f} s")


def _usable(url: str, customers: int | None, new: bool) -> bool:
    if not _exists(url):
        return False
    n, revision = _describe(url)
    if n is None or (customers is not None and n != customers):
        return False
    return (revision != PREV_REVISION) if new else (revision == PREV_REVISION)


def prepare(args, prev_url: str | None, new_url: str | None, backend: str) -> tuple[str, str]:
    """The (previous, new) database pair with the same customer rows, made as the options say."""
    tag = _size_tag(args.customers)
    if prev_url is None and new_url is None:
        if backend == "sqlite":
            prev_url = f"sqlite:///{WORK / f'prev_{tag}.db'}"
            new_url = f"sqlite:///{WORK / f'new_{tag}.db'}"
        else:
            prev_url = _with_database(args.postgres_url, f"bench_prev_{tag}")
            new_url = _with_database(args.postgres_url, f"bench_new_{tag}")
        first = prev_url if args.seeder == "prev" else new_url
        if not (args.reuse and _usable(first, args.customers, new=args.seeder == "new")):
            _create_empty(first)
            cwd = args.prev_tree if args.seeder == "prev" else ROOT
            cmd = [sys.executable, "-m", "db", "seed", "--customers", str(args.customers), "--url", first]
            _run(cmd, cwd, f"seed {args.customers:,} customers into {_safe(first)} ({args.seeder} seeder)")
        derive = "new" if args.seeder == "prev" else "prev"
    else:
        derive = "new" if new_url is None else "prev" if prev_url is None else None
        new_url = new_url or _derived(prev_url, "new")
        prev_url = prev_url or _derived(new_url, "prev")
    if derive == "new" and not (args.reuse and _usable(new_url, _describe(prev_url)[0], True)):
        _to_new(prev_url, new_url)
    elif derive == "prev" and not (args.reuse and _usable(prev_url, _describe(new_url)[0], False)):
        _to_prev(new_url, prev_url, args.prev_tree)
    (n_prev, rev_prev), (n_new, rev_new) = _describe(prev_url), _describe(new_url)
    if n_prev != n_new or rev_prev != PREV_REVISION or rev_new == PREV_REVISION:
        raise SystemExit(
            f"not a pair: {_safe(prev_url)} has {n_prev} customers at {rev_prev}, "
            f"{_safe(new_url)} has {n_new} at {rev_new}"
        )
    return prev_url, new_url


def _derived(url: str, side: str) -> str:
    if _backend(url) == "sqlite":
        path = _sqlite_path(url)
        return f"sqlite:///{path.with_name(path.stem + '_' + side + (path.suffix or '.db'))}"
    return _with_database(url, f"{_pg_name(url)}_{side}")


def _size_tag(n: int) -> str:
    if n % 1_000_000 == 0:
        return f"{n // 1_000_000}m"
    if n % 1000 == 0:
        return f"{n // 1000}k"
    return str(n)


def ensure_worktree(path: Path) -> None:
    if (path / "pages").is_dir():
        return
    if path.exists():
        subprocess.run(["git", "worktree", "prune"], cwd=ROOT, check=False)
    subprocess.run(["git", "worktree", "add", "--detach", str(path), PREV_COMMIT], cwd=ROOT, check=True)


# --- driver ---------------------------------------------------------------------------------


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _safe(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _worker(args: list[str], tree: Path, env: dict[str, str]) -> dict:
    out = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), *args],
        capture_output=True,
        text=True,
        cwd=tree,
        env={**os.environ, "PYTHONPATH": str(tree), "DEMO_CUSTOMERS": "0", **env},
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _budget(customers: int):
    for at_least, cold, warm, load, memory in BUDGETS:
        if customers >= at_least:
            return cold, warm, load, memory
    return None, None, None, None


def _mark(value: float | None, limit: float | None) -> str:
    if value is None or limit is None:
        return ""
    return " ✓" if value <= limit else " ✗"


def _s(value: float | None, limit: float | None = None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}{_mark(value, limit)}"


def measure(args, prev_url: str, new_url: str) -> dict:
    backend = _backend(new_url)
    customers = _describe(new_url)[0]
    name = f"{backend}_{_pg_name(new_url) if backend == 'postgresql' else _sqlite_path(new_url).stem}"
    directory = args.analytics_dir / name
    env_new = {
        "DATABASE_URL": new_url,
        "ANALYTICS_DIR": str(directory),
        "ANALYTICS_REFRESH_SECONDS": "1e12",
        "ANALYTICS_FULL_RELOAD_SECONDS": "1e12",
    }
    result = {"backend": backend, "customers": customers}
    result["runs"] = {"prev": args.prev_runs or args.runs, "new": args.runs}
    result |= {"prev_url": _safe(prev_url), "new_url": _safe(new_url)}
    _log(f"{backend} {customers:,}: loading the analytics copy of {_safe(new_url)}")
    result["load"] = _worker(["--load-worker", new_url, str(directory)], ROOT, env_new)
    _log(f"  {json.dumps(result['load'])}")
    result["pages"] = {}
    for page in args.pages:
        row = {}
        for impl, tree, env in (
            ("prev", args.prev_tree, {"DATABASE_URL": prev_url}),
            ("new", ROOT, env_new),
        ):
            if impl == "prev" and args.skip_prev:
                continue
            try:
                flags = ["--profile"] if args.profile else []
                runs = str(args.prev_runs if impl == "prev" and args.prev_runs else args.runs)
                row[impl] = _worker([*flags, "--page-worker", str(tree), page, runs], tree, env)
            except RuntimeError as error:
                _log(str(error))
                row[impl] = None
            _log(f"  {page} {impl}: {json.dumps(row[impl])}")
            if impl == "new" and row[impl] and not row[impl].get("adopted"):
                _log(f"  {page}: the page process loaded a copy of its own instead of adopting one")
        result["pages"][page] = row
    return result


def report(results: list[dict]) -> None:
    load = os.getloadavg()
    runs = ", ".join(
        f"{r['backend']} {r['customers']:,}: {r['runs']['prev']} previous / {r['runs']['new']} this code"
        for r in results
    )
    print(
        f"\nload average at end {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}; "
        f"cold/warm: median of renders ({runs})"
    )
    print(f"filters: default `{FILTERS['default']}`, broad `{FILTERS['broad']}`, none\n")
    print(
        "| page | database | customers | prev cold s (default / broad / none) "
        "| new cold s (default / broad / none) | new warm s | prev / new | peak MB (prev / new) |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for r in results:
        cold_limit, warm_limit, _, _ = _budget(r["customers"])
        for page, row in r["pages"].items():
            prev, new = row.get("prev"), row.get("new")
            prev_cold = " / ".join(_s(prev[f"cold_{f}"]) for f in FILTERS) if prev else "n/a"
            new_cold = " / ".join(_s(new[f"cold_{f}"], cold_limit) for f in FILTERS) if new else "n/a"
            ratio = (
                sum(prev[f"cold_{f}"] for f in FILTERS) / sum(new[f"cold_{f}"] for f in FILTERS)
                if prev and new
                else None
            )
            peak = f"{prev['peak_mb']:,.0f}" if prev else "n/a"
            peak += f" / {new['peak_mb']:,.0f}" if new else " / n/a"
            print(
                f"| {TITLES[page]} | {r['backend']} | {r['customers']:,} | {prev_cold} | {new_cold} "
                f"| {_s(new['warm'], warm_limit, 3) if new else 'n/a'} | {_s(ratio, None, 1)} | {peak} |"
            )
    profiled = [
        (r, p, row["new"])
        for r in results
        for p, row in r["pages"].items()
        if (row.get("new") or {}).get("figures_none")
    ]
    if profiled:
        print(
            "\nSlowest figures of this code in the first cold render, s (a figure two charts share "
            "is computed once):\n"
        )
        print("| page | database | " + " | ".join(FILTERS) + " |")
        print("|---|---|" + "---|" * len(FILTERS))
        for r, page, new in profiled:
            cells = [", ".join(f"{k} {v:.2f}" for k, v in new.get(f"figures_{f}", [])[:3]) for f in FILTERS]
            print(f"| {TITLES[page]} | {r['backend']} {r['customers']:,} | " + " | ".join(cells) + " |")
    print("\n| database | customers | load s | copy MB | load peak MB (process / builder) | loader |")
    print("|---|---:|---:|---:|---:|---|")
    for r in results:
        _, _, load_limit, _ = _budget(r["customers"])
        ld = r["load"]
        print(
            f"| {r['backend']} | {r['customers']:,} | {_s(ld['load_s'], load_limit, 1)} "
            f"| {ld['copy_mb']:,.0f} "
            f"| {ld['load_peak_mb']:,.0f} / {ld['reader_peak_mb']:,.0f} | {ld['loader']} |"
        )
    print("\nBudgets (this code):")
    for r in results:
        cold_limit, warm_limit, load_limit, memory_limit = _budget(r["customers"])
        if cold_limit is None:
            print(f"- {r['backend']} {r['customers']:,}: no budget at this size")
            continue
        news = {p: row["new"] for p, row in r["pages"].items() if row.get("new")}
        worst = max(((v[f"cold_{f}"], p, f) for p, v in news.items() for f in FILTERS), default=None)
        lines = []
        if worst:
            mark = _mark(worst[0], cold_limit)
            lines.append(f"slowest cold {worst[0]:.2f} s ({worst[1]}, {worst[2]}) <= {cold_limit} s{mark}")
        if warm_limit is not None and news:
            w = max((v["warm"], p) for p, v in news.items())
            lines.append(f"slowest warm {w[0]:.3f} s ({w[1]}) <= {warm_limit} s{_mark(w[0], warm_limit)}")
        took = r["load"]["load_s"]
        lines.append(f"full load {took:.1f} s <= {load_limit:.0f} s{_mark(took, load_limit)}")
        if memory_limit is not None:
            app = max([v["peak_mb"] for v in news.values()] + [r["load"]["load_peak_mb"]])
            lines.append(f"app process peak {app:,.0f} MB < {memory_limit:,.0f} MB{_mark(app, memory_limit)}")
        print(f"- {r['backend']} {r['customers']:,}: " + "; ".join(lines))
    if len(results) and any(len(r["pages"]) < len(PAGES) for r in results):
        print("\n(only some pages measured)")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url-prev", action="append", default=[], help="a database at revision 0004 (repeatable)")
    p.add_argument("--url-new", action="append", default=[], help="a database of this code (repeatable)")
    p.add_argument("--backends", default="sqlite", help="without URLs: sqlite,postgresql")
    p.add_argument("--customers", type=int, default=1_000_000, help="without URLs: customers to seed")
    p.add_argument("--seeder", choices=("prev", "new"), default="prev", help="without URLs: whose seeder")
    p.add_argument("--reuse", action="store_true", help="keep databases that exist with the right rows")
    p.add_argument("--postgres-url", default=PG_SERVER, help="without URLs: the PostgreSQL server")
    p.add_argument("--prev-tree", type=Path, default=DEFAULT_PREV_TREE, help="worktree of 38a1ab8")
    p.add_argument("--analytics-dir", type=Path, default=WORK / "analytics")
    p.add_argument("--pages", default=",".join(PAGES))
    p.add_argument("--runs", type=int, default=3, help="renders per median")
    p.add_argument("--prev-runs", type=int, help="renders per median for the previous code (default --runs)")
    p.add_argument("--skip-prev", action="store_true", help="measure this code only")
    p.add_argument("--prepare-only", action="store_true", help="make the database pairs, measure nothing")
    p.add_argument("--json", type=Path, help="also write the results here")
    p.add_argument(
        "--profile", action="store_true", help="also time each figure (db.analytics.*) of the new code"
    )
    p.add_argument("--page-worker", nargs=3, metavar=("TREE", "PAGE", "RUNS"), help=argparse.SUPPRESS)
    p.add_argument("--load-worker", nargs=2, metavar=("URL", "DIR"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)

    if args.page_worker:
        tree, page, runs = args.page_worker
        sys.path.insert(0, tree)
        print(json.dumps(page_worker(Path(tree), page, int(runs), profile=args.profile)))
        return 0
    if args.load_worker:
        sys.path.insert(0, str(ROOT))
        print(json.dumps(load_worker(args.load_worker[0], Path(args.load_worker[1]))))
        return 0

    sys.path.insert(0, str(ROOT))
    args.pages = [x for x in args.pages.split(",") if x]
    ensure_worktree(args.prev_tree)
    if args.url_prev and args.url_new and len(args.url_prev) != len(args.url_new):
        p.error("--url-prev and --url-new pair up by position: give as many of each (or only one kind)")
    if args.url_prev or args.url_new:
        n = max(len(args.url_prev), len(args.url_new))
        pairs = [
            (args.url_prev[i] if args.url_prev else None, args.url_new[i] if args.url_new else None)
            for i in range(n)
        ]
    else:
        pairs = [(None, None)] * len(args.backends.split(","))
    load = os.getloadavg()
    _log(f"load average at start {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    results = []
    for (prev_url, new_url), backend in zip(pairs, args.backends.split(",") * len(pairs), strict=False):
        prev_url, new_url = prepare(args, prev_url, new_url, backend)
        if args.prepare_only:
            print(f"prepared {_safe(prev_url)} (previous code) and {_safe(new_url)} (this code)")
            continue
        results.append(measure(args, prev_url, new_url))
        if args.json:
            args.json.write_text(json.dumps(results, indent=1))
    if results:
        report(results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
