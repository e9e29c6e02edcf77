"""Demographics (being built)."""

import streamlit as st

st.title("Demographics")
st.info("This page is being built.")
