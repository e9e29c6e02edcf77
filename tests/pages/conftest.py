"""Page fixtures: a SQLite file with 2,000 demo customers per test module, used through DATABASE_URL."""

from __future__ import annotations

import pytest
import streamlit as st

from db.demo import seed
from db.engine import make_engine
from db.migrate import upgrade
from tests.pages._records_fixtures import ADMIN, build_template, clear_streamlit_caches, copy_database

PAGE_CUSTOMERS = 2000


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('pages')}/demo.db"
    engine = make_engine(url)
    upgrade(engine)
    seed(engine, customers=PAGE_CUSTOMERS, seed=42)
    engine.dispose()
    return url


@pytest.fixture
def demo_engine(demo_url):
    engine = make_engine(demo_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def analytics_dir(tmp_path_factory) -> str:
    """One analytics copy directory per module: a later test's store adopts the copy."""
    return str(tmp_path_factory.mktemp("analytics"))


@pytest.fixture
def app_env(demo_url, analytics_dir, monkeypatch):
    """Point the app at the demo database; fresh Streamlit caches before and after."""
    monkeypatch.setenv("DATABASE_URL", demo_url)
    monkeypatch.setenv("ANALYTICS_DIR", analytics_dir)
    monkeypatch.setenv("DEMO_CUSTOMERS", "0")
    st.cache_data.clear()
    st.cache_resource.clear()
    yield demo_url
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def downloads(monkeypatch) -> dict:
    """What a click on each st.download_button of the runs would download, by the button's element
    id: its deferred `data=` callable (AppTest has no server that a browser would ask for it)."""
    from streamlit.elements.widgets import button

    found = {}
    original = button.marshall_file

    def capture(coordinates, data, proto, *args, **kwargs):
        found[proto.id] = data
        return original(coordinates, data, proto, *args, **kwargs)

    monkeypatch.setattr(button, "marshall_file", capture)
    return found


# --- the records pages' seeded database (tests/pages/_records_fixtures.py) --------------


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """The seeded database of a test module (build_template), built once."""
    path = tmp_path_factory.mktemp("records_template") / "template.db"
    return path, build_template(path)


@pytest.fixture
def db(template, tmp_path, monkeypatch):
    """A private copy of the seeded database per test; DATABASE_URL points at it; admin actor."""
    path, ids = template
    url = copy_database(path, tmp_path / "records.db")
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DEMO_CUSTOMERS", "0")
    monkeypatch.setattr("dashboard.auth.current_actor", lambda: ADMIN)
    clear_streamlit_caches()
    yield url, ids
    clear_streamlit_caches()
