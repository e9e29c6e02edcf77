"""New customer (being built)."""

import streamlit as st

st.title("New customer")
st.info("This page is being built.")
