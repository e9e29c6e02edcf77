"""Time the five dashboard pages under Streamlit's AppTest on a big database (a script, not a test).

    python bench/pages.py                                  # seed 1,000,000 customers into a temp SQLite file
    python bench/pages.py --url sqlite:////tmp/big.db      # reuse seeded databases (repeatable)
    python bench/pages.py --url sqlite:////tmp/big.db \\
        --url postgresql+psycopg://postgres@127.0.0.1:5432/bench_pages
    python bench/pages.py --url ... --pages churn,segments --no-naive
    BENCH_VERBOSE=1 python bench/pages.py ...              # also the slowest statements per page

Per database and page, one subprocess (so that its peak memory is the page's alone) renders the
page as a viewer would, server side, with AppTest:

- prime: a render that matches no customer and one without filter, as a server that has
  served pages before (imports, engine, first connection, the lazy first uses of pandas and
  Plotly; AppTest's scan of installed components, which a server does once at start, is kept
  for the process), then
- cold: `st.cache_data.clear()`, render without filter again (every cached read runs, as after
  a write or when the cache's TTL ran out); median of COLD_RUNS such renders,
- filtered: render with a new filter (--filter, default states=Maharashtra + categories=VIP):
  cold for those values,
- warm: the same filter again (every read from the cache), median of COLD_RUNS renders,
- raw SQL: every SELECT the cold and the filtered render sent to the database, replayed on a new
  DBAPI connection (execute + fetchall, no SQLAlchemy, pandas or Streamlit), median of 3,
- peak MB: the process's peak RSS during the cold and filtered renders above its RSS before
  them (Linux /proc/self/clear_refs), and the absolute peak RSS of the process.

The naive approach ("naive s", "naive MB") runs in its own subprocess: read the tables the page
needs with pandas.read_sql and compute the same figures in pandas (no filter), as a plain
pandas dashboard would.

Prints a markdown table: page x database x cold / filtered / warm / raw-SQL / naive / memory.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qsl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sql_record import Recorder, statement_ms  # noqa: E402  (bench/, the script's folder)

PAGES = ("overview", "demographics", "segments", "churn", "consent")
DEFAULT_FILTER = "states=Maharashtra&categories=VIP"
COLD_RUNS = 5
NOTHING = {"cities": "Atlantis"}
# current_segment without its copies of Customer_Info columns (the naive approach joins those)
CURRENT = ("Customer_ID", "Segment_ID", "Segment_Name", "Segment_Category", "Lifetime_Value", "Risk_Score")
CURRENT = (*CURRENT, "Engagement_Level")


# --- memory -------------------------------------------------------------------------------


def _status_kib(key: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")  # resets VmHWM to the current RSS
        return True
    except OSError:
        return False


# --- worker: one page under AppTest ---------------------------------------------------------


def _slowest(url: str, statements, top: int = 6) -> list[tuple[float, str]]:
    """The `top` slowest statements (ms, first 160 characters), one run each."""
    times = _replayed(url, statements, repeat=1)[0]
    texts = [" ".join(statement.split())[:160] for statement, _ in statements]
    return sorted(zip(times, texts, strict=True), reverse=True)[:top]


def _replay_ms(url: str, statements, repeat: int = 3) -> float:
    """Median ms of executing and fetching `statements` on a new DBAPI connection."""
    return statistics.median(sum(run) for run in _replayed(url, statements, repeat))


def _replayed(url: str, statements, repeat: int) -> list[list[float]]:
    from db.engine import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            runs = [statement_ms(conn, statements) for _ in range(repeat)]
            conn.rollback()
    finally:
        engine.dispose()
    return runs


def _render(page: str, params: dict[str, str]) -> float:
    from streamlit.testing.v1 import AppTest

    from dashboard import auth
    from db.access import Actor

    at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=600)
    at.session_state[auth.SESSION_KEY] = auth.session_for(Actor("bench", "viewer"))
    for k, v in params.items():
        at.query_params[k] = v
    t = time.perf_counter()
    at.run()
    ms = (time.perf_counter() - t) * 1000
    if at.exception:
        raise RuntimeError(f"{page}: {[e.message for e in at.exception]}")
    if not at.get("plotly_chart") and params is not NOTHING:
        raise RuntimeError(f"{page} {params}: no chart rendered")
    return ms


def _scan_components_once() -> None:
    """Every new AppTest scans all installed packages for Streamlit components (0.2-0.7 s here);
    a server does it once at start. Scan once per process, so that renders measure the page."""
    import functools

    from streamlit.components.v2 import manifest_scanner

    manifest_scanner.scan_component_manifests = functools.cache(manifest_scanner.scan_component_manifests)


def worker(url: str, page: str, filter_params: dict[str, str]) -> dict:
    os.environ["DATABASE_URL"] = url
    os.environ["DEMO_CUSTOMERS"] = "0"
    import streamlit as st

    _scan_components_once()

    from sqlalchemy.engine import Engine

    recorder = Recorder(Engine)
    _render(page, NOTHING)  # imports, engine, first connection
    _render(page, {})  # the lazy first uses of pandas and Plotly on real rows
    st.cache_data.clear()
    rss_before = _status_kib("VmRSS")
    peak_reset = _reset_peak()

    recorder.on = True
    colds = [_render(page, {})]
    cold_sql = list(recorder.statements)
    recorder.on = False
    for _ in range(COLD_RUNS - 1):
        st.cache_data.clear()
        colds.append(_render(page, {}))
    recorder.statements.clear()
    recorder.on = True
    filtered = _render(page, filter_params)
    filtered_sql = list(recorder.statements)
    recorder.on = False
    peak = _status_kib("VmHWM")
    warm = statistics.median(_render(page, filter_params) for _ in range(COLD_RUNS))

    return {
        "cold_ms": statistics.median(colds),
        "filtered_ms": filtered,
        "warm_ms": warm,
        "raw_ms": _replay_ms(url, cold_sql),
        "raw_filtered_ms": _replay_ms(url, filtered_sql),
        "statements": len(cold_sql),
        "slowest": _slowest(url, cold_sql) if os.environ.get("BENCH_VERBOSE") else [],
        "slowest_filtered": _slowest(url, filtered_sql) if os.environ.get("BENCH_VERBOSE") else [],
        "peak_delta_mb": (peak - rss_before) / 1024 if peak_reset else None,
        "peak_mb": peak / 1024,
    }


# --- naive: the tables in pandas -------------------------------------------------------------


def _read(engine, table: str, columns: tuple[str, ...] | None = None):
    import pandas as pd

    q = engine.dialect.identifier_preparer.quote
    cols = "*" if columns is None else ", ".join(q(c) for c in columns)
    with engine.connect() as conn:
        return pd.read_sql(f"SELECT {cols} FROM {q(table)}", conn)  # noqa: S608 (names, no values)


def _naive_overview(engine) -> None:
    import pandas as pd

    ci = _read(engine, "Customer_Info")
    cur = _read(engine, "current_segment", CURRENT)
    ci["Join_Date"] = pd.to_datetime(ci["Join_Date"])
    ci["Account_Status"].value_counts()
    ci.groupby(ci["Join_Date"].dt.to_period("M")).size()
    m = ci[["Customer_ID"]].merge(cur, on="Customer_ID")
    ltv, risk = m["Lifetime_Value"].astype(float), m["Risk_Score"].astype(float)
    (ltv.sum(), risk.mean(), (risk >= 70).sum(), (ltv * risk / 100).sum())


def _naive_demographics(engine) -> None:
    import pandas as pd

    ci = _read(engine, "Customer_Info")
    bands = pd.cut(ci["Age"], [17, 24, 34, 44, 54, 64, 200])
    ci.groupby([bands, ci["Gender"]], observed=False).size()
    ci["Gender"].value_counts()
    ci["State"].value_counts().head(15)
    ci.groupby(["State", "City"]).size().nlargest(20)
    ci.loc[ci["Country"] != "India", "Country"].value_counts()
    pd.to_datetime(ci["Join_Date"]).dt.year.value_counts()
    points = ci["Loyalty_Points"].dropna()
    p99 = points.quantile(0.99)
    pd.cut(points.clip(upper=p99), 20).value_counts()


def _naive_segments(engine) -> None:
    import numpy as np
    import pandas as pd

    ci = _read(engine, "Customer_Info")
    seg = _read(engine, "Customer_Segments")
    cur = _read(engine, "current_segment", CURRENT)
    seg = seg[seg["Customer_ID"].isin(ci["Customer_ID"])]
    seg["Lifetime_Value"] = seg["Lifetime_Value"].astype(float)
    seg.groupby("Segment_Category")["Lifetime_Value"].agg(["count", "sum", "mean", "median"])
    for _, g in seg.groupby("Segment_Category")["Lifetime_Value"]:
        np.histogram(g.clip(upper=g.quantile(0.99)), bins=30)
    seg.groupby(["Segment_Category", "Segment_Name"])["Lifetime_Value"].agg(["count", "sum"])
    cur.groupby(["Segment_Category", "Engagement_Level"]).size()
    v = np.sort(cur["Lifetime_Value"].astype(float).to_numpy())[::-1]
    share = np.cumsum(v) / v.sum()
    pd.Series(share[np.linspace(0, len(v) - 1, 101).astype(int)])


def _naive_churn(engine) -> None:
    import pandas as pd

    ci = _read(engine, "Customer_Info")
    cur = _read(engine, "current_segment", CURRENT)
    m = ci.merge(cur, on="Customer_ID")
    risk = m["Risk_Score"].astype(float)
    ltv = m["Lifetime_Value"].astype(float)
    m["var"] = ltv * risk / 100
    (risk // 5).value_counts()
    m.groupby(["Segment_Category", "Engagement_Level"])["Risk_Score"].agg(["mean", "count"])
    m.groupby("Segment_Category")["var"].agg(["sum", "count"])
    m.groupby("State")["var"].agg(["sum", "count"]).nlargest(15, "sum")
    days = (pd.Timestamp.now() - pd.to_datetime(m["Last_Login"])).dt.days
    m.groupby(pd.cut(days, [-1e9, 30, 60, 90, 180, 365, 1e9]), observed=False)["Risk_Score"].agg(
        ["mean", "count"]
    )
    m.groupby(
        [pd.cut(ltv, [-1, 1e4, 2.5e4, 5e4, 1e5, 2.5e5, 5e5, 1e6, 1e12]), (risk // 10).clip(0, 9)],
        observed=False,
    ).size()
    m[risk >= 70].nlargest(100, "var")[["Customer_ID", "Customer_Name", "City", "State", "var"]]


def _naive_consent(engine) -> None:
    ci = _read(engine, "Customer_Info", ("Customer_ID", "Account_Status"))
    p = _read(engine, "Customer_Preferences")
    p["Communication_Channel"].value_counts()
    p.groupby("Communication_Channel")[
        ["Notification_Enabled", "Marketing_Consent", "Newsletter_Subscription"]
    ].mean()
    p["Preferred_Language"].value_counts()
    p["Time_Zone"].value_counts()
    m = p.merge(ci, on="Customer_ID")
    ok = m[
        (m["Notification_Enabled"] == 1) & (m["Marketing_Consent"] == 1) & (m["Account_Status"] == "Active")
    ]
    ok.groupby("Communication_Channel")["Customer_ID"].nunique()


def naive(url: str, page: str) -> dict:
    from db.engine import make_engine

    engine = make_engine(url)
    rss_before = _status_kib("VmRSS")
    t = time.perf_counter()
    globals()[f"_naive_{page}"](engine)
    seconds = time.perf_counter() - t
    engine.dispose()
    return {"naive_s": seconds, "naive_peak_mb": (_status_kib("VmHWM") - rss_before) / 1024}


# --- driver ---------------------------------------------------------------------------------


def _subprocess(args: list[str]) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, cwd=ROOT, check=False
    )
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _seed(customers: int) -> str:
    path = Path(tempfile.mkdtemp(prefix="bench_pages_")) / "bench.db"
    url = f"sqlite:///{path}"
    t = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "db", "seed", "--customers", str(customers), "--url", url],
        cwd=ROOT,
        check=True,
    )
    print(f"seeded {customers:,} customers into {path} in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    return url


def _backend(url: str) -> str:
    return url.split(":", 1)[0].split("+", 1)[0]


def _customers(url: str) -> int:
    from db.engine import make_engine

    engine = make_engine(url)
    with engine.connect() as conn:
        n = conn.exec_driver_sql('SELECT count(*) FROM "Customer_Info"').scalar()
    engine.dispose()
    return n


def _fmt(value, digits=0) -> str:
    return "n/a" if value is None else f"{value:,.{digits}f}"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", action="append", help="a seeded database (repeat for several)")
    p.add_argument("--customers", type=int, default=1_000_000, help="customers to seed without --url")
    p.add_argument("--pages", default=",".join(PAGES))
    p.add_argument("--filter", default=DEFAULT_FILTER, help="the 'filtered' render's query params")
    p.add_argument("--no-naive", action="store_true", help="skip the naive pandas approach")
    p.add_argument("--worker", nargs=2, metavar=("URL", "PAGE"), help=argparse.SUPPRESS)
    p.add_argument("--naive-worker", nargs=2, metavar=("URL", "PAGE"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)

    if args.worker:
        print(json.dumps(worker(*args.worker, dict(parse_qsl(args.filter)))))
        return 0
    if args.naive_worker:
        print(json.dumps(naive(*args.naive_worker)))
        return 0

    urls = args.url or [_seed(args.customers)]
    load = os.getloadavg()
    print(f"filtered = {args.filter}; load average at start {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}\n")
    print(
        "| page | database | customers | cold s | filtered s | warm s | raw SQL s (cold / filtered) "
        "| cold / raw | peak MB (render / process) | naive s | naive MB |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for url in urls:
        n = _customers(url)
        for page in args.pages.split(","):
            try:
                r = _subprocess(["--filter", args.filter, "--worker", url, page])
                if not args.no_naive:
                    r.update(_subprocess(["--naive-worker", url, page]))
            except RuntimeError as exc:
                print(f"| {page} | {_backend(url)} | {n:,} | failed: see stderr |")
                print(exc, file=sys.stderr)
                continue
            ratio = r["cold_ms"] / r["raw_ms"] if r["raw_ms"] else None
            print(
                f"| {page} | {_backend(url)} | {n:,} | {r['cold_ms'] / 1000:.2f} "
                f"| {r['filtered_ms'] / 1000:.2f} "
                f"| {r['warm_ms'] / 1000:.3f} | {r['raw_ms'] / 1000:.2f} / {r['raw_filtered_ms'] / 1000:.2f} "
                f"| {_fmt(ratio, 2)} | {_fmt(r['peak_delta_mb'])} / {_fmt(r['peak_mb'])} "
                f"| {_fmt(r.get('naive_s'), 1)} | {_fmt(r.get('naive_peak_mb'))} |"
            )
            for render in ("slowest", "slowest_filtered"):
                if r.get(render):
                    print(f"{page} {_backend(url)} {render.replace('_', ' ')}:", file=sys.stderr)
                for ms, sql in r.get(render, []):
                    print(f"    {ms:7.0f} ms  {sql}", file=sys.stderr)
            sys.stdout.flush()
    load = os.getloadavg()
    print(f"\nload average at end {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
