"""db.text_rules: what a name may hold, through db.validation (a customer's name and city)."""

from __future__ import annotations

import pytest

from db.validation import ValidationFailed, validate_customer
from tests.db.factories import customer_data


def _name(value: str) -> dict:
    data = {**customer_data(), "Customer_Name": value}
    data.pop("Age", None)
    return validate_customer(data)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("  Asha   Rao ", "Asha Rao"),
        ("Asha\tRao\n", "Asha Rao"),
        ("Jose\u0301 Pe\u0301rez", "José Pérez"),  # combining accents: NFC
        ("प्रिया शर्मा", "प्रिया शर्मा"),
        ("क्\u200dष", "क्\u200dष"),  # ZWJ shaping a Devanagari conjunct
    ],
)
def test_names_are_normalised(typed, stored):
    assert _name(typed)["Customer_Name"] == stored


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("Asha\u200bRao", "U+200B"),
        ("\u200b\u200b\u200b", "U+200B"),  # only zero-width spaces: not "required", the real rule
        ("Asha \u202eoaR", "U+202E"),
        ("Asha\x07", "U+0007"),
        ("Asha\x1b[31m", "U+001B"),
        ("Asha\x00Rao", "U+0000"),
        ("Asha\u200dRao", "U+200D"),  # a joiner outside Indic text
    ],
)
def test_invisible_and_control_characters_are_refused_by_name(typed, code):
    with pytest.raises(ValidationFailed) as failed:
        _name(typed)
    message = failed.value.errors["Customer_Name"]
    assert message.startswith("Name: contains an invisible or control character") and code in message


def test_a_join_date_before_the_stored_birth_date_is_refused_on_edit(conn):
    import datetime as dt

    from sqlalchemy import select

    from db import writes
    from db.access import Actor
    from db.models import customer_info
    from tests.db.factories import insert_customer

    cid = insert_customer(conn, Date_of_Birth=dt.date(1990, 5, 1))
    original = dict(
        conn.execute(select(customer_info).where(customer_info.c.Customer_ID == cid)).mappings().one()
    )
    with pytest.raises(ValidationFailed) as failed:
        writes.update_customer(
            conn, actor=Actor("eddie", "editor"), customer_id=cid, original=original,
            changes={"Join_Date": dt.date(1989, 1, 1)},
        )  # fmt: skip
    assert failed.value.errors == {"Join_Date": "Join date: cannot be before the date of birth (01/05/1990)"}
