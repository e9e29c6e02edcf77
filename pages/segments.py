"""Segments and value (being built)."""

import streamlit as st

st.title("Segments and value")
st.info("This page is being built.")
