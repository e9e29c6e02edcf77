"""Demo data is never shown as if it were real: who may seed it, and whether a database holds it.

Demo customers go only into the embedded default database (settings.DEFAULT_DEMO_CUSTOMERS of them
on its first use), or wherever someone asks for them explicitly (DEMO_CUSTOMERS set, `python -m db seed`);
never into a database whose customer tables hold a row, nor one that has them under other names
(db.adoption). A database the seeder filled says so in app_meta, and every page shows a badge.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, Engine, delete, func, insert, select

from db.engine import begin_write
from db.models import CUSTOMER_TABLES, AppMeta

DEMO_KEY = "demo_customers"
app_meta = AppMeta.__table__


def has_customer_rows(conn: Connection) -> bool:
    """True when any of the three customer tables holds a row."""
    return any(conn.execute(select(func.count()).select_from(t)).scalar() for t in CUSTOMER_TABLES)


def demo_customers(conn: Connection) -> int | None:
    """How many demo customers the seeder put here, or None when the data is not demo data."""
    value = conn.execute(select(app_meta.c.value).where(app_meta.c.key == DEMO_KEY)).scalar()
    return int(value) if value is not None else None


def mark_demo(conn: Connection, *, customers: int, reset: bool = False) -> None:
    """Record that this database holds demo customers: added to any earlier seed's, or (reset)
    as the only ones."""
    with begin_write(conn):
        total = customers + (0 if reset else demo_customers(conn) or 0)
        conn.execute(delete(app_meta).where(app_meta.c.key == DEMO_KEY))
        conn.execute(insert(app_meta).values(key=DEMO_KEY, value=str(total), updated_at=dt.datetime.now()))


def seed_demo(engine: Engine, *, customers: int, reset: bool = False, **kwargs) -> dict[str, int]:
    """db.demo.seed, then the mark that says so (a reset starts the count again)."""
    from db.demo import seed

    counts = seed(engine, customers=customers, reset=reset, **kwargs)
    with engine.connect() as conn:
        mark_demo(conn, customers=customers, reset=reset)
    return counts
