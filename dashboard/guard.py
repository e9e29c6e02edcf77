"""Every page starts with `through_app()`, so a direct page URL still passes the sign-in gate."""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager


def through_app() -> None:
    """Re-run through streamlit_app.py when Streamlit ran this page on its own.

    Streamlit treats a folder named `pages/` as an old-style multipage app until the first
    st.navigation call in the process: the first request of a fresh server for /some_page
    would run that page without streamlit_app.py (no sign-in, no role filter). Turning that
    mode off and re-running makes Streamlit run streamlit_app.py, which routes to the page.
    """
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def needs_role(role: str, title: str):
    """A stand-in page for a page above the user's role: its address says so instead of "Page not
    found", and the real page file is never given to st.navigation."""

    def stand_in() -> None:
        st.title(title)
        st.error(f"This page needs the {role} role; ask an administrator for it.", icon=":material/lock:")

    stand_in.__name__ = f"needs_{role}"
    return stand_in
