"""Field rules for the three customer tables: one clear message per field, all errors at once.

Pure functions, no database. Every message starts with the field's label and names the rule,
e.g. "Email: not a valid address (...)". Output dicts are keyed by the schema's column names and
hold clean values ready to write (dates as date, money as Decimal, phone in E.164).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from db import text_rules
from db.models import ACCOUNT_STATUSES, CATEGORIES, CHANNELS, ENGAGEMENT_LEVELS, GENDERS

# Human labels, used at the start of every message (the UI may use them as field labels too).
LABELS = {
    "Customer_ID": "Customer ID",
    "Customer_Name": "Name",
    "Email": "Email",
    "Phone": "Phone",
    "Gender": "Gender",
    "Age": "Age",
    "Date_of_Birth": "Date of birth",
    "City": "City",
    "State": "State",
    "Country": "Country",
    "Postal_Code": "Postal code",
    "Join_Date": "Join date",
    "Account_Status": "Account status",
    "Loyalty_Points": "Loyalty points",
    "Communication_Channel": "Channel",
    "Notification_Enabled": "Notifications enabled",
    "Marketing_Consent": "Marketing consent",
    "Newsletter_Subscription": "Newsletter subscription",
    "Preferred_Language": "Preferred language",
    "Time_Zone": "Time zone",
    "Segment_Name": "Segment name",
    "Segment_Category": "Segment category",
    "Lifetime_Value": "Lifetime value",
    "Risk_Score": "Risk score",
    "Engagement_Level": "Engagement level",
}

CUSTOMER_FIELDS = (
    "Customer_Name",
    "Email",
    "Phone",
    "Gender",
    "Date_of_Birth",
    "City",
    "State",
    "Country",
    "Postal_Code",
    "Join_Date",
    "Account_Status",
    "Loyalty_Points",
)
CUSTOMER_REQUIRED = ("Customer_Name", "Email", "Date_of_Birth", "City", "State")
PREFERENCE_FIELDS = (
    "Communication_Channel",
    "Notification_Enabled",
    "Marketing_Consent",
    "Newsletter_Subscription",
    "Preferred_Language",
    "Time_Zone",
)
PREFERENCE_REQUIRED = ("Communication_Channel",)
SEGMENT_FIELDS = ("Segment_Name", "Segment_Category", "Lifetime_Value", "Risk_Score", "Engagement_Level")
SEGMENT_REQUIRED = ("Segment_Name", "Segment_Category")

MIN_AGE, MAX_AGE = 18, 120
MAX_INT = 2_147_483_647
_INDIA = {"india", "in", "bharat"}
_PIN_RE = re.compile(r"[1-9][0-9]{5}")
_DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y/%m/%d")
_TRUE = {"true", "t", "yes", "y", "1", "on"}
_FALSE = {"false", "f", "no", "n", "0", "off"}


class ValidationFailed(Exception):
    """One or more fields break a rule; `.errors` maps field -> message (label first)."""

    def __init__(self, errors: Mapping[str, str]):
        self.errors = dict(errors)
        super().__init__("; ".join(self.errors.values()))


class _Bad(ValueError):
    """A rule broken by one value (message without the label)."""


def _label(field: str) -> str:
    return LABELS.get(field, field)


def is_blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, str) and not value.strip():
        return True
    try:  # pandas NA / NaT without importing pandas
        return bool(value != value)  # noqa: PLR0124
    except (TypeError, ValueError):
        return False


# --- single-value rules (raise _Bad with the rule) ------------------------------------------


def _text(value: object, *, max_len: int, min_len: int = 1) -> str:
    try:
        value = text_rules.clean(value)  # NFC, trimmed, runs collapsed; no invisible characters
    except ValueError as exc:
        raise _Bad(str(exc)) from None
    if len(value) < min_len:
        raise _Bad("required")
    if len(value) > max_len:
        raise _Bad(f"at most {max_len} characters (got {len(value)})")
    return value


def _choice(value: object, allowed: tuple[str, ...]) -> str:
    text = str(value).strip()
    for option in allowed:
        if text.lower() == option.lower():
            return option
    raise _Bad(f"must be one of {', '.join(allowed)} (got {text[:40]!r})")


def _date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp
        return value.to_pydatetime().date()
    text = str(value).strip()
    if len(text) == 10 and text[4] == "-":
        try:
            return dt.date.fromisoformat(text)  # the usual case, 20x faster than strptime
        except ValueError:
            pass
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise _Bad(f"not a date (use YYYY-MM-DD or DD/MM/YYYY; got {text[:40]!r})")


def _integer(value: object) -> int:
    if isinstance(value, bool):
        raise _Bad("must be a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise _Bad("must be a whole number")
    text = str(value).strip().replace(",", "").replace("_", "")
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    if re.fullmatch(r"[+-]?\d+\.0*", text):
        return int(text.split(".")[0])
    raise _Bad(f"must be a whole number (got {str(value)[:40]!r})")


def _decimal(value: object, *, places: int = 2) -> Decimal:
    if isinstance(value, bool):
        raise _Bad("must be a number")
    try:
        number = Decimal(str(value).strip().replace(",", "")) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        raise _Bad(f"must be a number (got {str(value)[:40]!r})") from None
    if not number.is_finite():
        raise _Bad("must be a finite number")
    quantum = Decimal(1).scaleb(-places)
    if number != number.quantize(quantum, rounding=ROUND_HALF_UP):
        raise _Bad(f"at most {places} decimal places")
    return number.quantize(quantum)


def _boolean(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _Bad(f"must be yes or no (true/false, 1/0; got {str(value)[:40]!r})")


# Plain ASCII addresses (letters, digits, . _ + - in the local part; LDH labels and a letters-only
# top-level domain) are valid for email-validator too; they skip it (70 us -> 2 us, which matters
# for 100,000-row imports). Special-use domains (.test, .local, ...) and IDNA (xn--) labels still go
# through it: it writes such a domain in its Unicode form (xn--exmple-cua.org -> exämple.org).
_SIMPLE_EMAIL = re.compile(
    r"(?=[^@]{1,64}@)[a-z0-9_+-]+(?:\.[a-z0-9_+-]+)*@"
    r"(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}",
    re.IGNORECASE,
)
_SPECIAL_USE = ("arpa", "invalid", "local", "localhost", "onion", "test")
EMAIL_LOCAL_MAX = 64  # characters before the @ (RFC 5321, 4.5.3.1.1)


def normalize_email(value: object) -> str:
    """The address as stored: lower case, the domain in its Unicode form (as email-validator
    normalises it); _Bad naming the rule otherwise."""
    text = str(value).strip()
    if len(text) > 255:
        raise _Bad("at most 255 characters")
    lowered = text.lower()
    simple = _SIMPLE_EMAIL.fullmatch(text) and "xn--" not in lowered
    if simple and lowered.rsplit(".", 1)[-1] not in _SPECIAL_USE:
        return lowered
    try:
        info = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise _Bad(f"not a valid address ({exc})") from None
    if len(info.local_part) > EMAIL_LOCAL_MAX:
        raise _Bad(f"at most {EMAIL_LOCAL_MAX} characters before the @ (got {len(info.local_part)})")
    # Lower-cased as a whole so that the same mailbox typed twice cannot become two customers.
    return info.normalized.lower()


_E164_IN = re.compile(r"\+91[1-9]\d{9}")
_IN_PREFIX_VALID: dict[str, bool] = {}


def normalize_phone(text: object, *, region: str = "IN") -> str | None:
    """Any common format ('98765 43210', '+91-98765-43210', '09876543210') -> E.164, or None."""
    if text is None:
        return None
    raw = str(text).strip()
    if not raw or len(raw) > 40:
        return None
    if region == "IN" and _E164_IN.fullmatch(raw):
        # Already E.164 with 10 national digits: in phonenumbers' metadata for India, validity of
        # such a number is decided by its first 5 digits (patterns are prefix + \d{5} or more;
        # checked over all 90,000 prefixes, and in tests). Remember the verdict per prefix.
        prefix = raw[3:8]
        valid = _IN_PREFIX_VALID.get(prefix)
        if valid is None:
            valid = _IN_PREFIX_VALID[prefix] = phonenumbers.is_valid_number(phonenumbers.parse(raw, region))
        return raw if valid else None
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _phone(value: object) -> str:
    e164 = normalize_phone(value)
    if e164 is None:
        raise _Bad(f"not a valid phone number (e.g. 98765 43210 or +91 98765 43210; got {str(value)[:40]!r})")
    return e164


def age_on(date_of_birth: dt.date, today: dt.date) -> int:
    return (
        today.year
        - date_of_birth.year
        - ((today.month, today.day) < (date_of_birth.month, date_of_birth.day))
    )


# --- record validators ----------------------------------------------------------------------


def _run(data: Mapping[str, object], rules: dict, required: tuple[str, ...], partial: bool):
    """Apply `rules` (field -> fn(value) -> clean) to the keys present; collect all errors."""
    out: dict[str, object] = {}
    errors: dict[str, str] = {}
    for field, rule in rules.items():
        present = field in data
        if partial and not present:
            continue
        value = data.get(field)
        if is_blank(value):
            if field in required:
                errors[field] = f"{_label(field)}: required"
            else:
                out[field] = rule(None)
            continue
        try:
            out[field] = rule(value)
        except _Bad as bad:
            errors[field] = f"{_label(field)}: {bad}"
    return out, errors


def _or_default(fn, default):
    return lambda v: default if v is None else fn(v)


def validate_customer(
    data: Mapping[str, object], *, today: dt.date | None = None, partial: bool = False
) -> dict:
    """Clean Customer_Info values (see module doc); raises ValidationFailed with every error.

    Age is computed from Date_of_Birth, never taken from the input. With partial=True only the
    keys present are validated (Postal_Code is checked against Country when both are present,
    else against India).
    """
    today = today or dt.date.today()

    def dob(v):
        born = _date(v)
        if born > today:
            raise _Bad("cannot be in the future")
        age = age_on(born, today)
        if age < MIN_AGE:
            raise _Bad(f"the customer must be at least {MIN_AGE} (age {age})")
        if age > MAX_AGE:
            raise _Bad(f"age must be at most {MAX_AGE} (age {age})")
        return born

    def join(v):
        joined = _date(v)
        if joined > today:
            raise _Bad(f"cannot be in the future (after {today.isoformat()})")
        return joined

    def points(v):
        n = _integer(v)
        if n < 0:
            raise _Bad("must not be negative")
        if n > MAX_INT:
            raise _Bad(f"at most {MAX_INT:,}")
        return n

    rules = {
        "Customer_Name": lambda v: _text(v, max_len=255),
        "Email": normalize_email,
        "Phone": _or_default(_phone, None),
        "Gender": _or_default(lambda v: _choice(v, GENDERS), None),
        "Date_of_Birth": dob,
        "City": lambda v: _text(v, max_len=100),
        "State": lambda v: _text(v, max_len=100),
        "Country": _or_default(lambda v: _text(v, max_len=100), "India"),
        "Postal_Code": _or_default(lambda v: _text(v, max_len=20), None),
        "Join_Date": _or_default(join, today),
        "Account_Status": _or_default(lambda v: _choice(v, ACCOUNT_STATUSES), "Active"),
        "Loyalty_Points": _or_default(points, 0),
    }
    out, errors = _run(data, rules, CUSTOMER_REQUIRED, partial)

    postal = out.get("Postal_Code")
    if postal is not None and "Postal_Code" not in errors:
        country = out.get("Country", data.get("Country")) or "India"
        if str(country).strip().lower() in _INDIA:
            compact = postal.replace(" ", "")
            if not _PIN_RE.fullmatch(compact):
                errors["Postal_Code"] = (
                    f"{_label('Postal_Code')}: an Indian PIN code is 6 digits not starting with 0 "
                    f"(got {postal!r})"
                )
            else:
                out["Postal_Code"] = compact
    if "Date_of_Birth" in out:
        out["Age"] = age_on(out["Date_of_Birth"], today)
    if problem := join_before_birth(out.get("Date_of_Birth"), out.get("Join_Date")):
        errors["Join_Date"] = problem
    if errors:
        raise ValidationFailed(errors)
    return out


def join_before_birth(born, joined) -> str | None:
    """The message when a customer would have joined before they were born, else None."""
    if isinstance(born, dt.date) and isinstance(joined, dt.date) and joined < born:
        return f"{_label('Join_Date')}: cannot be before the date of birth ({born:%d/%m/%Y})"
    return None


def validate_preference(data: Mapping[str, object], *, partial: bool = False) -> dict:
    rules = {
        "Communication_Channel": lambda v: _choice(v, CHANNELS),
        "Notification_Enabled": _or_default(_boolean, True),
        "Marketing_Consent": _or_default(_boolean, False),
        "Newsletter_Subscription": _or_default(_boolean, False),
        "Preferred_Language": _or_default(lambda v: _text(v, max_len=50), "English"),
        "Time_Zone": _or_default(lambda v: _text(v, max_len=50), "IST"),
    }
    out, errors = _run(data, rules, PREFERENCE_REQUIRED, partial)
    if errors:
        raise ValidationFailed(errors)
    return out


def validate_segment(data: Mapping[str, object], *, partial: bool = False) -> dict:
    def money(v):
        n = _decimal(v)
        if n < 0:
            raise _Bad("must not be negative")
        if n >= Decimal(10) ** 10:
            raise _Bad("must be less than 10,000,000,000")
        return n

    def risk(v):
        n = _decimal(v)
        if not Decimal(0) <= n <= Decimal(100):
            raise _Bad(f"must be between 0 and 100 (got {n})")
        return n

    rules = {
        "Segment_Name": lambda v: _text(v, max_len=100),
        "Segment_Category": lambda v: _choice(v, CATEGORIES),
        "Lifetime_Value": _or_default(money, Decimal("0.00")),
        "Risk_Score": _or_default(risk, Decimal("0.00")),
        "Engagement_Level": _or_default(lambda v: _choice(v, ENGAGEMENT_LEVELS), "Medium"),
    }
    out, errors = _run(data, rules, SEGMENT_REQUIRED, partial)
    if errors:
        raise ValidationFailed(errors)
    return out
