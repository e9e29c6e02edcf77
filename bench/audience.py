"""Time building and previewing audiences on a big database (a script, not a test).

    python -m db seed --customers 1000000 --url sqlite:////tmp/aud1m.db
    python bench/audience.py --url sqlite:////tmp/aud1m.db
    python bench/audience.py --url postgresql+psycopg://...  --export   # also time one full export

"Preview" is what the audience page computes on every change of the definition: the funnel
(audience size, suppression reasons, reachable per channel, assignment) in one aggregate query.
Timed cold (first call on a fresh engine) and warm (median of --repeat calls). Prints a markdown
table; the budget is 2 s per preview.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from db import audiences as A  # noqa: E402
from db.audiences import AudienceDefinition  # noqa: E402
from db.current_segment import ensure_fresh  # noqa: E402
from db.engine import make_engine  # noqa: E402
from db.filters import CustomerFilter  # noqa: E402

BUDGET_S = 2.0
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
    parser.add_argument("--export", action="store_true", help="also time the full export of the largest list")
    args = parser.parse_args()

    engine = make_engine(args.url)
    ensure_fresh(engine)
    engine.dispose()
    engine = make_engine(args.url)
    with engine.connect() as conn:
        total = A.count(conn, AudienceDefinition())
    print(f"{engine.dialect.name}, {total:,} customers\n")
    print("| audience | customers | reachable | preview cold ms | preview warm ms | within 2 s |")
    print("|---|---:|---:|---:|---:|:---:|")
    worst = 0.0
    for name, d in CASES.items():
        with engine.connect() as conn:
            cold, warm, counts = _timed(lambda d=d, conn=conn: A.funnel(conn, d), args.repeat)
        preview = max(cold, warm)
        worst = max(worst, preview)
        print(
            f"| {name} | {counts['audience']:,} | {counts['reachable']:,} | {cold * 1000:,.0f} | "
            f"{warm * 1000:,.0f} | {'yes' if preview <= BUDGET_S else 'NO'} |"
        )
    print(f"\nslowest preview: {worst * 1000:,.0f} ms (budget {BUDGET_S * 1000:,.0f} ms)")
    if args.export:
        d = CASES["everyone"]
        with engine.connect() as conn:
            counts = A.funnel(conn, d)
            channel = max(counts["assigned"], key=counts["assigned"].get)
            start = time.perf_counter()
            rows = sum(len(c) for c in A.channel_rows(conn, d, channel))
            took = time.perf_counter() - start
        print(f"export of the {channel} list of everyone: {rows:,} rows in {took:,.1f} s")
    engine.dispose()


if __name__ == "__main__":
    main()
