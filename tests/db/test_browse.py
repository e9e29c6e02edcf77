"""The customer list browsed on the analytics copy (segment filters, risk sort) gives the same
pages as the list read from the source."""

from __future__ import annotations

import pytest

from db import records
from db.analytics import browse
from db.analytics.store import AnalyticsStore
from db.filters import CustomerFilter

FILTERS = [
    CustomerFilter(categories=("VIP",)),
    CustomerFilter(states=("Maharashtra",), risk_bands=("High", "Medium")),
    CustomerFilter(engagements=("Low",), statuses=("Active",)),
]
# sorts whose order is the same under every collation (names and cities sort by the engine's own)
SORTS = [("Customer_ID", False), ("Customer_ID", True), ("Risk_Score", True), ("Loyalty_Points", False)]


@pytest.fixture(scope="module")
def copy(seeded_engine, tmp_path_factory):
    store = AnalyticsStore(seeded_engine, directory=tmp_path_factory.mktemp("browse"))
    store.load()
    with store.reader() as con:
        yield con
    store.close()


@pytest.mark.parametrize("f", FILTERS, ids=["vip", "state-bands", "low-active"])
@pytest.mark.parametrize(("sort", "descending"), SORTS)
def test_pages_match_the_source(seeded_engine, copy, f, sort, descending):
    after_copy = after_source = None
    with seeded_engine.connect() as conn:
        for _ in range(2):
            ids, total, after_copy = browse.page(
                copy, f=f, sort=sort, descending=descending, after=after_copy, limit=37
            )
            page = records.search(conn, f=f, sort=sort, descending=descending, after=after_source, limit=37)
            after_source = page.next_after
            assert ids == page.rows["Customer_ID"].tolist()
            assert total == page.total or page.total_is_capped
            rows = records.rows_of(conn, ids=ids)
            assert rows["Customer_ID"].tolist() == ids
            assert list(rows.columns) == list(page.rows.columns)
