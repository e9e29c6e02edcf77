"""The five dashboard pages under AppTest: no filters, several filters, no match; chart numbers."""

from __future__ import annotations

import base64
import json
import tempfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import auth
from dashboard.charts import NO_MATCH
from db.access import Actor
from db.analytics import churn, consent, demographics, overview, value
from db.analytics.store import AnalyticsStore
from db.filters import CustomerFilter

ROOT = Path(__file__).resolve().parents[2]
PAGES = ("overview", "demographics", "segments", "churn", "consent")

SEVERAL = {
    "states": "Maharashtra,Karnataka,Delhi",
    "genders": "Female,Male",
    "age_min": "25",
    "age_max": "60",
    "categories": "VIP,Premium,Standard",
    "risk_bands": "Medium,High",
}
NOTHING = {"cities": "Atlantis"}


@contextmanager
def copy_of(engine):
    """A reader of a fresh analytics copy of `engine` (the figures the pages should show)."""
    with tempfile.TemporaryDirectory() as tmp:
        store = AnalyticsStore(engine, directory=tmp)
        store.load()
        try:
            with store.reader() as con:
                yield con
        finally:
            store.close()


def run_page(name: str, params: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / f"{name}.py"), default_timeout=120)
    at.session_state[auth.SESSION_KEY] = auth.session_for(Actor("vera", "viewer"))
    for k, v in (params or {}).items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def arr(value) -> list:
    """A trace array from a Plotly spec: plain list, or Plotly's base64 typed array."""
    if isinstance(value, dict) and "bdata" in value:
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"]).tolist()
    return list(value)


def specs(at: AppTest) -> list[dict]:
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def titled(at: AppTest, start: str) -> dict:
    for spec in specs(at):
        if spec["layout"].get("title", {}).get("text", "").startswith(start):
            return spec
    raise AssertionError(f"no chart titled {start!r}: {[s['layout'].get('title') for s in specs(at)]}")


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_without_filters(app_env, page):
    at = run_page(page)
    assert len(at.get("plotly_chart")) >= 2
    assert not any(NO_MATCH in i.value for i in at.info)
    assert at.title[0].value


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_with_several_filters(app_env, page):
    at = run_page(page, SEVERAL)
    assert len(at.get("plotly_chart")) >= 2
    # The URL keeps the filter, normalised.
    assert at.query_params["states"] == "Delhi,Karnataka,Maharashtra"


@pytest.mark.parametrize("page", PAGES)
def test_page_without_matching_customers_says_so(app_env, page):
    at = run_page(page, NOTHING)
    assert any(NO_MATCH in i.value for i in at.info)
    assert not at.get("plotly_chart")


def test_bad_filter_values_are_ignored(app_env):
    at = run_page("overview", {"age_min": "old", "categories": "Gold,VIP", "joined_from": "yesterday"})
    assert at.query_params["categories"] == "VIP"
    assert "age_min" not in at.query_params
    assert "joined_from" not in at.query_params


def test_overview_numbers_match_the_analytics(app_env, demo_engine):
    f = CustomerFilter.from_params(SEVERAL)
    at = run_page("overview", SEVERAL)
    with copy_of(demo_engine) as conn:
        k = overview.kpis(conn, f=f)
        statuses = overview.status_mix(conn, f=f)
        months = overview.new_per_month(conn, f=f)
    assert at.metric[0].value == f"{k['customers']:,}"  # below a lakh Indian = western grouping
    spec = titled(at, "Customers by account status")
    assert dict(zip(arr(spec["data"][0]["y"]), arr(spec["data"][0]["x"]), strict=True)) == dict(
        zip(statuses["status"], statuses["customers"], strict=True)
    )
    assert sum(arr(titled(at, "New customers per month")["data"][0]["y"])) == months["customers"].sum()


def test_demographics_numbers_match_the_analytics(app_env, demo_engine):
    at = run_page("demographics")
    f = CustomerFilter()
    with copy_of(demo_engine) as conn:
        states = demographics.by_state(conn, f=f, top=15)
        genders = demographics.gender_mix(conn, f=f)
    spec = titled(at, "Customers by state")
    assert spec["data"][0]["y"] == list(states["state"])
    assert arr(spec["data"][0]["x"]) == list(states["customers"])
    gender = titled(at, "Gender mix")["data"][0]
    assert sum(arr(gender["x"])) == genders["customers"].sum() == 2000


def test_demographics_shows_cities_of_chosen_states(app_env, demo_engine):
    at = run_page("demographics", {"states": "Kerala"})
    with copy_of(demo_engine) as conn:
        cities = demographics.by_city(conn, f=CustomerFilter(states=("Kerala",)), top=20)
    spec = titled(at, "Customers by city")
    assert spec["data"][0]["customdata"] == list(cities["city"])


def test_segments_numbers_match_the_analytics(app_env, demo_engine):
    at = run_page("segments")
    with copy_of(demo_engine) as conn:
        totals = value.by_category(conn, f=CustomerFilter())
    spec = titled(at, "Total lifetime value by segment category")["data"][0]
    expected = dict(zip(totals["category"], totals["total"], strict=True))
    assert dict(zip(arr(spec["x"]), arr(spec["y"]), strict=True)) == pytest.approx(expected)


def test_churn_numbers_and_top_table(app_env, demo_engine):
    at = run_page("churn", {"categories": "VIP,Premium"})
    f = CustomerFilter(categories=("Premium", "VIP"))
    with copy_of(demo_engine) as conn:
        dist = churn.risk_distribution(conn, f=f)
        top = churn.top_at_risk(conn, f=f, limit=100)
    spec = titled(at, "Risk score distribution")
    assert sum(sum(arr(t["y"])) for t in spec["data"]) == dist["customers"].sum()
    assert {t["name"] for t in spec["data"]} <= {"Low", "Medium", "High"}
    table = at.dataframe[0].value
    assert list(table["Customer_ID"]) == list(top["Customer_ID"])
    assert table["Customer"].iloc[0] == f"customer?id={top['Customer_ID'].iloc[0]}"


def test_consent_numbers_match_the_analytics(app_env, demo_engine):
    at = run_page("consent")
    with copy_of(demo_engine) as conn:
        reach = consent.reachable_by_channel(conn, f=CustomerFilter())
    spec = titled(at, "Reachable customers per channel")["data"][0]
    assert dict(zip(arr(spec["y"]), arr(spec["x"]), strict=True)) == dict(
        zip(reach["channel"], reach["reachable"], strict=True)
    )
