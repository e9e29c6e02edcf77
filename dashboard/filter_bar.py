"""The active filter at the top of the main area: removable chips and "Showing N of M customers".

The sidebar is hidden on a phone, so this bar is what tells someone who opened a shared link
that the page is filtered.
"""

from __future__ import annotations

import streamlit as st

from dashboard import data
from dashboard.formatting import literal
from dashboard.style import number
from db import formats
from db.filters import CustomerFilter, FilterChip, chips, without


def showing_text(shown: int, total: int) -> str:
    return f"Showing **{number(shown)}** of {number(total)} customers"


def show(f: CustomerFilter, *, apply) -> None:
    """Render the bar for filter `f` (nothing when it is empty); `apply(new_filter)` applies a removal."""
    if f.is_empty:
        return
    parts = chips(f, date_text=formats.date_text)
    with st.container(horizontal=True, vertical_alignment="center", gap="small", key="filter_bar"):
        st.markdown(
            showing_text(data.customer_count(f), data.customer_count(CustomerFilter())), width="content"
        )
        for i, chip in enumerate(parts):
            st.button(
                literal(chip.label),
                key=f"chip-{chip.field}-{i}",
                on_click=_remove,
                args=(f, chip, apply),
                icon=":material/close:",
                icon_position="right",
                help="Remove this filter",
            )
        if len(parts) > 1:
            st.button(
                "Clear all", key="chip-clear", on_click=apply, args=(CustomerFilter(),), type="tertiary"
            )


def _remove(f: CustomerFilter, chip: FilterChip, apply) -> None:
    apply(without(f, chip))
