"""Users: no two usernames that look the same, no blank password, a real email (issue 14's attack test)."""

from __future__ import annotations

import pytest

from db import users
from db.access import Actor

ADMIN = Actor("admin1", "admin")
PASSWORD = "correct horse battery"


@pytest.fixture
def first(conn, cheap_hashes):
    users.create_user(
        conn, actor=None, username="admin1", display_name="A", email=None, role="admin", password=PASSWORD
    )
    return conn


def _add(conn, **kw):
    values = {
        "username": "new.user",
        "display_name": "N",
        "email": None,
        "role": "viewer",
        "password": PASSWORD,
    }
    return users.create_user(conn, actor=ADMIN, **{**values, **kw})


@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("ADMIN1", "is taken"),
        ("Admin1", "is taken"),
        ("\u0430dmin1", "only letters a-z"),  # Cyrillic а
        ("admin1\u200b", "only letters a-z"),
        ("ad min", "only letters a-z"),
    ],
)
def test_a_username_like_another_or_with_strange_letters_is_refused(first, username, message):
    with pytest.raises(users.UserError) as failed:
        _add(first, username=username)
    assert message in str(failed.value)


def test_usernames_are_stored_lower_case_and_sign_in_ignores_case(first):
    assert _add(first, username="Vera.K").username == "vera.k"
    assert users.authenticate(first, username="VERA.K", password=PASSWORD).username == "vera.k"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("password", " " * 12, "Password: not only spaces"),
        ("email", "@", "Email: "),
        ("email", "a@", "Email: "),
    ],
)
def test_a_blank_password_or_a_broken_email_is_refused(first, field, value, message):
    with pytest.raises(users.UserError) as failed:
        _add(first, **{field: value})
    assert str(failed.value).startswith(message)
