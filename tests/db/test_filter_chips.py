"""The active filter in words (the chips at the top of every dashboard) and removing one part."""

from __future__ import annotations

import datetime as dt

import pytest

from db.filters import CustomerFilter, chips, without


@pytest.mark.parametrize(
    ("params", "labels"),
    [
        ({}, []),
        ({"states": "Maharashtra"}, ["Maharashtra"]),
        ({"categories": "VIP", "risk_bands": "High"}, ["VIP", "High risk"]),
        ({"risk_bands": "Not scored,Low"}, ["Low risk", "Not scored"]),
        ({"engagements": "High"}, ["High engagement"]),
        ({"genders": "Female", "statuses": "Inactive"}, ["Female", "Inactive"]),
        ({"age_min": "30", "age_max": "45"}, ["Age 30 – 45"]),
        ({"age_min": "30"}, ["Age from 30"]),
        ({"age_max": "45"}, ["Age up to 45"]),
        ({"joined_from": "2024-01-01", "joined_to": "2024-03-31"}, ["Joined 2024-01-01 – 2024-03-31"]),
        ({"countries": "India", "cities": "Pune,Nashik"}, ["India", "Nashik", "Pune"]),
    ],
)
def test_chip_labels(params, labels):
    assert [c.label for c in chips(CustomerFilter.from_params(params))] == labels


def test_dates_in_the_given_format():
    f = CustomerFilter(joined_from=dt.date(2024, 1, 5))
    assert [c.label for c in chips(f, date_text=lambda d: d.strftime("%d %b %Y"))] == [
        "Joined from 05 Jan 2024"
    ]


@pytest.mark.parametrize(
    ("params", "remove", "left"),
    [
        (
            {"states": "Kerala,Maharashtra", "categories": "VIP"},
            "Kerala",
            {"states": "Maharashtra", "categories": "VIP"},
        ),
        ({"categories": "VIP"}, "VIP", {}),
        ({"age_min": "30", "age_max": "45", "genders": "Male"}, "Age 30 – 45", {"genders": "Male"}),
        ({"joined_from": "2024-01-01", "genders": "Male"}, "Joined from 2024-01-01", {"genders": "Male"}),
        ({"engagements": "High", "risk_bands": "High"}, "High risk", {"engagements": "High"}),
    ],
)
def test_removing_one_chip_keeps_the_rest(params, remove, left):
    f = CustomerFilter.from_params(params)
    (chip,) = [c for c in chips(f) if c.label == remove]
    assert without(f, chip).to_params() == left
