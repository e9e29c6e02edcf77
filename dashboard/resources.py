"""Process-wide resources: settings and the engine (st.cache_resource), first-run bootstrap."""

from __future__ import annotations

import streamlit as st
from sqlalchemy import Engine

from db.bootstrap import prepare_database
from db.engine import make_engine
from db.settings import Settings


@st.cache_resource(show_spinner=False)
def settings() -> Settings:
    return Settings.load()


@st.cache_resource(show_spinner="Preparing the database…")
def engine() -> Engine:
    eng = make_engine(settings().database_url)
    report = prepare_database(eng, demo_customers=settings().demo_customers)
    st.session_state["_first_run_report"] = report
    return eng


def first_run_message() -> str | None:
    """What the bootstrap did on this process's first use, once per session."""
    report = st.session_state.pop("_first_run_report", None)
    if report and report.seeded:
        return f"First run: created the database and added {report.seeded:,} demo customers."
    return None
