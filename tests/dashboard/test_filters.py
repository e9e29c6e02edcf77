"""URL round trip of the filter, value clean-up, and the formatting functions (table-style)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from dashboard import style
from dashboard.export import csv_bytes, file_name, neutralise
from dashboard.filters import parse
from db.filters import CustomerFilter

ROUND_TRIP = [
    CustomerFilter(),
    CustomerFilter(states=("Kerala", "Maharashtra"), cities=("Kochi",)),
    CustomerFilter(countries=("India",), genders=("Female",), age_min=25, age_max=40),
    CustomerFilter(statuses=("Active",), joined_from=dt.date(2023, 1, 1), joined_to=dt.date(2024, 6, 30)),
    CustomerFilter(categories=("Premium", "VIP"), engagements=("Low",), risk_bands=("High", "Medium")),
]


@pytest.mark.parametrize("f", ROUND_TRIP)
def test_filter_survives_the_url(f):
    assert parse(f.to_params()) == f


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"age_min": "old"}, CustomerFilter()),
        ({"joined_from": "2024-13-40"}, CustomerFilter()),
        ({"categories": "Gold,VIP"}, CustomerFilter(categories=("VIP",))),
        ({"risk_bands": "Extreme"}, CustomerFilter()),
        ({"genders": "Female,,Male"}, CustomerFilter(genders=("Female", "Male"))),
        ({"age_min": "60", "age_max": "30"}, CustomerFilter()),
        ({"joined_from": "2024-05-01", "joined_to": "2024-01-01"}, CustomerFilter()),
        ({"states": ["Kerala", "Goa"]}, CustomerFilter(states=("Goa", "Kerala"))),
        ({"unknown": "x", "states": "Goa"}, CustomerFilter(states=("Goa",))),
    ],
)
def test_bad_url_values_are_ignored(params, expected):
    assert parse(params) == expected


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (0, "0"),
        (999, "999"),
        (1000, "1,000"),
        (12345, "12,345"),
        (123456, "1,23,456"),
        (1234567, "12,34,567"),
        (123456789, "12,34,56,789"),
        (-1234567, "-12,34,567"),
    ],
)
def test_indian_digit_grouping(n, text):
    assert style.indian_digits(n) == text


@pytest.mark.parametrize(
    ("value", "compact", "text"),
    [
        (0, True, "₹0"),
        (999.6, True, "₹1,000"),
        (45_300, True, "₹45,300"),
        (99_999, True, "₹99,999"),
        (1_00_000, True, "₹1.0 L"),
        (45_30_000, True, "₹45.3 L"),
        (1_20_00_000, True, "₹1.2 Cr"),
        (2_18_40_00_000, True, "₹218.4 Cr"),
        (12_34_567, False, "₹12,34,567"),
        (-45_30_000, True, "-₹45.3 L"),
        (None, True, "—"),
        (float("nan"), True, "—"),
    ],
)
def test_rupees(value, compact, text):
    assert style.rupees(value, compact=compact) == text


@pytest.mark.parametrize(
    ("fn", "value", "text"),
    [
        (style.number, 1234567, "12,34,567"),
        (style.number, None, "—"),
        (style.percent, 0.1234, "12.3%"),
        (style.percent, 1, "100.0%"),
        (style.percent, None, "—"),
        (style.score, 46.666, "46.7"),
    ],
)
def test_number_formats(fn, value, text):
    assert fn(value) == text


@pytest.mark.parametrize(
    ("current", "previous", "text"),
    [
        (82, 137, "-55 (-40%) vs last month"),
        (10, 0, "+10 vs last month"),
        (5, None, None),
        (0, 0, "±0 vs last month"),
        (7, 7, "±0 vs last month"),
    ],
)
def test_delta_text(current, previous, text):
    assert style.delta_text(current, previous) == text


@pytest.mark.parametrize(("current", "previous", "grey"), [(0, 0, True), (7, 7, True), (8, 7, False)])
def test_no_change_is_grey_without_an_arrow(current, previous, grey):
    assert (style.delta_look(current, previous) == {"delta_color": "off", "delta_arrow": "off"}) is grey


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+91 98", "'+91 98"),
        ("-x", "'-x"),
        ("@cmd", "'@cmd"),
        ("Kochi", "Kochi"),
        (5, 5),
    ],
)
def test_formula_cells_are_neutralised(cell, safe):
    assert neutralise(cell) == safe


def test_csv_bytes_neutralises_text_but_not_numbers():
    out = csv_bytes(pd.DataFrame({"name": ["=HYPERLINK()", "Asha"], "value": [-5.0, 10.0]})).decode(
        "utf-8-sig"
    )
    assert out.splitlines() == ["name,value", "'=HYPERLINK(),-5.0", "Asha,10.0"]


def test_file_name():
    assert file_name("Value at risk by state") == "value_at_risk_by_state.csv"


def test_every_concept_has_a_fixed_colour():
    from db.models import CATEGORIES, CHANNELS, ENGAGEMENT_LEVELS, GENDERS

    for mapping, values in (
        (style.CATEGORY_COLORS, CATEGORIES),
        (style.ENGAGEMENT_COLORS, ENGAGEMENT_LEVELS),
        (style.GENDER_COLORS, GENDERS),
        (style.CHANNEL_COLORS, CHANNELS),
        (style.RISK_BAND_COLORS, ("Low", "Medium", "High")),
    ):
        assert set(values) <= set(mapping)
        assert len({mapping[v] for v in values}) == len(values)
