"""Rules every page file keeps: it asks for the signed-in user first, and holds no data access."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PAGES = sorted((Path(__file__).resolve().parents[2] / "pages").glob("*.py"))


def _first_call(tree: ast.Module) -> str:
    for node in tree.body:
        for call in ast.walk(node):
            if isinstance(call, ast.Call):
                return ast.unparse(call.func)
    return ""


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_page_asks_for_the_signed_in_user_first(page):
    # Streamlit may run a pages/*.py file on its own (pages/ folder mode of a fresh process);
    # auth.current_actor() / through_app() re-route such a run through streamlit_app.py and its sign-in gate.
    assert _first_call(ast.parse(page.read_text())) in ("auth.current_actor", "through_app")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_page_holds_no_data_access(page):
    source = page.read_text()
    assert not re.search(r"\b(select|text)\(|\.execute\(|read_sql|sqlalchemy", source)
    assert "unsafe_allow_html" not in source
