"""app_user.role: the marketer role (between viewer and editor)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 10:00:00.000000

The CHECK on app_user.role is replaced by one that also allows 'marketer'. Only our own table
app_user is touched (a table copy on SQLite, ALTER TABLE elsewhere).

Downgrade makes every marketer a viewer (the role below it, so no one gains a right) and puts
back the CHECK of 0001.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

ROLES_BEFORE = ("viewer", "editor", "admin")
ROLES_AFTER = ("viewer", "marketer", "editor", "admin")
CHECK = "ck_app_user_role"


def _replace_check(roles: tuple[str, ...]) -> None:
    with op.batch_alter_table("app_user") as batch:
        batch.drop_constraint(op.f(CHECK), type_="check")
        batch.create_check_constraint(op.f(CHECK), sa.column("role").in_(roles))


def upgrade() -> None:
    _replace_check(ROLES_AFTER)


def downgrade() -> None:
    app_user = sa.table("app_user", sa.column("role", sa.String))
    op.execute(app_user.update().where(app_user.c.role == "marketer").values(role="viewer"))
    _replace_check(ROLES_BEFORE)
