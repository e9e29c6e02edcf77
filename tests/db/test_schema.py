"""The database itself enforces the customer's schema: constraints, defaults, cascades, types."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from db.models import customer_info, customer_preferences, customer_segments


def customer_row(**overrides) -> dict:
    row = {
        "Customer_Name": "Asha Verma",
        "Email": "asha.verma@example.in",
        "Date_of_Birth": dt.date(1990, 5, 17),
        "City": "Pune",
        "State": "Maharashtra",
    }
    return row | overrides


def add_customer(conn, **overrides) -> int:
    result = conn.execute(insert(customer_info).values(customer_row(**overrides)))
    return result.inserted_primary_key[0]


def rejected(conn, stmt) -> bool:
    savepoint = conn.begin_nested()
    try:
        conn.execute(stmt)
    except IntegrityError:
        savepoint.rollback()
        return True
    savepoint.rollback()
    return False


@pytest.mark.parametrize(
    "overrides",
    [
        {"Customer_Name": None},
        {"Email": None},
        {"Date_of_Birth": None},
        {"City": None},
        {"State": None},
        {"Gender": "Unknown"},
        {"Age": 17},
        {"Age": 121},
        {"Account_Status": "Closed"},
        {"Loyalty_Points": -1},
    ],
    ids=lambda o: "-".join(f"{k}={v}" for k, v in o.items()),
)
def test_customer_rules_are_enforced(conn, overrides):
    assert rejected(conn, insert(customer_info).values(customer_row(**overrides)))


@pytest.mark.parametrize("column", ["Email", "Phone"])
def test_email_and_phone_are_unique(conn, column):
    add_customer(conn, Email="one@example.in", Phone="+919876543210")
    other = customer_row(Email="two@example.in", Phone="+919876543211") | {
        column: "one@example.in" if column == "Email" else "+919876543210"
    }
    assert rejected(conn, insert(customer_info).values(other))


def test_many_customers_may_lack_a_phone(conn):
    add_customer(conn, Email="a@example.in", Phone=None)
    add_customer(conn, Email="b@example.in", Phone=None)


@pytest.mark.parametrize(
    ("table", "overrides"),
    [
        ("prefs", {"Communication_Channel": "Fax"}),
        ("prefs", {"Communication_Channel": None}),
        ("prefs", {"Customer_ID": 999_999}),
        ("segs", {"Segment_Category": "Gold"}),
        ("segs", {"Segment_Name": None}),
        ("segs", {"Engagement_Level": "Extreme"}),
        ("segs", {"Risk_Score": Decimal("100.01")}),
        ("segs", {"Risk_Score": Decimal("-0.01")}),
        ("segs", {"Lifetime_Value": Decimal("-1.00")}),
        ("segs", {"Customer_ID": 999_999}),
    ],
    ids=lambda v: v if isinstance(v, str) else "-".join(f"{k}={x}" for k, x in v.items()),
)
def test_child_rules_are_enforced(conn, table, overrides):
    cid = add_customer(conn)
    if table == "prefs":
        row = {"Customer_ID": cid, "Communication_Channel": "Email"} | overrides
        stmt = insert(customer_preferences).values(row)
    else:
        row = {"Customer_ID": cid, "Segment_Name": "Loyal", "Segment_Category": "Premium"} | overrides
        stmt = insert(customer_segments).values(row)
    assert rejected(conn, stmt)


def test_customer_defaults(conn):
    cid = add_customer(conn)
    row = conn.execute(select(customer_info).where(customer_info.c.Customer_ID == cid)).mappings().one()
    assert row["Country"] == "India"
    assert row["Account_Status"] == "Active"
    assert row["Loyalty_Points"] == 0
    assert isinstance(row["Join_Date"], dt.date)
    assert abs((row["Join_Date"] - dt.date.today()).days) <= 1


def test_preference_defaults(conn):
    cid = add_customer(conn)
    conn.execute(insert(customer_preferences).values(Customer_ID=cid, Communication_Channel="SMS"))
    row = conn.execute(select(customer_preferences)).mappings().one()
    assert (row["Notification_Enabled"], row["Marketing_Consent"], row["Newsletter_Subscription"]) == (
        True,
        False,
        False,
    )
    assert (row["Preferred_Language"], row["Time_Zone"]) == ("English", "IST")


def test_segment_defaults_and_last_updated_refresh(conn):
    cid = add_customer(conn)
    conn.execute(
        insert(customer_segments).values(Customer_ID=cid, Segment_Name="Loyal", Segment_Category="VIP")
    )
    row = conn.execute(select(customer_segments)).mappings().one()
    assert row["Lifetime_Value"] == Decimal("0.00")
    assert row["Risk_Score"] == Decimal("0.00")
    assert row["Engagement_Level"] == "Medium"
    assert isinstance(row["Last_Updated"], dt.datetime)
    conn.execute(
        update(customer_segments)
        .where(customer_segments.c.Segment_ID == row["Segment_ID"])
        .values(Last_Updated=dt.datetime(2000, 1, 1))
    )
    conn.execute(
        update(customer_segments)
        .where(customer_segments.c.Segment_ID == row["Segment_ID"])
        .values(Risk_Score=5)
    )
    refreshed = conn.execute(select(customer_segments.c.Last_Updated)).scalar_one()
    assert refreshed > dt.datetime(2020, 1, 1)


def test_deleting_a_customer_cascades(conn):
    cid = add_customer(conn)
    conn.execute(insert(customer_preferences).values(Customer_ID=cid, Communication_Channel="Email"))
    conn.execute(
        insert(customer_segments).values(Customer_ID=cid, Segment_Name="Loyal", Segment_Category="VIP")
    )
    conn.execute(delete(customer_info).where(customer_info.c.Customer_ID == cid))
    for table in (customer_preferences, customer_segments):
        assert conn.execute(select(func.count()).select_from(table)).scalar() == 0


def test_decimals_and_dates_round_trip(conn):
    cid = add_customer(conn, Date_of_Birth=dt.date(1961, 2, 28), Last_Login=dt.datetime(2026, 3, 4, 5, 6, 7))
    conn.execute(
        insert(customer_segments).values(
            Customer_ID=cid,
            Segment_Name="Whale",
            Segment_Category="VIP",
            Lifetime_Value=Decimal("9999999999.99"),
            Risk_Score=Decimal("12.34"),
        )
    )
    ltv, risk = conn.execute(select(customer_segments.c.Lifetime_Value, customer_segments.c.Risk_Score)).one()
    assert (ltv, risk) == (Decimal("9999999999.99"), Decimal("12.34"))
    assert isinstance(ltv, Decimal)
    dob, login = conn.execute(select(customer_info.c.Date_of_Birth, customer_info.c.Last_Login)).one()
    assert dob == dt.date(1961, 2, 28) and type(dob) is dt.date
    assert login == dt.datetime(2026, 3, 4, 5, 6, 7)
