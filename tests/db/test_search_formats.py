"""Search finds customers by phones and emails stored in the customer's own formats (db.contact_match)."""

from __future__ import annotations

import pytest

from db import contact_match, records
from db.filters import CustomerFilter
from tests.db.factories import insert_customer

ALL = CustomerFilter()
# Phones and emails as other systems leave them: spaces, dashes, brackets, a trunk 0, upper case.
STORED = {
    "spaces": {"Phone": "98765 43210"},
    "dashes": {"Phone": "+91-91234-56789"},
    "landline": {"Phone": "(022) 2345 6789"},
    "upper_email": {"Email": "ASHA.RAO@Example.IN"},
}


@pytest.fixture
def stored(conn) -> dict[str, int]:
    return {name: insert_customer(conn, **values) for name, values in STORED.items()}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("98765 43210", "spaces"),  # the exact stored text
        ("+91 98765 43210", "spaces"),
        ("098765 43210", "spaces"),
        ("98765-43210", "spaces"),
        ("9876543210", "spaces"),
        ("43210", "spaces"),  # the last digits
        ("+91 91234 56789", "dashes"),
        ("9123456789", "dashes"),
        ("022 2345 6789", "landline"),
        ("2345 6789", "landline"),
        ("asha.rao@example.in", "upper_email"),
        ("Asha.Rao@", "upper_email"),
        ("asha.rao", "upper_email"),
    ],
)
def test_each_form_finds_the_stored_customer(conn, stored, query, expected):
    page = records.search(conn, f=ALL, query=query)
    assert stored[expected] in set(page.rows["Customer_ID"]), page.match


def test_too_few_digits_are_no_phone_term(conn, stored):
    assert contact_match.phone_digits("210") is None
    assert stored["spaces"] not in set(records.search(conn, f=ALL, query="210").rows["Customer_ID"])


@pytest.mark.parametrize(
    ("query", "digits"),
    [("+91 98765 43210", "9876543210"), ("098765-43210", "9876543210"), ("4321", "4321"), ("12a4", None)],
)
def test_phone_digits(query, digits):
    assert contact_match.phone_digits(query) == digits


@pytest.mark.parametrize(
    ("field", "typed"),
    [("Email", "asha.rao@example.in"), ("Phone", "+91 98765 43210"), ("Phone", "9876543210")],
)
def test_a_duplicate_in_another_format_is_refused_on_save(conn, stored, field, typed):
    from db import writes
    from db.access import Actor
    from tests.db.factories import customer_data

    editor = Actor(username="eddie", role="editor")
    data = {**customer_data(), field: typed}
    with pytest.raises(writes.ValidationFailed) as failed:
        writes.create_customer(conn, actor=editor, data=data)
    assert failed.value.errors == {field: f"{field}: already used by another customer"}


def test_an_import_matches_an_email_stored_in_another_case(conn, stored):
    from db import csv_io
    from db.access import Actor
    from db.models import customer_info
    from tests.db.test_csv_io import _csv

    plan = csv_io.dry_run(
        conn, customers_csv=_csv("Asha Rao,asha.rao@example.in,,,1985-02-03,Chennai,Tamil Nadu,600001,10")
    )
    assert (plan.to_create, plan.to_update, plan.error_rows) == (0, 1, 0)
    csv_io.commit_import(conn, actor=Actor("anita", "admin"), plan=plan, all_or_nothing=True)
    row = (
        conn.execute(customer_info.select().where(customer_info.c.Customer_ID == stored["upper_email"]))
        .mappings()
        .one()
    )
    assert (row["Email"], row["City"]) == ("ASHA.RAO@Example.IN", "Chennai")  # kept as stored


@pytest.mark.parametrize("query", ["98765 43210", "43210", "asha.rao@example.in", "asha.rao", "ASHA.RAO@"])
def test_a_role_that_may_not_see_contacts_cannot_probe_them(conn, stored, query):
    """Searching by email or phone is for roles that may see them (issue 14's attack test)."""
    page = records.search(conn, f=ALL, query=query, contacts=False)
    assert page.total == 0, page.match


def test_without_contacts_a_number_is_still_a_customer_id(conn, stored):
    cid = stored["spaces"]
    assert list(records.search(conn, f=ALL, query=str(cid), contacts=False).rows["Customer_ID"]) == [cid]
