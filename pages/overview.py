"""Overview: headline numbers of the filtered customers, joins per month, account status mix."""

import streamlit as st

from dashboard import auth, charts, data, filters, kpi
from dashboard.style import delta_look, delta_text, number

if auth.current_actor() is None:
    st.stop()
f = filters.sidebar()
st.title("Overview")
st.caption("Every number below covers the customers selected in the sidebar filters.")

k = data.kpis(f)
if not k["customers"]:
    st.info(charts.NO_MATCH, icon=":material/filter_alt_off:")
    st.stop()

row1 = st.columns(4)
kpi.tile(row1[0], "customers", k)
kpi.tile(row1[1], "active_share", k, help_extra=f"({number(k['active'])} customers)")
row1[2].metric(
    "New this month",
    number(k["new_this_month"]),
    delta=delta_text(k["new_this_month"], k["new_last_month"], relative=False),
    **delta_look(k["new_this_month"], k["new_last_month"]),
    help="Customers who joined this month up to today; the change compares with the same days of last "
    f"month ({number(k['new_last_month'])} customers).",
    border=True,
)
kpi.tile(row1[3], "total_lifetime_value", k)
kpi.tiles(st.columns(4), ("avg_risk", "high_risk", "value_at_risk", "value_at_risk_share"), k)

left, right = st.columns([3, 2], gap="large")
with left:
    months = data.new_per_month(f)
    filters.chart(charts.new_per_month(months), months, key="ov-months")
with right:
    statuses = data.status_mix(f)
    filters.chart(charts.status_mix(statuses), statuses, key="ov-status", drill=("statuses",))
    st.caption("Click a bar to show only customers with that account status.")
