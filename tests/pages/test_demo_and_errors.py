"""The app's chrome: a badge while the data is demo data, one line when the database cannot be used."""

# ruff: noqa: F811 - fixtures shared with tests/security are imported by name
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from db import demo_marker
from db.engine import make_engine
from tests.security.conftest import (  # noqa: F401 - fixtures
    ROOT,
    _cheap_hashes,
    app_db,
    app_template,
    clear_caches,
    whole_app,
)

BADGE = "Demo data"


def _badges(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown if BADGE in m.value]


def test_no_badge_on_the_companys_own_data(app_db):
    at = whole_app("viewer")
    assert not at.exception
    assert _badges(at) == []


@pytest.mark.parametrize("page", ["pages/overview.py", "pages/customers.py"])
def test_every_page_says_demo_data_while_it_is(app_db, page):
    url, _ = app_db
    engine = make_engine(url)
    with engine.connect() as conn:
        demo_marker.mark_demo(conn, customers=200)
    engine.dispose()
    at = whole_app("viewer", page=page)
    assert not at.exception
    assert len(_badges(at)) == 1 and "200 invented customers" in _badges(at)[0]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:////etc/passwd/x.db", "cannot create the SQLite database's folder /etc/passwd"),
        ("postgresql+psycopg://nobody@127.0.0.1:1/crm", "database: connection failed"),
        ("nosuchdb://x", "bad database URL"),
    ],
)
def test_a_database_that_cannot_be_used_is_one_message_not_a_traceback(monkeypatch, url, expected):
    monkeypatch.setenv("DATABASE_URL", url)
    clear_caches()
    try:
        at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60).run()
    finally:
        clear_caches()
    assert not at.exception
    assert [e.value for e in at.error] and expected in at.error[0].value
    assert "Traceback" not in at.error[0].value
