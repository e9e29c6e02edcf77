"""Benchmark db.records.search() (search + first page + capped total) at N customers.

    python bench/search.py [--url URL] [--customers 1000000] [--repeat 5]

Default URL: a SQLite file /tmp/bench_records_1m.db (seeded once with db.demo and reused while it
holds at least N customers). For PostgreSQL pass e.g.
--url postgresql+psycopg://postgres@127.0.0.1:5432/bench_records (the database must exist; it is
migrated and seeded when short of customers). Prints a markdown table: median and max of
`repeat` warm runs per scenario, in milliseconds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select  # noqa: E402

from db import records  # noqa: E402
from db.demo import seed  # noqa: E402
from db.engine import make_engine  # noqa: E402
from db.filters import CustomerFilter  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.models import customer_info  # noqa: E402

DEFAULT_URL = "sqlite:////tmp/bench_records_1m.db"
ALL = CustomerFilter()


def prepare(url: str, customers: int):
    engine = make_engine(url)
    upgrade(engine)
    with engine.connect() as conn:
        have = conn.execute(select(func.count()).select_from(customer_info)).scalar_one()
    if have < customers:
        start = time.perf_counter()
        seed(engine, customers=customers - have, seed=7)
        print(
            f"seeded {customers - have:,} customers in {time.perf_counter() - start:,.1f} s", file=sys.stderr
        )
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
    elif engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
    return engine


def samples(conn) -> dict:
    """Real values from the data for the search terms (a customer in the middle)."""
    middle = conn.execute(select(func.max(customer_info.c.Customer_ID))).scalar_one() // 2
    row = (
        conn.execute(select(customer_info).where(customer_info.c.Customer_ID >= middle).limit(1))
        .mappings()
        .one()
    )
    phone = row["Phone"] or "+919876543210"
    local = phone[3:]
    return {
        "id": str(row["Customer_ID"]),
        "email": row["Email"],
        "email_prefix": row["Email"][: row["Email"].index("@") + 3],  # a term with '@' is an email prefix
        "phone_spaced": f"{local[:5]} {local[5:]}",
        "phone_dashed": f"+91-{local[:5]}-{local[5:]}",
        "phone_zero": f"0{local}",
        "first_name": row["Customer_Name"].split()[0],
        "name_prefix": row["Customer_Name"][:8].lower(),
        "surname": max(row["Customer_Name"].split(), key=len),
        "state": row["State"],
    }


def scenarios(s: dict) -> list[tuple[str, dict]]:
    state = CustomerFilter(states=(s["state"],))
    vip = CustomerFilter(categories=("VIP",))
    return [
        ("first page, no filter", {"f": ALL}),
        ("first page, state filter", {"f": state}),
        ("first page, VIP (current segment) filter", {"f": vip}),
        ("first page, high risk + Active", {"f": CustomerFilter(risk_bands=("High",), statuses=("Active",))}),
        (f"customer ID {s['id']}", {"f": ALL, "query": s["id"]}),
        (f"phone '{s['phone_spaced']}'", {"f": ALL, "query": s["phone_spaced"]}),
        (f"phone '{s['phone_dashed']}'", {"f": ALL, "query": s["phone_dashed"]}),
        (f"phone '{s['phone_zero']}'", {"f": ALL, "query": s["phone_zero"]}),
        ("email (full)", {"f": ALL, "query": s["email"]}),
        (f"email prefix '{s['email_prefix']}'", {"f": ALL, "query": s["email_prefix"]}),
        (f"name prefix '{s['first_name']}'", {"f": ALL, "query": s["first_name"]}),
        (f"name prefix '{s['name_prefix']}'", {"f": ALL, "query": s["name_prefix"]}),
        (f"name prefix '{s['first_name']}' + state", {"f": state, "query": s["first_name"]}),
        (f"name contains '{s['surname'][1:]}' (common)", {"f": ALL, "query": s["surname"][1:]}),
        ("name contains 'zzqx' (no match: full scan)", {"f": ALL, "query": "zzqx"}),
        ("sort Customer_Name", {"f": ALL, "sort": "Customer_Name"}),
        ("sort Join_Date desc", {"f": ALL, "sort": "Join_Date", "descending": True}),
        ("sort Risk_Score desc", {"f": ALL, "sort": "Risk_Score", "descending": True}),
        ("sort Customer_Name, state filter", {"f": state, "sort": "Customer_Name"}),
        ("sort Risk_Score, state filter", {"f": state, "sort": "Risk_Score"}),
        ("sort City desc, VIP filter", {"f": vip, "sort": "City", "descending": True}),
    ]


def timed(conn, kwargs: dict, repeat: int):
    times, page = [], None
    for _ in range(repeat + 1):  # the first run warms the cache and is not counted
        start = time.perf_counter()
        page = records.search(conn, **kwargs)
        times.append((time.perf_counter() - start) * 1000)
    return times[1:], page


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    engine = prepare(args.url, args.customers)
    with engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(customer_info)).scalar_one()
        s = samples(conn)
        print(f"\n{engine.dialect.name}, {n:,} customers, median / max of {args.repeat} warm runs\n")
        print("| scenario | median ms | max ms | total | match | page 2 ms |")
        print("|---|---:|---:|---:|---|---:|")
        for name, kwargs in scenarios(s):
            times, page = timed(conn, kwargs, args.repeat)
            second = ""
            if page.next_after is not None:
                t2, _ = timed(conn, {**kwargs, "after": page.next_after}, 1)
                second = f"{t2[0]:.1f}"
            print(
                f"| {name} | {statistics.median(times):.1f} | {max(times):.1f} | {page.total_label} "
                f"| {page.match} | {second} |"
            )
            sys.stdout.flush()


if __name__ == "__main__":
    main()
