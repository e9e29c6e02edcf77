"""Churn risk: who is likely to leave, and how much lifetime value goes with them."""

from functools import partial

import streamlit as st

from dashboard import audience_ui, auth, charts, data, export, filters, kpi, responsive
from dashboard.style import number, rupees
from db.analytics.churn import TOP_AT_RISK_COLUMNS

if auth.current_actor() is None:
    st.stop()
f = filters.sidebar()
st.title("Churn risk")
st.caption(
    "Risk score (0-100) of each customer's current segment. Risk bands: Low < 30 ≤ Medium < 70 ≤ High. "
    "Value at risk = lifetime value × risk score / 100. Click a bar or cell to narrow every page to it."
)
audience_ui.build_audience_button("Churn risk")

k = data.kpis(f)
if not k["customers"]:
    st.info(charts.NO_MATCH, icon=":material/filter_alt_off:")
    st.stop()

kpi.tiles(st.columns(4), ("avg_risk", "high_risk", "value_at_risk", "total_lifetime_value"), k)
st.caption(
    f"Based on {number(k['customers'])} customers, {number(k['scored'])} of them with a risk score "
    f"({number(k['not_scored'])} not scored: no risk score or no segment)."
)

left, right = st.columns(2, gap="large")
with left:
    dist = data.risk_distribution(f)
    filters.chart(charts.risk_distribution(dist), dist, key="ch-dist", drill=("risk_bands",))
with right:
    heat = data.risk_heatmap(f)
    filters.chart(charts.risk_heatmap(heat), heat, key="ch-heat", drill=("categories", "engagements"))

left, right = st.columns(2, gap="large")
with left:
    by_cat = data.value_at_risk_by_category(f)
    filters.chart(charts.value_at_risk_by_category(by_cat), by_cat, key="ch-var-cat", drill=("categories",))
with right:
    idle = data.risk_vs_inactivity(f)
    filters.chart(charts.risk_vs_inactivity(idle), idle, key="ch-idle")

# The state bars (16 rows) take the full width rather than leaving a half-empty row beside them.
by_state = data.value_at_risk_by_state(f)
filters.chart(charts.value_at_risk_by_state(by_state), by_state, key="ch-var-state", drill=("states",))

matrix = data.value_risk_matrix(f)
wide, narrow = responsive.wide_and_narrow("ch-matrix")
with wide:
    filters.chart(charts.value_risk_matrix(matrix), matrix, key="ch-matrix")
with narrow:
    filters.chart(charts.value_risk_bands(matrix), matrix, key="ch-matrix-bands")

TOP_TABLE_COLUMNS = {
    # Widths that fit the ~820 px main area (long cities and states such as "Visakhapatnam"
    # or "Andhra Pradesh" included).
    "Customer": st.column_config.LinkColumn(
        "ID", display_text=r"customer\?id=(\d+)", help="Open the Customer 360 page", width=52
    ),
    "Customer_Name": st.column_config.TextColumn("Name", width=150),
    "City": st.column_config.TextColumn("City", width=108),
    "State": st.column_config.TextColumn("State", width=118),
    "Segment_Category": st.column_config.TextColumn("Category", width=72),
    "Lifetime_Value": st.column_config.NumberColumn("Lifetime value", width=100),
    "Risk_Score": st.column_config.ProgressColumn(
        "Risk", min_value=0, max_value=100, format="%.0f", width=84
    ),
    "Value_At_Risk": st.column_config.NumberColumn("Value at risk", width=100),
}

st.subheader("Top 100 high-value customers in the High risk band")
top = data.top_at_risk(f, limit=100)
if top.empty:
    st.info("No High-risk customers among these customers.", icon=":material/verified_user:")
else:
    table = top.assign(Customer=[f"customer?id={i}" for i in top["Customer_ID"]])
    # Indian digit grouping (₹3,89,769) shown, the numbers kept for sorting
    money = {c: partial(rupees, compact=False, digits=0) for c in ("Lifetime_Value", "Value_At_Risk")}
    columns = {
        "wide": ["Customer", *TOP_AT_RISK_COLUMNS[1:]],
        "narrow": ["Customer", "Customer_Name", "Value_At_Risk"],  # a phone: who and how much
    }
    for form, container in zip(columns, responsive.wide_and_narrow("ch-top"), strict=True):
        container.dataframe(
            table.style.format(money),
            hide_index=True,
            column_order=columns[form],
            column_config=TOP_TABLE_COLUMNS,
            height=420,
        )
    export.download_csv(top, name="Top high-risk customers", key="csv-ch-top", page="Churn risk", f=f)
