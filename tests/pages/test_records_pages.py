"""AppTest of the records pages: list and search, Customer 360, editing (errors, success, conflict),
masking for viewers, and user text shown as text."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import update

from db.access import Actor
from db.engine import make_engine
from db.models import customer_info
from tests.pages._records_fixtures import (
    ADMIN,
    PRIYA,
    SCRIPT_NAME,
    app,
    customer_row,
    texts,
)

VIEWER = Actor("v", "viewer")


def _ids_in_list(at) -> list[int]:
    frames = [df.value for df in at.dataframe]
    assert frames, "the list shows no table"
    return [int(i) for i in frames[0]["Customer_ID"]]


def _button(at, label):
    matches = [b for b in at.button if b.label == label]
    assert matches, f"no button {label!r}; have {[b.label for b in at.button]}"
    return matches[0]


# --- list --------------------------------------------------------------------------------------


def test_list_renders_with_total_and_paging(db):
    at = app("customers.py").run()
    assert not at.exception, at.exception
    assert "202" in texts(at)  # 200 demo customers + 2 known ones
    assert len(_ids_in_list(at)) == 50
    first_page = _ids_in_list(at)
    _button(at, "Next").click().run()
    assert not at.exception
    second_page = _ids_in_list(at)
    assert not set(first_page) & set(second_page)
    _button(at, "Previous").click().run()
    assert _ids_in_list(at) == first_page


@pytest.mark.parametrize("typed", ["98765 43210", "+91-98765-43210"])
def test_list_searches_by_phone_in_any_format(db, typed):
    url, ids = db
    at = app("customers.py").run()
    at.text_input(key="cl.query").set_value(typed).run()
    assert not at.exception, at.exception
    assert _ids_in_list(at) == [ids["priya"]]


@pytest.mark.parametrize("typed", ["98765 43210", "priya.sharma@"])
def test_a_viewer_cannot_find_a_customer_by_contact_details(db, monkeypatch, typed):
    monkeypatch.setattr("dashboard.auth.current_actor", lambda: VIEWER)
    at = app("customers.py").run()
    at.text_input(key="cl.query").set_value(typed).run()
    assert not at.exception, at.exception
    assert not at.dataframe and "**0** customers match" in " ".join(m.value for m in at.markdown)


def test_list_links_to_the_360(db):
    url, ids = db
    at = app("customers.py").run()
    at.text_input(key="cl.query").set_value("priya.sharma@").run()
    frame = at.dataframe[0].value
    assert f"customer?id={ids['priya']}" in set(frame["Open"])


# --- 360 ---------------------------------------------------------------------------------------


def test_360_shows_profile_preferences_and_segments(db):
    url, ids = db
    at = app("customer.py", id=ids["priya"]).run()
    assert not at.exception, at.exception
    shown = texts(at)
    assert "Priya Sharma" in shown
    assert "priya\\.sharma@gmail\\.com" in shown or "priya.sharma@gmail.com" in shown
    frames = [df.value for df in at.dataframe]
    prefs = next(f for f in frames if "Communication_Channel" in f)
    assert list(prefs["Preferred_Language"]) == ["Marathi"]
    segs = next(f for f in frames if "Segment_Name" in f)
    assert len(segs) == 2
    current = segs[segs["Current"] != ""]
    assert list(current["Segment_Name"]) == ["Loyal big spenders"]


@pytest.mark.parametrize("raw", ["abc", "0", "-4"])
def test_360_explains_a_bad_id(db, raw):
    at = app("customer.py", id=raw).run()
    assert not at.exception
    assert "not a customer ID" in texts(at) or "Open a customer" in texts(at)


def test_360_explains_a_missing_customer(db):
    at = app("customer.py", id=999999).run()
    assert not at.exception
    assert "no customer with ID 999999" in texts(at)


def test_360_without_id_says_how_to_open_one(db):
    at = app("customer.py").run()
    assert not at.exception
    assert [t.label for t in at.text_input] == ["Find a customer"]  # a search box, not an address hint


# --- editing -----------------------------------------------------------------------------------


def _profile_input(at, customer_id, field):
    return at.text_input(key=f"profile-{customer_id}.v0.{field}")


def test_invalid_email_shows_the_field_and_keeps_the_typing(db):
    url, ids = db
    cid = ids["priya"]
    at = app("customer.py", id=cid).run()
    _profile_input(at, cid, "Email").set_value("priya@@nowhere")
    _profile_input(at, cid, "City").set_value("Nagpur")
    _button(at, "Save changes").click().run()
    assert not at.exception, at.exception
    errors = "\n".join(str(e.value) for e in at.error)
    assert "Email" in errors and "Nothing was saved" in errors
    # what the user typed is still in the form
    assert _profile_input(at, cid, "Email").value == "priya@@nowhere"
    assert _profile_input(at, cid, "City").value == "Nagpur"
    row = customer_row(url, cid)
    assert row["Email"] == PRIYA["Email"] and row["City"] == PRIYA["City"]


def test_valid_edit_is_stored_and_shows_in_history(db):
    url, ids = db
    cid = ids["priya"]
    at = app("customer.py", id=cid).run()
    _profile_input(at, cid, "City").set_value("Nagpur")
    _profile_input(at, cid, "Phone").set_value("098765 43211")
    _button(at, "Save changes").click().run()
    assert not at.exception, at.exception
    assert any("Saved" in str(s.value) for s in at.success)
    row = customer_row(url, cid)
    assert row["City"] == "Nagpur"
    assert row["Phone"] == "+919876543211"
    history = next(df.value for df in at.dataframe if "field" in df.value)
    changes = dict(zip(history["field"], history["new_value"], strict=False))
    assert changes.get("City") == "Nagpur"
    # the form was reloaded from the database: a second save needs no reload
    city = at.text_input(key=f"profile-{cid}.v1.City")
    assert city.value == "Nagpur"


def _tab_container(at):
    """The st.tabs block of the 360 (the one holding the History tab)."""
    stack = [at._tree]
    while stack:
        node = stack.pop()
        if getattr(node, "type", None) == "tab_container":
            return node
        children = getattr(node, "children", {}) or {}
        stack.extend(children.values())
    raise AssertionError("no tab container")


def _open_tab_label(at) -> str:
    tabs = _tab_container(at)
    labels = [child.label for child in tabs.children.values()]
    return labels[tabs.proto.tab_container.default_tab_index]


def _in_tab(at, label: str) -> str:
    tabs = _tab_container(at)
    tab = next(t for t in tabs.children.values() if t.label == label)
    out, stack = [], [tab]
    while stack:
        node = stack.pop()
        if hasattr(node, "value") and isinstance(getattr(node, "value", None), str):
            out.append(node.value)
        stack.extend((getattr(node, "children", {}) or {}).values())
    return "\n".join(out)


def test_failed_save_after_a_successful_one_keeps_the_edit_tab_open(db):
    url, ids = db
    cid = ids["priya"]
    at = app("customer.py", id=cid).run()
    assert _open_tab_label(at) == "Overview"
    at.session_state[f"customer-tabs-{cid}"] = "Edit profile"  # the user opens the tab
    _profile_input(at, cid, "City").set_value("Nagpur")
    _button(at, "Save changes").click().run()
    assert any("Saved: City." in str(s.value) for s in at.success)
    assert _open_tab_label(at) == "Overview"  # a successful save shows the record as saved
    at.session_state[f"customer-tabs-{cid}"] = "Edit profile"  # the user opens the tab again
    at.text_input(key=f"profile-{cid}.v1.Email").set_value("still not an email")
    _button(at, "Save changes").click().run()
    assert not at.exception, at.exception
    assert _open_tab_label(at) == "Edit profile"
    shown = _in_tab(at, "Edit profile")
    assert "Nothing was saved" in shown and "Email" in shown
    assert customer_row(url, cid)["Email"] == PRIYA["Email"]


def test_failed_save_opens_its_tab_even_if_another_was_reported(db):
    """The browser may report the History tab with the submit: the failed form's tab still opens."""
    url, ids = db
    cid = ids["priya"]
    at = app("customer.py", id=cid).run()
    at.text_input(key=f"profile-{cid}.v0.Email").set_value("priya@@nowhere")
    _button(at, "Save changes").click().run()
    assert not at.exception, at.exception
    assert _open_tab_label(at) == "Edit profile"
    assert "Nothing was saved" in _in_tab(at, "Edit profile")


def test_conflict_shows_what_changed_and_writes_nothing(db):
    url, ids = db
    cid = ids["priya"]
    at = app("customer.py", id=cid).run()
    # someone else changes the row after the form was loaded
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(update(customer_info).where(customer_info.c.Customer_ID == cid).values(City="Mumbai"))
    engine.dispose()
    _profile_input(at, cid, "Customer_Name").set_value("Priya S. Sharma")
    _button(at, "Save changes").click().run()
    assert not at.exception, at.exception
    warning = next(str(w.value) for w in at.warning if "someone else changed" in str(w.value))
    # the field, the value now, the value the form was opened with, and who: another program
    changes = [line for line in warning.replace("\\", "").splitlines() if line.startswith("- ")]
    assert changes == ["- City: now “Mumbai” (“Pune” when you opened the form), changed outside this app."]
    row = customer_row(url, cid)
    assert row["Customer_Name"] == "Priya Sharma" and row["City"] == "Mumbai"
    # the typed value survives; reloading takes the current values
    assert _profile_input(at, cid, "Customer_Name").value == "Priya S. Sharma"
    _button(at, "Reload current values").click().run()
    assert not at.exception
    reloaded = [t for t in at.text_input if t.key and t.key.endswith(".City") and t.key.startswith("profile")]
    assert reloaded and reloaded[0].value == "Mumbai"


def test_add_segment_makes_it_current(db):
    url, ids = db
    cid = ids["priya"]
    at = app("customer.py", id=cid).run()
    at.text_input(key=f"seg-new-{cid}.v0.Segment_Name").set_value("Festive shoppers")
    _button(at, "Add segment").click().run()
    assert not at.exception, at.exception
    segs = next(df.value for df in at.dataframe if "Segment_Name" in df.value)
    assert len(segs) == 3
    assert list(segs[segs["Current"] != ""]["Segment_Name"]) == ["Festive shoppers"]


def test_delete_needs_the_typed_email(db):
    url, ids = db
    cid = ids["priya"]
    at = app("customer.py", id=cid).run()
    at.text_input(key=f"delete-{cid}.v0.confirm").set_value("wrong@example.com")
    _button(at, "Delete customer").click().run()
    assert "type the customer's email" in "\n".join(str(e.value) for e in at.error)
    assert customer_row(url, cid)["Email"] == PRIYA["Email"]


# --- viewers and safety ------------------------------------------------------------------------


def test_viewer_sees_masked_data_and_no_forms(db, monkeypatch):
    url, ids = db
    monkeypatch.setattr("dashboard.auth.current_actor", lambda: VIEWER)
    at = app("customer.py", id=ids["priya"]).run()
    assert not at.exception, at.exception
    shown = texts(at).replace("\\", "")
    assert "p*****@gmail.com" in shown
    assert "+91 ******3210" in shown
    assert "priya.sharma@gmail.com" not in shown and "9876543210" not in shown
    assert "1990" not in shown and f"**Age**  \n{PRIYA['Age']}" in shown  # no date of birth: the Age
    assert len(at.text_input) == 0 and not [b for b in at.button if b.label == "Save changes"]

    listing = app("customers.py").run()
    listing.text_input(key="cl.query").set_value("Priya Sharma").run()
    frame = listing.dataframe[0].value
    assert set(frame["Email"]) == {"p*****@gmail.com"}
    assert set(frame["Phone"]) == {"+91 ******3210"}


def test_html_in_a_name_is_shown_as_text(db):
    url, ids = db
    at = app("customer.py", id=ids["script"]).run()
    assert not at.exception
    heading = next(str(h.value) for h in at.subheader)
    assert "<script>" not in heading and "&lt;script" in heading
    for el in at.get("markdown"):
        assert "<script>" not in str(el.value)
        proto = getattr(el, "proto", None)
        assert not getattr(proto, "allow_html", False)


def test_new_customer_page_creates_and_links(db):
    url, ids = db
    at = app("new_customer.py").run()
    assert not at.exception, at.exception
    k = "new-customer.v0"
    at.text_input(key=f"{k}.Customer_Name").set_value("Arjun Mehta")
    at.text_input(key=f"{k}.Email").set_value("arjun.mehta@example.in")
    at.text_input(key=f"{k}.Phone").set_value("91234 56789")
    import datetime as dt

    at.date_input(key=f"{k}.Date_of_Birth").set_value(dt.date(1985, 1, 2))
    at.text_input(key=f"{k}.City").set_value("Jaipur")
    at.text_input(key=f"{k}.State").set_value("Rajasthan")
    at.text_input(key=f"{k}.Postal_Code").set_value("302001")
    _button(at, "Create customer").click().run()
    assert not at.exception, at.exception
    message = "\n".join(str(s.value) for s in at.success)
    assert "Created customer #" in message and "customer?id=" in message


def test_html_name_in_list_is_plain_data(db):
    url, ids = db
    at = app("customers.py").run()
    at.text_input(key="cl.query").set_value(str(ids["script"])).run()
    frame = at.dataframe[0].value
    assert SCRIPT_NAME in set(frame["Customer_Name"])  # a dataframe cell is text, never HTML
    assert json.dumps(SCRIPT_NAME)  # (kept verbatim, escaped only by the grid)


def test_export_is_masked_for_viewers(db):
    from dashboard import records_data as rd
    from db.filters import CustomerFilter

    export = rd.export_csv(CustomerFilter(), query="Priya Sharma", actor=VIEWER, page="Customer list")
    masked = export().decode()
    assert "p*****@gmail.com" in masked and "priya.sharma@gmail.com" not in masked
    full = rd.export_csv(CustomerFilter(), query="priya.sharma@", actor=ADMIN, page="Customer list")
    assert "priya.sharma@gmail.com" in full().decode()


def test_360_groups_loyalty_points_the_indian_way(db):
    url, ids = db
    at = app("customer.py", id=ids["priya"]).run()
    assert not at.exception, at.exception
    points = next(m for m in at.metric if m.label == "Loyalty points")
    assert points.value == "1,200"


def test_save_while_another_writer_holds_the_database_says_so_and_keeps_the_typing(db, monkeypatch):
    """SQLite: a save waits for the write lock within the busy timeout (1 s here), then gives up
    with a clear message; nothing is written and the typed value stays in the form."""
    from db import engine as engine_module

    monkeypatch.setattr(engine_module, "SQLITE_BUSY_TIMEOUT_SECONDS", 1)
    url, ids = db
    cid = ids["priya"]
    at = app("customer.py", id=cid).run()
    _profile_input(at, cid, "City").set_value("Nagpur")
    other = make_engine(url)
    with other.connect() as holder, engine_module.begin_write(holder):  # another program writes
        _button(at, "Save changes").click().run()
        holder.rollback()
    other.dispose()
    assert not at.exception, at.exception
    shown = _in_tab(at, "Edit profile")
    assert "busy for more than 1 seconds" in shown and "nothing was saved" in shown
    assert _profile_input(at, cid, "City").value == "Nagpur"
    assert customer_row(url, cid)["City"] == PRIYA["City"]
