"""Masking of personal data for roles that may not see it (viewers)."""

from __future__ import annotations

import datetime as dt


def mask_email(email: str | None) -> str | None:
    """priya.sharma@gmail.com -> p*****@gmail.com"""
    if not email or "@" not in email:
        return email and "*****"
    local, domain = email.rsplit("@", 1)
    return f"{local[:1]}*****@{domain}"


def mask_phone(phone: str | None) -> str | None:
    """+919876543210 -> +91 ******3210"""
    if not phone:
        return phone
    digits = "".join(ch for ch in phone if ch.isdigit())
    prefix = "+91 " if phone.startswith("+91") else ("+" if phone.startswith("+") else "")
    return f"{prefix}******{digits[-4:]}"


def age_only(date_of_birth: dt.date | None, *, today: dt.date | None = None) -> str | None:
    """A date of birth shown as an age: '34 years'."""
    if date_of_birth is None:
        return None
    today = today or dt.date.today()
    years = today.year - date_of_birth.year - ((today.month, today.day) < (date_of_birth.month, date_of_birth.day))
    return f"{years} years"
