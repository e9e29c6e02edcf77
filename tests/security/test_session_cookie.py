"""Sign-in that survives a reload, through the whole app under AppTest.

AppTest cannot send cookies (st.context.cookies comes from the browser's connection), so the
cookie the browser would send is monkeypatched into auth._cookie_token; what the app asks the
browser to store is read from the cookie component's data in the rendered tree."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import time

import pytest
from sqlalchemy import select, update

from dashboard import auth
from db import sessions, users
from db.engine import make_engine
from db.models import AppSession
from tests.security.conftest import ACTORS, PASSWORD, registered_pages, whole_app
from tests.security.test_auth_flows import _button, _sign_in, _with_conn

app_session = AppSession.__table__


def cookie_writes(at) -> list[dict]:
    """The data of every cookie component the last run rendered."""
    found = []

    def walk(node):
        proto = getattr(node, "proto", None)
        if proto is not None and getattr(proto, "component_name", "") == "customer_dashboard_session_cookie":
            found.append(json.loads(proto.json))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return found


def rows(url) -> list[dict]:
    return _with_conn(url, lambda c: [dict(r) for r in c.execute(select(app_session)).mappings()])


def new_session(url, username, **kw) -> tuple[int, str]:
    return _with_conn(url, lambda c: sessions.create(c, username=username, **kw))


@pytest.fixture
def browser_cookie(monkeypatch):
    """Set what the browser sends as our cookie: browser_cookie(token) (None: no cookie)."""
    sent = {"token": None}
    monkeypatch.setattr(auth, "_cookie_token", lambda: sent["token"])
    return lambda token: sent.update(token=token)


def signed_in_as(at) -> str | None:
    if auth.SESSION_KEY not in at.session_state:
        return None
    state = at.session_state[auth.SESSION_KEY]
    return state["username"] if state else None


def test_sign_in_creates_a_session_row_and_writes_only_the_token(app_db, browser_cookie, caplog):
    url, _ = app_db
    caplog.set_level(logging.DEBUG)
    at = _sign_in(whole_app(None), "vera", PASSWORD)
    assert signed_in_as(at) == "vera"
    (row,) = rows(url)
    assert row["username"] == "vera" and row["revoked_at"] is None
    (written,) = cookie_writes(at)
    token = written["token"]
    assert row["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert set(written) == {"name", "token", "path", "max_age", "stamp"}
    assert "vera" not in json.dumps(written)
    assert written["name"] == auth.COOKIE_NAME and written["path"] == "/"
    assert written["max_age"] == 30 * 60 + auth.COOKIE_SPARE_SECONDS
    assert token not in caplog.text
    # The token is not shown anywhere else: only the cookie component carries it.
    rendered = []

    def walk(node):
        proto = getattr(node, "proto", None)
        if proto is not None and getattr(proto, "component_name", "") != "customer_dashboard_session_cookie":
            rendered.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    assert token not in "\n".join(rendered)
    at.run()  # the next run (within a minute) writes nothing again
    assert cookie_writes(at) == []


def test_reload_with_a_live_cookie_signs_in_again(app_db, browser_cookie):
    url, _ = app_db
    session_id, token = new_session(url, "eddie", now=users._now() - dt.timedelta(minutes=20))
    browser_cookie(token)
    at = whole_app(None)
    assert not at.exception, at.exception
    assert signed_in_as(at) == "eddie"
    assert "pages/new_customer.py" in registered_pages(at)
    assert at.session_state[auth.SESSION_KEY]["sid"] == session_id
    (row,) = rows(url)
    assert row["last_seen_at"] > users._now() - dt.timedelta(minutes=1)  # touched
    (written,) = cookie_writes(at)  # the cookie's lifetime restarts
    assert written["token"] == token


def test_role_comes_from_the_database_not_the_cookie(app_db, browser_cookie):
    url, _ = app_db
    _, token = new_session(url, "eddie")
    _with_conn(url, lambda c: users.set_role(c, actor=ACTORS["admin"], username="eddie", role="viewer"))
    browser_cookie(token)
    at = whole_app(None)
    assert at.session_state[auth.SESSION_KEY]["role"] == "viewer"
    assert "pages/new_customer.py" not in registered_pages(at)


@pytest.mark.parametrize(
    "spoil",
    [
        "revoked",
        "idle",
        "deactivated",
        "password_reset",
        "unknown",
        "garbage",
    ],
)
def test_dead_cookies_are_refused_and_deleted(app_db, browser_cookie, spoil):
    url, _ = app_db
    session_id, token = new_session(url, "vera")
    if spoil == "revoked":
        _with_conn(url, lambda c: sessions.revoke(c, session_id=session_id))
    elif spoil == "idle":
        old = users._now() - dt.timedelta(minutes=31)
        _with_conn(url, lambda c: c.execute(update(app_session).values(last_seen_at=old)))
    elif spoil == "deactivated":
        _with_conn(url, lambda c: users.deactivate(c, actor=ACTORS["admin"], username="vera"))
    elif spoil == "password_reset":
        _with_conn(
            url,
            lambda c: users.reset_password(c, actor=ACTORS["admin"], username="vera", password="x" * 20),
        )
    elif spoil == "unknown":
        token = token[:-2] + ("aa" if not token.endswith("aa") else "bb")
    else:
        token = "<script>alert(1)</script>' OR '1'='1"
    browser_cookie(token)
    at = whole_app(None)
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Sign in"]
    assert registered_pages(at) == set()
    (deleted,) = cookie_writes(at)
    assert {k: v for k, v in deleted.items() if k != "stamp"} == {
        "name": auth.COOKIE_NAME,
        "token": "",
        "path": "/",
        "max_age": 0,
    }


def test_sign_out_revokes_the_session_and_deletes_the_cookie(app_db, browser_cookie):
    url, _ = app_db
    _, token = new_session(url, "ada")
    browser_cookie(token)
    at = whole_app(None)
    assert signed_in_as(at) == "ada"
    _button(at, "Sign out").click().run()
    assert [t.value for t in at.title] == ["Sign in"]
    (row,) = rows(url)
    assert row["revoked_at"] is not None
    assert [w["token"] for w in cookie_writes(at)] == [""]
    # The browser still presents the old cookie on this connection: it is refused.
    at.run()
    assert [t.value for t in at.title] == ["Sign in"]
    assert signed_in_as(at) is None


def test_idle_expiry_revokes_the_session(app_db, browser_cookie):
    url, _ = app_db
    _, token = new_session(url, "eddie")
    browser_cookie(token)
    at = whole_app(None)
    at.session_state[auth.SESSION_KEY]["last_seen"] = time.time() - 31 * 60
    at.run()
    assert "30 minutes without activity" in " ".join(i.value for i in at.info)
    (row,) = rows(url)
    assert row["revoked_at"] is not None


def test_sign_out_elsewhere_or_password_reset_ends_a_live_session(app_db, browser_cookie):
    url, _ = app_db
    _, token = new_session(url, "vera")
    browser_cookie(token)
    first, second = whole_app(None), whole_app(None)  # two tabs of one browser
    assert signed_in_as(first) == signed_in_as(second) == "vera"
    _button(first, "Sign out").click().run()
    second.run()
    assert [t.value for t in second.title] == ["Sign in"]
    assert signed_in_as(second) is None

    browser_cookie(None)
    at = _sign_in(whole_app(None), "vera", PASSWORD)
    assert signed_in_as(at) == "vera"
    _with_conn(
        url, lambda c: users.reset_password(c, actor=ACTORS["admin"], username="vera", password="y" * 20)
    )
    at.run()
    assert [t.value for t in at.title] == ["Sign in"]


def test_last_seen_written_at_most_once_a_minute(app_db, browser_cookie, monkeypatch):
    url, _ = app_db
    at = _sign_in(whole_app(None), "vera", PASSWORD)
    writes = []
    real_touch = sessions.touch
    monkeypatch.setattr(sessions, "touch", lambda conn, **kw: writes.append(kw) or real_touch(conn, **kw))
    for _ in range(3):
        at.run()
    assert writes == []
    at.session_state[auth.SESSION_KEY]["touched"] = time.time() - 61
    at.run()
    assert len(writes) == 1
    assert [bool(w["token"]) for w in cookie_writes(at)] == [True]  # lifetime refreshed


def test_base_url_path_sets_the_cookie_path(monkeypatch):
    monkeypatch.setattr(
        auth.st, "get_option", lambda name: "/dash/" if name == "server.baseUrlPath" else None
    )
    assert auth.cookie_path() == "/dash"
    assert auth.cookie_data("tok", 60)["path"] == "/dash"
    assert auth.cookie_data(None, 60) == {
        "name": auth.COOKIE_NAME,
        "token": "",
        "path": "/dash",
        "max_age": 0,
        "stamp": 0,
    }


def test_sessions_table_holds_no_tokens(app_db):
    url, _ = app_db
    _, token = new_session(url, "vera")
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            dumped = "\n".join(str(tuple(r)) for r in conn.execute(select(app_session)))
    finally:
        engine.dispose()
    assert token not in dumped


WRITE_STATEMENTS = ("INSERT", "UPDATE", "DELETE", "REPLACE", "BEGIN IMMEDIATE", "CREATE", "DROP", "ALTER")


@pytest.fixture
def statements():
    """Every SQL statement any engine of this process sends while the test runs."""
    from sqlalchemy import Engine, event

    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(" ".join(statement.split()).upper())

    event.listen(Engine, "before_cursor_execute", record)
    yield seen
    event.remove(Engine, "before_cursor_execute", record)


@pytest.mark.parametrize("page", [None, "pages/churn.py", "pages/customers.py", "pages/segments.py"])
def test_a_signed_in_viewers_page_views_write_nothing(app_db, browser_cookie, statements, page):
    url, _ = app_db
    _, token = new_session(url, "vera")
    browser_cookie(token)
    at = whole_app(None, page=page)  # restored from the cookie; that run records the activity
    assert signed_in_as(at) == "vera"
    statements.clear()
    for _ in range(3):
        at.run()
    assert not at.exception
    assert any(s.startswith("SELECT") for s in statements)  # it did read (the user, the session)
    assert [s for s in statements if s.startswith(WRITE_STATEMENTS)] == []


def test_a_restore_from_the_cookie_writes_once_in_its_own_transaction(app_db, browser_cookie, statements):
    url, _ = app_db
    five_minutes_ago = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(minutes=5)
    _, token = new_session(url, "vera", now=five_minutes_ago)
    browser_cookie(token)
    statements.clear()
    at = whole_app(None)
    assert signed_in_as(at) == "vera"
    writes = [s for s in statements if s.startswith(WRITE_STATEMENTS)]
    assert writes[0] == "BEGIN IMMEDIATE" and [w.split()[0] for w in writes[1:]] == ["UPDATE"]
    (row,) = rows(url)
    assert dt.datetime.now(dt.UTC).replace(tzinfo=None) - row["last_seen_at"] < dt.timedelta(minutes=1)


def test_idle_expiry_holds_with_the_throttled_activity_time(app_db, browser_cookie):
    """A session used within the minute is not touched, yet expiry still counts from the last use:
    a tab whose last request was 31 minutes ago is signed out, and its cookie no longer restores."""
    url, _ = app_db
    _, token = new_session(url, "eddie")
    browser_cookie(token)
    at = whole_app(None)
    at.run()  # a request within the minute: no write
    at.session_state[auth.SESSION_KEY]["last_seen"] = time.time() - 31 * 60
    at.run()
    assert "30 minutes without activity" in " ".join(i.value for i in at.info)
    later = whole_app(None)  # a reload presenting the same cookie
    assert signed_in_as(later) is None
