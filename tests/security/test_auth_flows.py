"""Sign-in flows through the whole app: first administrator, sign-in, lockout, idle expiry,
deactivation and role change on the next request, sign-out, OIDC configuration and mapping."""

from __future__ import annotations

import logging
import time

import pytest
from sqlalchemy import select

from dashboard import auth
from db import users
from db.engine import make_engine
from db.models import AppUser
from tests.security.conftest import ACTORS, PASSWORD, registered_pages, rendered_text, whole_app

app_user = AppUser.__table__


def _button(at, label):
    return next(b for b in at.button if b.label == label)


def _with_conn(url, fn):
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            out = fn(conn)
            conn.commit()
            return out
    finally:
        engine.dispose()


def _sign_in(at, username, password):
    inputs = {t.label: t for t in at.text_input}
    inputs["Username"].input(username)
    inputs["Password"].input(password)
    _button(at, "Sign in").click().run()
    return at


def test_first_run_shows_only_the_first_admin_screen_then_signs_in(empty_db):
    at = whole_app(None)
    assert [t.value for t in at.title] == ["Create the first administrator"]
    assert registered_pages(at) == set()
    fields = {t.label.split(" (")[0]: t for t in at.text_input}
    fields["Username"].input("boss")
    fields["Display name"].input("The Boss")
    fields["Password"].input("short")
    fields["Repeat the password"].input("short")
    _button(at, "Create administrator").click().run()
    assert "at least 12 characters" in " ".join(e.value for e in at.error)
    assert _with_conn(empty_db, users.has_any_user) is False

    fields = {t.label.split(" (")[0]: t for t in at.text_input}
    fields["Password"].input(PASSWORD)
    fields["Repeat the password"].input(PASSWORD)
    _button(at, "Create administrator").click().run()
    assert not at.exception, at.exception
    assert "pages/users.py" in registered_pages(at)
    role = _with_conn(empty_db, lambda c: c.execute(select(app_user.c.role)).scalar_one())
    assert role == "admin"

    again = whole_app(None)  # another visitor: the sign-in page, never the setup screen
    assert [t.value for t in again.title] == ["Sign in"]


def test_sign_in_failure_messages_are_identical(app_db):
    wrong = _sign_in(whole_app(None), "vera", "not the password").error[0].value
    unknown = _sign_in(whole_app(None), "nobody-here", "not the password").error[0].value
    assert wrong == unknown == auth.SIGN_IN_FAILED


def test_sign_in_succeeds_and_registers_the_role_pages(app_db):
    at = _sign_in(whole_app(None), "eddie", PASSWORD)
    assert not at.exception, at.exception
    assert "pages/new_customer.py" in registered_pages(at)
    assert "pages/users.py" not in registered_pages(at)


def test_lockout_after_five_failures(app_db):
    url, _ = app_db
    at = whole_app(None)
    for _ in range(5):
        _sign_in(at, "vera", "wrong password!!")
    _sign_in(at, "vera", PASSWORD)
    assert at.error[0].value == auth.SIGN_IN_FAILED
    assert registered_pages(at) == set()
    locked = _with_conn(
        url,
        lambda c: c.execute(select(app_user.c.locked_until).where(app_user.c.username == "vera")).scalar(),
    )
    assert locked is not None


def test_idle_session_expires(app_db):
    at = whole_app("editor")
    assert registered_pages(at)
    at.session_state[auth.SESSION_KEY] = auth.session_for(ACTORS["editor"], last_seen=time.time() - 31 * 60)
    at.run()
    assert [t.value for t in at.title] == ["Sign in"]
    assert "30 minutes without activity" in " ".join(i.value for i in at.info)
    assert registered_pages(at) == set()


def test_deactivated_user_is_signed_out_on_next_request(app_db):
    url, _ = app_db
    at = whole_app("viewer")
    assert registered_pages(at)
    _with_conn(url, lambda c: users.deactivate(c, actor=ACTORS["admin"], username="vera"))
    at.run()
    assert [t.value for t in at.title] == ["Sign in"]
    assert registered_pages(at) == set()


def test_role_change_applies_on_next_request(app_db):
    url, _ = app_db
    at = whole_app("editor")
    assert "pages/new_customer.py" in registered_pages(at)
    _with_conn(url, lambda c: users.set_role(c, actor=ACTORS["admin"], username="eddie", role="viewer"))
    at.run()
    assert "pages/new_customer.py" not in registered_pages(at)


DISPLAY_NAME = "**Big** [phish](https://evil.example) <b>x</b> :material/warning: :red[Ada]"


@pytest.mark.parametrize(("display_name", "shown"), [(None, "mara"), (DISPLAY_NAME, DISPLAY_NAME)])
def test_sidebar_shows_the_display_name_as_plain_text(app_db, display_name, shown):
    """The display name (the username when it is empty) as plain text: no Markdown, link, HTML or
    icon from it."""
    url, _ = app_db
    _with_conn(
        url,
        lambda c: c.execute(
            app_user.update().where(app_user.c.username == "mara").values(display_name=display_name or "")
        ),
    )
    at = whole_app("marketer")
    assert not at.exception, at.exception
    assert [t.value for t in at.sidebar.text] == [f"Signed in as {shown} · marketer"]
    assert "evil.example" not in " ".join(str(m.value) for m in at.get("markdown") + at.get("caption"))


def test_sign_out_forgets_the_session(app_db):
    at = whole_app("admin")
    at.session_state["cl.query"] = "left over"
    _button(at, "Sign out").click().run()
    assert [t.value for t in at.title] == ["Sign in"]
    assert "cl.query" not in at.session_state
    assert registered_pages(at) == set()


def test_no_password_hash_in_pages_or_logs(app_db, caplog):
    caplog.set_level(logging.DEBUG)
    at = whole_app("admin", page="pages/users.py")
    assert not at.exception, at.exception
    shown = rendered_text(at)
    assert "vera" in shown and "$argon2" not in shown and "password_hash" not in shown
    _sign_in(whole_app(None), "vera", "wrong password!!")
    assert "$argon2" not in caplog.text and PASSWORD not in caplog.text


def test_admin_pages_refuse_a_non_admin_even_if_run_directly(app_db, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from tests.security.conftest import ROOT

    for page in ("users.py", "audit_log.py"):
        at = AppTest.from_file(str(ROOT / "pages" / page), default_timeout=60)
        at.session_state[auth.SESSION_KEY] = auth.session_for(ACTORS["editor"])
        at.run()
        assert "for administrators" in at.error[0].value
        assert not at.dataframe


# ---------------------------------------------------------------- OIDC (offline parts)


@pytest.mark.parametrize(
    ("secrets", "expected"),
    [
        ({}, []),
        ({"auth": {"redirect_uri": "http://x/oauth2callback"}}, []),
        (
            {
                "auth": {
                    "redirect_uri": "http://x/oauth2callback",
                    "cookie_secret": "s",
                    "client_id": "id",
                    "client_secret": "c",
                    "server_metadata_url": "https://idp/.well-known/openid-configuration",
                }
            },
            [""],
        ),
        (
            {
                "auth": {
                    "redirect_uri": "http://x/oauth2callback",
                    "cookie_secret": "s",
                    "okta": {
                        "client_id": "id",
                        "client_secret": "c",
                        "server_metadata_url": "https://o/.well-known",
                    },
                    "incomplete": {"client_id": "id"},
                }
            },
            ["okta"],
        ),
    ],
)
def test_oidc_configuration_detection(secrets, expected):
    assert auth.oidc_providers(secrets) == expected


@pytest.mark.parametrize(
    ("email", "role"), [("eddie@company.example", "editor"), ("VERA@company.example", "viewer")]
)
def test_oidc_email_maps_to_our_role(app_db, monkeypatch, email, role):
    monkeypatch.setattr(auth, "_configured_providers", lambda: [""])
    monkeypatch.setattr(auth, "_oidc_user_email", lambda: email)
    at = whole_app(None)
    assert not at.exception, at.exception
    assert at.session_state[auth.SESSION_KEY]["role"] == role
    assert at.session_state[auth.SESSION_KEY]["via"] == "oidc"


def test_oidc_unknown_email_gets_no_access(app_db, monkeypatch):
    monkeypatch.setattr(auth, "_configured_providers", lambda: [""])
    monkeypatch.setattr(auth, "_oidc_user_email", lambda: "stranger@elsewhere.example")
    at = whole_app(None)
    assert [t.value for t in at.title] == ["No access"]
    assert registered_pages(at) == set()
