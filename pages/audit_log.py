"""Audit log: every change and every export of personal data, who did it and when (admins only)."""

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard import auth, resources
from db import audit_query
from db.audit import ACTION_FILTER_LABELS
from db.formats import COLUMN_DATETIME, INPUT_DATE

actor = auth.current_actor()
if actor is None or not actor.can("admin"):
    st.error("This page is for administrators.")
    st.stop()

st.title("Audit log")
st.caption(
    "Every change to customers, preferences, segments and users, and every download of personal data "
    "(customer list, contact lists, tables of customers, this log), newest first."
)

with resources.engine().connect() as conn:
    choices = audit_query.options(conn, actor=actor)

c1, c2, c3, c4 = st.columns([2, 1, 2, 2])
usernames = c1.multiselect("User", choices["usernames"])
customer_id = c2.number_input(
    "Customer ID", min_value=1, step=1, value=None, placeholder="All", help="Empty: all customers"
)
tables = c3.multiselect("Table", choices["tables"])
dates = c4.date_input("Date range", value=(), max_value=dt.date.today(), format=INPUT_DATE)
action_choices = [*ACTION_FILTER_LABELS, *(a for a in choices["actions"] if a not in ACTION_FILTER_LABELS)]
actions = st.pills(
    "Action",
    action_choices,
    selection_mode="multi",
    format_func=lambda a: ACTION_FILTER_LABELS.get(a, a),
    key="audit_actions",
)

f = audit_query.AuditFilter(
    usernames=tuple(usernames),
    customer_id=None if customer_id is None else int(customer_id),
    tables=tuple(tables),
    actions=tuple(actions or ()),
    date_from=dates[0] if len(dates) >= 1 else None,
    date_to=dates[-1] if len(dates) >= 1 else None,
)

# Pages are keyset cursors; a new filter starts again at the newest page.
if st.session_state.get("audit_filter") != f:
    st.session_state["audit_filter"] = f
    st.session_state["audit_cursors"] = [None]
cursors = st.session_state["audit_cursors"]

with resources.engine().connect() as conn:
    page = audit_query.query(conn, actor=actor, f=f, before=cursors[-1], limit=100)

st.write(f"{page.total:,} {'entry matches' if page.total == 1 else 'entries match'} · page {len(cursors)}")
# Blank cells rather than "None" (a missing customer, old value, ...): IDs as text, gaps as "".
# An export's row says in words what the file held.
shown = audit_query.readable(page.rows)
for col in ("record_id", "customer_id"):
    shown[col] = [("" if pd.isna(v) else str(int(v))) for v in shown[col]]
for col in ("field", "old_value", "new_value", "table_name", "username", "action"):
    shown[col] = shown[col].astype(object).where(shown[col].notna(), "")
st.dataframe(
    shown,
    hide_index=True,
    column_config={
        "id": None,
        "at": st.column_config.DatetimeColumn("When", format=COLUMN_DATETIME),
        "username": "User",
        "action": "Action",
        "table_name": "Table",
        "record_id": st.column_config.TextColumn("Record"),
        "customer_id": st.column_config.TextColumn("Customer"),
        "field": "Field or file",
        "old_value": "Old value",
        "new_value": "New value or what the file held",
    },
)

b1, b2, b3 = st.columns([1, 1, 4])
if b1.button("Newer", disabled=len(cursors) == 1, icon=":material/arrow_back:"):
    cursors.pop()
    st.rerun()
if b2.button("Older", disabled=page.next_before is None, icon=":material/arrow_forward:"):
    cursors.append(page.next_before)
    st.rerun()


def export() -> str:
    """On the click: the CSV, and its own audit row (the log holds personal data)."""
    with resources.engine().connect() as conn:
        return audit_query.export_text(conn, actor=actor, f=f, page="Audit log")


b3.download_button(
    "Export CSV", data=export, file_name="audit_log.csv", mime="text/csv", icon=":material/download:"
)
