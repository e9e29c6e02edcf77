"""dashboard.streamlit_fixes: a session that draws ever new widgets keeps only the current ones."""

from __future__ import annotations

import pytest
from streamlit.runtime.state.session_state import SessionState
from streamlit.testing.v1 import AppTest

from dashboard import streamlit_fixes

RUNS = 30


def _new_widgets_every_run() -> None:
    import streamlit as st

    n = st.session_state.setdefault("n", 0)
    st.session_state.n = n + 1
    big = list(range(10_000))  # kept alive through format_func's closure while its widget is
    st.selectbox(f"Segment {n}", ["a", "b"], format_func=lambda v: f"{v}{len(big)}")
    st.number_input(f"Risk score of segment {n}", value=float(n))
    st.text_input("Name", key="name")


def _metadata_after(runs: int) -> dict:
    at = AppTest.from_function(_new_widgets_every_run).run()
    for _ in range(runs - 1):
        at.run()
    assert not at.exception
    return at._session_state._state._new_widget_state.widget_metadata


def test_only_the_last_runs_widgets_keep_metadata():
    streamlit_fixes.install()
    metadata = _metadata_after(RUNS)
    labels = sorted(m.id.split("-")[-1] for m in metadata.values())
    assert len(metadata) == 3, labels


def test_a_keyed_widget_keeps_its_value_across_runs():
    streamlit_fixes.install()
    at = AppTest.from_function(_new_widgets_every_run).run()
    at.text_input[0].input("Asha").run()
    at.run().run()
    assert at.text_input[0].value == "Asha"


def test_installed_streamlit_still_keeps_stale_metadata(monkeypatch: pytest.MonkeyPatch):
    """Fails once Streamlit prunes widget metadata itself: then dashboard.streamlit_fixes can go."""
    monkeypatch.setattr(SessionState, "_remove_stale_widgets", streamlit_fixes.ORIGINAL)
    assert len(_metadata_after(RUNS)) > RUNS
