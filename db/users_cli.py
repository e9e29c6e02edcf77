"""`python -m db users add|list|set-role|deactivate|activate|reset-password`.

Whoever can run this has the database URL, so the CLI acts as an administrator named
"cli:<os user>" (that name goes into the audit log). Passwords are read with getpass, or
from standard input with --password-stdin (for scripts); never from the command line.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from db import formats
from db.access import ROLE_DESCRIPTIONS
from db.models import ROLES


def _cli_actor():
    from db.access import Actor

    try:
        who = getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        who = "unknown"
    return Actor(username=f"cli:{who}"[:64], role="admin")


def _read_password(args) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password (at least 12 characters): ")
    if getpass.getpass("Repeat the password: ") != first:
        raise ValueError("the two passwords differ")
    return first


def _engine(args):
    from db.engine import make_engine
    from db.migrate import upgrade
    from db.settings import Settings

    engine = make_engine(args.url or Settings.load().database_url)
    upgrade(engine)
    return engine


def _run(args, fn) -> int:
    with _engine(args).connect() as conn:
        message = fn(conn)
        conn.commit()
    print(message)
    return 0


def cmd_add(args) -> int:
    from db import users

    password = _read_password(args)

    def go(conn):
        first = not users.has_any_user(conn)
        actor = None if first and args.role == "admin" else _cli_actor()
        users.create_user(
            conn,
            actor=actor,
            username=args.username,
            display_name=args.display_name or args.username,
            email=args.email,
            role=args.role,
            password=password,
        )
        return f"added {args.username} ({args.role})"

    return _run(args, go)


def cmd_list(args) -> int:
    from db import users

    with _engine(args).connect() as conn:
        frame = users.list_users(conn, actor=_cli_actor())
    if frame.empty:
        print("no users yet: add the first administrator with `python -m db users add NAME --role admin`")
        return 0
    shown = frame.assign(
        display_name=frame["display_name"].map(lambda v: v or formats.MISSING),
        email=frame["email"].map(lambda v: v or formats.MISSING),
        is_active=frame["is_active"].map({True: "active", False: "deactivated"}),
        locked=frame["locked"].map({True: "locked", False: ""}),
        last_login_at=frame["last_login_at"].map(formats.date_text),
    )[["username", "display_name", "email", "role", "is_active", "locked", "last_login_at"]]
    print(shown.to_string(index=False))
    return 0


def cmd_set_role(args) -> int:
    from db import users

    def go(conn):
        users.set_role(conn, actor=_cli_actor(), username=args.username, role=args.role)
        return f"{args.username} is now {args.role}"

    return _run(args, go)


def cmd_deactivate(args) -> int:
    from db import users

    def go(conn):
        users.deactivate(conn, actor=_cli_actor(), username=args.username)
        return f"{args.username} is deactivated (signed out on their next request)"

    return _run(args, go)


def cmd_activate(args) -> int:
    from db import users

    def go(conn):
        users.set_active(conn, actor=_cli_actor(), username=args.username, active=True)
        return f"{args.username} is active again"

    return _run(args, go)


def cmd_reset_password(args) -> int:
    from db import users

    password = _read_password(args)

    def go(conn):
        users.reset_password(conn, actor=_cli_actor(), username=args.username, password=password)
        return f"new password set for {args.username} (any lock lifted)"

    return _run(args, go)


def register(sub, command) -> None:
    """Add the `users` command group to the CLI's subparsers."""
    group = command(
        "users", lambda args: group.print_help() or 2, "Manage who may sign in and with which role."
    )
    users_sub = group.add_subparsers(dest="users_command", required=True, parser_class=type(group))

    def sub_command(name: str, func, help_text: str) -> argparse.ArgumentParser:
        p = users_sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--url", help="database URL (default: DATABASE_URL or the SQLite file under data/)")
        p.set_defaults(func=func)
        return p

    def password_option(p):
        p.add_argument(
            "--password-stdin",
            action="store_true",
            help="read the password from the first line of standard input",
        )

    add = sub_command("add", cmd_add, "Add a user (the first user must be an admin).")
    add.add_argument("username")
    roles_help = "; ".join(f"{role}: {what}" for role, what in ROLE_DESCRIPTIONS.items())
    add.add_argument("--role", choices=ROLES, required=True, help=roles_help)
    add.add_argument("--display-name", help="shown in the app (default: the username)")
    add.add_argument("--email", help="needed for sign-in through the identity provider")
    password_option(add)
    sub_command("list", cmd_list, "List users (never their passwords).")
    role = sub_command("set-role", cmd_set_role, "Change a user's role.")
    role.add_argument("username")
    role.add_argument("role", choices=ROLES, help=roles_help)
    deactivate = sub_command("deactivate", cmd_deactivate, "Stop a user from signing in; signs them out.")
    deactivate.add_argument("username")
    activate = sub_command("activate", cmd_activate, "Let a deactivated user sign in again.")
    activate.add_argument("username")
    reset = sub_command(
        "reset-password", cmd_reset_password, "Set a new password for a user and lift any lock."
    )
    reset.add_argument("username")
    password_option(reset)
