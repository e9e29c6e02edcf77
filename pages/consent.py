"""Preferences and consent: how customers want to be contacted, and who can be reached."""

import streamlit as st

from dashboard import auth, charts, data, filters
from dashboard.style import number, percent

if auth.current_actor() is None:
    st.stop()
f = filters.sidebar()
st.title("Preferences and consent")
st.caption(
    "From the preference records of the customers selected in the sidebar (a customer may have "
    "several). Reachable on a channel = the customer's latest preference for that channel has "
    "notifications enabled and marketing consent, and the account is Active."
)

rates = data.consent_rates(f)
if rates.empty:
    st.info(charts.NO_MATCH, icon=":material/filter_alt_off:")
    st.stop()

overall = rates[rates["channel"] == "All"].iloc[0] if (rates["channel"] == "All").any() else rates.iloc[0]
reach = data.reachable_by_channel(f)
tiles = st.columns(4)
tiles[0].metric(
    "Preference records",
    number(overall["preferences"]),
    help="Preference records of these customers.",
    border=True,
)
tiles[1].metric(
    "Notifications enabled",
    percent(overall["notification_rate"]),
    help="Share of preference records with notifications enabled.",
    border=True,
)
tiles[2].metric(
    "Marketing consent",
    percent(overall["marketing_rate"]),
    help="Share of preference records with marketing consent.",
    border=True,
)
tiles[3].metric(
    "Newsletter",
    percent(overall["newsletter_rate"]),
    help="Share of preference records subscribed to the newsletter.",
    border=True,
)

left, right = st.columns(2, gap="large")
with left:
    mix = data.channel_mix(f)
    filters.chart(charts.channel_mix(mix), mix, key="cs-mix")
with right:
    filters.chart(charts.reachable_by_channel(reach), reach, key="cs-reach")

filters.chart(charts.consent_rates(rates), rates, key="cs-rates")

left, right = st.columns(2, gap="large")
with left:
    languages = data.language_mix(f)
    filters.chart(charts.language_mix(languages), languages, key="cs-lang")
with right:
    zones = data.timezone_mix(f)
    filters.chart(charts.timezone_mix(zones), zones, key="cs-tz")
