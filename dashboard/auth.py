"""Sign-in and the acting user. (Stub until access control lands: everyone is an admin.)"""

from __future__ import annotations

from db.access import Actor


def gate() -> Actor | None:
    """Render the sign-in or first-admin screen when needed; the signed-in actor, or None."""
    return current_actor()


def current_actor() -> Actor | None:
    return Actor(username="demo", role="admin")


def sidebar_account(actor: Actor) -> None:
    """Shared chrome: who is signed in (and a sign-out button once sign-in exists)."""
