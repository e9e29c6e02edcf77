"""Who is acting, and what their role allows. Every write function in db/ checks it itself.

Roles are ranked: a role may do everything the roles below it may. What each kind of action
needs is named once here (the least role for it) and imported by the db functions and pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ROLE_RANK = {"viewer": 0, "marketer": 1, "editor": 2, "admin": 3}
# For people (the Users page, the CLI's help): what each role may do.
ROLE_DESCRIPTIONS = {
    "viewer": "dashboards, customer list and 360 with personal data masked, audience counts",
    "marketer": "what a viewer may, plus saving audiences and exporting their contact lists",
    "editor": "everything unmasked, plus creating, editing and deleting customer records",
    "admin": "what an editor may, plus users, CSV import and the audit log",
}

# The least role for ...
SEES_PERSONAL_DATA = "editor"  # email, phone and date of birth unmasked (record pages, list export)
EDITS_RECORDS = "editor"  # creating, editing and deleting customers, preferences and segments
USES_AUDIENCES = "marketer"  # saving audiences, exporting the contact lists of reachable customers


class PermissionDenied(Exception):
    """The acting user's role does not allow this."""


@dataclass(frozen=True)
class Actor:
    username: str
    role: str
    display_name: str | None = field(default=None, compare=False)  # for people; not part of who it is

    def can(self, role: str) -> bool:
        return ROLE_RANK.get(self.role, -1) >= ROLE_RANK[role]

    @property
    def sees_personal_data(self) -> bool:
        """False: email, phone and date of birth are masked for this actor on the record pages."""
        return self.can(SEES_PERSONAL_DATA)


SYSTEM = Actor(username="system", role="admin")


def require(actor: Actor | None, role: str, *, action: str = "this") -> Actor:
    if actor is None or not actor.can(role):
        who = actor.username if actor else "anonymous"
        raise PermissionDenied(f"{who} may not do {action}: it needs the {role} role")
    return actor
