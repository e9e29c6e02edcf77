"""Search terms -> (match kind, condition) candidates over Customer_Info, tried in order by
db.records (the first with rows wins); the term kinds are described in db.records' docstring."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, false, literal, or_

from db import contact_match
from db.models import customer_info
from db.validation import normalize_phone

ci = customer_info.c
ALL = literal(True)  # the condition of an empty search term


def _next_prefix(prefix: str) -> str:
    """The smallest string greater than every string starting with `prefix`."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _prefix_range(column, prefix: str) -> ColumnElement[bool]:
    return and_(column >= prefix, column < _next_prefix(prefix))


def _case_variants(text: str) -> list[str]:
    variants = [text, text.title(), text[:1].upper() + text[1:], text.lower(), text.upper()]
    return list(dict.fromkeys(v for v in variants if v))


def name_prefix_condition(text: str) -> ColumnElement[bool]:
    return or_(*(_prefix_range(ci.Customer_Name, v) for v in _case_variants(text)))


def name_contains_condition(text: str, dialect: str = "") -> ColumnElement[bool]:
    if dialect in ("sqlite", "mysql", "mariadb"):
        # LIKE is already case-insensitive there (ASCII / *_ci collation): no lower() per row
        return ci.Customer_Name.contains(text, autoescape=True)
    return ci.Customer_Name.icontains(text, autoescape=True)


def term_conditions(
    query: str, dialect: str = "", *, contacts: bool = True
) -> list[tuple[str, ColumnElement[bool]]]:
    """Candidate (match kind, condition) pairs for a query, tried in order (first with rows wins).

    contacts=False (a role that may not see email and phone): no term searches them, so a search
    cannot tell whether an email or phone exists; a number is still tried as a customer ID."""
    query = " ".join(query.split())
    if not query:
        return [("all", ALL)]
    if "@" in query:
        if not contacts:
            return [("email", false())]
        # stored as the app stores them (lower case: the unique index) first, then in any case
        return [
            ("email", _prefix_range(ci.Email, query.lower())),
            ("email_any_case", contact_match.email_starts_with(ci.Email, query)),
        ]
    if contact_match.PHONE_LIKE.match(query) and any(ch.isdigit() for ch in query):
        parts = [ci.Customer_ID == cid] if (cid := _customer_id(query)) is not None else []
        if contacts and (phone := normalize_phone(query)):
            parts.append(ci.Phone == phone)
        found = [("id_or_phone", or_(*parts) if parts else false())]
        if contacts and (ends := contact_match.phone_digits(query)):  # another format, or its end
            found.append(("phone_digits", contact_match.phone_ends_with(ci.Phone, ends)))
        return found
    names = [
        ("name_prefix", name_prefix_condition(query)),
        ("name_contains", name_contains_condition(query, dialect)),
    ]
    if contacts and (local := contact_match.email_local_prefix(query)):
        names.append(("email_local", contact_match.email_starts_with(ci.Email, local)))
    return names


def _customer_id(query: str) -> int | None:
    """A term of digits only that fits a Customer_ID (an INTEGER)."""
    return int(query) if query.isdigit() and len(query) <= 10 and int(query) < 2**31 else None
