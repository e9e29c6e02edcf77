"""The filter bar above every dashboard: removable chips and "Showing N of M customers"."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.filter_bar import showing_text
from db.analytics import overview
from db.filters import CustomerFilter
from tests.pages.test_dashboards import PAGES, SEVERAL, copy_of, run_page

BAR_KEY = "filter_bar"


def _bar_texts(at) -> list[str]:
    return [m.value for m in at.markdown if m.value.startswith("Showing ")]


@pytest.mark.parametrize("page", PAGES)
def test_a_filtered_page_says_how_many_of_all_it_shows(app_env, demo_engine, page):
    at = run_page(page, SEVERAL)
    f = CustomerFilter.from_params(SEVERAL)
    with copy_of(demo_engine) as con:
        shown = overview.customer_count(con, f=f)
    total = len(pd.read_sql_table("Customer_Info", demo_engine))
    assert 0 < shown < total
    assert _bar_texts(at) == [showing_text(shown, total)]
    labels = [b.label for b in at.button if b.key and b.key.startswith("chip-") and b.key != "chip-clear"]
    assert labels == ["Delhi", "Karnataka", "Maharashtra", "Female", "Male", "Premium", "Standard", "VIP",
                      "High risk", "Medium risk", "Age 25 – 60"]  # fmt: skip


def test_the_count_matches_an_independent_count(app_env, demo_engine):
    at = run_page("overview", {"states": "Maharashtra", "genders": "Female"})
    info = pd.read_sql_table("Customer_Info", demo_engine)
    shown = int(((info["State"] == "Maharashtra") & (info["Gender"] == "Female")).sum())
    assert _bar_texts(at) == [showing_text(shown, len(info))]


def test_an_unfiltered_page_has_no_bar(app_env):
    at = run_page("overview")
    assert _bar_texts(at) == []
    assert not [b for b in at.button if b.key and b.key.startswith("chip-")]


def test_a_chip_removes_its_value_and_clear_all_removes_everything(app_env):
    at = run_page("churn", {"states": "Maharashtra,Kerala", "categories": "VIP"})
    (kerala,) = [b for b in at.button if b.key and b.key.startswith("chip-") and b.label == "Kerala"]
    kerala.click().run()
    assert at.query_params["states"] == "Maharashtra"
    assert at.query_params["categories"] == "VIP"
    at.button(key="chip-clear").click().run()
    assert "states" not in at.query_params and "categories" not in at.query_params
    assert _bar_texts(at) == []


def test_chip_labels_from_the_url_are_literal(app_env):
    at = run_page("overview", {"states": "**Big** [x](http://127.0.0.1:9/p)"})
    (chip,) = [b for b in at.button if b.key and b.key.startswith("chip-")]
    assert "\\*\\*Big\\*\\*" in chip.label and "\\[x\\]" in chip.label
