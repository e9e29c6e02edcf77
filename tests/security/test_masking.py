"""A viewer never receives an unmasked email or phone (or a date of birth), on any page or export;
a viewer calling a write function directly is refused and nothing changes."""

from __future__ import annotations

import inspect

import pytest
from sqlalchemy import func, select

from db import csv_io, users, writes
from db.access import PermissionDenied
from db.filters import CustomerFilter
from db.models import Base
from tests.security.conftest import ACTORS, PRIYA, all_customers, rendered_text, whole_app

VIEWER_PAGES = [
    "pages/overview.py",
    "pages/demographics.py",
    "pages/segments.py",
    "pages/churn.py",
    "pages/consent.py",
    "pages/customers.py",
    "pages/database.py",
]


def _leaks(shown: str, customers: list[dict]) -> list[str]:
    out = []
    for c in customers:
        for value in (c["Email"], c["Phone"]):
            if value and value in shown:
                out.append(value)
        if c["Phone"] and c["Phone"][-10:] in shown.replace(" ", "").replace("-", ""):
            out.append(c["Phone"])
    return out


@pytest.mark.parametrize("page", VIEWER_PAGES)
def test_viewer_pages_show_no_contact_details(app_db, page):
    url, _ = app_db
    at = whole_app("viewer", page=page)
    assert not at.exception, at.exception
    assert _leaks(rendered_text(at), all_customers(url)) == []


def test_viewer_360_is_masked(app_db):
    url, ids = app_db
    at = whole_app("viewer", page="pages/customer.py", id=ids["priya"])
    assert not at.exception, at.exception
    shown = rendered_text(at)
    assert _leaks(shown, all_customers(url)) == []
    assert "1990-05-17" not in shown and "17/05/1990" not in shown
    assert "p*****@gmail.com" in shown.replace("\\", "")


def test_editor_sees_unmasked_360(app_db):
    _, ids = app_db
    at = whole_app("editor", page="pages/customer.py", id=ids["priya"])
    assert PRIYA["Email"] in rendered_text(at)


def test_masked_export_has_no_contact_details(app_db):
    url, _ = app_db
    from db.engine import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            text = "".join(csv_io.export_customers(conn, f=CustomerFilter(), masked=True))
    finally:
        engine.dispose()
    assert text.count("\n") > 200
    assert _leaks(text, all_customers(url)) == []
    assert "$argon2" not in text


def test_viewer_export_button_is_the_masked_one(app_db):
    at = whole_app("viewer", page="pages/customers.py")
    labels = [b.label for b in at.get("download_button")]
    assert labels and all("(masked)" in label for label in labels)


# ---------------------------------------------------------------- direct calls by a viewer (all backends)


def _counts(conn) -> dict[str, int]:
    return {
        name: conn.execute(select(func.count()).select_from(t)).scalar()
        for name, t in Base.metadata.tables.items()
    }


def test_viewer_write_calls_are_refused_and_change_nothing(fresh_engine):
    from db.migrate import upgrade

    upgrade(fresh_engine)
    editor, viewer = ACTORS["editor"], ACTORS["viewer"]
    with fresh_engine.connect() as conn:
        data = {k: v for k, v in PRIYA.items() if k != "Age"}
        cid = writes.create_customer(conn, actor=editor, data=data).record_id
        pref = writes.add_preference(
            conn,
            actor=editor,
            customer_id=cid,
            data={"Communication_Channel": "Email", "Preferred_Language": "Hindi", "Time_Zone": "IST"},
        ).record_id
        seg = writes.add_segment(
            conn,
            actor=editor,
            customer_id=cid,
            data={
                "Segment_Name": "Loyal",
                "Segment_Category": "VIP",
                "Lifetime_Value": "100.00",
                "Risk_Score": "10.00",
                "Engagement_Level": "High",
            },
        ).record_id
        conn.commit()
        before = _counts(conn)
        row = dict(conn.execute(select(Base.metadata.tables["Customer_Info"])).mappings().one())
        calls = {
            "create_customer": lambda: writes.create_customer(
                conn, actor=viewer, data={**data, "Email": "x@example.com", "Phone": None}
            ),
            "update_customer": lambda: writes.update_customer(
                conn, actor=viewer, customer_id=cid, original=row, changes={"City": "Delhi"}
            ),
            "set_account_status": lambda: writes.set_account_status(
                conn, actor=viewer, customer_id=cid, status="Suspended", original=row
            ),
            "delete_customer": lambda: writes.delete_customer(
                conn, actor=viewer, customer_id=cid, confirm=row["Email"]
            ),
            "add_preference": lambda: writes.add_preference(
                conn, actor=viewer, customer_id=cid, data={"Communication_Channel": "SMS"}
            ),
            "update_preference": lambda: writes.update_preference(
                conn, actor=viewer, preference_id=pref, original={}, changes={"Time_Zone": "UTC"}
            ),
            "delete_preference": lambda: writes.delete_preference(conn, actor=viewer, preference_id=pref),
            "add_segment": lambda: writes.add_segment(conn, actor=viewer, customer_id=cid, data={}),
            "update_segment": lambda: writes.update_segment(
                conn, actor=viewer, segment_id=seg, original={}, changes={"Risk_Score": "99"}
            ),
            "delete_segment": lambda: writes.delete_segment(conn, actor=viewer, segment_id=seg),
            "commit_import": lambda: csv_io.commit_import(conn, actor=editor, plan=None, all_or_nothing=True),
            "create_user": lambda: users.create_user(
                conn,
                actor=viewer,
                username="x",
                display_name="x",
                email=None,
                role="admin",
                password="x" * 20,
            ),
            "set_role": lambda: users.set_role(conn, actor=viewer, username="vera", role="admin"),
            "deactivate": lambda: users.deactivate(conn, actor=viewer, username="vera"),
            "reset_password": lambda: users.reset_password(
                conn, actor=viewer, username="vera", password="x" * 20
            ),
            "list_users": lambda: users.list_users(conn, actor=viewer),
        }
        public = {n for n, f in inspect.getmembers(writes, inspect.isfunction) if f.__module__ == "db.writes"}
        takes_actor = {n for n in public if "actor" in inspect.signature(getattr(writes, n)).parameters}
        assert takes_actor <= set(calls), f"untested write functions: {takes_actor - set(calls)}"
        for name, call in calls.items():
            with pytest.raises(PermissionDenied):
                call()
                pytest.fail(f"{name} did not refuse a viewer")
            conn.rollback()
        assert _counts(conn) == before, "a refused call changed something"
