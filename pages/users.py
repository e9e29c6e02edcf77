"""Users: who may sign in and with which role (admins only)."""

import streamlit as st

from dashboard import auth, resources
from db import users
from db.access import ROLE_DESCRIPTIONS, PermissionDenied
from db.formats import MISSING, date_text
from db.models import ROLES

actor = auth.current_actor()
if actor is None or not actor.can("admin"):
    st.error("This page is for administrators.")
    st.stop()

st.title("Users")
st.caption("Roles: " + "; ".join(f"{role}: {what}" for role, what in ROLE_DESCRIPTIONS.items()) + ".")


def run(fn, done: str, **kwargs) -> None:
    try:
        with resources.engine().connect() as conn:
            fn(conn, actor=actor, **kwargs)
            conn.commit()
    except (users.UserError, PermissionDenied) as exc:
        st.error(str(exc))
        return
    st.toast(done)
    st.rerun()


with resources.engine().connect() as conn:
    table = users.list_users(conn, actor=actor)

# A dash rather than "None" where a user has no email / display name.
blanks = {c: table[c].astype(object).where(table[c].notna(), MISSING) for c in ("display_name", "email")}
# As text: a grid shows a missing time as "None", and a user who never signed in has none.
times = {c: table[c].map(date_text) for c in ("created_at", "last_login_at")}
st.dataframe(
    table.assign(**blanks, **times),
    hide_index=True,
    column_config={
        "username": "Username",
        "display_name": "Display name",
        "email": "Email",
        "role": "Role",
        "is_active": st.column_config.CheckboxColumn("Active"),
        "locked": st.column_config.CheckboxColumn("Locked", help="15 minutes after 5 failed sign-ins"),
        "created_at": "Created",
        "last_login_at": "Last sign-in",
    },
)

names = table["username"].tolist()
add_tab, role_tab, active_tab, password_tab = st.tabs(
    ["Add user", "Change role", "Activate or deactivate", "Reset password"]
)

with add_tab, st.form("add_user", clear_on_submit=True):
    username = st.text_input("Username", max_chars=64)
    display_name = st.text_input("Display name", max_chars=255)
    email = st.text_input("Email (optional; for sign-in through the identity provider)", max_chars=255)
    role = st.selectbox("Role", ROLES)
    password = st.text_input(
        "Password", type="password", help=f"At least {users.MIN_PASSWORD_LENGTH} characters"
    )
    if st.form_submit_button("Add user", type="primary"):
        run(
            users.create_user,
            f"Added {username}",
            username=username,
            display_name=display_name,
            email=email,
            role=role,
            password=password,
        )

with role_tab, st.form("set_role"):
    who = st.selectbox("User", names, key="role_user")
    new_role = st.selectbox("New role", ROLES)
    if st.form_submit_button("Change role"):
        run(users.set_role, f"{who} is now {new_role}", username=who, role=new_role)

with active_tab, st.form("set_active"):
    who = st.selectbox("User", names, key="active_user")
    active = st.radio("Status", ["Active", "Deactivated"], horizontal=True) == "Active"
    st.caption("A deactivated user is signed out on their next request.")
    if st.form_submit_button("Save status"):
        run(
            users.set_active, f"{who} is {'active' if active else 'deactivated'}", username=who, active=active
        )

with password_tab, st.form("reset_password", clear_on_submit=True):
    who = st.selectbox("User", names, key="password_user")
    new_password = st.text_input("New password", type="password")
    st.caption("Also lifts a lock after failed sign-ins.")
    if st.form_submit_button("Reset password"):
        run(users.reset_password, f"New password set for {who}", username=who, password=new_password)
