"""Every field rule, valid and invalid, table-style."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from db.validation import (
    ValidationFailed,
    normalize_phone,
    validate_customer,
    validate_preference,
    validate_segment,
)
from tests.db.factories import customer_data

TODAY = dt.date(2026, 11, 26)


def _errors(fn, data, **kw) -> dict:
    try:
        fn(data, **kw)
    except ValidationFailed as failed:
        return failed.errors
    return {}


# field, value, expected clean value
CUSTOMER_VALID = [
    ("Customer_Name", "  Priya   Sharma ", "Priya Sharma"),
    ("Customer_Name", "A", "A"),
    ("Customer_Name", "x" * 255, "x" * 255),
    ("Customer_Name", '\'; DROP TABLE "Customer_Info"; --', '\'; DROP TABLE "Customer_Info"; --'),
    ("Email", "Priya.Sharma@Example.COM", "priya.sharma@example.com"),
    ("Email", " a@b.in ", "a@b.in"),
    # IDNA: the domain is stored in its Unicode form, whichever form and letter case was typed
    ("Email", "dup@exämple.org", "dup@exämple.org"),
    ("Email", "dup@xn--exmple-cua.org", "dup@exämple.org"),
    ("Email", "Dup@XN--EXMPLE-CUA.ORG", "dup@exämple.org"),
    ("Email", "dup@EXÄMPLE.org", "dup@exämple.org"),
    ("Email", "a" * 64 + "@example.com", "a" * 64 + "@example.com"),
    ("Email", "ü" * 64 + "@example.com", "ü" * 64 + "@example.com"),
    ("Phone", "98765 43210", "+919876543210"),
    ("Phone", "+91-98765-43210", "+919876543210"),
    ("Phone", "09876543210", "+919876543210"),
    ("Phone", "(022) 2266 1234", "+912222661234"),
    ("Phone", "", None),
    ("Phone", None, None),
    ("Gender", "female", "Female"),
    ("Gender", "Other", "Other"),
    ("Gender", "", None),
    ("Date_of_Birth", "1990-05-17", dt.date(1990, 5, 17)),
    ("Date_of_Birth", "17/05/1990", dt.date(1990, 5, 17)),
    ("Date_of_Birth", dt.date(2008, 11, 26), dt.date(2008, 11, 26)),  # exactly 18 today
    ("Date_of_Birth", dt.date(1906, 11, 27), dt.date(1906, 11, 27)),  # 119
    ("City", "Pune", "Pune"),
    ("City", "c" * 100, "c" * 100),
    ("State", "Maharashtra", "Maharashtra"),
    ("Country", "", "India"),
    ("Country", "Nepal", "Nepal"),
    ("Postal_Code", "411001", "411001"),
    ("Postal_Code", "411 001", "411001"),
    ("Postal_Code", "", None),
    ("Join_Date", "2026-11-26", TODAY),
    ("Join_Date", "", TODAY),
    ("Account_Status", "suspended", "Suspended"),
    ("Account_Status", None, "Active"),
    ("Loyalty_Points", "1,250", 1250),
    ("Loyalty_Points", 0, 0),
    ("Loyalty_Points", "", 0),
]


@pytest.mark.parametrize(("field", "value", "expected"), CUSTOMER_VALID)
def test_customer_valid(field, value, expected):
    clean = validate_customer(customer_data(**{field: value}), today=TODAY)
    assert clean[field] == expected


# field, value, words the message must contain
CUSTOMER_INVALID = [
    ("Customer_Name", "", "Name: required"),
    ("Customer_Name", "   ", "Name: required"),
    ("Customer_Name", "x" * 256, "Name: at most 255"),
    ("Email", "", "Email: required"),
    ("Email", "priya", "Email: not a valid address"),
    ("Email", "priya@", "Email: not a valid address"),
    ("Email", "priya@localhost", "Email: not a valid address"),
    ("Email", "a b@example.com", "Email: not a valid address"),
    ("Email", "x@xn--zz.org", "Email: not a valid address"),  # no valid IDNA (A-label)
    # RFC 5321: at most 64 characters before the @, in both the fast and the full check
    ("Email", "a" * 65 + "@example.com", "Email: at most 64 characters before the @ (got 65)"),
    ("Email", "a" * 65 + "@exämple.org", "Email: at most 64 characters before the @ (got 65)"),
    ("Email", "ü" * 65 + "@example.com", "Email: at most 64 characters before the @ (got 65)"),
    ("Phone", "12345", "Phone: not a valid phone number"),
    ("Phone", "98765 4321", "Phone: not a valid phone number"),
    ("Phone", "call me", "Phone: not a valid phone number"),
    ("Gender", "M", "Gender: must be one of Male, Female, Other"),
    ("Date_of_Birth", "", "Date of birth: required"),
    ("Date_of_Birth", "31/02/1990", "Date of birth: not a date"),
    ("Date_of_Birth", "yesterday", "Date of birth: not a date"),
    ("Date_of_Birth", dt.date(2008, 11, 27), "Date of birth: the customer must be at least 18"),
    ("Date_of_Birth", dt.date(1900, 1, 1), "Date of birth: age must be at most 120"),
    ("Date_of_Birth", dt.date(2030, 1, 1), "Date of birth: cannot be in the future"),
    ("City", "", "City: required"),
    ("City", "c" * 101, "City: at most 100"),
    ("State", None, "State: required"),
    ("State", "s" * 101, "State: at most 100"),
    ("Country", "c" * 101, "Country: at most 100"),
    ("Postal_Code", "011001", "Postal code: an Indian PIN code is 6 digits not starting with 0"),
    ("Postal_Code", "41100", "Postal code: an Indian PIN code is 6 digits"),
    ("Postal_Code", "41100A", "Postal code: an Indian PIN code is 6 digits"),
    ("Join_Date", dt.date(2026, 11, 27), "Join date: cannot be in the future"),
    ("Join_Date", "soon", "Join date: not a date"),
    ("Account_Status", "Closed", "Account status: must be one of Active, Inactive, Suspended"),
    ("Loyalty_Points", -1, "Loyalty points: must not be negative"),
    ("Loyalty_Points", "1.5", "Loyalty points: must be a whole number"),
    ("Loyalty_Points", "many", "Loyalty points: must be a whole number"),
    ("Loyalty_Points", 2**31, "Loyalty points: at most"),
]


@pytest.mark.parametrize(("field", "value", "message"), CUSTOMER_INVALID)
def test_customer_invalid(field, value, message):
    errors = _errors(validate_customer, customer_data(**{field: value}), today=TODAY)
    assert list(errors) == [field]
    assert errors[field].startswith(message)


def test_all_errors_reported_at_once():
    errors = _errors(validate_customer, {"Email": "x", "Phone": "1"}, today=TODAY)
    assert set(errors) == {"Customer_Name", "Email", "Phone", "Date_of_Birth", "City", "State"}


def test_age_is_computed_never_taken_from_input():
    clean = validate_customer(customer_data(Date_of_Birth="1990-11-27", Age=99), today=TODAY)
    assert clean["Age"] == 35


def test_postal_code_outside_india_is_free_text():
    clean = validate_customer(customer_data(Country="United Kingdom", Postal_Code="SW1A 1AA"), today=TODAY)
    assert clean["Postal_Code"] == "SW1A 1AA"
    errors = _errors(validate_customer, customer_data(Country="Nepal", Postal_Code="x" * 21), today=TODAY)
    assert errors["Postal_Code"].startswith("Postal code: at most 20")


def test_partial_validates_only_present_keys():
    assert validate_customer({"City": " Mumbai "}, partial=True) == {"City": "Mumbai"}
    assert _errors(validate_customer, {"City": ""}, partial=True) == {"City": "City: required"}
    assert validate_customer({"Date_of_Birth": "1990-01-01"}, partial=True, today=TODAY)["Age"] == 36


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("98765 43210", "+919876543210"),
        ("+91-98765-43210", "+919876543210"),
        ("09876543210", "+919876543210"),
        ("+91 98765 43210", "+919876543210"),
        ("919876543210", "+919876543210"),
        ("+44 20 7946 0958", "+442079460958"),
        ("12345", None),
        ("", None),
        ("abc", None),
    ],
)
def test_normalize_phone(text, expected):
    assert normalize_phone(text) == expected


PREFERENCE_CASES = [
    ({"Communication_Channel": "sms"}, "Communication_Channel", "SMS", None),
    (
        {"Communication_Channel": "Fax"},
        "Communication_Channel",
        None,
        "Channel: must be one of Email, SMS, Phone, Push",
    ),
    ({"Communication_Channel": ""}, "Communication_Channel", None, "Channel: required"),
    ({"Communication_Channel": "Email"}, "Notification_Enabled", True, None),
    ({"Communication_Channel": "Email", "Marketing_Consent": "yes"}, "Marketing_Consent", True, None),
    ({"Communication_Channel": "Email", "Marketing_Consent": "0"}, "Marketing_Consent", False, None),
    (
        {"Communication_Channel": "Email", "Marketing_Consent": "maybe"},
        "Marketing_Consent",
        None,
        "Marketing consent: must be yes or no",
    ),
    (
        {"Communication_Channel": "Email", "Newsletter_Subscription": "TRUE"},
        "Newsletter_Subscription",
        True,
        None,
    ),
    ({"Communication_Channel": "Email", "Preferred_Language": "Hindi"}, "Preferred_Language", "Hindi", None),
    (
        {"Communication_Channel": "Email", "Preferred_Language": "l" * 51},
        "Preferred_Language",
        None,
        "Preferred language: at most 50",
    ),
    ({"Communication_Channel": "Email"}, "Time_Zone", "IST", None),
    ({"Communication_Channel": "Email", "Time_Zone": "t" * 51}, "Time_Zone", None, "Time zone: at most 50"),
]


@pytest.mark.parametrize(("data", "field", "expected", "message"), PREFERENCE_CASES)
def test_preference_rules(data, field, expected, message):
    if message is None:
        assert validate_preference(data)[field] == expected
    else:
        assert _errors(validate_preference, data)[field].startswith(message)


_SEG = {"Segment_Name": "Loyal", "Segment_Category": "Premium"}
SEGMENT_CASES = [
    ({}, "Segment_Name", "Loyal", None),
    ({"Segment_Name": ""}, "Segment_Name", None, "Segment name: required"),
    ({"Segment_Name": "n" * 101}, "Segment_Name", None, "Segment name: at most 100"),
    ({"Segment_Category": "vip"}, "Segment_Category", "VIP", None),
    ({"Segment_Category": "Gold"}, "Segment_Category", None, "Segment category: must be one of Premium"),
    ({"Lifetime_Value": "1234.5"}, "Lifetime_Value", Decimal("1234.50"), None),
    ({}, "Lifetime_Value", Decimal("0.00"), None),
    ({"Lifetime_Value": "-1"}, "Lifetime_Value", None, "Lifetime value: must not be negative"),
    ({"Lifetime_Value": "1.234"}, "Lifetime_Value", None, "Lifetime value: at most 2 decimal places"),
    ({"Lifetime_Value": "10000000000"}, "Lifetime_Value", None, "Lifetime value: must be less than"),
    ({"Lifetime_Value": "lots"}, "Lifetime_Value", None, "Lifetime value: must be a number"),
    ({"Risk_Score": 100}, "Risk_Score", Decimal("100.00"), None),
    ({"Risk_Score": "0"}, "Risk_Score", Decimal("0.00"), None),
    ({"Risk_Score": "100.01"}, "Risk_Score", None, "Risk score: must be between 0 and 100"),
    ({"Risk_Score": "-0.5"}, "Risk_Score", None, "Risk score: must be between 0 and 100"),
    ({"Risk_Score": "NaN"}, "Risk_Score", None, "Risk score: must be a finite number"),
    ({"Engagement_Level": "low"}, "Engagement_Level", "Low", None),
    ({}, "Engagement_Level", "Medium", None),
    ({"Engagement_Level": "Extreme"}, "Engagement_Level", None, "Engagement level: must be one of High"),
]


@pytest.mark.parametrize(("changes", "field", "expected", "message"), SEGMENT_CASES)
def test_segment_rules(changes, field, expected, message):
    data = {**_SEG, **changes}
    if message is None:
        assert validate_segment(data)[field] == expected
    else:
        assert _errors(validate_segment, data)[field].startswith(message)


EMAILS = [
    "priya.sharma@gmail.com",
    "Priya.Sharma+tag@Example.co.in",
    "a_b-c@sub-domain.example.org",
    "x@y.test",
    "x@localhost",
    "x@y.local",
    ".x@example.com",
    "x.@example.com",
    "x..y@example.com",
    "x@-example.com",
    "x@example-.com",
    "x@example.c",
    "x@example.123",
    "o'brien@example.com",
    "ü@example.com",
    "x@exämple.com",
    "a" * 64 + "@example.com",
    "a" * 65 + "@example.com",
    "x@" + "a" * 63 + ".com",
    "x@" + "a" * 64 + ".com",
    "x@xn--exmple-cua.org",
    "x@XN--EXMPLE-CUA.ORG",
    "x@xn--zz.org",
]


@pytest.mark.parametrize("text", EMAILS)
def test_email_fast_path_agrees_with_email_validator(text):
    from email_validator import EmailNotValidError, validate_email

    from db.validation import _Bad, normalize_email

    try:  # strict: with RFC 5321's 64 characters before the @, which email-validator leaves out by default
        expected = validate_email(text, check_deliverability=False, strict=True).normalized.lower()
    except EmailNotValidError:
        expected = None
    try:
        got = normalize_email(text)
    except _Bad:
        got = None
    assert got == expected


def test_phone_prefix_cache_agrees_with_phonenumbers():
    import random

    import phonenumbers

    rng = random.Random(5)
    numbers = [f"+91{rng.randrange(1_000_000_000, 10_000_000_000)}" for _ in range(3000)]
    for number in numbers:
        parsed = phonenumbers.parse(number, "IN")
        expected = number if phonenumbers.is_valid_number(parsed) else None
        assert normalize_phone(number) == expected, number


# (typed, the spellings the duplicate check looks for: lower-case, the domain in both IDNA forms)
SPELLINGS = [
    ("asha@example.com", ("asha@example.com",)),
    ("Asha@Example.COM", ("asha@example.com",)),
    ("dup@exämple.org", ("dup@exämple.org", "dup@xn--exmple-cua.org")),
    ("dup@xn--exmple-cua.org", ("dup@xn--exmple-cua.org", "dup@exämple.org")),
    ("DUP@XN--EXMPLE-CUA.ORG", ("dup@xn--exmple-cua.org", "dup@exämple.org")),
    ("ü@EXÄMPLE.org", ("ü@exämple.org", "ü@xn--exmple-cua.org")),
    ("x@xn--zz.org", ("x@xn--zz.org",)),  # no valid IDNA: only as given
    ("not an address", ("not an address",)),
]


@pytest.mark.parametrize(("typed", "spellings"), SPELLINGS)
def test_email_spellings(typed, spellings):
    from db.contact_match import email_spellings

    assert email_spellings(typed) == spellings
