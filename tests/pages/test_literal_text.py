"""Text from a URL or a user is shown literally: no link, image or emphasis comes from a payload."""

# ruff: noqa: F811 - fixtures shared with tests/security are imported by name
from __future__ import annotations

import re

from db.access import Actor
from db.audiences import AudienceDefinition, save
from db.engine import make_engine
from tests.security.conftest import (  # noqa: F401 - fixtures
    _cheap_hashes,
    app_db,
    app_template,
    whole_app,
)

PAYLOAD = "[Session expired - sign in again](http://127.0.0.1:9/phish) ![x](http://127.0.0.1:9/p.png) **b**"
# Markdown that would render: a link or image ](...), or emphasis **...**, not escaped by a backslash
LIVE = re.compile(r"(?<!\\)\]\((?!\\)|(?<!\\)\*\*")


def _rendered(at) -> list[str]:
    kinds = ("markdown", "caption", "subheader", "info", "error", "warning", "title", "header")
    return [el.value for kind in kinds for el in getattr(at, kind)]


def test_a_state_from_the_url_is_text_in_the_cities_caption(app_db):
    at = whole_app("viewer", page="pages/demographics.py", states=f"Maharashtra,{PAYLOAD}")
    assert not at.exception, at.exception
    shown = [t for t in _rendered(at) if "Session expired" in t]
    assert shown, "the payload is not shown at all"
    assert not [t for t in shown if LIVE.search(t)], shown


def test_a_saved_audience_name_is_text_in_its_heading(app_db):
    url, _ = app_db
    engine = make_engine(url)
    with engine.connect() as conn:
        audience_id = save(conn, AudienceDefinition(), name=PAYLOAD, actor=Actor("ada", "admin"))
        conn.commit()
    engine.dispose()
    at = whole_app("marketer", page="pages/audiences.py")
    at.session_state["aud_open_id"] = audience_id
    at.run()
    assert not at.exception, at.exception
    shown = [t for t in _rendered(at) if "Session expired" in t]
    assert shown and not [t for t in shown if LIVE.search(t)], shown
