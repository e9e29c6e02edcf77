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


def test_audit_rows_for_people():
    from db.audit_query import readable

    rows = pd.DataFrame(
        {
            "action": ["update", "create"],
            "table_name": ["Customer_Preferences", "Customer_Info"],
            "field": ["Marketing_Consent", "*"],
            "old_value": ["true", None],
            "new_value": ["false", '{"Customer_Name": "Asha Rao", "City": "Pune"}'],
        }
    )
    out = readable(rows).fillna({"old_value": "-"})
    assert out.to_dict("records") == [
        {"action": "Change", "table_name": "Preference", "field": "Marketing consent", "old_value": "Yes",
         "new_value": "No"},
        {"action": "Create", "table_name": "Customer", "field": "All fields", "old_value": "-",
         "new_value": "Name: Asha Rao; City: Pune"},
    ]  # fmt: skip
