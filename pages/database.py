"""Database: which database the app uses and how many rows each table holds."""

import streamlit as st

from dashboard import auth, data_status

if auth.current_actor() is None:
    st.stop()

st.title("Database")
st.caption(f"Connected to `{data_status.safe_url()}`")
counts = data_status.row_counts()
cols = st.columns(3)
for col, table in zip(cols, ("Customer_Info", "Customer_Preferences", "Customer_Segments"), strict=True):
    col.metric(table, f"{counts.get(table, 0):,}")
st.dataframe(
    [{"table": name, "rows": rows} for name, rows in counts.items()],
    hide_index=True,
    column_config={"rows": st.column_config.NumberColumn(format="localized")},
)
