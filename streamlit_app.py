"""Routing only: settings, the sign-in gate, and the pages this user's role may use."""

from pathlib import Path
from urllib.parse import urlparse

import streamlit as st

from dashboard import auth, resources, responsive, streamlit_fixes
from dashboard.formatting import literal
from dashboard.guard import needs_role, through_app

streamlit_fixes.install()  # widgets that are gone give their memory back (see the module)
through_app()  # a fresh server process must not run us inside Streamlit's pages/ folder mode
st.set_page_config(page_title="Customer analytics", page_icon="assets/favicon.png", layout="wide")

# (section, file, title, icon, least role); a page above the user's role is never registered.
PAGES = [
    ("Dashboards", "pages/overview.py", "Overview", ":material/dashboard:", "viewer"),
    ("Dashboards", "pages/demographics.py", "Demographics", ":material/groups:", "viewer"),
    ("Dashboards", "pages/segments.py", "Segments and value", ":material/donut_large:", "viewer"),
    ("Dashboards", "pages/churn.py", "Churn risk", ":material/trending_down:", "viewer"),
    ("Dashboards", "pages/consent.py", "Preferences and consent", ":material/campaign:", "viewer"),
    ("Customers", "pages/customers.py", "Customer list", ":material/person_search:", "viewer"),
    ("Customers", "pages/customer.py", "Customer 360", ":material/badge:", "viewer"),
    ("Customers", "pages/new_customer.py", "New customer", ":material/person_add:", "editor"),
    ("Campaigns", "pages/audiences.py", "Audiences", ":material/campaign:", "viewer"),
    ("Admin", "pages/import_csv.py", "Import CSV", ":material/upload_file:", "admin"),
    ("Admin", "pages/users.py", "Users", ":material/manage_accounts:", "admin"),
    ("Admin", "pages/audit_log.py", "Audit log", ":material/history:", "admin"),
    ("Admin", "pages/database.py", "Database", ":material/storage:", "viewer"),
]


def _signed_out() -> None:
    """The only page while no one is signed in: the gate has drawn the sign-in screen."""


def _requested_page() -> str | None:
    """The page a signed-out visitor asked for (a shared link), if it is one of ours."""
    path = urlparse(st.context.url or "").path.rstrip("/").rsplit("/", 1)[-1]
    return path if path in {Path(p).stem for _, p, *_ in PAGES} else None


if problem := resources.database_problem():
    st.error(f"The database cannot be used: {literal(problem)}", icon=":material/database:")
    st.stop()
if message := resources.first_run_message():
    st.toast(message)
actor = auth.gate()
if actor is None:
    # Calling st.navigation also when signed out switches Streamlit off its legacy pages/ folder
    # mode. A shared link (/customer?id=42) keeps its address through sign-in: a blank stand-in
    # page answers to its path, and after sign-in the real page (if the role allows) opens.
    pages = [st.Page(_signed_out, title="Sign in", url_path="sign-in", default=True)]
    if target := _requested_page():
        pages.append(st.Page(_signed_out, title="Sign in", url_path=target))
    st.navigation(pages, position="hidden").run()
    st.stop()

sections: dict[str, list[st.Page]] = {}
for section, path, title, icon, role in PAGES:
    if actor.can(role):
        page = st.Page(path, title=title, icon=icon)
    else:  # its address answers "needs the ... role"; the page itself is not registered
        page = st.Page(needs_role(role, title), title=title, url_path=Path(path).stem, visibility="hidden")
    sections.setdefault(section, []).append(page)

auth.sidebar_account(actor)
responsive.install()
if demo := resources.demo_customers():
    st.badge(
        f"Demo data: {demo:,} invented customers, not real ones", icon=":material/science:", color="orange"
    )
st.navigation(sections, expanded=True).run()
