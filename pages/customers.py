"""Customer list (being built)."""

import streamlit as st

st.title("Customer list")
st.info("This page is being built.")
