"""Every chart CSV of the five dashboards (and the top-at-risk table's), as downloaded from the
pages under AppTest over demo data: numbers carry no more decimals than their unit allows (money 2,
scores 1, shares 4, days 0: db.formats.DECIMALS by db.analytics.metrics.COLUMN_UNITS), and the
rounded values are an independent pandas round of the figures computed again from the copy; the
charts themselves keep plotting the full values."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re

import pandas as pd
import pytest

from db.analytics import churn, consent, demographics, overview, value
from db.analytics.metrics import COLUMN_UNITS
from db.filters import CustomerFilter
from db.formats import DECIMALS
from tests.pages.test_dashboards import arr, copy_of, run_page, titled

# Each download button (by its key, csv-<chart key>) and the frame behind it, computed anew.
FRAMES = {
    "ov-months": overview.new_per_month,
    "ov-status": overview.status_mix,
    "dm-age": demographics.age_gender,
    "dm-gender": demographics.gender_mix,
    "dm-state": lambda con, f: demographics.by_state(con, f=f, top=15),
    "dm-city": lambda con, f: demographics.by_city(con, f=f, top=20),
    "dm-abroad": demographics.abroad,
    "dm-cohorts": demographics.join_cohorts,
    "dm-loyalty": demographics.loyalty_distribution,
    "sg-total": value.by_category,
    "sg-mean": value.by_category,
    "sg-dist": value.distribution,
    "sg-tree": value.category_tree,
    "sg-engagement": value.engagement_by_category,
    "sg-pareto": value.pareto,
    "ch-dist": churn.risk_distribution,
    "ch-heat": churn.risk_heatmap,
    "ch-var-cat": churn.value_at_risk_by_category,
    "ch-idle": lambda con, f: churn.risk_vs_inactivity(con, f=f, today=dt.date.today()),
    "ch-var-state": churn.value_at_risk_by_state,
    "ch-matrix": churn.value_risk_matrix,
    "ch-matrix-bands": churn.value_risk_matrix,  # the same frame, drawn for phones
    "ch-top": lambda con, f: churn.top_at_risk(con, f=f, limit=100),
    "cs-mix": lambda con, f: consent.channel_mix_of(consent.rates(con, f=f)),
    "cs-reach": consent.reachable_by_channel,
    "cs-rates": consent.rates,
    "cs-lang": lambda con, f: consent.mix_of(consent.language_time_zone(con, f=f), "language"),
    "cs-tz": lambda con, f: consent.mix_of(consent.language_time_zone(con, f=f), "time_zone"),
}
VIEWS = [  # (page, filter): demographics shows cities instead of countries abroad once a state is chosen
    ("overview", {}),
    ("demographics", {}),
    ("demographics", {"states": "Maharashtra"}),
    ("segments", {}),
    ("churn", {}),
    ("consent", {}),
]
_DECIMAL = re.compile(r"-?\d+\.\d+|-?\d+(\.\d+)?[eE][-+]?\d+")


def _key(element_id: str) -> str:
    found = [k for k in FRAMES if element_id.endswith(f"csv-{k}")]
    assert found, f"a chart CSV this test does not know: {element_id} (add it to FRAMES)"
    return found[0]


def _downloaded(downloads, page: str, params: dict) -> dict[str, list[dict]]:
    """The CSV rows (as text) of every chart download button of the page, by chart key."""
    at = run_page(page, params)
    out = {}
    for button in at.get("download_button"):
        rows = csv.DictReader(io.StringIO(downloads[button.id]().decode("utf-8-sig")))
        out[_key(button.id)] = list(rows)
    return out


def _places(column: str) -> int | None:
    return DECIMALS.get(COLUMN_UNITS.get(column, ""))


def _check(rows: list[dict], full: pd.DataFrame, key: str) -> int:
    """Each cell has at most its unit's decimals and equals the pandas round of the full value;
    the number of cells that rounding changed."""
    assert len(rows) == len(full), key
    assert list(rows[0]) == [str(c) for c in full.columns], key
    changed = 0
    for col in full.columns:
        places, cells = _places(col), [r[col] for r in rows]
        if places is None:  # no unit: counts and text, no decimals in the file either
            assert not any(_DECIMAL.fullmatch(c) for c in cells), (key, col, cells[:5])
            assert not pd.api.types.is_float_dtype(full[col]), f"{key}: {col} is a float without a unit"
            continue
        pattern = re.compile(r"-?\d+" + (rf"(\.\d{{1,{places}}})?" if places else ""))
        if not pd.api.types.is_float_dtype(full[col]):  # whole numbers (risk bins), or "never"
            assert not any(_DECIMAL.fullmatch(c) for c in cells), (key, col, cells[:5])
            continue
        expected = full[col].round(places)
        for cell, want, raw in zip(cells, expected, full[col], strict=True):
            if math.isnan(raw):
                assert cell == "", (key, col, cell)
                continue
            assert pattern.fullmatch(cell), (key, col, cell)
            assert float(cell) == want, (key, col, cell, want)
            changed += float(cell) != raw
    return changed


@pytest.mark.parametrize(("page", "params"), VIEWS)
def test_every_chart_csv_is_rounded_by_unit(app_env, demo_engine, downloads, page, params):
    got = _downloaded(downloads, page, params)
    assert got, f"{page}: no chart CSV"
    f = CustomerFilter.from_params(params)
    with copy_of(demo_engine) as con:
        full = {key: FRAMES[key](con, f=f) for key in got}
    changed = {key: _check(rows, full[key], key) for key, rows in got.items()}
    if page in ("segments", "churn", "consent"):  # pages with money, score or share figures
        assert sum(changed.values()) > 0, f"{page}: rounding changed nothing: {changed}"


def test_every_chart_key_is_downloaded_somewhere(app_env, downloads):
    seen = set()
    for page, params in VIEWS:
        seen |= set(_downloaded(downloads, page, params))
    assert seen == set(FRAMES)


def test_the_chart_plots_the_full_values(app_env, demo_engine):
    at = run_page("segments")
    with copy_of(demo_engine) as con:
        totals = value.by_category(con, f=CustomerFilter())
    spec = titled(at, "Total lifetime value by segment category")["data"][0]
    plotted = dict(zip(arr(spec["x"]), arr(spec["y"]), strict=True))
    assert plotted == dict(zip(totals["category"], totals["total"], strict=True))  # exactly, unrounded
    assert any(round(v, 2) != v for v in plotted.values())
