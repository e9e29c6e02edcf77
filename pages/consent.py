"""Preferences and consent (being built)."""

import streamlit as st

st.title("Preferences and consent")
st.info("This page is being built.")
