"""Overview: headline numbers of the filtered customers, joins per month, account status mix."""

import streamlit as st

from dashboard import auth, charts, data, filters
from dashboard.style import delta_text, number, percent, rupees, score

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
row1[0].metric(
    "Customers",
    number(k["customers"]),
    help="Customers matching the filters (rows of Customer_Info).",
    border=True,
)
row1[1].metric(
    "Active share",
    percent(k["active_share"]),
    help=f"Share of these customers whose Account_Status is Active ({number(k['active'])} customers).",
    border=True,
)
row1[2].metric(
    "New this month",
    number(k["new_this_month"]),
    delta=delta_text(k["new_this_month"], k["new_last_month"], relative=False),
    help="Customers whose Join_Date falls in the current calendar month; the delta compares with last month "
    f"({number(k['new_last_month'])}"
    + (
        f", {(k['new_this_month'] - k['new_last_month']) / k['new_last_month']:+.0%}"
        if k["new_this_month"] is not None and k["new_last_month"]
        else ""
    )
    + ").",
    border=True,
)
row1[3].metric(
    "Total lifetime value",
    rupees(k["total_lifetime_value"]),
    help="Sum of Lifetime_Value of each customer's current segment (latest Customer_Segments row).",
    border=True,
)
row2 = st.columns(4)
row2[0].metric(
    "Average risk score",
    score(k["avg_risk"]),
    help="Mean churn Risk_Score (0-100) of the customers' current segments.",
    border=True,
)
row2[1].metric(
    "High-risk customers",
    number(k["high_risk"]),
    help="Customers whose current segment has Risk_Score ≥ 70 (the High risk band).",
    border=True,
)
row2[2].metric(
    "Value at risk",
    rupees(k["value_at_risk"]),
    help="Sum over customers of Lifetime_Value × Risk_Score / 100 of the current segment: "
    "the lifetime value expected to be lost to churn.",
    border=True,
)
row2[3].metric(
    "Value at risk share",
    percent(k["value_at_risk"] / k["total_lifetime_value"] if k["total_lifetime_value"] else None),
    help="Value at risk as a share of total lifetime value.",
    border=True,
)

left, right = st.columns([3, 2], gap="large")
with left:
    months = data.new_per_month(f)
    filters.chart(charts.new_per_month(months), months, key="ov-months")
with right:
    statuses = data.status_mix(f)
    filters.chart(charts.status_mix(statuses), statuses, key="ov-status", drill=("statuses",))
    st.caption("Click a bar to show only customers with that account status.")
