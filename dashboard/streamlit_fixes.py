"""A fix for installed Streamlit's session state: widgets that are gone give back their memory.

Streamlit (1.67) drops a stale widget's value at the end of each script run, but never its
metadata (`WStates.widget_metadata`): one entry per widget ID the session has ever drawn, each
holding the widget's serializers and through them its `format_func`, whose closure keeps the page
run's whole namespace alive (a Customer 360 with its tables). Widget IDs change with a widget's
label, options and default, so an editor who opens customer after customer grows the server by
the pages they saw (bench/load.py: about 20 MB a minute with 5 editors, see the README).

`install()` wraps `SessionState._remove_stale_widgets` so that, after Streamlit's own cleanup,
metadata is kept only for widgets that still have a value or ran in this script run.
tests/dashboard/test_streamlit_fixes.py fails when Streamlit changes these internals, and when
Streamlit starts pruning on its own (then this module can go).
"""

from __future__ import annotations

from streamlit.runtime.state.session_state import SessionState

ORIGINAL = SessionState._remove_stale_widgets


def _remove_stale_widgets(self: SessionState, active_widget_ids: frozenset[str]) -> None:
    ORIGINAL(self, active_widget_ids)
    widgets = self._new_widget_state
    keep = active_widget_ids | widgets.states.keys() | self._old_state.keys()
    for widget_id in [k for k in widgets.widget_metadata if k not in keep]:
        del widgets.widget_metadata[widget_id]


def install() -> None:
    """Idempotent: called by streamlit_app.py on every run."""
    SessionState._remove_stale_widgets = _remove_stale_widgets
