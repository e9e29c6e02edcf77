"""current_segment_rollup: rebuilt in SQL and kept in step by every write, it always equals the
current segments counted here in Python (values on bin edges included)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from db import csv_io, rollup, writes
from db.access import Actor
from db.analytics import churn
from db.analytics import value as value_figures
from db.current_segment import refresh
from db.filters import CustomerFilter
from db.models import (
    current_segment,
    current_segment_rollup,
    customer_info,
    customer_segments,
    segment_value_rollup,
)
from tests.db.factories import insert_customer, insert_segment

EDITOR = Actor("esha", "editor")
# (Lifetime_Value, Risk_Score) on and around the bin edges
EDGES = [
    (0, 0),
    (Decimal("0.99"), Decimal("29.99")),
    (1, 30),
    (Decimal("9999.99"), Decimal("69.99")),
    (10_000, 70),
    (Decimal("10000.01"), 100),
    (1_000_000, Decimal("4.99")),
    (Decimal("27583948.33"), 5),
]


def _stored(conn) -> dict:
    out = {}
    for row in conn.execute(select(current_segment_rollup)).mappings():
        key = (row["Segment_Category"], row["Engagement_Level"], row["risk_bin"], row["value_bin"])
        sums = (
            row["customers"],
            float(row["value_sum"]),
            float(row["risk_sum"]),
            float(row["value_risk_sum"]),
        )
        if any(sums):
            out[key] = sums
    return out


def _expected(conn) -> dict:
    out: dict = {}
    cs = current_segment.c
    for cat, eng, value, score in conn.execute(
        select(cs.Segment_Category, cs.Engagement_Level, cs.Lifetime_Value, cs.Risk_Score)
    ):
        value, score = float(value), float(score)
        key = (cat, eng or "", int(score // 5), sum(1 for e in rollup.VALUE_EDGES if e <= value))
        n, v, r, vr = out.get(key, (0, 0.0, 0.0, 0.0))
        out[key] = (n + 1, v + value, r + score, vr + value * score)
    return out


def _stored_segments(conn) -> dict:
    rows = conn.execute(select(segment_value_rollup)).mappings()
    return {
        (r["Segment_Category"], r["Segment_Name"], r["value_bucket"]): (r["segments"], float(r["value_sum"]))
        for r in rows
        if r["segments"] or r["value_sum"]
    }


def _expected_segments(conn) -> dict:
    out: dict = {}
    s = customer_segments.c
    for cat, name, value in conn.execute(select(s.Segment_Category, s.Segment_Name, s.Lifetime_Value)):
        key = (cat, name, -1 if value is None else int(float(value) // 50))
        n, v = out.get(key, (0, 0.0))
        out[key] = (n + 1, v + (0.0 if value is None else float(value)))
    return out


def _assert_in_step(conn) -> None:
    for stored, expected in (
        (_stored(conn), _expected(conn)),
        (_stored_segments(conn), _expected_segments(conn)),
    ):
        assert stored.keys() == expected.keys()
        for key, sums in expected.items():
            assert stored[key] == pytest.approx(sums, rel=1e-9, abs=1e-6), key


def _customers_on_edges(conn) -> list[int]:
    ids = []
    for i, (value, score) in enumerate(EDGES):
        cid = insert_customer(conn)
        engagement = None if i == 2 else ("High", "Low")[i % 2]
        insert_segment(
            conn,
            cid,
            Segment_Category=("VIP", "Economy")[i % 2],
            Lifetime_Value=value,
            Risk_Score=score,
            Engagement_Level=engagement,
        )
        ids.append(cid)
    return ids


def test_rebuild_counts_values_on_bin_edges(conn):
    _customers_on_edges(conn)
    refresh(conn)
    _assert_in_step(conn)
    assert {k[3] for k in _stored(conn)} >= {0, 1, rollup.value_bin(10_000), rollup.value_bin(10_000) - 1}


def test_matrix_bounds_are_value_edges():
    assert {lower for lower, _ in churn.VALUE_BINS if lower} <= set(rollup.VALUE_EDGES)
    assert rollup.value_bin_floor(rollup.value_bin(10_000)) == 10_000


def test_every_write_keeps_the_rollup_in_step(conn):
    ids = _customers_on_edges(conn)
    refresh(conn)
    added = writes.add_segment(
        conn,
        actor=EDITOR,
        customer_id=ids[0],
        data={
            "Segment_Name": "Big spender",
            "Segment_Category": "VIP",
            "Lifetime_Value": "250000",
            "Risk_Score": "80",
        },
    )
    _assert_in_step(conn)
    loaded = dict(
        conn.execute(select(customer_segments).where(customer_segments.c.Segment_ID == added.record_id))
        .mappings()
        .one()
    )
    writes.update_segment(
        conn,
        actor=EDITOR,
        segment_id=added.record_id,
        original=loaded,
        changes={"Lifetime_Value": "9999.99", "Segment_Category": "Standard", "Engagement_Level": "Low"},
    )
    _assert_in_step(conn)
    writes.delete_segment(conn, actor=EDITOR, segment_id=added.record_id)
    _assert_in_step(conn)
    address = conn.execute(
        select(customer_info.c.Email).where(customer_info.c.Customer_ID == ids[1])
    ).scalar_one()
    writes.delete_customer(conn, actor=EDITOR, customer_id=ids[1], confirm=address)
    _assert_in_step(conn)
    later = insert_customer(conn)
    before = rollup.segment_cells(conn, [later, ids[2]])
    insert_segment(conn, later, Lifetime_Value=5, Risk_Score=99, Last_Updated=dt.datetime(2025, 1, 1))
    refresh(conn, customer_ids=[later, ids[2]], segments_before=before)
    _assert_in_step(conn)


def test_an_import_keeps_the_rollups_in_step(conn):
    existing = insert_customer(conn, Email="rollup.existing@example.com")
    insert_segment(conn, existing, Lifetime_Value=Decimal("49.99"))
    refresh(conn)
    customers = (
        b"Customer_Name,Email,Phone,Gender,Date_of_Birth,City,State,Postal_Code\n"
        b"New Rollup,new.rollup@example.com,,,1985-02-03,Agra,UP,\n"
    )
    segs = (
        b"Email,Segment_Name,Segment_Category,Lifetime_Value,Risk_Score\n"
        b"new.rollup@example.com,Starter,Economy,100.50,20\n"
        b"rollup.existing@example.com,Whale,VIP,50,5\n"
    )
    plan = csv_io.dry_run(conn, customers_csv=customers, segments_csv=segs)
    csv_io.commit_import(conn, actor=Actor("ada", "admin"), plan=plan, all_or_nothing=True)
    _assert_in_step(conn)


@pytest.mark.parametrize(
    ("values", "median"),
    [
        ([10, 20, 60, 130], 40.0),  # the two middle rows in neighbouring 50-rupee buckets
        ([10, 20, 260, 900], 140.0),  # ... and in buckets far apart
        ([10, 60, 70], 60.0),
        ([5000], 5000.0),
    ],
)
def test_filtered_median_spans_the_buckets_of_its_middle_rows(conn, values, median):
    ids = [insert_customer(conn, State="Goa") for _ in values]
    for customer_id, value in zip(ids, values, strict=True):
        insert_segment(conn, customer_id, Segment_Category="VIP", Lifetime_Value=value)
    refresh(conn, customer_ids=ids)
    got = value_figures.by_category(conn, f=CustomerFilter(states=("Goa",)))
    assert got.set_index("category").loc["VIP", "median"] == pytest.approx(median)
