"""One address, one customer: an email is the same whatever its letter case and whichever IDNA
form its domain is in (exämple.org is xn--exmple-cua.org), on create, edit and import, whichever
form another program stored (db.contact_match.same_email, db.validation.normalize_email)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from db import csv_io, writes
from db.access import Actor
from db.models import customer_info, customer_preferences
from tests.db.factories import customer_data, insert_customer
from tests.db.test_csv_io import _csv

EDITOR = Actor("eddie", "editor")
ADMIN = Actor("anita", "admin")
TAKEN = {"Email": "Email: already used by another customer"}

# the address as another program may have stored it
STORED = ["dup@xn--exmple-cua.org", "DUP@XN--EXMPLE-CUA.ORG", "dup@exämple.org", "Dup@Exämple.org"]
# as a person may type it
TYPED = ["dup@exämple.org", "DUP@EXÄMPLE.ORG", "dup@xn--exmple-cua.org", "Dup@XN--Exmple-Cua.org"]


def _emails(conn) -> list[str]:
    rows = conn.execute(select(customer_info.c.Email).where(func.lower(customer_info.c.Email).like("dup@%")))
    return sorted(rows.scalars())


@pytest.mark.parametrize("typed", TYPED)
@pytest.mark.parametrize("stored", STORED)
def test_a_new_customer_with_the_other_form_is_refused(conn, stored, typed):
    insert_customer(conn, Email=stored)
    with pytest.raises(writes.ValidationFailed) as failed:
        writes.create_customer(conn, actor=EDITOR, data=customer_data(Email=typed))
    assert failed.value.errors == TAKEN
    assert _emails(conn) == [stored]


def test_on_sqlite_an_upper_case_non_ascii_domain_is_found_too(conn):
    """SQLite's lower() folds ASCII letters only; the check also compares in upper case."""
    insert_customer(conn, Email="DUP@EXÄMPLE.ORG")
    with pytest.raises(writes.ValidationFailed) as failed:
        writes.create_customer(conn, actor=EDITOR, data=customer_data(Email="dup@xn--exmple-cua.org"))
    assert failed.value.errors == TAKEN


def test_the_unicode_form_is_stored(conn):
    result = writes.create_customer(conn, actor=EDITOR, data=customer_data(Email="Dup@XN--EXMPLE-CUA.org"))
    stored = conn.execute(
        select(customer_info.c.Email).where(customer_info.c.Customer_ID == result.record_id)
    ).scalar_one()
    assert stored == "dup@exämple.org"


@pytest.mark.parametrize("stored", STORED)
def test_an_edit_to_another_customers_address_in_the_other_form_is_refused(conn, stored):
    insert_customer(conn, Email=stored)
    other = insert_customer(conn, Email="someone.else@example.org")
    original = dict(
        conn.execute(select(customer_info).where(customer_info.c.Customer_ID == other)).mappings().one()
    )
    with pytest.raises(writes.ValidationFailed) as failed:
        writes.update_customer(
            conn, actor=EDITOR, customer_id=other, original=original, changes={"Email": "dup@exämple.org"}
        )
    assert failed.value.errors == TAKEN


def test_an_edit_of_the_customer_itself_is_no_duplicate(conn):
    own = insert_customer(conn, Email="dup@xn--exmple-cua.org", City="Pune")
    original = dict(
        conn.execute(select(customer_info).where(customer_info.c.Customer_ID == own)).mappings().one()
    )
    result = writes.update_customer(
        conn, actor=EDITOR, customer_id=own, original=original, changes={"Email": "dup@exämple.org"}
    )
    assert result.changed == ("Email",)
    assert _emails(conn) == ["dup@exämple.org"]


@pytest.mark.parametrize("typed", TYPED)
@pytest.mark.parametrize("stored", STORED)
def test_an_import_updates_the_customer_stored_in_the_other_form(conn, stored, typed):
    cid = insert_customer(conn, Email=stored, City="Pune")
    plan = csv_io.dry_run(
        conn, customers_csv=_csv(f"Dup Person,{typed},,,1985-02-03,Chennai,Tamil Nadu,600001,")
    )
    assert (plan.to_create, plan.to_update, plan.error_rows) == (0, 1, 0)
    csv_io.commit_import(conn, actor=ADMIN, plan=plan, all_or_nothing=True)
    row = conn.execute(select(customer_info).where(customer_info.c.Customer_ID == cid)).mappings().one()
    assert (row["Email"], row["City"]) == (stored, "Chennai")  # the address is kept as stored
    assert _emails(conn) == [stored]


def test_both_forms_in_one_file_are_one_address(conn):
    plan = csv_io.dry_run(
        conn,
        customers_csv=_csv(
            "Dup One,dup@exämple.org,,,1985-02-03,Chennai,Tamil Nadu,600001,",
            "Dup Two,dup@xn--exmple-cua.org,,,1985-02-03,Chennai,Tamil Nadu,600001,",
        ),
    )
    assert (plan.to_create, plan.error_rows) == (1, 1)
    assert list(plan.errors["rule"]) == ["Email: the same address is in row 2"]


def test_a_side_file_finds_the_customer_stored_in_the_other_form(conn):
    cid = insert_customer(conn, Email="DUP@XN--EXMPLE-CUA.ORG")
    insert_customer(conn, Email="other.customer@example.org")
    prefs = "Email,Communication_Channel,Marketing_Consent\ndup@exämple.org,SMS,yes\n".encode()
    plan = csv_io.dry_run(
        conn,
        customers_csv=_csv("Other Customer,other.customer@example.org,,,1985-02-03,Agra,UP,,"),
        preferences_csv=prefs,
    )
    assert (plan.preferences_to_create, plan.error_rows) == (1, 0)
    csv_io.commit_import(conn, actor=ADMIN, plan=plan, all_or_nothing=True)
    channels = conn.execute(
        select(customer_preferences.c.Communication_Channel).where(customer_preferences.c.Customer_ID == cid)
    ).scalars()
    assert list(channels) == ["SMS"]


def test_an_import_row_for_a_customer_stored_in_another_case_links_its_side_rows(conn):
    """The customers file updates a customer stored as Asha@Example.COM; the preferences file's row
    for the same address goes to that customer (its stored spelling is the link)."""
    cid = insert_customer(conn, Email="Asha.Case@Example.COM")
    customers = _csv("Asha Case,asha.case@example.com,,,1985-02-03,Agra,UP,,")
    prefs = b"Email,Communication_Channel\nasha.case@example.com,Push\n"
    plan = csv_io.dry_run(conn, customers_csv=customers, preferences_csv=prefs)
    result = csv_io.commit_import(conn, actor=ADMIN, plan=plan, all_or_nothing=True)
    assert (result.updated, result.preferences_created) == (1, 1)
    owner = conn.execute(
        select(customer_preferences.c.Customer_ID).where(
            customer_preferences.c.Communication_Channel == "Push"
        )
    ).scalar_one()
    assert owner == cid


def test_a_phone_of_the_matched_customer_is_no_duplicate(conn):
    """The customer stored with the ASCII domain keeps their phone: it is theirs, not another's."""
    insert_customer(conn, Email="dup@xn--exmple-cua.org", Phone="+919812300001")
    plan = csv_io.dry_run(
        conn, customers_csv=_csv("Dup Person,dup@exämple.org,98123 00001,,1985-02-03,Agra,UP,,")
    )
    assert (plan.to_update, plan.error_rows) == (1, 0)


def test_a_local_part_over_64_characters_is_refused_on_create_edit_and_import(conn):
    long = "a" * 65 + "@example.com"
    message = "Email: at most 64 characters before the @ (got 65)"
    with pytest.raises(writes.ValidationFailed) as failed:
        writes.create_customer(conn, actor=EDITOR, data=customer_data(Email=long))
    assert failed.value.errors == {"Email": message}
    cid = insert_customer(conn)
    original = dict(
        conn.execute(select(customer_info).where(customer_info.c.Customer_ID == cid)).mappings().one()
    )
    with pytest.raises(writes.ValidationFailed) as failed:
        writes.update_customer(
            conn, actor=EDITOR, customer_id=cid, original=original, changes={"Email": long}
        )
    assert failed.value.errors == {"Email": message}
    plan = csv_io.dry_run(conn, customers_csv=_csv(f"Long Local,{long},,,1985-02-03,Agra,UP,,"))
    assert list(plan.errors["rule"]) == [message]
