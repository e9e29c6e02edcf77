"""Demographics: who the filtered customers are and where they live."""

import streamlit as st

from dashboard import auth, charts, data, filters
from dashboard.formatting import literal
from dashboard.style import number
from db.analytics.metrics import AGE_BANDS, UNKNOWN

if auth.current_actor() is None:
    st.stop()
f = filters.sidebar()
st.title("Demographics")
st.caption(
    "Age, gender, place and tenure of the customers selected in the sidebar. "
    "Click a bar to narrow every page to it."
)

genders = data.gender_mix(f)
if genders.empty:
    st.info(charts.NO_MATCH, icon=":material/filter_alt_off:")
    st.stop()

left, right = st.columns([3, 2], gap="large")
with left:
    ages = data.age_gender(f)
    filters.chart(charts.age_gender(ages), ages, key="dm-age", drill=("genders",))
    st.caption(f"Age bands {', '.join(AGE_BANDS)} by the age on the customer's record; no age: {UNKNOWN}.")
with right:
    filters.chart(charts.gender_mix(genders), genders, key="dm-gender", drill=("genders",))

left, right = st.columns(2, gap="large")
with left:
    states = data.by_state(f, top=15)
    filters.chart(charts.by_state(states), states, key="dm-state", drill=("states",))
    st.caption(
        "The 15 states with most customers, the rest as one grey bar. Click a state to see its cities."
    )
with right:
    if f.states:
        cities = data.by_city(f, top=20)
        filters.chart(charts.by_city(cities), cities, key="dm-city", drill=("cities",))
        st.caption(f"Top cities of {literal(', '.join(f.states))}.")
    else:
        abroad = data.abroad(f)
        if abroad.empty:
            st.info("No customers outside India among these customers.", icon=":material/public:")
        else:
            filters.chart(charts.abroad(abroad), abroad, key="dm-abroad", drill=("countries",))
            st.caption(f"{number(abroad['customers'].sum())} customers live outside India (Country ≠ India).")

left, right = st.columns(2, gap="large")
with left:
    cohorts = data.join_cohorts(f)
    filters.chart(charts.join_cohorts(cohorts), cohorts, key="dm-cohorts")
with right:
    loyalty = data.loyalty_distribution(f)
    filters.chart(charts.loyalty_distribution(loyalty), loyalty, key="dm-loyalty")
