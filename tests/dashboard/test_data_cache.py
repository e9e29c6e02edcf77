"""The per-filter summaries are cached reads like the figures: a write clears them too."""

from __future__ import annotations

import pytest

from dashboard import cache, data

SEGMENT_TABLES = {"Customer_Info", "Customer_Segments", "current_segment"}


@pytest.mark.parametrize(
    ("read", "tables"),
    [
        (data.segment_summary, SEGMENT_TABLES),
        (data.value_summary, SEGMENT_TABLES),
        (data.customer_summary, SEGMENT_TABLES),  # a segment filter joins the segments
        (data.preference_summary, SEGMENT_TABLES | {"Customer_Preferences"}),
    ],
    ids=["segment", "value", "customer", "preference"],
)
def test_a_write_to_any_table_a_summary_reads_clears_it(read, tables):
    registered = {id(fn): reads for reads, fn in cache._REGISTRY}
    assert registered[id(read)] >= tables
