"""How dates, times, numbers and missing values are written for people: one format everywhere
(pages, CLI, the CSVs of charts and tables).

1 Dec 2026, 14:05 and "—"; Streamlit's table columns take the same in moment.js notation, and its
date pickers (which only know numeric orders) the Indian day/month/year. A number has the
decimals of its unit (DECIMALS; the units are db.analytics.metrics'), e.g. 24084565.15 rupees.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pandas as pd
import phonenumbers

MISSING = "—"
COLUMN_DATE = "D MMM YYYY"  # st.column_config.DateColumn
COLUMN_DATETIME = "D MMM YYYY, HH:mm"  # st.column_config.DatetimeColumn
INPUT_DATE = "DD/MM/YYYY"  # st.date_input

# Decimals of a number by its unit: money to the paisa, scores (0-100) to a tenth, shares as 0-1
# fractions (not per cent) to four places, i.e. a hundredth of a per cent; days whole. Units
# without an entry (counts: "customers") are whole numbers already and are left as they are.
DECIMALS = {"rupees": 2, "score": 1, "share": 4, "days": 0}


def date_text(value: object) -> str:
    """1 Dec 2026 (a datetime shows its time too); "—" when there is none."""
    if value is None or value is pd.NaT or (isinstance(value, float) and value != value):
        return MISSING
    if isinstance(value, dt.datetime):
        return f"{value.day} {value:%b %Y}, {value:%H:%M}"
    if isinstance(value, dt.date):
        return f"{value.day} {value:%b %Y}"
    return str(value)


def phone_text(value: object) -> str:
    """A phone as people read it: +91 66592 48672 for a valid stored number (in any format the
    customer's systems keep it), else exactly as stored; "—" when there is none."""
    if value is None or (isinstance(value, float) and value != value) or str(value).strip() == "":
        return MISSING
    text = str(value)
    try:
        number = phonenumbers.parse(text, "IN")
    except phonenumbers.NumberParseException:
        return text
    if not phonenumbers.is_valid_number(number):
        return text
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def rounded(frame: pd.DataFrame, units: Mapping[str, str]) -> pd.DataFrame:
    """A copy of `frame` for a file: each float column whose unit (`units`, by column name) has
    DECIMALS rounded to them (0 decimals: whole numbers, a missing value stays empty); every
    other column as it was. The frame itself (what a chart plots) keeps its full precision."""
    out = frame.copy()
    for col in out.columns:
        places = DECIMALS.get(units.get(str(col), ""))
        if places is None or not pd.api.types.is_float_dtype(out[col]):
            continue
        out[col] = out[col].round(places)
        if places == 0:
            out[col] = out[col].astype("Int64")
    return out
