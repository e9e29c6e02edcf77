"""Prepare a database for a browser test: migrated, seeded, with one user per role."""

from __future__ import annotations

from db.access import Actor
from db.demo import seed
from db.engine import make_engine
from db.migrate import upgrade
from db.users import create_user

PASSWORD = "correct horse battery"
USERS = {"ada": "admin", "eddie": "editor", "mara": "marketer", "vera": "viewer"}


def prepare_with_users(url: str, *, customers: int = 2000) -> None:
    engine = make_engine(url)
    upgrade(engine)
    seed(engine, customers=customers, seed=7)
    with engine.connect() as conn:
        admin = create_user(
            conn, actor=None, username="ada", display_name="Ada Admin", email=None, role="admin",
            password=PASSWORD,
        )  # fmt: skip
        for name, role in USERS.items():
            if name != "ada":
                create_user(
                    conn, actor=Actor(admin.username, "admin"), username=name, display_name=name.title(),
                    email=None, role=role, password=PASSWORD,
                )  # fmt: skip
        conn.commit()
    engine.dispose()
