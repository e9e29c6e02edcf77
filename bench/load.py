"""Many people at once: N signed-in users on the app's real server(s), latency, errors and memory.

    python bench/load.py --database-url URL [--users 20 --editors 5 --seconds 120 --processes 1
                         --seed 1 --markdown --results FILE]

Starts `streamlit run streamlit_app.py` (DATABASE_URL=URL, ANALYTICS_DIR in a temp folder, the
file watcher off), one server per --processes against the same database, users round-robin over
them (a load balancer with sticky sessions). Users load_viewer_NN / load_editor_NN are created
(db.users), each with a signed-in session (db.sessions.create) whose token a websocket client
(bench/load_client.py, no browser) presents as the session cookie. Each server first renders every
dashboard page once (loading its analytics copy); then, for --seconds:

- viewers, every 2-5 s: open another dashboard page (50 %), click a sidebar pill or Clear (35 %),
  or open a shared link: a filter in the query string (15 %);
- editors, every 3-6 s: open the Customer 360 of a customer not edited before (their own disjoint
  set of customer IDs) and save a new risk score through the segment edit form (its number input
  and the submit button's trigger, as the browser sends them). A save fails unless the page then
  shows "Segment #N saved." and no error or warning.

One interaction = one rerun request until its last script run finished. Columns: interactions
(viewers' + editors' opens and saves), p50/p90/p99 of viewer interactions without error, p90 of
saves, errors (an exception element, a compile error, a disconnect, a timeout), failed saves, peak
RSS of the server processes and its growth (mean of the last 10 % of the run against the first
20 %), peak RSS with their children (the analytics loader), sampled every 0.5 s. Saves are then
checked in the database and the server logs (path printed) scanned for tracebacks. --results FILE
appends the run (JSON lines) and prints all runs in it.

Seed databases of N customers (`python -m db seed` migrates, then adds demo customers):

    python -m db seed --customers 100000 --url sqlite:////tmp/load_100k.db
    python -m db seed --customers 1000000 --url sqlite:////tmp/load_1m.db
    psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE load_100k' -c 'CREATE DATABASE load_1m'
    python -m db seed --customers 100000 --url postgresql+psycopg://postgres@127.0.0.1:5432/load_100k
    python -m db seed --customers 1000000 --url postgresql+psycopg://postgres@127.0.0.1:5432/load_1m

The runs of the issue (20 users, 5 of them editors, 120 s each; then two processes):

    R=/tmp/load_runs.jsonl; PG=postgresql+psycopg://postgres@127.0.0.1:5432
    python bench/load.py --database-url sqlite:////tmp/load_100k.db --results $R
    python bench/load.py --database-url sqlite:////tmp/load_1m.db --results $R
    python bench/load.py --database-url $PG/load_100k --results $R
    python bench/load.py --database-url $PG/load_1m --results $R
    python bench/load.py --database-url $PG/load_1m --processes 2 --results $R --markdown
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import random
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import load_client as lc  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from db import sessions, users  # noqa: E402
from db.access import Actor  # noqa: E402
from db.engine import make_engine  # noqa: E402
from db.models import AppUser, AuditLog, CustomerInfo, CustomerSegments  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "load-benchmark-password"  # nobody signs in with it: sessions are created directly
MAX_USERS, MAX_SECONDS = 50, 900
# (title, row key, format; "s": text, left-aligned)
COLUMNS = [c.split("/") for c in (
    "app/label/s", "database/database/s", "customers/customers/,d", "processes/processes/d", "users/users/s",
    "interactions/interactions/,d", "p50 ms/p50/,.0f", "p90 ms/p90/,.0f", "p99 ms/p99/,.0f",
    "save p90 ms/save_p90/,.0f", "errors/errors/d", "failed saves/failed_saves/d",
    "server peak MB/server_rss_mb/,.0f", "server growth %/rss_growth/+.1f",
    "peak with loader MB/peak_rss_mb/,.0f",
)]  # fmt: skip


class User:
    def __init__(self, name: str, role: str, index: int):
        self.name, self.role, self.index = name, role, index
        self.token = ""
        self.customers: list[int] = []


# --- the database ----------------------------------------------------------------------------


def _add_user(conn, actor: Actor | None, name: str, role: str) -> None:
    users.create_user(conn, actor=actor, username=name, display_name=name, email=None, role=role,
                      password=PASSWORD)  # fmt: skip


def prepare_users(engine, viewers: int, editors: int) -> list[User]:
    """The benchmark's users (created, or re-activated with their role), each with a new signed-in
    session; editors first, so round-robin spreads them over the processes."""
    people = [User(f"load_editor_{i + 1:02d}", "editor", i) for i in range(editors)]
    people += [User(f"load_viewer_{i + 1:02d}", "viewer", editors + i) for i in range(viewers)]
    t = AppUser.__table__
    with engine.connect() as conn:
        if not users.has_any_user(conn):
            _add_user(conn, None, "load_admin", "admin")
        admin = conn.execute(select(t.c.username).where(t.c.role == "admin", t.c.is_active.is_(True)))
        admin = Actor(username=admin.scalars().first(), role="admin")
        existing = set(conn.execute(select(t.c.username)).scalars())
        for u in people:
            if u.name not in existing:
                _add_user(conn, admin, u.name, u.role)
            users.set_role(conn, actor=admin, username=u.name, role=u.role)  # no-ops when so already
            users.set_active(conn, actor=admin, username=u.name, active=True)
            _, u.token = sessions.create(conn, username=u.name)
        conn.commit()
    return people


def editor_customers(engine, editors: list[User], per_editor: int, rng: random.Random) -> None:
    """Disjoint random sets of customers that have a segment row, one per editor."""
    seg = CustomerSegments.__table__
    with engine.connect() as conn:
        lo, hi = conn.execute(select(func.min(seg.c.Customer_ID), func.max(seg.c.Customer_ID))).one()
        need = per_editor * len(editors)
        candidates = rng.sample(range(lo, hi + 1), min(hi - lo + 1, need * 3))
        found: set[int] = set()
        for i in range(0, len(candidates), 1000):
            having = select(seg.c.Customer_ID).where(seg.c.Customer_ID.in_(candidates[i : i + 1000]))
            found.update(conn.execute(having).scalars())
    chosen = [c for c in candidates if c in found][:need]
    for i, u in enumerate(editors):
        u.customers = chosen[i :: len(editors)]


def count(engine, table, *where) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one()


def verify_saves(engine, saves: list[lc.Record]) -> list[str]:
    """The saves reported as done whose risk score is not in the database (each segment is saved once)."""
    seg = CustomerSegments.__table__
    wrong = []
    with engine.connect() as conn:
        for segment_id, value in (r.segment for r in saves):
            stored = conn.execute(select(seg.c.Risk_Score).where(seg.c.Segment_ID == segment_id)).scalar()
            if stored is None or abs(float(stored) - value) >= 0.005:
                wrong.append(f"segment {segment_id}: sent {value}, database has {stored}")
    return wrong


# --- the servers -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(url: str, port: int, analytics: Path, log: Path, watcher: str, app: Path):
    env = {**os.environ, "DATABASE_URL": url, "ANALYTICS_DIR": str(analytics)}
    env.update(DEMO_CUSTOMERS="0", PYTHONUNBUFFERED="1")
    cmd = [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.headless", "true"]
    cmd += ["--server.port", str(port), "--server.address", "127.0.0.1"]
    cmd += ["--server.fileWatcherType", watcher, "--browser.gatherUsageStats", "false"]
    with log.open("w") as out:
        return subprocess.Popen(cmd, cwd=app, env=env, stdout=out, stderr=out, start_new_session=True)


def wait_healthy(proc: subprocess.Popen, port: int, timeout: float = 120) -> None:
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server on port {port} exited with {proc.returncode}: see its log")
        with contextlib.suppress(OSError), urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
            if r.read().strip() == b"ok":
                return
        time.sleep(0.3)
    raise SystemExit(f"the server on port {port} did not answer /_stcore/health within {timeout:.0f} s")


def stop_server(proc: subprocess.Popen) -> None:
    """SIGTERM to the server's own process group (it was started as its leader), then SIGKILL."""
    try:  # start_new_session: the group id is the server's pid
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    except ProcessLookupError:
        pass


def tracebacks(logs: list[Path]) -> list[str]:
    """The last line of each traceback in the logs (the exception) with its log's name, counted."""
    found = []
    for log in logs:
        lines = log.read_text(errors="replace").splitlines()
        for i, line in enumerate(lines):
            if line.startswith("Traceback (most recent call last)"):
                rest = (ln for ln in lines[i + 1 :] if ln and not ln.startswith(" "))
                found.append(f"{log.name}: {next(rest, '?')}")
    return [f"{n} x {line}" for line, n in Counter(found).most_common()]


# --- memory ----------------------------------------------------------------------------------


def _rss_kib(pid: int) -> int:
    with contextlib.suppress(OSError):
        status = Path(f"/proc/{pid}/status").read_text()
        return sum(int(ln.split()[1]) for ln in status.splitlines() if ln.startswith("VmRSS:"))
    return 0


def _tree_rss_kib(roots: list[int]) -> int:
    """VmRSS of the processes and all their descendants (the analytics loader's child)."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    total, todo = 0, list(roots)
    while todo:
        pid = todo.pop()
        todo += parents.get(pid, [])
        total += _rss_kib(pid)
    return total


class RssSampler(threading.Thread):
    def __init__(self, pids: list[int], every: float = 0.5):
        super().__init__(daemon=True)
        self.pids, self.every = pids, every
        # (monotonic, MB of the servers with their children, MB of the server processes alone)
        self.samples: list[tuple[float, float, float]] = []
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            own = sum(_rss_kib(pid) for pid in self.pids) / 1024
            self.samples.append((time.monotonic(), _tree_rss_kib(self.pids) / 1024, own))
            self.done.wait(self.every)

    def growth(self, start: float, end: float) -> tuple[float, float, float]:
        """(peak MB with children, peak MB of the servers, growth % of the servers alone): the mean
        of the last 10 % of [start, end] against the first 20 %."""
        span = end - start
        first = [own for t, _, own in self.samples if start <= t <= start + 0.2 * span]
        last = [own for t, _, own in self.samples if end - 0.1 * span <= t <= end]
        peak = max((tree for _, tree, _ in self.samples), default=0.0)
        peak_own = max((own for _, _, own in self.samples), default=0.0)
        if not first or not last:
            return peak, peak_own, float("nan")
        base = sum(first) / len(first)
        return peak, peak_own, (sum(last) / len(last) - base) / base * 100

    def timeline(self, start: float, end: float, parts: int = 10) -> list[int]:
        """The servers' mean MB in each tenth of [start, end]."""
        step = (end - start) / parts
        out = []
        for i in range(parts):
            part = [own for t, _, own in self.samples if start + i * step <= t < start + (i + 1) * step]
            out.append(round(sum(part) / len(part)) if part else 0)
        return out


# --- the run ---------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    v = sorted(values)
    k = (len(v) - 1) * q / 100
    lo, hi = math.floor(k), math.ceil(k)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


def summarize(records: list[lc.Record], people: list[User]) -> dict:
    acts = [r for r in records if r.kind not in ("connect", "disconnect")]
    views = [r.ms for r in acts if r.role == "viewer" and not r.error]
    saves = [r for r in acts if r.kind == "save"]
    opens = [r for r in acts if r.kind == "open"]
    charted = [r.charts for r in acts if r.role == "viewer" and r.page != "Customer list" and not r.error]
    editors = sum(u.role == "editor" for u in people)
    return {
        "users": f"{len(people) - editors}+{editors}",
        "interactions": len(acts),
        **{f"p{q}": percentile(views, q) for q in (50, 90, 99)},
        "save_p90": percentile([r.ms for r in saves if r.segment and not r.error], 90),  # those sent
        "errors": sum(r.error is not None for r in records),
        "failed_saves": sum(not r.saved for r in saves) + sum(r.error is not None for r in opens),
        "saves": len(saves),
        "kinds": {
            k: f"{n} (p50 {percentile([r.ms for r in records if r.kind == k], 50):,.0f} ms)"
            for k, n in Counter(r.kind for r in records).items()
        },
        "connect_p90": percentile([r.ms for r in records if r.kind == "connect" and not r.error], 90),
        "open_p90": percentile([r.ms for r in opens if not r.error], 90),
        "charts_per_dashboard_view": sum(charted) / len(charted) if charted else 0.0,
        "views_during_reload": sum(r.freshness.startswith("Refreshing") for r in records),
        "copies_seen": len({r.freshness for r in records if r.freshness.startswith("Data as of")}),
        "warnings": sorted({w[:160] for r in records for w in r.warnings}),
        "error_details": [f"{r.user} {r.kind} {r.page}: {r.error}" for r in records if r.error][:30],
        "failed_save_details": [f"{r.user}: {r.detail}" for r in saves if not r.saved][:30],
    }


# --- the table -------------------------------------------------------------------------------


def _cell(row: dict, key: str, fmt: str) -> str:
    value = row.get(key)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return format(value, fmt) if fmt != "s" else str(value)


def print_table(rows: list[dict], markdown: bool) -> None:
    cells = [[t for t, _, _ in COLUMNS]] + [[_cell(r, key, fmt) for _, key, fmt in COLUMNS] for r in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(COLUMNS))]
    pads = [str.ljust if fmt == "s" else str.rjust for _, _, fmt in COLUMNS]
    lines = [[pad(c, w) for c, w, pad in zip(line, widths, pads, strict=True)] for line in cells]
    if markdown:  # the same padded cells, with a rule that right-aligns the numbers
        rule = ["-" * (w - 1) + ("-" if c[2] == "s" else ":") for w, c in zip(widths, COLUMNS, strict=True)]
        lines.insert(1, rule)
    for line in lines:
        print("| " + " | ".join(line) + " |" if markdown else "  ".join(line))


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--database-url", required=True, help="a seeded database (python -m db seed)")
    p.add_argument("--users", type=int, default=20, help=f"simulated users, at most {MAX_USERS}")
    p.add_argument("--editors", type=int, default=5, help="how many of them are editors")
    p.add_argument("--seconds", type=float, default=120, help=f"measured time, at most {MAX_SECONDS}")
    p.add_argument("--processes", type=int, default=1, help="app servers (users round-robin)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    p.add_argument("--results", type=Path, help="append this run (JSON lines); print every run in it")
    p.add_argument("--timeout", type=float, default=180, help="seconds a request may take")
    p.add_argument("--file-watcher", default="none", help="server.fileWatcherType of the servers")
    p.add_argument("--app-dir", type=Path, default=ROOT, help="the checkout whose app to serve")
    p.add_argument("--label", default="this checkout", help="names the app version in the table")
    args = p.parse_args(argv)
    if not 1 <= args.users <= MAX_USERS or not 0 <= args.editors <= args.users:
        p.error(f"--users: 1 to {MAX_USERS}; --editors: 0 to --users")
    if not 1 <= args.seconds <= MAX_SECONDS or not 1 <= args.processes <= 8:
        p.error(f"--seconds: 1 to {MAX_SECONDS}; --processes: 1 to 8")
    return args


def measure(args, engine, people: list[User], work: Path) -> dict:
    """Start the servers, warm them up, run the users, stop the servers; the run's figures."""
    ports = [free_port() for _ in range(args.processes)]
    logs = [work / f"server-{port}.log" for port in ports]
    procs = [start_server(args.database_url, p, work / "analytics", log, args.file_watcher, args.app_dir)
             for p, log in zip(ports, logs, strict=True)]  # fmt: skip
    sampler = RssSampler([p.pid for p in procs])
    sampler.start()
    try:
        for proc, port in zip(procs, ports, strict=True):
            wait_healthy(proc, port)
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        warm_token = people[-1].token if people[-1].role == "viewer" else people[0].token
        started = time.monotonic()
        for url in urls:
            for problem in asyncio.run(lc.warm_up(url, warm_token)):
                _log(problem)
        _log(f"servers warm after {time.monotonic() - started:.1f} s; users start")
        cpu = resource.getrusage(resource.RUSAGE_SELF)
        records, t0, t1 = asyncio.run(lc.run_users(people, urls, args))
        cpu_end = resource.getrusage(resource.RUSAGE_SELF)
    finally:
        sampler.done.set()
        for proc in procs:
            stop_server(proc)
    peak, peak_server, growth = sampler.growth(t0, t1)
    row = summarize(records, people)
    row.update(peak_rss_mb=peak, server_rss_mb=peak_server, rss_growth=growth)
    row["server_mb_by_tenth"] = sampler.timeline(t0, t1)
    row.update(wall_s=t1 - t0, logs=[str(p) for p in logs])
    row["client_cpu_s"] = cpu_end.ru_utime + cpu_end.ru_stime - cpu.ru_utime - cpu.ru_stime
    row["tracebacks"] = tracebacks(logs)
    row["_saves"] = [r for r in records if r.kind == "save" and r.saved]
    return row


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    engine = make_engine(args.database_url)
    people = prepare_users(engine, args.users - args.editors, args.editors)
    editors = [u for u in people if u.role == "editor"]
    if editors:
        editor_customers(engine, editors, math.ceil(args.seconds / 3) + 5, random.Random(args.seed))
    audit = AuditLog.__table__
    with engine.connect() as conn:
        audit_start = conn.execute(select(func.max(audit.c.id))).scalar() or 0
    work = Path(tempfile.mkdtemp(prefix="load_"))
    _log(f"server logs and the analytics copies: {work}")
    load = os.getloadavg()
    row = measure(args, engine, people, work)
    shutil.rmtree(work / "analytics", ignore_errors=True)
    saves = row.pop("_saves")
    wrong = verify_saves(engine, saves)
    mine = audit.c.username.in_([u.name for u in editors])
    row.update(database=make_url(args.database_url).get_backend_name(), processes=args.processes)
    row.update(label=args.label)
    row.update(customers=count(engine, CustomerInfo.__table__), seconds=args.seconds, seed=args.seed)
    row.update(saves_done=len(saves), saves_verified=len(saves) - len(wrong), saves_wrong=wrong)
    row.update(audit_rows=count(engine, audit, audit.c.id > audit_start, mine))
    row.update(load_before=load, load_after=os.getloadavg())
    rows = [row]
    if args.results:
        with args.results.open("a") as fh:
            fh.write(json.dumps(row, default=str) + "\n")
        rows = [json.loads(line) for line in args.results.read_text().splitlines() if line.strip()]
    report(row)
    print_table(rows, args.markdown)
    return 1 if row["errors"] or row["failed_saves"] else 0


def report(row: dict) -> None:
    r = row
    _log(f"server logs: {', '.join(r['logs'])}\ninteractions: {r['kinds']}")
    _log(f"saves: {r['saves']} tried, {r['saves_done']} showed the success message, {r['saves_verified']}"
         f" verified in the database ({r['audit_rows']} audit rows by the editors)")  # fmt: skip
    _log(f"analytics copy: {r['copies_seen']} different 'Data as of' times seen, "
         f"{r['views_during_reload']} views while it reloaded")  # fmt: skip
    _log(f"server MB by tenth of the run: {r['server_mb_by_tenth']}")
    _log(f"charts per dashboard view {r['charts_per_dashboard_view']:.1f}; p90 ms: connect "
         f"{r['connect_p90']:,.0f}, open customer {r['open_p90']:,.0f}; client CPU "
         f"{r['client_cpu_s']:.1f} s; load average {r['load_before'][0]:.1f} -> "
         f"{r['load_after'][0]:.1f}")  # fmt: skip
    lists = {"errors": "error_details", "failed saves": "failed_save_details", "warnings shown": "warnings"}
    lists.update({"tracebacks in the server logs": "tracebacks", "not in the database": "saves_wrong"})
    for title, key in lists.items():
        if r[key]:
            _log(f"{title}:\n  " + "\n  ".join(r[key][:20]))


if __name__ == "__main__":
    sys.exit(main())
