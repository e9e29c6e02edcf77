"""How dates, times and missing values are written for people: one format everywhere (pages, CLI).

1 Dec 2026, 14:05 and "—"; Streamlit's table columns take the same in moment.js notation, and its
date pickers (which only know numeric orders) the Indian day/month/year.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import phonenumbers

MISSING = "—"
COLUMN_DATE = "D MMM YYYY"  # st.column_config.DateColumn
COLUMN_DATETIME = "D MMM YYYY, HH:mm"  # st.column_config.DatetimeColumn
INPUT_DATE = "DD/MM/YYYY"  # st.date_input


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
