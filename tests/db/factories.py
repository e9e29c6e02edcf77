"""Plain factory functions: insert rows with sensible defaults, return their ids."""

from __future__ import annotations

import datetime as dt
import itertools

from sqlalchemy import Connection, insert

from db.models import customer_info, customer_preferences, customer_segments

_counter = itertools.count(1)


def customer_data(**overrides) -> dict:
    """Valid input for validate_customer / create_customer (unique email and phone)."""
    n = next(_counter)
    data = {
        "Customer_Name": f"Priya Sharma {n}",
        "Email": f"priya.sharma.{n}@example.com",
        "Phone": f"+9198{n:08d}",
        "Gender": "Female",
        "Date_of_Birth": dt.date(1990, 5, 17),
        "City": "Pune",
        "State": "Maharashtra",
        "Country": "India",
        "Postal_Code": "411001",
        "Join_Date": dt.date(2022, 3, 1),
        "Account_Status": "Active",
        "Loyalty_Points": 120,
    }
    data.update(overrides)
    return data


def insert_customer(conn: Connection, **overrides) -> int:
    """Insert a customer directly (no validation, no audit); returns Customer_ID."""
    data = customer_data(**overrides)
    if "Age" not in data and isinstance(data.get("Date_of_Birth"), dt.date):
        born = data["Date_of_Birth"]
        today = dt.date.today()
        data["Age"] = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    return conn.execute(insert(customer_info).values(**data)).inserted_primary_key[0]


def insert_preference(conn: Connection, customer_id: int, **overrides) -> int:
    data = {"Customer_ID": customer_id, "Communication_Channel": "Email", "Marketing_Consent": True}
    data.update(overrides)
    return conn.execute(insert(customer_preferences).values(**data)).inserted_primary_key[0]


def insert_segment(conn: Connection, customer_id: int, **overrides) -> int:
    data = {
        "Customer_ID": customer_id,
        "Segment_Name": "Loyal",
        "Segment_Category": "Premium",
        "Lifetime_Value": 25000,
        "Risk_Score": 40,
        "Engagement_Level": "High",
        "Last_Updated": dt.datetime(2024, 1, 1),
    }
    data.update(overrides)
    return conn.execute(insert(customer_segments).values(**data)).inserted_primary_key[0]
