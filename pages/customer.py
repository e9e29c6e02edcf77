"""Customer 360 (being built)."""

import streamlit as st

st.title("Customer 360")
st.info("This page is being built.")
