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
"""

from __future__ import annotations

import time
from collections.abc import Mapping

import streamlit as st

from dashboard import resources
from dashboard.guard import through_app
from db import users
from db.access import Actor

SESSION_KEY = "auth"
NOTICE_KEY = "auth_notice"

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


def session_for(actor: Actor, *, via: str = "password", last_seen: float | None = None) -> dict:
    """The session value that means `actor` is signed in (tests put it into session_state)."""
    return {"username": actor.username, "role": actor.role, "via": via, "last_seen": last_seen or time.time()}


def current_actor() -> Actor | None:
    """The signed-in actor of this session (pages call it first), or None when signed out."""
    through_app()
    state = st.session_state.get(SESSION_KEY)
    if not state:
        return None
    return Actor(username=state["username"], role=state["role"])


def _sign_out(notice: str | None = None) -> None:
    """Forget everything this session held (form values included), keep only a notice to show."""
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    if notice:
        st.session_state[NOTICE_KEY] = notice


def _signed_in(actor: Actor, via: str) -> None:
    _sign_out()
    st.session_state[SESSION_KEY] = session_for(actor, via=via)


def gate() -> Actor | None:
    """The signed-in actor, re-checked against the database; or None after rendering a screen."""
    engine = resources.engine()
    idle_seconds = resources.settings().idle_minutes * 60
    state = st.session_state.get(SESSION_KEY)
    now = time.time()

    if state:
        if now - state.get("last_seen", 0) > idle_seconds:
            via = state.get("via")
            _sign_out(f"You were signed out after {idle_seconds // 60} minutes without activity.")
            if via == "oidc":
                st.logout()
        else:
            with engine.connect() as conn:
                fresh = users.get_active_actor(conn, state["username"])
            if fresh is None:
                via = state.get("via")
                _sign_out("You were signed out: your account is no longer active.")
                if via == "oidc":
                    st.logout()
            else:
                state.update(role=fresh.role, last_seen=now)
                return fresh

    providers = _configured_providers()
    if providers and (email := _oidc_user_email()):
        with engine.connect() as conn:
            actor = users.actor_for_email(conn, email)
        if actor is not None:
            _signed_in(actor, "oidc")
            return actor
        _no_access(email)
        return None

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


def _plain(text: str) -> str:
    """Text shown through Markdown as itself (no links, emphasis or HTML)."""
    return "".join("\\" + ch if ch in "\\`*_{}[]()<>#+-.!|~:$" else ch for ch in text)


def sidebar_account(actor: Actor) -> None:
    """Shared chrome: who is signed in, their role, and a sign-out button."""
    with st.sidebar:
        st.caption(f"Signed in as {_plain(actor.username)} · {actor.role}")
        if st.button("Sign out", icon=":material/logout:", key="auth_sign_out"):
            via = (st.session_state.get(SESSION_KEY) or {}).get("via")
            _sign_out("You signed out.")
            if via == "oidc":
                st.logout()
            st.rerun()
