"""Who is acting, and what their role allows. Every write function in db/ checks it itself."""

from __future__ import annotations

from dataclasses import dataclass

ROLE_RANK = {"viewer": 0, "editor": 1, "admin": 2}


class PermissionDenied(Exception):
    """The acting user's role does not allow this."""


@dataclass(frozen=True)
class Actor:
    username: str
    role: str

    def can(self, role: str) -> bool:
        return ROLE_RANK.get(self.role, -1) >= ROLE_RANK[role]


SYSTEM = Actor(username="system", role="admin")


def require(actor: Actor | None, role: str, *, action: str = "this") -> Actor:
    if actor is None or not actor.can(role):
        who = actor.username if actor else "anonymous"
        raise PermissionDenied(f"{who} may not do {action}: it needs the {role} role")
    return actor
