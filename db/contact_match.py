"""How a typed phone or email finds a customer, whatever format the customer's systems stored it in.

A phone matches by its digits, punctuation ignored on both sides: a term of NATIONAL_DIGITS or
more digits by its last NATIONAL_DIGITS (so +91 98765 43210, 098765 43210 and 98765-43210 all find
a stored '98765 43210'), a shorter one of at least MIN_PHONE_DIGITS as the number's last digits.
An email matches case-insensitively: from its start, or by the start of its local part typed
without the '@'. Search (db.records) and the duplicate checks on save (db.writes) use these.
"""

from __future__ import annotations

import re

from sqlalchemy import ColumnElement, Connection, func, select

MIN_PHONE_DIGITS = 4
NATIONAL_DIGITS = 10  # India's national significant number
PHONE_PUNCTUATION = (" ", "-", "(", ")", "+", ".", "/")
PHONE_LIKE = re.compile(r"^\+?[\d\s().\-/]+$")
EMAIL_LOCAL = re.compile(r"^[a-z0-9][a-z0-9._%+\-]*$", re.IGNORECASE)


def phone_digits(query: str) -> str | None:
    """The digits a stored phone must end with for this term, or None if it is no phone term."""
    if not PHONE_LIKE.match(query):
        return None
    digits = re.sub(r"\D", "", query)
    if len(digits) < MIN_PHONE_DIGITS:
        return None
    return digits[-NATIONAL_DIGITS:]


def stored_digits(column) -> ColumnElement:
    """The column's text without phone punctuation (portable: nested REPLACE)."""
    expr = column
    for mark in PHONE_PUNCTUATION:
        expr = func.replace(expr, mark, "")
    return expr


def phone_ends_with(column, digits: str) -> ColumnElement[bool]:
    """Stored phones whose digits end with `digits` (a scan; digits only, so no LIKE wildcards)."""
    return stored_digits(column).like("%" + digits)


def email_local_prefix(query: str) -> str | None:
    """The lower-case start of an email typed without '@' (one word of email characters), or None."""
    return query.lower() if EMAIL_LOCAL.match(query) else None


def email_starts_with(column, prefix: str) -> ColumnElement[bool]:
    """Case-insensitive: lower(Email) starts with the lower-case `prefix` (a scan)."""
    return func.lower(column).startswith(prefix.lower(), autoescape=True)


def same_email(column, email: str) -> ColumnElement[bool]:
    return func.lower(column) == email.lower()


def same_phone(column, phone: str) -> ColumnElement[bool] | None:
    """Stored phones with the same last NATIONAL_DIGITS digits as `phone` (None: too short)."""
    digits = phone_digits(phone)
    return phone_ends_with(column, digits) if digits and len(digits) == NATIONAL_DIGITS else None


def taken_in_another_format(conn: Connection, *, column, key, value: str, except_id=None) -> bool:
    """True when another row stores `value` in another letter case (email) or format (phone);
    `key` is the table's id column, `except_id` the row being saved."""
    condition = same_phone(column, value) if column.name == "Phone" else same_email(column, value)
    if condition is None:
        return False
    stmt = select(key).where(condition)
    if except_id is not None:
        stmt = stmt.where(key != except_id)
    return conn.execute(stmt.limit(1)).first() is not None
