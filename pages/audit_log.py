"""audit_log (being built)."""

import streamlit as st

st.title("audit_log")
