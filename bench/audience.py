"""Time the audience preview on a big database (a script, not a test).

    python -m db seed --customers 1000000 --url sqlite:////tmp/aud1m.db
    python bench/audience.py --url sqlite:////tmp/aud1m.db
    python bench/audience.py --url postgresql+psycopg://... --analytics-dir /tmp/bench_pages/analytics/x

"Preview" is what the audience page computes on every change of the definition: the funnel
(audience size, suppression reasons, reachable per channel, assignment). It is computed on the
analytics copy (db.analytics.audience.funnel; the copy is loaded first, or adopted from
--analytics-dir when a process that has ended left one there) or, with code that still has it,
by db.audiences.funnel on the database. Timed cold (first call of each definition) and warm
(median of --repeat calls). Prints a markdown table; the budget is 0.3 s per preview at 1M.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from db.audiences import AudienceDefinition  # noqa: E402
from db.engine import make_engine  # noqa: E402
from db.filters import CustomerFilter  # noqa: E402

BUDGET_S = 0.3
CASES = {
    "everyone": AudienceDefinition(),
    "VIP, Maharashtra, High risk": AudienceDefinition(
        filter=CustomerFilter(states=("Maharashtra",), categories=("VIP",), risk_bands=("High",))
    ),
    "High+Medium risk, LTV >= 50K": AudienceDefinition(
        filter=CustomerFilter(risk_bands=("High", "Medium")), ltv_min=50_000
    ),
    "idle 90+ days, 500+ points, Push first": AudienceDefinition(
        login_days_min=90, points_min=500, priority=("Push", "SMS", "Email", "Phone")
    ),
    "Active, value at risk 10K-1L": AudienceDefinition(
        filter=CustomerFilter(statuses=("Active",)), var_min=10_000, var_max=100_000
    ),
}


@contextmanager
def _preview(url: str, analytics_dir: str | None):
    """(how, funnel(d)): on the analytics copy when this code has one, else on the database."""
    engine = make_engine(url)
    try:
        from db.analytics import audience
        from db.analytics.store import AnalyticsStore
    except ImportError:
        from db import audiences

        def on_database(d):
            with engine.connect() as conn:
                return audiences.funnel(conn, d)

        yield "db.audiences.funnel on the database", on_database
        engine.dispose()
        return
    with tempfile.TemporaryDirectory(prefix="bench_audience_") as tmp:
        store = AnalyticsStore(engine, directory=Path(analytics_dir or tmp), refresh_seconds=1e12)
        start = time.perf_counter()
        adopted = store.status().version > 0
        if not adopted:
            store.load()
        how = "adopted copy" if adopted else f"copy loaded in {time.perf_counter() - start:.1f} s"

        def on_copy(d):
            with store.reader() as con:
                return audience.funnel(con, d)

        try:
            yield f"db.analytics.audience.funnel on the analytics copy ({how})", on_copy
        finally:
            store.close()
            engine.dispose()


def _timed(fn, repeat: int) -> tuple[float, float, object]:
    start = time.perf_counter()
    result = fn()
    cold = time.perf_counter() - start
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return cold, statistics.median(runs) if runs else cold, result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", required=True)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--analytics-dir", help="adopt (or leave) the analytics copy here")
    args = parser.parse_args()

    with _preview(args.url, args.analytics_dir) as (how, funnel):
        print(f"{make_engine(args.url).dialect.name}; {how}\n")
        print("| audience | customers | reachable | preview cold ms | preview warm ms | within 0.3 s |")
        print("|---|---:|---:|---:|---:|:---:|")
        worst = 0.0
        for name, d in CASES.items():
            cold, warm, counts = _timed(lambda d=d: funnel(d), args.repeat)
            preview = max(cold, warm)
            worst = max(worst, preview)
            print(
                f"| {name} | {counts['audience']:,} | {counts['reachable']:,} | {cold * 1000:,.0f} | "
                f"{warm * 1000:,.0f} | {'✓' if preview <= BUDGET_S else '✗'} |"
            )
    print(f"\nslowest preview: {worst * 1000:,.0f} ms (budget {BUDGET_S * 1000:,.0f} ms)")


if __name__ == "__main__":
    main()
