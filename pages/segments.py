"""Segments and value: lifetime value by segment category and name, engagement, concentration."""

import streamlit as st

from dashboard import audience_ui, auth, charts, data, filters, kpi
from dashboard.style import percent

if auth.current_actor() is None:
    st.stop()
f = filters.sidebar()
st.title("Segments and value")
st.caption(
    "Every figure counts each customer once, by their current segment (their latest segment row); "
    "customers without a segment are the Unknown category. "
    "Click a category to narrow every page to it."
)
audience_ui.build_audience_button("Segments and value")

values = data.value_by_category(f)
if values.empty:
    st.info(charts.NO_MATCH, icon=":material/filter_alt_off:")
    st.stop()

shares = data.top_shares(f)
k = data.kpis(f)
tiles = st.columns(4)
kpi.tile(tiles[0], "total_lifetime_value", k)
kpi.tile(tiles[1], "customers", k)
tiles[2].metric(
    "Top 10% hold",
    percent(shares.get("top_10")),
    help="Share of the total current-segment lifetime value held by the 10% most valuable customers.",
    border=True,
)
tiles[3].metric(
    "Top 1% hold",
    percent(shares.get("top_1")),
    help="Share of the total current-segment lifetime value held by the 1% most valuable customers.",
    border=True,
)

left, right = st.columns(2, gap="large")
with left:
    filters.chart(charts.value_total_by_category(values), values, key="sg-total", drill=("categories",))
with right:
    filters.chart(charts.value_mean_median(values), values, key="sg-mean", drill=("categories",))

dist = data.value_distribution(f)
filters.chart(charts.value_distribution(dist), dist, key="sg-dist")

tree = data.category_tree(f)
filters.chart(charts.category_tree(tree), tree, key="sg-tree", drill=("categories",))
st.caption(
    "Each box is a segment name inside its category, sized by lifetime value. Click a category to filter."
)

left, right = st.columns(2, gap="large")
with left:
    engagement = data.engagement_by_category(f)
    filters.chart(
        charts.engagement_by_category(engagement),
        engagement,
        key="sg-engagement",
        drill=("categories", "engagements"),
    )
with right:
    curve = data.pareto(f)
    filters.chart(charts.pareto(curve, shares), curve, key="sg-pareto")
