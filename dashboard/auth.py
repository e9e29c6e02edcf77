"""Sign-in and the acting user.

`gate()` runs at the top of every script run (streamlit_app.py). It
- shows the one-time "create the first administrator" screen while app_user is empty,
- else shows the sign-in form (and "Sign in with <provider>" when OIDC is configured),
- ends a session idle for longer than Settings.idle_minutes,
- re-reads the user on every run, so a deactivated user is signed out on their next request
  and a changed role applies at once,
and returns the signed-in Actor, or None when it rendered a screen instead (the caller stops).

Pages get the actor with `current_actor()`. The session holds only the username, role and the
time of the last request under SESSION_KEY; never a password or a hash.

Staying signed in across a reload or a second tab (db.sessions): a sign-in also creates an
app_session row and gives the browser a cookie (COOKIE_NAME) holding only a random token; the
database keeps its SHA-256. A run without a signed-in session presents the cookie's token (the
one the browser sent when it opened its connection, st.context.cookies) and is signed in again
while the row is not revoked, was seen within the idle window and the user is still active.
Sign-out, idle expiry, deactivation and a password reset revoke the row; sign-out also deletes
the cookie. The token is never logged or shown: it reaches the browser only as the data of a small
component with fixed JavaScript that writes the cookie. The server keeps it in session_state
(COOKIE_KEY, server memory only, like the session itself) to refresh the cookie's lifetime.
A run only reads, except once a minute per session (TOUCH_SECONDS) when it records the activity.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import streamlit as st
from sqlalchemy import Connection

from dashboard import resources
from dashboard.guard import through_app
from db import sessions, users
from db.access import Actor
from db.engine import begin_write

SESSION_KEY = "auth"
NOTICE_KEY = "auth_notice"
COOKIE_KEY = "auth_cookie"  # session_state: the token to (re)write into the browser's cookie
FORGET_COOKIE_KEY = "auth_forget_cookie"  # session_state: delete the cookie on the next screen
NEW_COOKIE_KEY = "auth_cookie_new"  # session_state: write the cookie on this run
COOKIE_NAME = "customer_dashboard_session"
TOUCH_SECONDS = 60  # app_session.last_seen_at is written at most once a minute per session
COOKIE_SPARE_SECONDS = 300  # the cookie outlives the idle window by this much

SIGN_IN_FAILED = (
    "Sign-in failed: check the username and password. "
    f"After {users.MAX_FAILED_LOGINS} failed attempts a username is locked for {users.LOCK_MINUTES} minutes."
)


# ---------------------------------------------------------------- OIDC configuration (testable offline)


def oidc_providers(secrets: Mapping | None) -> list[str]:
    """Which st.login providers an [auth] section configures: [""] for the unnamed default, names for
    [auth.<name>] subsections; [] when there is no usable [auth] section."""
    auth = (secrets or {}).get("auth") if secrets is not None else None
    if not isinstance(auth, Mapping) or not auth.get("redirect_uri") or not auth.get("cookie_secret"):
        return []

    def complete(section: Mapping) -> bool:
        return bool(section.get("client_id") and section.get("server_metadata_url"))

    names = [k for k, v in auth.items() if isinstance(v, Mapping) and complete(v)]
    return ([""] if complete(auth) else []) + sorted(names)


def _configured_providers() -> list[str]:
    try:
        return oidc_providers(st.secrets.to_dict())
    except Exception:  # noqa: BLE001 - no secrets.toml at all
        return []


def _oidc_user_email() -> str | None:
    try:
        user = st.user
        return user.get("email") if user.is_logged_in else None
    except Exception:  # noqa: BLE001 - st.user unusable without an [auth] section
        return None


# ---------------------------------------------------------------- session


def session_for(
    actor: Actor,
    *,
    via: str = "password",
    last_seen: float | None = None,
    session_id: int | None = None,
) -> dict:
    """The session value that means `actor` is signed in (tests put it into session_state).
    `session_id` is the app_session row behind the browser's cookie, if any."""
    state = {"username": actor.username, "role": actor.role, "via": via}
    state["last_seen"] = last_seen or time.time()
    if session_id is not None:
        state.update(sid=session_id, touched=time.time())
    return state


def current_actor() -> Actor | None:
    """The signed-in actor of this session (pages call it first), or None when signed out."""
    through_app()
    state = st.session_state.get(SESSION_KEY)
    if not state:
        return None
    return Actor(username=state["username"], role=state["role"])


# ---------------------------------------------------------------- the browser's cookie


def _cookie_token() -> str | None:
    """The token in our cookie as the browser sent it when it opened this connection."""
    try:
        token = st.context.cookies.get(COOKIE_NAME)
    except Exception:  # noqa: BLE001 - no client context (bare script run)
        return None
    return token or None


def cookie_path() -> str:
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}" if base else "/"


# Static code (no data is ever put into HTML or JS source): the token, path and lifetime arrive as
# the component's data. A token of "" deletes the cookie. Secure when served over https.
_COOKIE_JS = """
export default function ({ data }) {
    if (!data || typeof data.name !== "string") return;
    const value = typeof data.token === "string" ? encodeURIComponent(data.token) : "";
    const age = value ? Math.max(0, Number(data.max_age) | 0) : 0;
    document.cookie = data.name + "=" + value + "; Path=" + data.path + "; Max-Age=" + age
        + "; SameSite=Strict" + (location.protocol === "https:" ? "; Secure" : "");
}
"""
_cookie_component = st.components.v2.component("customer_dashboard_session_cookie", js=_COOKIE_JS)


def cookie_data(token: str | None, max_age: int, *, stamp: float = 0) -> dict:
    """What the cookie component receives (token None: delete the cookie). `stamp` changes the data
    on each refresh so the browser writes the cookie again."""
    return {
        "name": COOKIE_NAME,
        "token": token or "",
        "path": cookie_path(),
        "max_age": max(int(max_age), 0) if token else 0,
        "stamp": int(stamp),
    }


def _write_cookie(token: str | None, max_age: int) -> None:
    _cookie_component(data=cookie_data(token, max_age, stamp=time.time()), height=0)


def _restore_from_cookie(engine, idle_minutes: int) -> Actor | None:
    """Sign in again from the browser's cookie while its session is live (reads; see _keep_alive)."""
    token = _cookie_token()
    if not token:
        return None
    with engine.connect() as conn:
        found = sessions.lookup(conn, token=token, idle_minutes=idle_minutes)
    if found is None:
        return None
    actor = Actor(username=found.username, role=found.role)
    via = "oidc" if _configured_providers() and _oidc_user_email() else "password"
    _sign_out()
    st.session_state[SESSION_KEY] = session_for(actor, via=via, session_id=found.id) | {"touched": 0}
    st.session_state[COOKIE_KEY] = token
    st.session_state[NEW_COOKIE_KEY] = True  # restart the cookie's lifetime
    return actor


@contextmanager
def _writing() -> Iterator[Connection]:
    """A write transaction of its own (queued behind other writers on SQLite), committed at the end."""
    with resources.engine().connect() as conn, begin_write(conn):
        yield conn


def _revoke(session_id: int | None) -> None:
    if session_id is None:
        return
    with _writing() as conn:
        sessions.revoke(conn, session_id=session_id)


def _sign_out(notice: str | None = None) -> None:
    """Forget everything this session held (form values included), keep only a notice to show.
    A session behind a cookie is revoked and the cookie deleted on the next screen."""
    state = st.session_state.get(SESSION_KEY) or {}
    had_cookie = COOKIE_KEY in st.session_state
    _revoke(state.get("sid"))
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    if notice:
        st.session_state[NOTICE_KEY] = notice
    if had_cookie or state.get("sid") is not None:
        st.session_state[FORGET_COOKIE_KEY] = True


def _signed_in(actor: Actor, via: str) -> None:
    _sign_out()
    st.session_state.pop(FORGET_COOKIE_KEY, None)
    with _writing() as conn:
        session_id, token = sessions.create(conn, username=actor.username)
    st.session_state[SESSION_KEY] = session_for(actor, via=via, session_id=session_id)
    st.session_state[COOKIE_KEY] = token
    st.session_state[NEW_COOKIE_KEY] = True


def _keep_alive(conn, state: dict, now: float, idle_seconds: int) -> bool:
    """Once a minute: record activity on the session's row and refresh the cookie's lifetime;
    every other run only reads. False when the row was revoked meanwhile (sign-out in another
    tab, password reset)."""
    session_id = state.get("sid")
    if session_id is None:
        return True
    fresh_cookie = st.session_state.pop(NEW_COOKIE_KEY, False)
    if now - state.get("touched", 0) < TOUCH_SECONDS:
        alive = sessions.is_live(conn, session_id=session_id)
    else:
        conn.rollback()  # end the read before writing: one connection, one transaction at a time
        with _writing() as writer:
            alive = sessions.touch(writer, session_id=session_id)
        state["touched"] = now
        fresh_cookie = True
    if alive and fresh_cookie and (token := st.session_state.get(COOKIE_KEY)):
        with st.sidebar:
            _write_cookie(token, idle_seconds + COOKIE_SPARE_SECONDS)
    return alive


def _end(state: dict, notice: str) -> None:
    via = state.get("via")
    _sign_out(notice)
    if via == "oidc":
        st.logout()


def gate() -> Actor | None:
    """The signed-in actor, re-checked against the database; or None after rendering a screen."""
    engine = resources.engine()
    idle_minutes = resources.settings().idle_minutes
    idle_seconds = idle_minutes * 60
    state = st.session_state.get(SESSION_KEY)
    now = time.time()

    if not state and _restore_from_cookie(engine, idle_minutes) is not None:
        state = st.session_state[SESSION_KEY]

    if state:
        if now - state.get("last_seen", 0) > idle_seconds:
            _end(state, f"You were signed out after {idle_seconds // 60} minutes without activity.")
        else:
            with engine.connect() as conn:
                fresh = users.get_active_actor(conn, state["username"])
                alive = fresh is not None and _keep_alive(conn, state, now, idle_seconds)
            if fresh is None:
                _end(state, "You were signed out: your account is no longer active.")
            elif not alive:
                _end(state, "You were signed out (from another tab, or your password was reset).")
            else:
                state.update(role=fresh.role, last_seen=now)
                return fresh

    providers = _configured_providers()
    if providers and (email := _oidc_user_email()):
        with engine.connect() as conn:
            actor = users.actor_for_email(conn, email)
        if actor is not None:
            _signed_in(actor, "oidc")
            return gate()  # now signed in: the checks above run once and write the cookie
        _no_access(email)
        return None

    if st.session_state.pop(FORGET_COOKIE_KEY, False) or _cookie_token():
        # Signed out, or the browser's cookie names no live session: delete it.
        _write_cookie(None, 0)

    with engine.connect() as conn:
        first_run = not users.has_any_user(conn)
    if first_run:
        _first_admin_screen(engine)
    else:
        _sign_in_screen(engine, providers)
    return None


# ---------------------------------------------------------------- screens


def _centered():
    return st.columns([1, 2, 1])[1]


def _first_admin_screen(engine) -> None:
    with _centered():
        st.title("Create the first administrator")
        st.write(
            "No one can sign in yet. The account you create here is an administrator: it can add "
            "the other users and give them a role. This screen is shown only once."
        )
        with st.form("first_admin"):
            username = st.text_input("Username", max_chars=64)
            display_name = st.text_input("Display name", max_chars=255)
            email = st.text_input(
                "Email (optional; for sign-in through the identity provider)", max_chars=255
            )
            password = st.text_input(
                "Password", type="password", help=f"At least {users.MIN_PASSWORD_LENGTH} characters"
            )
            repeat = st.text_input("Repeat the password", type="password")
            submitted = st.form_submit_button("Create administrator", type="primary")
        if not submitted:
            return
        if password != repeat:
            st.error("Repeat the password: the two passwords differ.")
            return
        try:
            with engine.connect() as conn:
                actor = users.create_user(
                    conn,
                    actor=None,
                    username=username,
                    display_name=display_name,
                    email=email,
                    role="admin",
                    password=password,
                )
                conn.commit()
        except users.UserError as exc:
            st.error(str(exc))
            return
        except PermissionError:
            st.error("An administrator was created a moment ago: reload the page and sign in.")
            return
        _signed_in(actor, "password")
        st.rerun()


def _sign_in_screen(engine, providers: list[str]) -> None:
    with _centered():
        st.title("Sign in")
        if notice := st.session_state.pop(NOTICE_KEY, None):
            st.info(notice)
        with st.form("sign_in"):
            username = st.text_input("Username", max_chars=64, autocomplete="username")
            password = st.text_input("Password", type="password", autocomplete="current-password")
            submitted = st.form_submit_button("Sign in", type="primary")
        for name in providers:
            label = (
                f"Sign in with {name.replace('_', ' ').title()}"
                if name
                else "Sign in with your company account"
            )
            if st.button(label, key=f"oidc_{name or 'default'}"):
                st.login(name or None)
        if not submitted:
            return
        with engine.connect() as conn:
            actor = users.authenticate(conn, username=username, password=password)
            conn.commit()
        if actor is None:
            st.error(SIGN_IN_FAILED)
            return
        _signed_in(actor, "password")
        st.rerun()


def _no_access(email: str) -> None:
    with _centered():
        st.title("No access")
        st.write(
            "You signed in with the identity provider, but no active user of this app has your "
            "email address. Ask an administrator to add you."
        )
        st.text(email)
        if st.button("Sign out"):
            st.logout()


def sidebar_account(actor: Actor) -> None:
    """Shared chrome: who is signed in (display name, else username; plain text), their role, sign-out."""
    with st.sidebar:
        st.text(f"Signed in as {actor.display_name or actor.username} · {actor.role}")
        if st.button("Sign out", icon=":material/logout:", key="auth_sign_out"):
            _end(st.session_state.get(SESSION_KEY) or {}, "You signed out.")
            st.rerun()
