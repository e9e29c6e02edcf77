"""Signed-in browser sessions that survive a reload (table app_session).

At sign-in the app creates a random token (`create`), gives it to the browser in a cookie and
keeps only its SHA-256 hex digest here: a copy of this table signs no one in. A later page load
without a signed-in Streamlit session presents the cookie's token to `lookup`, which returns the
session only while it is not revoked, was seen within the idle window and its user is still
active. `touch` records activity (the caller throttles it), `revoke` ends one session (sign-out,
idle expiry) and `revoke_user` every session of a user (deactivation, password reset).

Nothing here logs or returns a token; tokens are compared through their hashes only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import Connection, and_, delete, insert, or_, select, update

from db.models import AppSession, AppUser

app_session = AppSession.__table__
app_user = AppUser.__table__

TOKEN_BYTES = 32
# Longest token we hash: secrets.token_urlsafe(32) is 43 characters; anything far longer is junk.
MAX_TOKEN_LENGTH = 128
# Rows revoked or idle for longer than this are deleted when a new session is created.
KEEP_DAYS = 7


@dataclass(frozen=True)
class Session:
    id: int
    username: str
    role: str
    last_seen_at: dt.datetime


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create(conn: Connection, *, username: str, now: dt.datetime | None = None) -> tuple[int, str]:
    """A new session for `username`: (row id, token). The token goes to the browser only."""
    now = now or _now()
    token = secrets.token_urlsafe(TOKEN_BYTES)
    purge(conn, now=now)
    session_id = conn.execute(
        insert(app_session).values(
            token_hash=hash_token(token), username=username, created_at=now, last_seen_at=now
        )
    ).inserted_primary_key[0]
    return session_id, token


def lookup(
    conn: Connection, *, token: str | None, idle_minutes: int, now: dt.datetime | None = None
) -> Session | None:
    """The live session of this token with its user's current role, else None: unknown token,
    revoked, idle for longer than `idle_minutes`, or user gone or deactivated."""
    if not token or not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
        return None
    now = now or _now()
    row = conn.execute(
        select(app_session.c.id, app_session.c.username, app_session.c.last_seen_at, app_user.c.role)
        .join(app_user, app_user.c.username == app_session.c.username)
        .where(
            app_session.c.token_hash == hash_token(token),
            app_session.c.revoked_at.is_(None),
            app_session.c.last_seen_at >= now - dt.timedelta(minutes=idle_minutes),
            app_user.c.is_active.is_(True),
        )
    ).first()
    if row is None:
        return None
    return Session(id=row.id, username=row.username, role=row.role, last_seen_at=row.last_seen_at)


def touch(conn: Connection, *, session_id: int, now: dt.datetime | None = None) -> bool:
    """Record activity on a live session; False when it was revoked meanwhile."""
    result = conn.execute(
        update(app_session)
        .where(app_session.c.id == session_id, app_session.c.revoked_at.is_(None))
        .values(last_seen_at=now or _now())
    )
    return result.rowcount > 0


def is_live(conn: Connection, *, session_id: int) -> bool:
    """Not revoked (by sign-out elsewhere, deactivation or a password reset)."""
    return (
        conn.execute(
            select(app_session.c.id).where(app_session.c.id == session_id, app_session.c.revoked_at.is_(None))
        ).first()
        is not None
    )


def revoke(
    conn: Connection,
    *,
    session_id: int | None = None,
    token: str | None = None,
    now: dt.datetime | None = None,
) -> int:
    """End one session, named by its row id or by its token; the number of rows revoked."""
    if session_id is None and not token:
        return 0
    condition = app_session.c.id == session_id if session_id is not None else None
    if token and len(token) <= MAX_TOKEN_LENGTH:
        by_token = app_session.c.token_hash == hash_token(token)
        condition = by_token if condition is None else or_(condition, by_token)
    if condition is None:
        return 0
    return conn.execute(
        update(app_session)
        .where(condition, app_session.c.revoked_at.is_(None))
        .values(revoked_at=now or _now())
    ).rowcount


def revoke_user(conn: Connection, *, username: str, now: dt.datetime | None = None) -> int:
    """End every session of a user (deactivated, password reset); the number revoked."""
    return conn.execute(
        update(app_session)
        .where(app_session.c.username == username, app_session.c.revoked_at.is_(None))
        .values(revoked_at=now or _now())
    ).rowcount


def purge(conn: Connection, *, now: dt.datetime | None = None, keep_days: int = KEEP_DAYS) -> int:
    """Delete sessions revoked or idle for longer than `keep_days`; the number deleted."""
    cutoff = (now or _now()) - dt.timedelta(days=keep_days)
    return conn.execute(
        delete(app_session).where(
            or_(
                app_session.c.last_seen_at < cutoff,
                and_(app_session.c.revoked_at.is_not(None), app_session.c.revoked_at < cutoff),
            )
        )
    ).rowcount
