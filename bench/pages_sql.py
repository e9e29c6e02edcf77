"""Time the analytics queries of each dashboard page on a big database (a script, not a test).

    python bench/pages_sql.py                        # seed 1,000,000 customers into a temp SQLite file
    python bench/pages_sql.py --customers 200000
    python bench/pages_sql.py --url sqlite:////tmp/big.db          # reuse a seeded database
    python bench/pages_sql.py --url postgresql+psycopg://...  --filter "states=Maharashtra&risk_bands=High"
    python bench/pages_sql.py --url ... --with-proposed-indexes   # add the proposed indexes first

Each db.analytics function is called through a fresh engine: "cold" is its first call on that
engine (the database's own page cache is empty; the OS file cache may be warm), "warm" the median
of the next --repeat calls, "raw SQL" the median of --repeat runs of just the statements the
function sent (DBAPI execute + fetchall, no SQLAlchemy or pandas). Prints a markdown table
page x function x ms with page totals.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qsl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sql_record import Recorder, statement_ms  # noqa: E402  (bench/, the script's folder)
from sqlalchemy import inspect, text  # noqa: E402

from db.analytics import churn, consent, demographics, overview, value  # noqa: E402
from db.current_segment import ensure_fresh  # noqa: E402
from db.engine import make_engine  # noqa: E402
from db.filters import CustomerFilter  # noqa: E402
from db.migrate import upgrade  # noqa: E402

PAGES = {
    "overview": [overview.kpis, overview.new_per_month, overview.status_mix],
    "demographics": [
        demographics.age_gender,
        demographics.gender_mix,
        demographics.by_state,
        demographics.by_city,
        demographics.abroad,
        demographics.join_cohorts,
        demographics.loyalty_distribution,
    ],
    "segments": [
        value.by_category,
        value.distribution,
        value.category_tree,
        value.engagement_by_category,
        value.pareto,
        value.top_shares,
    ],
    "churn": [
        churn.risk_distribution,
        churn.risk_heatmap,
        churn.value_at_risk_by_category,
        churn.value_at_risk_by_state,
        churn.risk_vs_inactivity,
        churn.value_risk_matrix,
        churn.top_at_risk,
    ],
    "consent": [
        consent.channel_mix,
        consent.rates,
        consent.language_mix,
        consent.timezone_mix,
        consent.reachable_by_channel,
    ],
}

# Index changes proposed for db/models.py (owned elsewhere), created here only on the bench
# database to measure them: (name, table, columns).
PROPOSED_INDEXES = (
    ("ix_bench_ci_age_gender", "Customer_Info", ("Age", "Gender")),
    ("ix_bench_ci_loyalty", "Customer_Info", ("Loyalty_Points",)),
    ("ix_bench_ci_country", "Customer_Info", ("Country",)),
    ("ix_bench_seg_cat_value", "Customer_Segments", ("Segment_Category", "Lifetime_Value")),
    (
        "ix_bench_seg_cat_name_value",
        "Customer_Segments",
        ("Segment_Category", "Segment_Name", "Lifetime_Value"),
    ),
    ("ix_bench_cur_value", "current_segment", ("Lifetime_Value",)),
    (
        "ix_bench_cur_cat_eng_risk_value",
        "current_segment",
        ("Segment_Category", "Engagement_Level", "Risk_Score", "Lifetime_Value"),
    ),
    ("ix_bench_cur_risk_value", "current_segment", ("Risk_Score", "Lifetime_Value")),
    ("ix_bench_pref_language", "Customer_Preferences", ("Preferred_Language",)),
    ("ix_bench_pref_timezone", "Customer_Preferences", ("Time_Zone",)),
    (
        "ix_bench_pref_channel_flags",
        "Customer_Preferences",
        (
            "Communication_Channel",
            "Notification_Enabled",
            "Marketing_Consent",
            "Newsletter_Subscription",
            "Customer_ID",
        ),
    ),
)


def _seed(url: str | None, customers: int, seed: int) -> str:
    if url:
        return url
    from db.demo import seed as demo_seed

    path = Path(tempfile.mkdtemp(prefix="pages_sql_")) / "bench.db"
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade(engine)
    t = time.perf_counter()
    demo_seed(engine, customers=customers, seed=seed)
    print(f"seeded {customers:,} customers into {path} in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    engine.dispose()
    return url


def _create_indexes(url: str) -> None:
    engine = make_engine(url)
    quote = engine.dialect.identifier_preparer.quote
    with engine.begin() as conn:
        existing = {
            (ix["name"] or "").lower()
            for t in {t for _, t, _ in PROPOSED_INDEXES}
            for ix in inspect(conn).get_indexes(t)
        }
        for name, table, cols in PROPOSED_INDEXES:
            if name.lower() in existing:
                continue
            t = time.perf_counter()
            conn.execute(
                text(f"CREATE INDEX {quote(name)} ON {quote(table)} ({', '.join(quote(c) for c in cols)})")
            )
            print(f"created {name} in {time.perf_counter() - t:.1f} s", file=sys.stderr)
        if engine.dialect.name in ("sqlite", "postgresql"):
            conn.exec_driver_sql("ANALYZE")
    engine.dispose()


def _time(url: str, fn, f: CustomerFilter, repeat: int) -> tuple[float, float, float]:
    """(cold ms, warm median ms, raw SQL median ms) of one analytics function."""
    engine = make_engine(url)
    recorder = Recorder(engine)
    try:
        with engine.connect() as conn:
            recorder.on = True
            t = time.perf_counter()
            fn(conn, f=f)
            cold = (time.perf_counter() - t) * 1000
            recorder.on = False
            warm = []
            for _ in range(repeat):
                t = time.perf_counter()
                fn(conn, f=f)
                warm.append((time.perf_counter() - t) * 1000)
            sql = [sum(statement_ms(conn, recorder.statements)) for _ in range(repeat)]
    finally:
        engine.dispose()
    return cold, statistics.median(warm), statistics.median(sql)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", help="an existing, seeded database (default: seed a temp SQLite file)")
    p.add_argument("--customers", type=int, default=1_000_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument(
        "--filter", default="", help="CustomerFilter as URL query, e.g. 'states=Goa&genders=Female'"
    )
    p.add_argument("--pages", default=",".join(PAGES), help="comma-separated pages to time")
    p.add_argument("--with-proposed-indexes", action="store_true", help="create PROPOSED_INDEXES first")
    args = p.parse_args(argv)

    url = _seed(args.url, args.customers, args.seed)
    engine = make_engine(url)
    ensure_fresh(engine)
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            if (
                conn.exec_driver_sql("SELECT count(*) FROM sqlite_master WHERE name='sqlite_stat1'").scalar()
                == 0
            ):
                conn.exec_driver_sql("ANALYZE")
                conn.commit()
    with engine.connect() as conn:
        n = conn.exec_driver_sql('SELECT count(*) FROM "Customer_Info"').scalar()
    engine.dispose()
    if args.with_proposed_indexes:
        _create_indexes(url)
    f = CustomerFilter.from_params(dict(parse_qsl(args.filter)))

    shown = f.to_params() or "none"
    print(f"{engine.dialect.name}, {n:,} customers, filter: {shown}, median of {args.repeat}\n")
    print("| page | function | cold ms | warm ms | raw SQL ms |")
    print("|---|---|---:|---:|---:|")
    for page in args.pages.split(","):
        sums = [0.0, 0.0, 0.0]
        for fn in PAGES[page]:
            cold, warm, sql = _time(url, fn, f, args.repeat)
            sums = [sums[0] + cold, sums[1] + warm, sums[2] + sql]
            name = f"{fn.__module__.rsplit('.', 1)[-1]}.{fn.__name__}"
            print(f"| {page} | {name} | {cold:.0f} | {warm:.0f} | {sql:.0f} |")
            sys.stdout.flush()
        print(f"| **{page}** | **page total** | **{sums[0]:.0f}** | **{sums[1]:.0f}** | **{sums[2]:.0f}** |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
