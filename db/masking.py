"""Masking of personal data for roles that may not see it (viewers)."""

from __future__ import annotations

import datetime as dt


def _text(value) -> str | None:
    """None for anything that is not a non-empty string (None, NaN from pandas, numbers)."""
    return value if isinstance(value, str) and value else None


def mask_email(email: str | None) -> str | None:
    """priya.sharma@gmail.com -> p*****@gmail.com"""
    email = _text(email)
    if email is None:
        return None
    if "@" not in email:
        return "*****"
    local, domain = email.rsplit("@", 1)
    return f"{local[:1]}*****@{domain}"


def mask_phone(phone: str | None) -> str | None:
    """+919876543210 -> +91 ******3210"""
    phone = _text(phone)
    if phone is None:
        return None
    digits = "".join(ch for ch in phone if ch.isdigit())
    prefix = "+91 " if phone.startswith("+91") else ("+" if phone.startswith("+") else "")
    return f"{prefix}******{digits[-4:]}"


def age_only(date_of_birth: dt.date | None, *, today: dt.date | None = None) -> str | None:
    """A date of birth shown as an age: '34 years'."""
    if not isinstance(date_of_birth, dt.date):
        return None
    today = today or dt.date.today()
    before_birthday = (today.month, today.day) < (date_of_birth.month, date_of_birth.day)
    years = today.year - date_of_birth.year - before_birthday
    return f"{years} years"


# The fields masked for a role that may not see personal data (record pages, history, edit conflicts).
MASKED_FIELDS = ("Email", "Phone", "Date_of_Birth")


def mask_field(field: str, value):
    """`value` of column `field` as a role that may not see personal data sees it."""
    if field == "Email":
        return mask_email(value)
    if field == "Phone":
        return mask_phone(value)
    if field == "Date_of_Birth":
        return age_only(value)
    return value
