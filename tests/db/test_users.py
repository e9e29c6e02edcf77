"""db.users: first admin, sign-in with lockout, roles, deactivation, no hashes out; and the CLI."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from sqlalchemy import func, select

from db import users
from db.access import Actor, PermissionDenied
from db.models import AppUser, AuditLog

app_user = AppUser.__table__
audit_log = AuditLog.__table__
ADMIN = Actor("root", "admin")
PW = "correct horse battery"
T0 = dt.datetime(2026, 1, 5, 9, 0)


@pytest.fixture(autouse=True)
def _cheap_hashes(cheap_hashes):
    """Every test here hashes passwords cheaply."""


@pytest.fixture
def conn(migrated_engine):
    """A plain connection (the code under test commits); app_user and audit_log emptied afterwards."""
    with migrated_engine.connect() as connection:
        yield connection
        connection.rollback()
        connection.execute(audit_log.delete())
        connection.execute(app_user.delete())
        connection.commit()


def add(conn, name, role="viewer", *, actor=ADMIN, email=None, password=PW):
    return users.create_user(
        conn, actor=actor, username=name, display_name=name.title(), email=email, role=role, password=password
    )


@pytest.fixture
def root(conn):
    add(conn, "root", "admin", actor=None, email="root@example.com")
    return ADMIN


def test_first_admin_only_once_and_only_admin(conn):
    assert not users.has_any_user(conn)
    with pytest.raises(users.UserError, match="Role"):
        add(conn, "first", "viewer", actor=None)
    assert add(conn, "first", "admin", actor=None) == Actor("first", "admin")
    assert users.has_any_user(conn)
    with pytest.raises(PermissionError):
        add(conn, "second", "admin", actor=None)
    who = conn.execute(select(audit_log.c.username, audit_log.c.table_name)).all()
    assert who == [("first", "app_user")]


def test_create_rules(conn, root):
    with pytest.raises(users.UserError, match="12 characters"):
        add(conn, "shorty", password="elevenchars")
    with pytest.raises(users.UserError, match="taken"):
        add(conn, "root")
    with pytest.raises(users.UserError, match="Email"):
        add(conn, "other", email="ROOT@example.com")
    with pytest.raises(users.UserError, match="Role"):
        add(conn, "other", role="superuser")
    with pytest.raises(PermissionDenied):
        add(conn, "other", actor=Actor("ed", "editor"))
    assert conn.execute(select(func.count()).select_from(app_user)).scalar() == 1


def test_password_is_hashed_with_argon2(conn, root):
    stored = conn.execute(select(app_user.c.password_hash).where(app_user.c.username == "root")).scalar()
    assert stored.startswith("$argon2id$") and PW not in stored


def test_authenticate_success_and_generic_failure(conn, root):
    assert users.authenticate(conn, username="root", password=PW, now=T0) == ADMIN
    assert conn.execute(select(app_user.c.last_login_at)).scalar() == T0
    assert users.authenticate(conn, username="root", password="wrong password!", now=T0) is None
    assert users.authenticate(conn, username="nobody", password=PW, now=T0) is None
    assert users.authenticate(conn, username="", password="", now=T0) is None


def test_lockout_after_five_failures_for_fifteen_minutes(conn, root):
    for _ in range(5):
        assert users.authenticate(conn, username="root", password="wrong password!", now=T0) is None
    # locked: even the right password fails, with the same answer
    assert users.authenticate(conn, username="root", password=PW, now=T0 + dt.timedelta(minutes=14)) is None
    assert users.list_users(conn, actor=ADMIN, now=T0)["locked"].tolist() == [True]
    assert users.authenticate(
        conn, username="root", password=PW, now=T0 + dt.timedelta(minutes=15, seconds=1)
    )
    row = conn.execute(select(app_user.c.failed_logins, app_user.c.locked_until)).one()
    assert tuple(row) == (0, None)


def test_success_resets_the_failure_count(conn, root):
    for _ in range(4):
        users.authenticate(conn, username="root", password="wrong password!", now=T0)
    assert users.authenticate(conn, username="root", password=PW, now=T0)
    for _ in range(4):
        users.authenticate(conn, username="root", password="wrong password!", now=T0)
    assert users.authenticate(conn, username="root", password=PW, now=T0)


def test_deactivated_user_cannot_sign_in_and_is_dropped(conn, root):
    add(conn, "vic")
    assert users.get_active_actor(conn, "vic") == Actor("vic", "viewer")
    users.deactivate(conn, actor=ADMIN, username="vic")
    assert users.get_active_actor(conn, "vic") is None
    assert users.authenticate(conn, username="vic", password=PW, now=T0) is None
    users.set_active(conn, actor=ADMIN, username="vic", active=True)
    assert users.authenticate(conn, username="vic", password=PW, now=T0) == Actor("vic", "viewer")


def test_the_actor_carries_the_display_name_but_is_the_same_actor_without_it(conn, root):
    add(conn, "mara", "marketer")  # display name "Mara"
    fresh = users.get_active_actor(conn, "mara")
    signed_in = users.authenticate(conn, username="mara", password=PW, now=T0)
    assert fresh.display_name == signed_in.display_name == "Mara"
    assert fresh == signed_in == Actor("mara", "marketer") and hash(fresh) == hash(Actor("mara", "marketer"))


def test_set_role_and_last_admin_guard(conn, root):
    add(conn, "ed", "editor")
    users.set_role(conn, actor=ADMIN, username="ed", role="viewer")
    assert users.get_active_actor(conn, "ed").role == "viewer"
    with pytest.raises(users.UserError, match="last active admin"):
        users.set_role(conn, actor=ADMIN, username="root", role="viewer")
    with pytest.raises(users.UserError, match="last active admin"):
        users.deactivate(conn, actor=ADMIN, username="root")
    with pytest.raises(PermissionDenied):
        users.set_role(conn, actor=Actor("ed", "editor"), username="ed", role="admin")
    rows = conn.execute(
        select(audit_log.c.username, audit_log.c.field, audit_log.c.old_value, audit_log.c.new_value).where(
            audit_log.c.action == "update"
        )
    ).all()
    assert [tuple(r) for r in rows] == [("root", "role", "editor", "viewer")]


def test_reset_password_lifts_lock_and_is_audited_without_hash(conn, root):
    add(conn, "vic")
    for _ in range(5):
        users.authenticate(conn, username="vic", password="wrong password!", now=T0)
    users.reset_password(conn, actor=ADMIN, username="vic", password="a brand new secret")
    assert users.authenticate(conn, username="vic", password="a brand new secret", now=T0)
    values = conn.execute(select(audit_log.c.old_value, audit_log.c.new_value)).all()
    assert all("argon2" not in (v or "") for row in values for v in row)
    with pytest.raises(PermissionDenied):
        users.reset_password(conn, actor=Actor("vic", "viewer"), username="root", password="x" * 20)


def test_list_users_has_no_hash_and_needs_admin(conn, root):
    add(conn, "vic", email="vic@example.com")
    frame = users.list_users(conn, actor=ADMIN)
    assert list(frame.columns) == users.LIST_COLUMNS
    assert "password_hash" not in frame.columns
    assert "argon2" not in frame.to_csv()
    with pytest.raises(PermissionDenied):
        users.list_users(conn, actor=Actor("vic", "viewer"))


def test_actor_for_email_maps_role_and_refuses_unknown(conn, root):
    add(conn, "ed", "editor", email="Ed@Example.com")
    assert users.actor_for_email(conn, "ed@example.COM") == Actor("ed", "editor")
    assert users.actor_for_email(conn, "stranger@example.com") is None
    assert users.actor_for_email(conn, "") is None
    users.deactivate(conn, actor=ADMIN, username="ed")
    assert users.actor_for_email(conn, "ed@example.com") is None


# ---------------------------------------------------------------- CLI


def cli(url, *argv, stdin=None, monkeypatch=None):
    from db.__main__ import main

    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(["users", *argv, "--url", url])


def test_cli_add_list_set_role_deactivate_reset(fresh_engine, monkeypatch, capsys):
    url = fresh_engine.url.render_as_string(hide_password=False)
    assert (
        cli(
            url,
            "add",
            "boss",
            "--role",
            "admin",
            "--password-stdin",
            stdin=PW + "\n",
            monkeypatch=monkeypatch,
        )
        == 0
    )
    assert cli(url, "add", "mia", "--role", "viewer", "--email", "mia@example.com", "--password-stdin",
               stdin=PW + "\n", monkeypatch=monkeypatch) == 0  # fmt: skip
    assert cli(url, "add", "short", "--role", "viewer", "--password-stdin", stdin="tooshort\n",
               monkeypatch=monkeypatch) == 1  # fmt: skip
    assert cli(url, "set-role", "mia", "editor") == 0
    assert cli(url, "deactivate", "mia") == 0
    assert cli(url, "reset-password", "boss", "--password-stdin", stdin="another long secret\n",
               monkeypatch=monkeypatch) == 0  # fmt: skip
    capsys.readouterr()
    assert cli(url, "list") == 0
    out = capsys.readouterr().out
    assert "boss" in out and "mia" in out and "editor" in out and "deactivated" in out
    assert "argon2" not in out
    with fresh_engine.connect() as conn:
        assert users.authenticate(conn, username="boss", password="another long secret")
        who = {u for (u,) in conn.execute(select(audit_log.c.username).distinct())}
    assert "boss" in who and any(u.startswith("cli:") for u in who)


def test_cli_never_takes_a_password_argument():
    from db.__main__ import build_parser

    with pytest.raises(SystemExit):
        build_parser().parse_args(["users", "add", "x", "--role", "admin", "--password", "secret"])
