"""Benchmark db.demo.seed(): load N customers into fresh databases and print a markdown table.

    python bench/seed.py [--sizes 100000 1000000] [--backends sqlite postgresql]

SQLite: a file under a temp dir. PostgreSQL: database `bench_seed` on 127.0.0.1 (created and
dropped; override the server with --postgres-url).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from db.demo import seed  # noqa: E402
from db.engine import make_engine  # noqa: E402
from db.migrate import upgrade  # noqa: E402

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PG_DB = "bench_seed"


def _mib(size: int) -> str:
    return f"{size / 2**20:,.0f} MiB"


def bench_sqlite(customers: int) -> tuple[int, float, int]:
    with tempfile.TemporaryDirectory(prefix="bench_seed_") as tmp:
        path = Path(tmp) / "bench.db"
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        start = time.perf_counter()
        counts = seed(engine, customers=customers, seed=1)
        seconds = time.perf_counter() - start
        size = sum(p.stat().st_size for p in Path(tmp).iterdir() if p.name.startswith("bench.db"))
        engine.dispose()
    return sum(counts.values()), seconds, size


def bench_postgresql(customers: int, server_url: str) -> tuple[int, float, int]:
    admin = make_engine(server_url, isolation_level="AUTOCOMMIT")
    quote = admin.dialect.identifier_preparer.quote
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {quote(PG_DB)} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {quote(PG_DB)}"))
    engine = make_engine(make_url(server_url).set(database=PG_DB).render_as_string(hide_password=False))
    try:
        upgrade(engine)
        start = time.perf_counter()
        counts = seed(engine, customers=customers, seed=1)
        seconds = time.perf_counter() - start
        with engine.connect() as conn:
            size = conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {quote(PG_DB)} WITH (FORCE)"))
        admin.dispose()
    return sum(counts.values()), seconds, size


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument(
        "--backends", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite", "postgresql"]
    )
    parser.add_argument("--postgres-url", default=PG_URL, help="server URL (any existing database)")
    args = parser.parse_args(argv)

    print("| backend | customers | total rows | seconds | rows/s | database size |")
    print("|---|---:|---:|---:|---:|---:|")
    for customers in args.sizes:
        for backend in args.backends:
            if backend == "sqlite":
                rows, seconds, size = bench_sqlite(customers)
            else:
                rows, seconds, size = bench_postgresql(customers, args.postgres_url)
            cells = [
                backend,
                f"{customers:,}",
                f"{rows:,}",
                f"{seconds:.1f}",
                f"{rows / seconds:,.0f}",
                _mib(size),
            ]
            print("| " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
