"""The source-side current segment: the latest Last_Updated (NULL counts as the oldest), ties to
the highest Segment_ID, one row per customer that has segments, on every backend."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import func, select

from db import records
from db.current_segment import COLUMNS, current_segment
from db.filters import CustomerFilter
from db.models import customer_segments
from tests.db.factories import insert_customer, insert_segment

JAN = dt.datetime(2024, 1, 1)
MAY = dt.datetime(2024, 5, 5, 10, 30)


def _current(conn, customer_ids) -> dict[int, dict]:
    cs = current_segment()
    rows = conn.execute(select(cs).where(cs.c.Customer_ID.in_(customer_ids))).mappings()
    out: dict[int, dict] = {}
    for row in rows:
        assert row["Customer_ID"] not in out, "one row per customer"
        out[row["Customer_ID"]] = dict(row)
    return out


def _stored_null(conn, segment_id) -> bool:
    s = customer_segments.c
    return conn.execute(select(s.Last_Updated).where(s.Segment_ID == segment_id)).scalar_one() is None


def test_latest_wins_null_is_oldest_ties_go_to_the_highest_id(conn):
    dated = insert_customer(conn)
    newest_dated = insert_segment(conn, dated, Segment_Category="VIP", Last_Updated=JAN)
    undated = insert_segment(conn, dated, Segment_Category="Economy", Last_Updated=None)  # higher id
    insert_segment(conn, dated, Segment_Category="Standard", Last_Updated=JAN - dt.timedelta(days=400))
    assert _stored_null(conn, undated)

    tied = insert_customer(conn)
    insert_segment(conn, tied, Last_Updated=JAN)
    insert_segment(conn, tied, Segment_Name="First of the tie", Last_Updated=MAY)
    tie_winner = insert_segment(conn, tied, Segment_Name="Second of the tie", Last_Updated=MAY)
    insert_segment(conn, tied, Last_Updated=None)

    all_null = insert_customer(conn)
    insert_segment(conn, all_null, Last_Updated=None)
    highest_null = insert_segment(conn, all_null, Last_Updated=None)

    single = insert_customer(conn)
    only = insert_segment(conn, single, Lifetime_Value=None, Risk_Score=None, Last_Updated=None)

    without = insert_customer(conn)

    current = _current(conn, [dated, tied, all_null, single, without])
    assert {cid: row["Segment_ID"] for cid, row in current.items()} == {
        dated: newest_dated,
        tied: tie_winner,
        all_null: highest_null,
        single: only,
    }
    assert list(current[dated]) == list(COLUMNS)
    assert current[dated]["Segment_Category"] == "VIP"
    assert current[tied]["Last_Updated"] == MAY
    assert current[single]["Last_Updated"] is None
    # NULL value and score read as 0, so that ranges and sorts compare numbers
    assert Decimal(str(current[single]["Lifetime_Value"])) == 0
    assert Decimal(str(current[single]["Risk_Score"])) == 0


def test_one_row_per_customer_with_segments(conn):
    ids = [insert_customer(conn) for _ in range(5)]
    for i, cid in enumerate(ids[:4]):
        for k in range(i + 1):
            insert_segment(conn, cid, Last_Updated=None if k % 2 else JAN + dt.timedelta(days=k % 3))
    cs = current_segment()
    counted = conn.execute(
        select(func.count(), func.count(func.distinct(cs.c.Customer_ID))).where(cs.c.Customer_ID.in_(ids))
    ).one()
    assert tuple(counted) == (4, 4)


def test_the_record_pages_use_the_same_rule(conn):
    cid = insert_customer(conn, City="Currentpur")
    winner = insert_segment(conn, cid, Segment_Category="VIP", Risk_Score=80, Last_Updated=JAN)
    insert_segment(conn, cid, Segment_Category="Economy", Risk_Score=10, Last_Updated=None)
    view = records.customer_360(conn, customer_id=cid)
    assert view.segments["Segment_ID"].iloc[0] == winner  # listed first
    assert view.segments.loc[view.segments["is_current"], "Segment_ID"].tolist() == [winner]
    where = CustomerFilter(cities=("Currentpur",))
    assert records.search(conn, f=where.narrow(categories=["VIP"])).total == 1
    assert records.search(conn, f=where.narrow(categories=["Economy"])).total == 0
    assert records.search(conn, f=where.narrow(risk_bands=["High"])).total == 1
    page = records.search(conn, f=where, sort="Risk_Score")
    assert page.rows["Segment_Category"].tolist() == ["VIP"]


def test_a_customer_without_segments_is_listed_without_one(conn):
    cid = insert_customer(conn, City="Nosegpur")
    page = records.search(conn, f=CustomerFilter(cities=("Nosegpur",)))
    assert page.rows["Customer_ID"].tolist() == [cid]
    assert page.rows["Segment_Category"].isna().all()
    assert records.customer_360(conn, customer_id=cid).segments.empty
