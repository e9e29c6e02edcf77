"""db.sessions: tokens stored as hashes, lookup rules (revoked, idle, inactive user), touch, revoke,
purge; deactivation and password reset revoke every session of the user."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import select

from db import sessions, users
from db.access import Actor
from db.models import AppSession, AppUser, AuditLog

app_session = AppSession.__table__
ADMIN = Actor("root", "admin")
PW = "correct horse battery"
T0 = dt.datetime(2026, 1, 5, 9, 0)


@pytest.fixture(autouse=True)
def _cheap_hashes(cheap_hashes):
    """Every test here hashes passwords cheaply."""


@pytest.fixture
def conn(migrated_engine):
    """A plain connection with root (admin) and vera (viewer); our tables emptied afterwards."""
    with migrated_engine.connect() as connection:
        users.create_user(
            connection, actor=None, username="root", display_name="", email=None, role="admin", password=PW
        )
        users.create_user(
            connection, actor=ADMIN, username="vera", display_name="", email=None, role="viewer", password=PW
        )
        connection.commit()
        yield connection
        connection.rollback()
        for table in (app_session, AuditLog.__table__, AppUser.__table__):
            connection.execute(table.delete())
        connection.commit()


def _rows(conn):
    return conn.execute(select(app_session).order_by(app_session.c.id)).mappings().all()


def test_create_stores_only_the_hash(conn):
    session_id, token = sessions.create(conn, username="vera", now=T0)
    conn.commit()
    assert len(token) >= 43
    (row,) = _rows(conn)
    assert row["id"] == session_id
    assert row["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert token not in {str(v) for v in row.values()}
    assert row["username"] == "vera" and row["created_at"] == T0 and row["last_seen_at"] == T0
    assert row["revoked_at"] is None
    other_id, other = sessions.create(conn, username="vera", now=T0)
    assert other != token and other_id != session_id


def test_lookup_live_session_with_current_role(conn):
    session_id, token = sessions.create(conn, username="vera", now=T0)
    found = sessions.lookup(conn, token=token, idle_minutes=30, now=T0 + dt.timedelta(minutes=29))
    assert found == sessions.Session(id=session_id, username="vera", role="viewer", last_seen_at=T0)
    users.set_role(conn, actor=ADMIN, username="vera", role="editor")
    found = sessions.lookup(conn, token=token, idle_minutes=30, now=T0)
    assert found.role == "editor"


@pytest.mark.parametrize("token", [None, "", "nope", "x" * 5000, "' OR 1=1 --"])
def test_lookup_refuses_unknown_tokens(conn, token):
    sessions.create(conn, username="vera", now=T0)
    assert sessions.lookup(conn, token=token, idle_minutes=30, now=T0) is None


def test_lookup_refuses_idle_sessions_and_touch_extends(conn):
    session_id, token = sessions.create(conn, username="vera", now=T0)
    late = T0 + dt.timedelta(minutes=31)
    assert sessions.lookup(conn, token=token, idle_minutes=30, now=late) is None
    assert sessions.touch(conn, session_id=session_id, now=T0 + dt.timedelta(minutes=20))
    assert sessions.lookup(conn, token=token, idle_minutes=30, now=late) is not None


def test_revoke_by_id_or_token(conn):
    first_id, first = sessions.create(conn, username="vera", now=T0)
    _, second = sessions.create(conn, username="vera", now=T0)
    assert sessions.revoke(conn, session_id=first_id, now=T0) == 1
    assert sessions.lookup(conn, token=first, idle_minutes=30, now=T0) is None
    assert not sessions.is_live(conn, session_id=first_id)
    assert not sessions.touch(conn, session_id=first_id, now=T0)
    assert sessions.lookup(conn, token=second, idle_minutes=30, now=T0) is not None
    assert sessions.revoke(conn, token=second, now=T0) == 1
    assert sessions.lookup(conn, token=second, idle_minutes=30, now=T0) is None
    assert sessions.revoke(conn, token=second, now=T0) == 0
    assert sessions.revoke(conn) == 0


def test_deactivation_and_password_reset_revoke_all_sessions(conn):
    now = users._now()
    _, vera1 = sessions.create(conn, username="vera", now=now)
    _, vera2 = sessions.create(conn, username="vera", now=now)
    _, root = sessions.create(conn, username="root", now=now)
    users.reset_password(conn, actor=ADMIN, username="vera", password="another good password")
    assert sessions.lookup(conn, token=vera1, idle_minutes=30, now=now) is None
    assert sessions.lookup(conn, token=vera2, idle_minutes=30, now=now) is None
    _, vera3 = sessions.create(conn, username="vera", now=now)
    users.deactivate(conn, actor=ADMIN, username="vera")
    users.set_active(conn, actor=ADMIN, username="vera", active=True)
    assert sessions.lookup(conn, token=vera3, idle_minutes=30, now=now) is None  # stays revoked
    assert sessions.lookup(conn, token=root, idle_minutes=30, now=now) is not None


def test_inactive_user_refused_even_if_not_revoked(conn):
    _, token = sessions.create(conn, username="vera", now=T0)
    conn.execute(
        AppUser.__table__.update().where(AppUser.__table__.c.username == "vera").values(is_active=False)
    )
    assert sessions.lookup(conn, token=token, idle_minutes=30, now=T0) is None


def test_purge_deletes_old_rows(conn):
    day = dt.timedelta(days=1)
    sessions.create(conn, username="vera", now=T0)  # idle for 14 days: purged
    revoked_id, _ = sessions.create(conn, username="vera", now=T0 + 6 * day)
    sessions.revoke(conn, session_id=revoked_id, now=T0 + 6 * day)  # revoked 8 days ago: purged
    recent_id, _ = sessions.create(conn, username="vera", now=T0 + 10 * day)
    sessions.revoke(conn, session_id=recent_id, now=T0 + 10 * day)  # revoked 4 days ago: kept
    sessions.create(conn, username="vera", now=T0 + 14 * day)
    assert [r["created_at"] for r in _rows(conn)] == [T0 + 10 * day, T0 + 14 * day]
