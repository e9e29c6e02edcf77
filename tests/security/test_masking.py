"""Viewers and marketers never receive an unmasked email or phone (or a date of birth) on a record
page or the customer list export; a marketer's audience contact list is the one exception (its
reason to exist, tested in tests/db/test_audiences.py). Every write function refuses every role
below its least role and changes nothing, and accepts the roles from it up."""

from __future__ import annotations

import inspect

import pytest
from sqlalchemy import func, select

from db import audiences, csv_io, exports, users, writes
from db.access import ROLE_RANK, PermissionDenied
from db.audiences import AudienceDefinition
from db.filters import CustomerFilter
from db.models import Base
from tests.security.conftest import ACTORS, PRIYA, all_customers, rendered_text, whole_app

MASKED_ROLES = ("viewer", "marketer")
ROLES = tuple(ROLE_RANK)
MASKED_PAGES = [
    "pages/overview.py",
    "pages/demographics.py",
    "pages/segments.py",
    "pages/churn.py",
    "pages/consent.py",
    "pages/customers.py",
    "pages/audiences.py",
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


@pytest.mark.parametrize("role", MASKED_ROLES)
@pytest.mark.parametrize("page", MASKED_PAGES)
def test_masked_roles_pages_show_no_contact_details(app_db, role, page):
    url, _ = app_db
    at = whole_app(role, page=page)
    assert not at.exception, at.exception
    assert _leaks(rendered_text(at), all_customers(url)) == []


@pytest.mark.parametrize("role", MASKED_ROLES)
def test_360_is_masked_for_viewers_and_marketers(app_db, role):
    url, ids = app_db
    at = whole_app(role, page="pages/customer.py", id=ids["priya"])
    assert not at.exception, at.exception
    shown = rendered_text(at)
    assert _leaks(shown, all_customers(url)) == []
    assert "1990-05-17" not in shown and "17/05/1990" not in shown and "17 May 1990" not in shown
    assert "p*****@gmail.com" in shown.replace("\\", "")
    assert "Date of birth" not in shown and "years" not in shown  # the Age field, as stored, instead
    assert f"**Age**  \n{PRIYA['Age']}" in [m.value for m in at.markdown]


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
    customers = all_customers(url)
    assert _leaks(text, customers) == []
    assert "$argon2" not in text
    header = text.splitlines()[0].split(",")
    assert "Date_of_Birth" not in header and "Age" in header  # no date column holding "53 years"
    assert not [c["Date_of_Birth"] for c in customers if c["Date_of_Birth"].isoformat() in text]


@pytest.mark.parametrize("role", ROLES)
def test_the_customer_list_export_is_masked_for_viewers_and_marketers_only(app_db, role):
    """What the export button's callable builds, for the actor who clicks it."""
    url, _ = app_db
    from db.engine import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            text = exports.customer_list_csv(conn, actor=ACTORS[role], f=CustomerFilter())
    finally:
        engine.dispose()
    leaks = _leaks(text, all_customers(url))
    assert (leaks == []) is (role in MASKED_ROLES)


@pytest.mark.parametrize("role", MASKED_ROLES)
def test_customer_list_export_button_is_the_masked_one(app_db, role):
    at = whole_app(role, page="pages/customers.py")
    labels = [b.label for b in at.get("download_button")]
    assert labels and all("(masked)" in label for label in labels)


# ---------------------------------------------------------------- direct calls by every role (all backends)


def _counts(conn) -> dict[str, int]:
    return {
        name: conn.execute(select(func.count()).select_from(t)).scalar()
        for name, t in Base.metadata.tables.items()
    }


# Every write function and the least role it needs: the access policy, stated here on its own.
LEAST_ROLE = {
    **dict.fromkeys(
        (
            "create_customer",
            "update_customer",
            "set_account_status",
            "delete_customer",
            "add_preference",
            "update_preference",
            "delete_preference",
            "add_segment",
            "update_segment",
            "delete_segment",
        ),
        "editor",
    ),
    "save_audience": "marketer",
    "delete_audience": "marketer",
    "commit_import": "admin",
    "create_user": "admin",
    "set_role": "admin",
    "deactivate": "admin",
    "reset_password": "admin",
    "list_users": "admin",
}


IMPORT_CSV = (
    b"Customer_Name,Email,Date_of_Birth,City,State\r\n"
    b"New Person,new@example.com,1990-01-02,Pune,Maharashtra\r\n"
)


def _records(conn):
    """Users ada (admin) and vera (viewer); a customer with a preference and a segment; a saved
    audience; an import plan. What the calls below need, so that each allowed call succeeds."""
    admin = ACTORS["admin"]
    for actor in (admin, ACTORS["viewer"]):
        users.create_user(
            conn,
            actor=None if actor is admin else admin,
            username=actor.username,
            display_name=actor.username,
            email=None,
            role=actor.role,
            password="x" * 20,
        )
    data = {k: v for k, v in PRIYA.items() if k != "Age"}
    cid = writes.create_customer(conn, actor=admin, data=data).record_id
    pref = writes.add_preference(
        conn,
        actor=admin,
        customer_id=cid,
        data={"Communication_Channel": "Email", "Preferred_Language": "Hindi", "Time_Zone": "IST"},
    ).record_id
    segment = {
        "Segment_Name": "Loyal",
        "Segment_Category": "VIP",
        "Lifetime_Value": "100.00",
        "Risk_Score": "10.00",
        "Engagement_Level": "High",
    }
    seg = writes.add_segment(conn, actor=admin, customer_id=cid, data=segment).record_id
    audience = audiences.save(conn, AudienceDefinition(), name="Everyone", actor=admin)
    conn.commit()
    plan = csv_io.dry_run(conn, customers_csv=IMPORT_CSV, preferences_csv=None, segments_csv=None)
    conn.rollback()
    row = dict(conn.execute(select(Base.metadata.tables["Customer_Info"])).mappings().one())
    conn.rollback()
    return {"data": data, "cid": cid, "pref": pref, "seg": seg, "segment": segment}, audience, plan, row


def _calls(conn, actor, records) -> dict:
    ids, audience, plan, row = records
    data, cid, pref, seg = ids["data"], ids["cid"], ids["pref"], ids["seg"]
    return {
        "create_customer": lambda: writes.create_customer(
            conn, actor=actor, data={**data, "Email": "x@example.com", "Phone": None}
        ),
        "update_customer": lambda: writes.update_customer(
            conn, actor=actor, customer_id=cid, original=row, changes={"City": "Delhi"}
        ),
        "set_account_status": lambda: writes.set_account_status(
            conn, actor=actor, customer_id=cid, status="Suspended", original=row
        ),
        "delete_customer": lambda: writes.delete_customer(
            conn, actor=actor, customer_id=cid, confirm=row["Email"]
        ),
        "add_preference": lambda: writes.add_preference(
            conn, actor=actor, customer_id=cid, data={"Communication_Channel": "SMS"}
        ),
        "update_preference": lambda: writes.update_preference(
            conn, actor=actor, preference_id=pref, original={}, changes={"Time_Zone": "UTC"}
        ),
        "delete_preference": lambda: writes.delete_preference(conn, actor=actor, preference_id=pref),
        "add_segment": lambda: writes.add_segment(conn, actor=actor, customer_id=cid, data=ids["segment"]),
        "update_segment": lambda: writes.update_segment(
            conn, actor=actor, segment_id=seg, original={}, changes={"Risk_Score": "99"}
        ),
        "delete_segment": lambda: writes.delete_segment(conn, actor=actor, segment_id=seg),
        "save_audience": lambda: audiences.save(
            conn, AudienceDefinition(), name="Everyone", actor=actor, replace_existing=True
        ),
        "delete_audience": lambda: audiences.delete(conn, audience, actor=actor),
        "commit_import": lambda: csv_io.commit_import(conn, actor=actor, plan=plan, all_or_nothing=True),
        "create_user": lambda: users.create_user(
            conn,
            actor=actor,
            username="x",
            display_name="x",
            email=None,
            role="admin",
            password="x" * 20,
        ),
        "set_role": lambda: users.set_role(conn, actor=actor, username="vera", role="admin"),
        "deactivate": lambda: users.deactivate(conn, actor=actor, username="vera"),
        "reset_password": lambda: users.reset_password(conn, actor=actor, username="vera", password="x" * 20),
        "list_users": lambda: users.list_users(conn, actor=actor),
    }


def test_every_write_function_is_in_the_table():
    def with_actor(module, skip=()):
        return {
            n
            for n, f in inspect.getmembers(module, inspect.isfunction)
            if f.__module__ == module.__name__
            and not n.startswith("_")
            and "actor" in inspect.signature(f).parameters
        } - set(skip)

    names = set(LEAST_ROLE)
    assert with_actor(writes) <= names, f"untested write functions: {with_actor(writes) - names}"
    # export_csv (marketer) needs an analytics copy: tests/db/test_audiences.py
    assert {f"{n}_audience" for n in with_actor(audiences, skip=("export_csv",))} <= names
    assert set(LEAST_ROLE.values()) <= set(ROLES)


@pytest.mark.parametrize("role", ROLES)
def test_every_write_is_refused_below_its_least_role_and_changes_nothing(fresh_engine, role):
    """For each write function: a role below its least role gets PermissionDenied and nothing
    changes; a role at or above it succeeds (each call runs in a transaction that is rolled
    back, so every call sees the same records)."""
    from db.migrate import upgrade

    upgrade(fresh_engine)
    with fresh_engine.connect() as conn:
        records = _records(conn)
        before = _counts(conn)
        conn.rollback()
        for name, call in _calls(conn, ACTORS[role], records).items():
            allowed = ROLE_RANK[role] >= ROLE_RANK[LEAST_ROLE[name]]
            outer = conn.begin()
            try:
                if allowed:
                    call()  # succeeds: a role from the least one up may do it
                else:
                    with pytest.raises(PermissionDenied):
                        call()
                        pytest.fail(f"{name} did not refuse a {role}")
            finally:
                outer.rollback()
            assert _counts(conn) == before, f"{name} by a {role} changed something"
            conn.rollback()
