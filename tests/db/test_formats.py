"""db.formats: one way to write dates, times and missing values for people."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from db.formats import MISSING, date_text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (dt.date(2026, 12, 1), "1 Dec 2026"),
        (dt.date(2025, 3, 24), "24 Mar 2025"),
        (dt.datetime(2026, 12, 1, 14, 5, 33), "1 Dec 2026, 14:05"),
        (pd.Timestamp("2026-01-09 08:00"), "9 Jan 2026, 08:00"),
        (None, MISSING),
        (pd.NaT, MISSING),
        (float("nan"), MISSING),
    ],
)
def test_date_text(value, text):
    assert date_text(value) == text
