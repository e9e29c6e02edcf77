"""Masking of personal data for roles that may not see it (viewers and marketers).

The email and phone are masked (p*****@gmail.com, +91 ******3210) and the date of birth is left
out: on the Customer 360 there is no date-of-birth field, in the customer list export no
Date_of_Birth column (an age such as '53 years' under that header would not be a date). The age
is the customer's Age as stored (whole years), on the page and in the file alike: the same number
the sidebar's age filter and the age bands use.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

MASKED_COLUMNS = ("Email", "Phone", "Date_of_Birth")  # never shown unmasked to those roles
LEFT_OUT = ("Date_of_Birth",)  # not masked but left out: no masked value of it would be a date


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


def masked_file_columns(columns: Iterable[str]) -> tuple[str, ...]:
    """The columns of a masked file of these columns: the date of birth left out."""
    return tuple(c for c in columns if c not in LEFT_OUT)


def mask_record(record: Mapping[str, object]) -> dict[str, object]:
    """A masked row (of a file, or the 360's profile): email and phone masked, the date of birth
    left out."""
    return {k: mask_field(k, v) for k, v in record.items() if k not in LEFT_OUT}


def mask_field(field: str, value):
    """`value` of column `field` as a role that may not see personal data sees it (None for a
    date of birth: it is left out, see LEFT_OUT)."""
    if field == "Email":
        return mask_email(value)
    if field == "Phone":
        return mask_phone(value)
    if field in LEFT_OUT:
        return None
    return value
