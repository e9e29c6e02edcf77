"""Fixtures for the security tests: a small seeded SQLite app database with one user per role,
the whole app under AppTest (streamlit_app.py, so the gate and st.navigation are exercised), and
helpers that search everything a run rendered."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
import streamlit as st
from argon2 import PasswordHasher
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from dashboard import auth
from db import users
from db.access import Actor
from db.engine import make_engine
from db.models import customer_info
from tests.pages._records_fixtures import PRIYA, SCRIPT_NAME, build_template, copy_database

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"
ACTORS = {
    "admin": Actor("ada", "admin"),
    "editor": Actor("eddie", "editor"),
    "marketer": Actor("mara", "marketer"),
    "viewer": Actor("vera", "viewer"),
}
__all__ = ["ACTORS", "PASSWORD", "PRIYA", "ROOT", "SCRIPT_NAME"]


@pytest.fixture(autouse=True)
def _cheap_hashes(cheap_hashes):
    """Every test here hashes passwords cheaply."""


@pytest.fixture(scope="session")
def app_template(tmp_path_factory):
    """200 demo customers + Priya + the <script> customer, and one user per role (ACTORS)."""
    path = tmp_path_factory.mktemp("security_template") / "template.db"
    ids = build_template(path)
    engine = make_engine(f"sqlite:///{path}")
    fast = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    saved = users._hasher
    users._hasher = fast
    try:
        with engine.connect() as conn:
            first = True
            for role, actor in ACTORS.items():
                users.create_user(
                    conn,
                    actor=None if first else ACTORS["admin"],
                    username=actor.username,
                    display_name=actor.username.title(),
                    email=f"{actor.username}@company.example",
                    role=role,
                    password=PASSWORD,
                )
                first = False
            conn.commit()
    finally:
        users._hasher = saved
        engine.dispose()
    return path, ids


@pytest.fixture(autouse=True)
def served_process(request, monkeypatch):
    """AppTest starts every run as if the server process were new (it resets Streamlit's legacy
    pages/-directory flag). A real server clears that flag for good at the first st.navigation
    call; emulate that, except in tests using the `fresh_process` fixture (the very first run)."""
    if "fresh_process" in request.fixturenames:
        return
    from streamlit.runtime.pages_manager import PagesManager

    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)


@pytest.fixture
def fresh_process():
    """Marks a test about the first run of a fresh server process (see served_process)."""


def clear_caches() -> None:
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def app_db(app_template, tmp_path, monkeypatch):
    """A private copy of the template per test; the app's DATABASE_URL points at it."""
    path, ids = app_template
    url = copy_database(path, tmp_path / "app.db")
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DEMO_CUSTOMERS", "0")
    clear_caches()
    yield url, ids
    clear_caches()


@pytest.fixture
def empty_db(tmp_path, monkeypatch):
    """A database with no users (migrated by the app itself on first run)."""
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DEMO_CUSTOMERS", "0")
    clear_caches()
    yield url
    clear_caches()


def whole_app(role: str | None = None, *, page: str | None = None, **query) -> AppTest:
    """streamlit_app.py, signed in as the user of `role` (None: nobody), already run once."""
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    if role:
        at.session_state[auth.SESSION_KEY] = auth.session_for(ACTORS[role])
    for k, v in query.items():
        at.query_params[k] = str(v)
    at.run()
    if page:
        at.switch_page(page).run()
    return at


def registered_pages(at: AppTest) -> set[str]:
    """The page files st.navigation registered in the last run (relative to the project)."""
    out = set()
    for info in at._registered_pages.values():  # what AppTest.switch_page resolves against
        if path := info.get("script_path"):
            out.add(Path(str(path)).resolve().relative_to(ROOT).as_posix())
    return out


def rendered_text(at: AppTest) -> str:
    """Everything the last run sent to the browser: every element's protobuf (including the Arrow
    bytes of tables) and every table's values as CSV."""
    parts = []

    def walk(node):
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))
        if getattr(node, "type", None) in ("arrow_data_frame", "dataframe", "table"):
            with contextlib.suppress(Exception):
                parts.append(node.value.to_csv())
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(parts)


def all_customers(url: str) -> list[dict]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return [dict(r) for r in conn.execute(select(customer_info)).mappings()]
    finally:
        engine.dispose()
