"""First use of a database: bring it to the latest revision; fill an empty one with demo data."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from db.demo_marker import has_customer_rows, seed_demo
from db.migrate import upgrade


@dataclass(frozen=True)
class BootstrapReport:
    migrated: bool
    seeded: int


def prepare_database(engine: Engine, *, demo_customers: int) -> BootstrapReport:
    """Bring the database to the latest revision; add `demo_customers` demo customers only when the
    three customer tables are all empty (db.demo_marker says who may ask for them)."""
    upgrade(engine)  # refuses the customer's tables under other names (db.adoption)
    with engine.connect() as conn:
        empty = not has_customer_rows(conn)
    seeded = 0
    if empty and demo_customers > 0:
        seed_demo(engine, customers=demo_customers, seed=0)
        seeded = demo_customers
    return BootstrapReport(migrated=True, seeded=seeded)
