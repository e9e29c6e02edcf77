"""Search (terms, filters, keyset paging, totals) and the 360 read."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from db import records, writes
from db.access import Actor
from db.filters import CustomerFilter
from db.models import customer_info
from tests.db.factories import customer_data, insert_customer, insert_segment

EDITOR = Actor("esha", "editor")
ALL = CustomerFilter()
INJECTIONS = ['\'; DROP TABLE "Customer_Info"; --', '" OR 1=1 --']


def _ids(page) -> list[int]:
    return [int(x) for x in page.rows["Customer_ID"]]


# --- keyset paging on the seeded database (read-only) -------------------------------------------


def _all_pages(conn, **kwargs) -> list[int]:
    seen, after, pages = [], None, 0
    while True:
        page = records.search(conn, after=after, **kwargs)
        assert len(page.rows) <= 50
        seen += _ids(page)
        pages += 1
        after = page.next_after
        if after is None:
            return seen
        assert pages < 100


@pytest.mark.parametrize(
    "sort", ["Customer_ID", "Customer_Name", "Join_Date", "City", "Email", "Loyalty_Points"]
)
@pytest.mark.parametrize("descending", [False, True])
def test_keyset_paging_returns_each_row_exactly_once(seeded_engine, sort, descending):
    f = CustomerFilter(genders=("Female",))
    with seeded_engine.connect() as conn:
        seen = _all_pages(conn, f=f, sort=sort, descending=descending)
        expected = conn.execute(
            select(customer_info.c.Customer_ID).where(customer_info.c.Gender == "Female")
        ).scalars()
        expected = set(expected)
        first = records.search(conn, f=f, sort=sort, descending=descending)
    assert len(seen) == len(set(seen)) == len(expected)
    assert set(seen) == expected
    assert first.total == len(expected)
    assert list(first.rows.columns) == list(records.SEARCH_COLUMNS)


@pytest.mark.parametrize("descending", [False, True])
def test_keyset_paging_by_risk_score_with_ties(conn, descending):
    ids = []
    for i in range(130):
        cid = insert_customer(conn, City="Riskpur")
        insert_segment(conn, cid, Risk_Score=(i * 7) % 5 * 10)  # 5 distinct scores: many ties
        ids.append(cid)
    insert_customer(conn, City="Riskpur")  # no segment: not listed when sorting by risk
    f = CustomerFilter(cities=("Riskpur",))
    seen = _all_pages(conn, f=f, sort="Risk_Score", descending=descending)
    assert sorted(seen) == sorted(ids)
    assert records.search(conn, f=f, sort="Risk_Score").total == 130
    assert records.search(conn, f=f).total == 131
    scores = [
        float(s)
        for s in records.search(conn, f=f, sort="Risk_Score", descending=descending).rows["Risk_Score"]
    ]
    assert scores == sorted(scores, reverse=descending)


def test_sort_order_is_respected(seeded_engine):
    with seeded_engine.connect() as conn:
        page = records.search(conn, f=ALL, sort="Customer_Name")
        names = list(page.rows["Customer_Name"])
        down = records.search(conn, f=ALL, sort="Join_Date", descending=True)
    assert names == sorted(names)
    dates = list(down.rows["Join_Date"])
    assert dates == sorted(dates, reverse=True)


def test_filters_apply_including_segment_filters(conn):
    vip = insert_customer(conn, City="Zqcity", Account_Status="Active")
    insert_segment(conn, vip, Segment_Category="VIP")
    inactive_vip = insert_customer(conn, City="Zqcity", Account_Status="Inactive")
    insert_segment(conn, inactive_vip, Segment_Category="VIP")
    economy = insert_customer(conn, City="Zqcity", Account_Status="Active")
    insert_segment(conn, economy, Segment_Category="Economy")
    insert_customer(conn, City="Zqcity")  # no segment at all
    f = CustomerFilter(cities=("Zqcity",), categories=("VIP",), statuses=("Active",))
    page = records.search(conn, f=f)
    assert (_ids(page), page.total) == ([vip], 1)
    assert list(page.rows["Segment_Category"]) == ["VIP"]
    everyone = records.search(conn, f=CustomerFilter(cities=("Zqcity",)))
    assert everyone.total == 4  # customers without a segment are listed too


def test_total_is_capped(seeded_engine, monkeypatch):
    monkeypatch.setattr(records, "TOTAL_CAP", 100)
    with seeded_engine.connect() as conn:
        page = records.search(conn, f=ALL)
    assert page.total == 101
    assert page.total_is_capped
    assert page.total_label == "100+"


def test_unknown_sort_is_refused(seeded_engine):
    with seeded_engine.connect() as conn, pytest.raises(ValueError, match="sort must be one of"):
        records.search(conn, f=ALL, sort="Email; DROP TABLE x")


# --- search terms --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query", ["98765 43210", "+91-98765-43210", "09876543210", "+919876543210", "919876543210"]
)
def test_search_by_phone_in_any_format(conn, query):
    cid = insert_customer(conn, Phone="+919876543210")
    page = records.search(conn, f=ALL, query=query)
    assert _ids(page) == [cid]
    assert page.match == "id_or_phone"


def test_search_by_customer_id(conn):
    cid = insert_customer(conn)
    assert cid in _ids(records.search(conn, f=ALL, query=str(cid)))


def test_search_by_email_prefix(conn):
    cid = insert_customer(conn, Email="zed.unique.person@example.com")
    page = records.search(conn, f=ALL, query="Zed.Unique")
    assert _ids(page) == [cid]  # no '@': no name matches, then the start of an email's local part
    assert page.match == "email_local"
    page = records.search(conn, f=ALL, query="zed.unique.person@")
    assert _ids(page) == [cid]
    assert page.match == "email"


@pytest.mark.parametrize("query", ["Qadir Zy", "qadir zy", "QADIR ZY", "qadir"])
def test_name_prefix_is_case_insensitive(conn, query):
    cid = insert_customer(conn, Customer_Name="Qadir Zyxwabcd")
    page = records.search(conn, f=ALL, query=query)
    assert cid in _ids(page)
    assert page.match == "name_prefix"


def test_name_contains_when_no_name_starts_with_it(conn):
    cid = insert_customer(conn, Customer_Name="Qadir Zyxwabcd")
    page = records.search(conn, f=ALL, query="xwabc")
    assert _ids(page) == [cid]
    assert page.match == "name_contains"
    assert records.search(conn, f=ALL, query="Qadir", match="contains").match == "name_contains"


def test_no_match(conn):
    page = records.search(conn, f=ALL, query="Nobody Withthisname")
    assert (page.total, page.match, page.next_after) == (0, "none", None)
    assert list(page.rows.columns) == list(records.SEARCH_COLUMNS)


@pytest.mark.parametrize("text", INJECTIONS)
def test_injection_strings_are_searched_as_plain_data(conn, text):
    cid = writes.create_customer(conn, actor=EDITOR, data=customer_data(Customer_Name=text)).record_id
    before = conn.execute(select(func.count()).select_from(customer_info)).scalar_one()
    page = records.search(conn, f=ALL, query=text)
    assert _ids(page) == [cid]
    assert page.rows.iloc[0]["Customer_Name"] == text
    assert records.search(conn, f=ALL, query=text[:5], match="contains").total >= 1
    assert conn.execute(select(func.count()).select_from(customer_info)).scalar_one() == before


def test_like_wildcards_are_literal(conn):
    insert_customer(conn, Customer_Name="Percy Underscore")
    assert records.search(conn, f=ALL, query="%", match="contains").total == 0
    assert records.search(conn, f=ALL, query="_", match="contains").total == 0


# --- 360 -----------------------------------------------------------------------------------------


def test_customer_360(conn):
    cid = writes.create_customer(conn, actor=EDITOR, data=customer_data(City="Pune")).record_id
    old = insert_segment(conn, cid, Last_Updated=dt.datetime(2020, 1, 1))
    new = writes.add_segment(
        conn, actor=EDITOR, customer_id=cid, data={"Segment_Name": "Top", "Segment_Category": "VIP"}
    )
    writes.add_preference(conn, actor=EDITOR, customer_id=cid, data={"Communication_Channel": "SMS"})
    view = records.customer_360(conn, customer_id=cid)
    assert view.profile["City"] == "Pune"
    assert list(view.preferences["Communication_Channel"]) == ["SMS"]
    current = dict(zip(view.segments["Segment_ID"], view.segments["is_current"], strict=True))
    assert current == {new.record_id: True, old: False}
    assert view.history.iloc[0]["table_name"] == "Customer_Preferences"  # newest first
    assert set(view.history["action"]) == {"create"}
    assert records.customer_360(conn, customer_id=987654321) is None
