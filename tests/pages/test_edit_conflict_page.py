"""Issue 14: an edit conflict says what the other person changed (field, their value, who and
when), keeps the typing, and offers to re-apply it on top of the values stored now."""

from __future__ import annotations

from sqlalchemy import select

from db import writes
from db.access import Actor
from db.audit import audit_log
from db.engine import make_engine
from db.models import customer_preferences
from tests.pages._records_fixtures import PRIYA, app, customer_row
from tests.pages.test_records_pages import _button, _open_tab_label

RAVI = Actor("ravi", "editor")


def _saved_by_ravi(url: str, customer_id: int, **changes) -> None:
    """Another app user saves `changes` (in another session: the page's cached read is stale)."""
    engine = make_engine(url)
    with engine.connect() as conn:
        loaded = customer_row(url, customer_id)
        writes.update_customer(conn, actor=RAVI, customer_id=customer_id, original=loaded, changes=changes)
    engine.dispose()


def _profile(at, field: str):
    """The profile form's widget of `field` (whatever version the form is at)."""
    found = [w for w in at.text_input if (w.key or "").startswith("profile-") and w.key.endswith(f".{field}")]
    assert len(found) == 1, [w.key for w in found]
    return found[0]


def _conflict_lines(at) -> list[str]:
    warning = next(str(w.value) for w in at.warning if "someone else changed" in str(w.value))
    return [line for line in warning.replace("\\", "").splitlines() if line.startswith("- ")]


def test_a_conflict_names_the_other_user_and_the_typing_can_be_reapplied(db):
    url, ids = db
    cid = ids["priya"]
    at = app("customer.py", id=cid).run()
    _saved_by_ravi(url, cid, City="Mumbai")
    _profile(at, "Customer_Name").set_value("Priya S. Sharma")
    _button(at, "Save changes").click().run()
    assert not at.exception, at.exception
    (line,) = _conflict_lines(at)
    assert line.startswith("- City: now “Mumbai” (“Pune” when you opened the form), changed by ravi on ")
    assert "You changed it too" not in line
    assert _open_tab_label(at) == "Edit profile"
    assert _profile(at, "Customer_Name").value == "Priya S. Sharma"  # typing kept
    assert customer_row(url, cid)["Customer_Name"] == PRIYA["Customer_Name"]  # nothing saved

    _button(at, "Re-apply my changes").click().run()
    assert not at.exception, at.exception
    assert not at.warning
    assert any("Your changes (Name) are back in the form" in str(i.value) for i in at.info)
    assert _profile(at, "City").value == "Mumbai"  # their change
    assert _profile(at, "Customer_Name").value == "Priya S. Sharma"  # on top: mine
    _button(at, "Save changes").click().run()
    assert not at.exception, at.exception
    assert any("Saved: Name." in str(s.value) for s in at.success)
    row = customer_row(url, cid)
    assert (row["Customer_Name"], row["City"]) == ("Priya S. Sharma", "Mumbai")
    assert not at.info  # the note went with the save


def test_a_field_both_changed_is_marked_and_reapplying_keeps_mine(db):
    url, ids = db
    cid = ids["priya"]
    at = app("customer.py", id=cid).run()
    _saved_by_ravi(url, cid, City="Mumbai", State="Goa")
    _profile(at, "City").set_value("Nagpur")
    _button(at, "Save changes").click().run()
    lines = _conflict_lines(at)
    assert len(lines) == 2, lines
    city = next(line for line in lines if line.startswith("- City:"))
    state = next(line for line in lines if line.startswith("- State:"))
    assert "“Mumbai”" in city and "ravi" in city and "You changed it too" in city
    assert "“Goa”" in state and "You changed it too" not in state
    _button(at, "Re-apply my changes").click().run()
    assert (_profile(at, "City").value, _profile(at, "State").value) == ("Nagpur", "Goa")
    _button(at, "Save changes").click().run()
    row = customer_row(url, cid)
    assert (row["City"], row["State"]) == ("Nagpur", "Goa")
    engine = make_engine(url)
    with engine.connect() as conn:
        who = conn.execute(
            select(audit_log.c.username, audit_log.c.field, audit_log.c.new_value)
            .where(audit_log.c.customer_id == cid)
            .order_by(audit_log.c.id)
        ).all()
    engine.dispose()
    assert [tuple(r) for r in who] == [
        ("ravi", "City", "Mumbai"),
        ("ravi", "State", "Goa"),
        ("tester", "City", "Nagpur"),
    ]


def test_the_user_values_in_a_conflict_are_shown_as_text(db):
    url, ids = db
    cid = ids["priya"]
    at = app("customer.py", id=cid).run()
    _saved_by_ravi(url, cid, City="**Pune** [x](javascript:alert(1))")
    _profile(at, "Customer_Name").set_value("Priya S. Sharma")
    _button(at, "Save changes").click().run()
    warning = next(str(w.value) for w in at.warning if "someone else changed" in str(w.value))
    assert "\\*\\*Pune\\*\\* \\[x\\]\\(javascript:alert\\(1\\)\\)" in warning  # markdown escaped


def test_a_preference_row_conflict_can_be_reapplied_too(db):
    url, ids = db
    cid = ids["priya"]
    engine = make_engine(url)
    p = customer_preferences.c
    with engine.connect() as conn:
        loaded = dict(conn.execute(select(customer_preferences).where(p.Customer_ID == cid)).mappings().one())
    at = app("customer.py", id=cid).run()
    with engine.connect() as conn:
        writes.update_preference(
            conn,
            actor=RAVI,
            preference_id=loaded["Preference_ID"],
            original=loaded,
            changes={"Marketing_Consent": False},
        )
    pid = loaded["Preference_ID"]
    at.text_input(key=f"pref-{pid}.v0.Time_Zone").set_value("UTC")
    _button(at, "Save preference").click().run()
    assert not at.exception, at.exception
    (line,) = _conflict_lines(at)
    assert line.startswith(
        "- Marketing consent: now “No” (“Yes” when you opened the form), changed by ravi on "
    )
    _button(at, "Re-apply my changes").click().run()
    tz = [
        w for w in at.text_input if (w.key or "").startswith(f"pref-{pid}.") and w.key.endswith(".Time_Zone")
    ]
    assert [w.value for w in tz] == ["UTC"]
    _button(at, "Save preference").click().run()
    assert not at.exception, at.exception
    with engine.connect() as conn:
        row = conn.execute(select(customer_preferences).where(p.Preference_ID == pid)).mappings().one()
    engine.dispose()
    assert (row["Time_Zone"], row["Marketing_Consent"]) == ("UTC", False)
