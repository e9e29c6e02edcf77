"""Churn risk (being built)."""

import streamlit as st

st.title("Churn risk")
st.info("This page is being built.")
