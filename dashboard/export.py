"""CSV downloads of the data behind a chart or table, safe to open in a spreadsheet, numbers with
the decimals of their unit (money 2, scores 1, 0-1 shares 4: db.formats.DECIMALS by
db.analytics.metrics.COLUMN_UNITS); a download of personal data (db.exports.is_personal) writes
its audit row when it is built."""

from __future__ import annotations

import re
from collections.abc import Callable

import pandas as pd
import streamlit as st

from dashboard import auth, resources
from dashboard.cache import invalidate
from db import exports, formats, masking
from db.analytics.metrics import COLUMN_UNITS
from db.csv_cells import neutralise
from db.filters import CustomerFilter


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV (with BOM, so Excel shows ₹ and Indian names right): text cells neutralised,
    numbers rounded to their unit's decimals (the frame itself is left at full precision)."""
    safe = formats.rounded(frame, COLUMN_UNITS)
    for col in safe.columns:
        if safe[col].dtype == object or pd.api.types.is_string_dtype(safe[col]):
            safe[col] = safe[col].map(neutralise)
    safe.columns = [neutralise(str(c)) for c in safe.columns]
    return safe.to_csv(index=False).encode("utf-8-sig")


def file_name(title: str) -> str:
    """'Value at risk by state' -> 'value_at_risk_by_state.csv'."""
    slug = re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")
    return f"{slug or 'data'}.csv"


def audited(frame: pd.DataFrame, *, what: str, page: str, f: CustomerFilter | None) -> Callable[[], bytes]:
    """The deferred CSV of a frame of personal data: on the click, the CSV and its audit row.

    A table's or chart's frame never holds an email, phone or date of birth (those leave the app
    only in the customer list export, masked for the roles that may not see them): its file is
    recorded as not masked, and a frame with such a column is refused here rather than written."""
    if leaked := [str(c) for c in frame.columns if str(c) in masking.MASKED_COLUMNS]:
        raise ValueError(f"{what!r} holds {', '.join(leaked)}: a table's CSV must not carry them")
    actor, engine = auth.current_actor(), resources.engine()  # now: the callable may run outside the run
    export = exports.Export(
        what=what,
        field=f"table:{file_name(what).removesuffix('.csv')}",
        rows=len(frame),
        masked=False,  # nothing in it is masked: it has no column that would be
        page=page,
        filter=f.to_params() if f is not None else {},
    )

    def build() -> bytes:
        data = csv_bytes(frame)
        with engine.connect() as conn:
            exports.record(conn, actor=actor, export=export)
        invalidate({"audit_log"})
        return data

    return build


def download_csv(
    frame: pd.DataFrame,
    *,
    name: str,
    key: str,
    label: str = "Download CSV",
    page: str | None = None,
    f: CustomerFilter | None = None,
) -> None:
    """A small download button for `frame` (the data behind one chart or table); the CSV is built
    when the button is clicked, not on every rerun of the page. A frame with personal columns is
    audited then, with the page and filter it was downloaded from (`page` is required for it)."""
    if exports.is_personal(frame.columns):
        if page is None:
            raise ValueError(f"{name!r} holds personal data: its download needs page= for the audit log")
        data = audited(frame, what=name, page=page, f=f)
    else:
        data = lambda: csv_bytes(frame)  # noqa: E731
    st.download_button(
        label,
        data=data,
        file_name=file_name(name),
        mime="text/csv",
        key=key,
        on_click="ignore",
        type="tertiary",
        icon=":material/download:",
        help="The data behind this view, as CSV (cells that start like a formula are quoted).",
    )
