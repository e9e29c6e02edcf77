"""db.formats: one way to write dates, times, numbers and missing values for people."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from db.formats import DECIMALS, MISSING, date_text, rounded


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


def test_rounded_by_unit_leaves_the_frame_and_other_columns_alone():
    frame = pd.DataFrame(
        {
            "total": [24084565.147533998, 12.0],
            "mean_risk": [16.54482269503546, 73.45],
            "share": [0.7956204379562044, float("nan")],
            "days": [30.0, float("nan")],
            "customers": [3, 4],
            "label": ["=1.23456", "x"],
        }
    )
    units = {"total": "rupees", "mean_risk": "score", "share": "share", "days": "days"}
    units["customers"] = "customers"
    out = rounded(frame, units)
    assert out["total"].tolist() == [24084565.15, 12.0]
    assert out["mean_risk"].tolist() == [16.5, frame["mean_risk"].round(1)[1]]
    assert out["share"].iloc[0] == 0.7956 and pd.isna(out["share"].iloc[1])
    assert out["days"].dtype == "Int64" and out["days"].iloc[0] == 30 and pd.isna(out["days"].iloc[1])
    assert out["customers"].tolist() == [3, 4] and out["label"].tolist() == ["=1.23456", "x"]
    assert frame["total"].iloc[0] == 24084565.147533998  # the frame itself keeps its precision
    assert out.to_csv(index=False).splitlines()[1:] == [
        "24084565.15,16.5,0.7956,30,3,=1.23456",
        f"12.0,{frame['mean_risk'].round(1)[1]},,,4,x",
    ]
    assert DECIMALS == {"rupees": 2, "score": 1, "share": 4, "days": 0}
