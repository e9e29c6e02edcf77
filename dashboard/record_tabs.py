"""The Customer 360's tabs, right under the customer's name: which exist for a role, which is open.

Overview | Edit profile | Status and delete | History for a role that may edit; Overview | History
for the others (no edit widget exists for them at all).

The open tab is session state (stateful tabs, keyed), not a `default` the browser may ignore. A
write from a tab calls `keep_open(tab)` just before it runs; on the next run a failed write
re-opens its tab (the form, its messages and the typed values stay in view), a successful one
opens the Overview (the record as saved, under the "Saved: ..." banner).
"""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

OVERVIEW = "Overview"
EDIT = "Edit profile"
STATUS = "Status and delete"
HISTORY = "History"


class RecordTabs:
    def __init__(self, customer_id: int, *, can_edit: bool):
        self.names = [OVERVIEW, EDIT, STATUS, HISTORY] if can_edit else [OVERVIEW, HISTORY]
        self.key = f"customer-tabs-{customer_id}"
        self._pending = f"_customer.open-tab.{customer_id}"

    def show(self, failed: Mapping[str, bool]) -> dict[str, DeltaGenerator]:
        """The tabs, by name; `failed`: per tab, whether a write from it has problems to show."""
        wanted = st.session_state.pop(self._pending, None)
        if wanted in self.names:
            st.session_state[self.key] = wanted if failed.get(wanted) else OVERVIEW
        tabs = st.tabs(self.names, key=self.key, on_change="rerun")
        return dict(zip(self.names, tabs, strict=True))

    def keep_open(self, tab: str) -> None:
        """Before a write from inside `tab`: if it fails, the next run opens that tab."""
        st.session_state[self._pending] = tab
