"""A viewer's view of a customer's history hides personal values, also inside a record written whole."""

from __future__ import annotations

import json

import pandas as pd

from dashboard.records_data import MASK, mask_history


def test_personal_values_are_masked_in_field_rows_and_whole_records():
    created = {"Customer_Name": "Asha Rao", "Email": "asha@example.in", "Phone": "+919876543210",
               "Date_of_Birth": "1990-01-02", "City": "Pune"}  # fmt: skip
    history = pd.DataFrame(
        {
            "field": ["Email", "City", "*"],
            "old_value": ["old@example.in", "Agra", None],
            "new_value": ["new@example.in", "Pune", json.dumps(created)],
        }
    )
    out = mask_history(history)
    assert out.loc[0, ["old_value", "new_value"]].tolist() == [MASK, MASK]
    assert out.loc[1, ["old_value", "new_value"]].tolist() == ["Agra", "Pune"]
    record = json.loads(out.loc[2, "new_value"])
    assert record == {**created, "Email": MASK, "Phone": MASK, "Date_of_Birth": MASK}
    assert "asha@example.in" not in out.to_string()
