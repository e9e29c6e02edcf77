"""Import CSV (being built)."""

import streamlit as st

st.title("Import CSV")
st.info("This page is being built.")
