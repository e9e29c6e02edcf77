"""First use of a database: bring it to the latest revision; fill an empty one with demo data."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, func, select

from db.migrate import upgrade
from db.models import customer_info


@dataclass(frozen=True)
class BootstrapReport:
    migrated: bool
    seeded: int


def prepare_database(engine: Engine, *, demo_customers: int) -> BootstrapReport:
    upgrade(engine)
    with engine.connect() as conn:
        empty = conn.execute(select(func.count()).select_from(customer_info)).scalar() == 0
    seeded = 0
    if empty and demo_customers > 0:
        from db.demo import seed

        seed(engine, customers=demo_customers, seed=0)
        seeded = demo_customers
    return BootstrapReport(migrated=True, seeded=seeded)
