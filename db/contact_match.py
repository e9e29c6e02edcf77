"""How a typed phone or email finds a customer, whatever format the customer's systems stored it in.

A phone matches by its digits, punctuation ignored on both sides: a term of NATIONAL_DIGITS or
more digits by its last NATIONAL_DIGITS (so +91 98765 43210, 098765 43210 and 98765-43210 all find
a stored '98765 43210'), a shorter one of at least MIN_PHONE_DIGITS as the number's last digits.
An email matches case-insensitively: from its start, or by the start of its local part typed
without the '@'. Search (db.records) and the duplicate checks on save (db.writes) and import
(db.csv_io) use these. For the duplicate checks an address is the same whatever its letter case
and whichever IDNA form its domain is stored in (exämple.org or xn--exmple-cua.org): the app
stores the Unicode form, other programs may have stored either.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import ColumnElement, Connection, func, or_, select

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


def email_spellings(email: str) -> tuple[str, ...]:
    """The lower-case spellings of one address that may be stored for it: as given, and with the
    domain in its Unicode and its ASCII (IDNA) form. A domain that is no valid IDNA has one."""
    text = email.strip().lower()
    local, at, domain = text.rpartition("@")
    if not at or (domain.isascii() and "xn--" not in domain):
        return (text,)
    try:
        info = validate_email("x@" + domain, check_deliverability=False)
    except EmailNotValidError:
        return (text,)
    return tuple(dict.fromkeys((text, f"{local}@{info.domain.lower()}", f"{local}@{info.ascii_domain}")))


def spellings_of(emails: Iterable[str]) -> dict[str, str]:
    """Lower-case spelling -> the address it spells, for every spelling of every address; a stored
    value is a spelling of spellings_of(...).get(stored.lower())."""
    return {spelling: email for email in emails for spelling in email_spellings(email)}


def stored_as_any(column, spellings: Iterable[str]) -> ColumnElement[bool]:
    """Stored values that are one of the lower-case `spellings` in any letter case (lower() and
    upper() on SQLite change ASCII letters only: a non-ASCII spelling is also compared in upper
    case, so that EXÄMPLE.ORG is found there too)."""
    spellings = sorted(set(spellings))
    condition = func.lower(column).in_(spellings)
    upper = sorted({s.upper() for s in spellings if not s.isascii()})
    return or_(condition, func.upper(column).in_(upper)) if upper else condition


def same_email(column, email: str) -> ColumnElement[bool]:
    """Stored addresses that are `email` in any letter case, the domain in either IDNA form."""
    return stored_as_any(column, email_spellings(email))


def same_phone(column, phone: str) -> ColumnElement[bool] | None:
    """Stored phones with the same last NATIONAL_DIGITS digits as `phone` (None: too short)."""
    digits = phone_digits(phone)
    return phone_ends_with(column, digits) if digits and len(digits) == NATIONAL_DIGITS else None


def taken_in_another_format(conn: Connection, *, column, key, value: str, except_id=None) -> bool:
    """True when another row stores `value` in another letter case or IDNA form (email) or format
    (phone);
    `key` is the table's id column, `except_id` the row being saved."""
    condition = same_phone(column, value) if column.name == "Phone" else same_email(column, value)
    if condition is None:
        return False
    stmt = select(key).where(condition)
    if except_id is not None:
        stmt = stmt.where(key != except_id)
    return conn.execute(stmt.limit(1)).first() is not None
