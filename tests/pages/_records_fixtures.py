"""Helpers for the records page tests: a small seeded SQLite file per test, known customers, AppTest."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import streamlit as st
from sqlalchemy import insert, select
from streamlit.testing.v1 import AppTest

from db.access import Actor
from db.engine import make_engine
from db.migrate import upgrade
from db.models import customer_info, customer_preferences, customer_segments

ROOT = Path(__file__).resolve().parents[2]
PRIYA = {
    "Customer_Name": "Priya Sharma",
    "Email": "priya.sharma@gmail.com",
    "Phone": "+919876543210",
    "Gender": "Female",
    "Age": 34,
    "Date_of_Birth": dt.date(1990, 5, 17),
    "City": "Pune",
    "State": "Maharashtra",
    "Country": "India",
    "Postal_Code": "411001",
    "Join_Date": dt.date(2021, 3, 9),
    "Account_Status": "Active",
    "Loyalty_Points": 1200,
}
SCRIPT_NAME = '<script>alert("x")</script><b>Bold</b> Rao'


def build_template(path: Path) -> dict[str, int]:
    """Migrate, seed 200 demo customers, add two known customers; their ids."""
    engine = make_engine(f"sqlite:///{path}")
    try:
        upgrade(engine)
        from db.demo import seed

        seed(engine, customers=200, seed=1)
        with engine.begin() as conn:
            ids = {}
            ids["priya"] = conn.execute(insert(customer_info).values(**PRIYA)).inserted_primary_key[0]
            ids["script"] = conn.execute(
                insert(customer_info).values(
                    **{
                        **PRIYA,
                        "Customer_Name": SCRIPT_NAME,
                        "Email": "rao@example.com",
                        "Phone": "+919812345678",
                    }
                )
            ).inserted_primary_key[0]
            conn.execute(
                insert(customer_preferences).values(
                    Customer_ID=ids["priya"],
                    Communication_Channel="Email",
                    Notification_Enabled=True,
                    Marketing_Consent=True,
                    Newsletter_Subscription=False,
                    Preferred_Language="Marathi",
                    Time_Zone="IST",
                )
            )
            for name, cat, when in (
                ("Bargain hunters", "Economy", dt.datetime(2023, 1, 1)),
                ("Loyal big spenders", "VIP", dt.datetime(2024, 6, 1)),
            ):
                conn.execute(
                    insert(customer_segments).values(
                        Customer_ID=ids["priya"],
                        Segment_Name=name,
                        Segment_Category=cat,
                        Lifetime_Value=Decimal("125000.50"),
                        Risk_Score=Decimal("12.50"),
                        Engagement_Level="High",
                        Last_Updated=when,
                    )
                )
        return ids
    finally:
        engine.dispose()


def copy_database(template: Path, target: Path) -> str:
    for suffix in ("", "-wal", "-shm"):
        src = Path(str(template) + suffix)
        if src.exists():
            shutil.copy(src, str(target) + suffix)
    return f"sqlite:///{target}"


def clear_streamlit_caches() -> None:
    st.cache_data.clear()
    st.cache_resource.clear()


def app(page: str, **query) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / page), default_timeout=60)
    for k, v in query.items():
        at.query_params[k] = str(v)
    return at


def customer_row(url: str, customer_id: int) -> dict:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            row = conn.execute(select(customer_info).where(customer_info.c.Customer_ID == customer_id))
            return dict(row.mappings().one())
    finally:
        engine.dispose()


def texts(at: AppTest) -> str:
    """All markdown / caption / alert text of the last run, joined (for `in` checks)."""
    parts = []
    for kind in ("markdown", "caption", "error", "warning", "success", "info", "subheader", "title"):
        parts += [str(el.value) for el in at.get(kind)]
    return "\n".join(parts)


ADMIN = Actor("tester", "admin")
