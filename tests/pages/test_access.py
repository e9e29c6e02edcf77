"""Which pages each role may use: registered with st.navigation or not, and what a crafted URL reaches.

The whole app runs (streamlit_app.py), so the gate and the role filter are what is tested.
"""

# ruff: noqa: F811 - fixtures shared with tests/security are imported by name
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from db.access import ROLE_RANK
from tests.security.conftest import (  # noqa: F401 - fixtures
    ROOT,
    _cheap_hashes,
    app_db,
    app_template,
    fresh_process,
    registered_pages,
    served_process,
    whole_app,
)

APP_PAGES = __import__("ast").literal_eval(
    (ROOT / "streamlit_app.py").read_text().split("PAGES = ", 1)[1].split("\n]\n", 1)[0] + "\n]"
)
ROLES = tuple(ROLE_RANK)  # viewer, marketer, editor, admin
CASES = [(role, path, least) for role in ROLES for (_, path, _, _, least) in APP_PAGES]


def _allowed(role: str, least: str) -> bool:
    return ROLE_RANK[role] >= ROLE_RANK[least]


def test_admin_pages_are_listed_for_admins_only():
    admin_only = {path for (_, path, _, _, least) in APP_PAGES if least == "admin"}
    assert {"pages/users.py", "pages/audit_log.py", "pages/import_csv.py"} <= admin_only
    editor_up = {path for (_, path, _, _, least) in APP_PAGES if least == "editor"}
    assert "pages/new_customer.py" in editor_up


@pytest.mark.parametrize("role", ROLES)
def test_navigation_registers_exactly_the_pages_of_the_role(app_db, role):
    at = whole_app(role)
    assert not at.exception, at.exception
    expected = {path for (_, path, _, _, least) in APP_PAGES if _allowed(role, least)}
    assert registered_pages(at) == expected


def test_signed_out_registers_no_page(app_db):
    at = whole_app(None)
    assert registered_pages(at) == set()
    assert [t.value for t in at.title] == ["Sign in"]


@pytest.mark.parametrize(("role", "path", "least"), CASES)
def test_page_reachable_or_not(app_db, role, path, least):
    at = whole_app(role)
    if _allowed(role, least):
        at.switch_page(path).run()
        assert not at.exception, at.exception
        assert "This page is for administrators" not in str([e.value for e in at.error])
    else:
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(path)


@pytest.mark.parametrize(("role", "path", "least"), [c for c in CASES if not _allowed(c[0], c[2])])
def test_crafted_url_of_a_forbidden_page_says_which_role_it_needs(app_db, role, path, least):
    """What a browser sends for /import_csv: the hash of that URL path. The session registered only a
    hidden stand-in there (never the page itself), which says which role the page needs."""
    at = whole_app(role)
    url_path = path.removeprefix("pages/").removesuffix(".py")
    at._page_hash = calc_hash(url_path)
    at.run()
    assert not at.exception, at.exception
    assert path not in registered_pages(at)
    forbidden_title = next(t for (_, p, t, _, _) in APP_PAGES if p == path)
    assert [t.value for t in at.title] == [forbidden_title]
    assert [e.value for e in at.error] == [f"This page needs the {least} role; ask an administrator for it."]
    assert not at.dataframe and not at.text_input and not at.get("download_button")


@pytest.mark.parametrize("path", [p for (_, p, _, _, _) in APP_PAGES])
def test_signed_out_crafted_url_reaches_only_the_sign_in_page(app_db, path):
    at = whole_app(None)
    at._page_hash = calc_hash(path.removeprefix("pages/").removesuffix(".py"))
    at.run()
    assert [t.value for t in at.title] == ["Sign in"]
    assert registered_pages(at) == set()


@pytest.mark.parametrize("path", [p for (_, p, _, _, _) in APP_PAGES])
def test_first_run_of_a_fresh_process_does_not_run_a_page_ungated(app_db, fresh_process, path):
    """Streamlit's legacy pages/-directory mode is on until st.navigation has run once in the
    process: a first request for a page URL then runs pages/x.py directly, without the gate.
    Pages that call auth.current_actor() first are stopped there."""
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    at.switch_page(path)  # before the first run: resolved by file name, as on a fresh server
    at.run()
    titles = [t.value for t in at.title]
    assert titles in ([], ["Sign in"]), f"{path} ran without the gate on a fresh process's first run"
    assert not at.dataframe and not at.get("plotly_chart")
