"""CSV downloads of the data behind a chart or table, safe to open in a spreadsheet."""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

# A cell starting with one of these is read as a formula by Excel / LibreOffice / Sheets.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """Prefix a text cell that a spreadsheet would run as a formula with a single quote."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV (with BOM, so Excel shows ₹ and Indian names right) with text cells neutralised."""
    safe = frame.copy()
    for col in safe.columns:
        if safe[col].dtype == object or pd.api.types.is_string_dtype(safe[col]):
            safe[col] = safe[col].map(neutralise)
    safe.columns = [neutralise(str(c)) for c in safe.columns]
    return safe.to_csv(index=False).encode("utf-8-sig")


def file_name(title: str) -> str:
    """'Value at risk by state' -> 'value_at_risk_by_state.csv'."""
    slug = re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")
    return f"{slug or 'data'}.csv"


def download_csv(frame: pd.DataFrame, *, name: str, key: str, label: str = "Download CSV") -> None:
    """A small download button for `frame` (the data behind one chart or table); the CSV is built
    when the button is clicked, not on every rerun of the page."""
    st.download_button(
        label,
        data=lambda: csv_bytes(frame),
        file_name=file_name(name),
        mime="text/csv",
        key=key,
        on_click="ignore",
        type="tertiary",
        icon=":material/download:",
        help="The data behind this view, as CSV (cells that start like a formula are quoted).",
    )
