"""The copy's freshness in the sidebar: "Data as of HH:MM:SS", a rate-limited "Refresh now",
and what is happening while a load runs or after one failed."""

from __future__ import annotations

import streamlit as st

from dashboard import data
from dashboard.formatting import literal


def _refresh() -> None:
    if not data.refresh_now():
        st.toast("A refresh is already running or ran a moment ago.", icon=":material/schedule:")


def sidebar_status() -> None:
    status = data.status()
    with st.sidebar:
        when = status.as_of.strftime("%H:%M:%S") if status.as_of else "—"
        st.caption(
            f"Data as of {when}",
            help="The dashboards read a copy of the customer data that is refreshed when the database "
            "changes (checked every minute). Edits made in this app show at once.",
        )
        st.button(
            "Refresh now",
            key="data_refresh",
            type="tertiary",
            on_click=_refresh,
            icon=":material/refresh:",
            disabled=status.loading,
        )
        if status.loading:
            st.caption("Refreshing the data… the figures below stay as they were until it is done.")
        if status.error:
            st.warning(f"Showing data as of {when}: {literal(status.error)}.", icon=":material/sync_problem:")
