"""Issue 14: the Customer 360's edit form is reachable at the top: tabs right under the customer's
name (Overview | Edit profile | Status and delete | History); a viewer has no edit tab at all."""

from __future__ import annotations

from tests.pages._records_fixtures import app
from tests.pages.test_records_pages import VIEWER, _tab_container


def _main_kinds(at) -> list[str]:
    """The kinds of the main area's top-level elements, in order."""
    return [getattr(node, "type", "") for node in at._tree[0].children.values()]


def test_the_edit_profile_tab_is_at_the_top_for_an_editor(db):
    url, ids = db
    at = app("customer.py", id=ids["priya"]).run()
    assert not at.exception, at.exception
    labels = [t.label for t in _tab_container(at).children.values()]
    assert labels == ["Overview", "Edit profile", "Status and delete", "History"]
    kinds = _main_kinds(at)
    # the page title, the customer's name and its caption, then the tabs: nothing else comes first
    assert kinds[: kinds.index("tab_container")] == ["title", "subheader", "caption"], kinds


def test_a_viewer_has_the_overview_and_history_tabs_only(db, monkeypatch):
    url, ids = db
    monkeypatch.setattr("dashboard.auth.current_actor", lambda: VIEWER)
    at = app("customer.py", id=ids["priya"]).run()
    assert not at.exception, at.exception
    assert [t.label for t in _tab_container(at).children.values()] == ["Overview", "History"]
    assert not at.text_input and not at.date_input and not at.number_input and not at.selectbox
    assert not at.button and not at.checkbox
