"""Users of the app (table app_user): create, sign in with lockout, roles, deactivation.

Passwords are hashed with argon2 (argon2-cffi); a hash never leaves this module: `list_users`
returns no hash column and nothing here logs or returns one.

Admin-only functions check `require(actor, "admin")` themselves, whoever calls them (the app
or the CLI). Each change writes an audit_log row naming the acting user (table_name "app_user",
never a password or a hash: a reset is recorded as field "password", new_value "(reset)").
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, func, insert, select, update

from db import sessions, text_rules
from db.access import Actor, require
from db.engine import begin_write
from db.models import ROLES, AppUser, AuditLog
from db.validation import normalize_email

app_user = AppUser.__table__
audit_log = AuditLog.__table__

MIN_PASSWORD_LENGTH = 12
_USERNAME = re.compile(r"[a-z0-9][a-z0-9._'-]*")
MAX_FAILED_LOGINS = 5
LOCK_MINUTES = 15

_hasher = PasswordHasher()
# Verified when the username is unknown, locked or inactive, so every failure costs the same time.
_DUMMY_HASH = _hasher.hash("not a real password, only for constant-time failures")

LIST_COLUMNS = [
    "username",
    "display_name",
    "email",
    "role",
    "is_active",
    "locked",
    "created_at",
    "last_login_at",
]


class UserError(ValueError):
    """A user-management request that cannot be done; `.field` names the input at fault."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _audit(conn: Connection, actor_name: str, action: str, user_id: int, field: str | None, old, new) -> None:
    conn.execute(
        insert(audit_log).values(
            at=_now(),
            username=actor_name,
            action=action,
            table_name="app_user",
            record_id=user_id,
            field=field,
            old_value=None if old is None else str(old),
            new_value=None if new is None else str(new),
        )
    )


def _check_password(password: str) -> None:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise UserError("password", f"Password: at least {MIN_PASSWORD_LENGTH} characters")
    if not password.strip():
        raise UserError("password", "Password: not only spaces")
    if len(password) > 1024:
        raise UserError("password", "Password: at most 1024 characters")


def _clean_email(email: str | None) -> str | None:
    """A user's email is optional; given, it must be an address (the customers' rule)."""
    if not (email or "").strip():
        return None
    try:
        return normalize_email(email)
    except ValueError as exc:
        raise UserError("email", f"Email: {exc}") from None


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise UserError("role", f"Role: one of {', '.join(ROLES)}")


def _clean_username(username: str) -> str:
    """Lower case, and only a-z 0-9 . _ ' -: no two usernames differ by case, an invisible character
    or a look-alike letter from another script (Cyrillic а for a)."""
    name = (username or "").strip().lower()
    if not 1 <= len(name) <= 64:
        raise UserError("username", "Username: 1 to 64 characters")
    if not _USERNAME.fullmatch(name):
        raise UserError(
            "username", "Username: only letters a-z, digits and . _ ' - (starting with a letter or digit)"
        )
    return name


def _user_row(conn: Connection, username: str):
    """The user of this name in any letter case (sign-in with ADMIN1 is admin1)."""
    stmt = select(app_user).where(func.lower(app_user.c.username) == username.lower())
    return conn.execute(stmt).mappings().first()


def _require_user(conn: Connection, username: str):
    row = _user_row(conn, username)
    if row is None:
        raise UserError("username", f"Username: no user named {username!r}")
    return row


def has_any_user(conn: Connection) -> bool:
    return conn.execute(select(app_user.c.id).limit(1)).first() is not None


def create_user(
    conn: Connection,
    *,
    actor: Actor | None,
    username: str,
    display_name: str,
    email: str | None,
    role: str,
    password: str,
) -> Actor:
    """Add a user. actor=None is allowed only for the first administrator of an empty table."""
    name = _clean_username(username)
    try:
        display = text_rules.clean(display_name or "") or name
    except ValueError as exc:
        raise UserError("display_name", f"Display name: {exc}") from None
    if len(display) > 255:
        raise UserError("display_name", "Display name: at most 255 characters")
    mail = _clean_email(email)
    _check_role(role)
    _check_password(password)
    with begin_write(conn):
        if actor is None:
            if has_any_user(conn):
                raise PermissionError(
                    "the first administrator exists already: sign in as an admin to add users"
                )
            if role != "admin":
                raise UserError("role", "Role: the first user must be an admin")
        else:
            require(actor, "admin", action="add users")
        if _user_row(conn, name) is not None:
            raise UserError("username", f"Username: {name!r} is taken")
        if mail and conn.execute(select(app_user.c.id).where(func.lower(app_user.c.email) == mail)).first():
            raise UserError("email", "Email: already used by another user")
        user_id = conn.execute(
            insert(app_user).values(
                username=name,
                display_name=display,
                email=mail,
                role=role,
                is_active=True,
                password_hash=_hasher.hash(password),
                failed_logins=0,
                created_at=_now(),
            )
        ).inserted_primary_key[0]
        _audit(conn, actor.username if actor else name, "create", user_id, "role", None, role)
    return Actor(username=name, role=role, display_name=display)


def authenticate(
    conn: Connection, *, username: str, password: str, now: dt.datetime | None = None
) -> Actor | None:
    """The actor for a correct password of an active, unlocked user; else None (no reason given).

    A wrong password counts against the username; the fifth in a row locks it for 15 minutes.
    """
    now = now or _now()
    name = (username or "").strip()
    password = password or ""
    with begin_write(conn):
        row = _user_row(conn, name) if name else None
        usable = (
            row is not None
            and row["is_active"]
            and row["password_hash"]
            and not (row["locked_until"] is not None and row["locked_until"] > now)
        )
        stored = row["password_hash"] if usable else _DUMMY_HASH
        try:
            ok = _hasher.verify(stored, password) and bool(usable)
        except (VerificationError, InvalidHashError):
            ok = False
        if row is None:
            return None
        if not ok:
            if usable:  # count only real attempts against a usable account
                failures = row["failed_logins"] + 1
                values = {"failed_logins": failures}
                if failures >= MAX_FAILED_LOGINS:
                    values = {"failed_logins": 0, "locked_until": now + dt.timedelta(minutes=LOCK_MINUTES)}
                conn.execute(update(app_user).where(app_user.c.id == row["id"]).values(**values))
            return None
        values = {"failed_logins": 0, "locked_until": None, "last_login_at": now}
        if _hasher.check_needs_rehash(stored):
            values["password_hash"] = _hasher.hash(password)
        conn.execute(update(app_user).where(app_user.c.id == row["id"]).values(**values))
        return Actor(username=row["username"], role=row["role"], display_name=row["display_name"])


def get_active_actor(conn: Connection, username: str) -> Actor | None:
    """Re-check on every request: the user's current role and display name; None when gone or inactive."""
    row = conn.execute(
        select(app_user.c.username, app_user.c.role, app_user.c.display_name).where(
            app_user.c.username == username, app_user.c.is_active.is_(True)
        )
    ).first()
    return Actor(username=row.username, role=row.role, display_name=row.display_name) if row else None


def actor_for_email(conn: Connection, email: str | None) -> Actor | None:
    """For sign-in through the identity provider: the active user with this email, else None."""
    mail = (email or "").strip().lower()
    if not mail:
        return None
    row = conn.execute(
        select(app_user.c.username, app_user.c.role, app_user.c.display_name).where(
            func.lower(app_user.c.email) == mail, app_user.c.is_active.is_(True)
        )
    ).first()
    return Actor(username=row.username, role=row.role, display_name=row.display_name) if row else None


def _other_active_admins(conn: Connection, user_id: int) -> int:
    return conn.execute(
        select(func.count()).where(
            app_user.c.role == "admin", app_user.c.is_active.is_(True), app_user.c.id != user_id
        )
    ).scalar_one()


def set_role(conn: Connection, *, actor: Actor, username: str, role: str) -> None:
    require(actor, "admin", action="change roles")
    _check_role(role)
    with begin_write(conn):
        row = _require_user(conn, username)
        if row["role"] == role:
            return
        if row["role"] == "admin" and row["is_active"] and _other_active_admins(conn, row["id"]) == 0:
            raise UserError("role", "Role: this is the last active admin; make another admin first")
        conn.execute(update(app_user).where(app_user.c.id == row["id"]).values(role=role))
        _audit(conn, actor.username, "update", row["id"], "role", row["role"], role)


def set_active(conn: Connection, *, actor: Actor, username: str, active: bool) -> None:
    require(actor, "admin", action="deactivate users")
    with begin_write(conn):
        row = _require_user(conn, username)
        if bool(row["is_active"]) == active:
            return
        if not active and row["role"] == "admin" and _other_active_admins(conn, row["id"]) == 0:
            raise UserError("username", "Username: this is the last active admin; make another admin first")
        values = {"is_active": active}
        if active:
            values.update(failed_logins=0, locked_until=None)
        conn.execute(update(app_user).where(app_user.c.id == row["id"]).values(**values))
        if not active:
            sessions.revoke_user(conn, username=row["username"])
        _audit(conn, actor.username, "update", row["id"], "is_active", bool(row["is_active"]), active)


def deactivate(conn: Connection, *, actor: Actor, username: str) -> None:
    set_active(conn, actor=actor, username=username, active=False)


def reset_password(conn: Connection, *, actor: Actor, username: str, password: str) -> None:
    """Set a new password (and lift any lock)."""
    require(actor, "admin", action="reset passwords")
    _check_password(password)
    with begin_write(conn):
        row = _require_user(conn, username)
        conn.execute(
            update(app_user)
            .where(app_user.c.id == row["id"])
            .values(password_hash=_hasher.hash(password), failed_logins=0, locked_until=None)
        )
        sessions.revoke_user(conn, username=row["username"])
        _audit(conn, actor.username, "update", row["id"], "password", None, "(reset)")


def list_users(conn: Connection, *, actor: Actor, now: dt.datetime | None = None) -> pd.DataFrame:
    """Every user, without password hashes; `locked` is True while a lockout runs."""
    require(actor, "admin", action="list users")
    now = now or _now()
    rows = conn.execute(
        select(
            app_user.c.username,
            app_user.c.display_name,
            app_user.c.email,
            app_user.c.role,
            app_user.c.is_active,
            app_user.c.locked_until,
            app_user.c.created_at,
            app_user.c.last_login_at,
        ).order_by(app_user.c.username)
    ).mappings()
    records = [
        {
            **{k: r[k] for k in LIST_COLUMNS if k != "locked"},
            "is_active": bool(r["is_active"]),
            "locked": r["locked_until"] is not None and r["locked_until"] > now,
        }
        for r in rows
    ]
    return pd.DataFrame(records, columns=LIST_COLUMNS)
