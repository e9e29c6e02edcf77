"""CustomerFilter, the one value that flows through the app, and the one place it becomes SQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace

from sqlalchemy import ColumnElement, Select, and_, or_

from db.current_segment import current_segment
from db.models import customer_info

RISK_BANDS = ("Low", "Medium", "High")  # Low < 30 <= Medium < 70 <= High
RISK_MEDIUM_FROM = 30
RISK_HIGH_FROM = 70

_TUPLE_FIELDS = (
    "countries",
    "states",
    "cities",
    "genders",
    "statuses",
    "categories",
    "engagements",
    "risk_bands",
)
_INT_FIELDS = ("age_min", "age_max")
# filter field -> the column it selects on: Customer_Info's, then the current segment's
CUSTOMER_FIELD_COLUMNS = {
    "countries": "Country",
    "states": "State",
    "cities": "City",
    "genders": "Gender",
    "statuses": "Account_Status",
}
SEGMENT_FIELD_COLUMNS = {"categories": "Segment_Category", "engagements": "Engagement_Level"}
_DATE_FIELDS = ("joined_from", "joined_to")
# Each filter field in words (what an audit row of an export says it was filtered by).
FILTER_LABELS = {
    "countries": "Country",
    "states": "State",
    "cities": "City",
    "genders": "Gender",
    "age_min": "Age from",
    "age_max": "Age to",
    "statuses": "Account status",
    "joined_from": "Joined from",
    "joined_to": "Joined to",
    "categories": "Segment category",
    "engagements": "Engagement level",
    "risk_bands": "Risk band",
}


@dataclass(frozen=True)
class CustomerFilter:
    countries: tuple[str, ...] = ()
    states: tuple[str, ...] = ()
    cities: tuple[str, ...] = ()
    genders: tuple[str, ...] = ()
    age_min: int | None = None
    age_max: int | None = None
    statuses: tuple[str, ...] = ()
    joined_from: dt.date | None = None
    joined_to: dt.date | None = None
    categories: tuple[str, ...] = ()
    engagements: tuple[str, ...] = ()
    risk_bands: tuple[str, ...] = ()

    def narrow(self, **changes) -> CustomerFilter:
        """A copy with some fields replaced (lists become sorted tuples)."""
        return replace(self, **{k: _norm(k, v) for k, v in changes.items()})

    @property
    def is_empty(self) -> bool:
        return self == CustomerFilter()

    @property
    def uses_segment(self) -> bool:
        return bool(self.categories or self.engagements or self.risk_bands)

    def to_params(self) -> dict[str, str]:
        """URL query parameters: only what is set; lists comma-separated."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value in ((), None):
                continue
            out[f.name] = ",".join(value) if isinstance(value, tuple) else str(value)
        return out

    @classmethod
    def from_params(cls, params: Mapping[str, str | list[str]]) -> CustomerFilter:
        """Parse URL query parameters; unknown keys and unreadable values are ignored."""
        values = {}
        for name in (f.name for f in fields(cls)):
            raw = params.get(name)
            if isinstance(raw, list):
                raw = ",".join(raw)
            if raw in (None, ""):
                continue
            try:
                values[name] = _parse(name, raw)
            except ValueError:
                continue
        return cls(**values)


def _parse(name: str, raw: str):
    if name in _TUPLE_FIELDS:
        return tuple(sorted({p.strip() for p in raw.split(",") if p.strip()}))
    if name in _INT_FIELDS:
        return int(raw)
    return dt.date.fromisoformat(raw)


@dataclass(frozen=True)
class FilterChip:
    """One removable part of a filter: a value of a list field, or a whole age/join-date range."""

    field: str
    value: str | None
    label: str


_CHIP_SUFFIX = {"engagements": " engagement", "risk_bands": " risk"}


def _range_text(lo, hi, text=str) -> str:
    if lo is not None and hi is not None:
        return f"{text(lo)} – {text(hi)}"
    return f"from {text(lo)}" if lo is not None else f"up to {text(hi)}"


def chips(f: CustomerFilter, *, date_text=str) -> list[FilterChip]:
    """The filter's parts in words ("VIP", "High risk", "Age 30 – 45"), in the sidebar's order."""
    out: list[FilterChip] = []
    for name in _TUPLE_FIELDS:
        for value in getattr(f, name):
            # "Not scored" is a risk band that reads right alone
            suffix = "" if name == "risk_bands" and value not in RISK_BANDS else _CHIP_SUFFIX.get(name, "")
            out.append(FilterChip(name, value, f"{value}{suffix}"))
    if f.age_min is not None or f.age_max is not None:
        out.append(FilterChip("age", None, f"Age {_range_text(f.age_min, f.age_max)}"))
    if f.joined_from is not None or f.joined_to is not None:
        joined = _range_text(f.joined_from, f.joined_to, date_text)
        out.append(FilterChip("joined", None, f"Joined {joined}"))
    return out


def without(f: CustomerFilter, chip: FilterChip) -> CustomerFilter:
    """The filter with one chip removed."""
    if chip.field == "age":
        return f.narrow(age_min=None, age_max=None)
    if chip.field == "joined":
        return f.narrow(joined_from=None, joined_to=None)
    return f.narrow(**{chip.field: [v for v in getattr(f, chip.field) if v != chip.value]})


def _norm(name: str, value):
    if name in _TUPLE_FIELDS:
        return tuple(sorted(set(value or ())))
    return value


def risk_band_condition(score, bands: tuple[str, ...]) -> ColumnElement[bool]:
    parts = {
        "Low": score < RISK_MEDIUM_FROM,
        "Medium": and_(score >= RISK_MEDIUM_FROM, score < RISK_HIGH_FROM),
        "High": score >= RISK_HIGH_FROM,
    }
    return or_(*(parts[b] for b in bands if b in parts))


def customer_conditions(f: CustomerFilter) -> list[ColumnElement[bool]]:
    """Conditions on Customer_Info."""
    c = customer_info.c
    conds: list[ColumnElement[bool]] = []
    for name, column in CUSTOMER_FIELD_COLUMNS.items():
        values = getattr(f, name)
        if values:
            conds.append(c[column].in_(values))
    return conds + range_conditions(f, c)


def range_conditions(f: CustomerFilter, c) -> list[ColumnElement[bool]]:
    """The filter's age and join-date ranges (both ends inclusive) on columns `c` (Age, Join_Date)."""
    conds: list[ColumnElement[bool]] = []
    if f.age_min is not None:
        conds.append(c.Age >= f.age_min)
    if f.age_max is not None:
        conds.append(c.Age <= f.age_max)
    if f.joined_from is not None:
        conds.append(c.Join_Date >= f.joined_from)
    if f.joined_to is not None:
        conds.append(c.Join_Date <= f.joined_to)
    return conds


def segment_conditions(f: CustomerFilter) -> list[ColumnElement[bool]]:
    """Conditions on the customer's current segment (db.current_segment.current_segment())."""
    s = current_segment().c
    conds: list[ColumnElement[bool]] = []
    if f.categories:
        conds.append(s.Segment_Category.in_(f.categories))
    if f.engagements:
        conds.append(s.Engagement_Level.in_(f.engagements))
    if f.risk_bands:
        conds.append(risk_band_condition(s.Risk_Score, f.risk_bands))
    return conds


def apply(stmt: Select, f: CustomerFilter, *, segment_joined: bool = False) -> Select:
    """Add the filter's conditions to a select over Customer_Info.

    Segment conditions need `current_segment()`: pass segment_joined=True when the statement
    already joins it; otherwise it is joined here when the filter uses it.
    """
    stmt = stmt.where(*customer_conditions(f))
    seg = segment_conditions(f)
    if seg:
        if not segment_joined:
            current = current_segment()
            stmt = stmt.join(current, current.c.Customer_ID == customer_info.c.Customer_ID)
        stmt = stmt.where(*seg)
    return stmt
