"""Process-wide resources: settings and the engine (st.cache_resource), first-run bootstrap,
and whether the data is demo data."""

from __future__ import annotations

import streamlit as st
from sqlalchemy import Engine

from dashboard.cache import cached
from db import demo_marker
from db.bootstrap import prepare_database
from db.connection_errors import FAILURES, describe
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


def database_problem() -> str | None:
    """Why the database cannot be used, in one line (None when it can); tried again each run."""
    try:
        engine()
    except FAILURES as error:
        return describe(error)
    return None


@cached(reads={"app_meta"}, ttl=60)
def demo_customers() -> int | None:
    """How many demo customers the seeder made here (None: the data is the company's own)."""
    with engine().connect() as conn:
        return demo_marker.demo_customers(conn)
