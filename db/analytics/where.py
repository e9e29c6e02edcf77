"""The sidebar filter over the analytics copy: the one place a CustomerFilter becomes its WHERE."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, or_

from db.analytics.metrics import UNKNOWN, risk_band_of
from db.analytics.schema import customers
from db.filters import CustomerFilter

c = customers.c

# filter field -> column of the wide customers table (customer fields, then current segment)
CATEGORY_FIELDS = {
    "countries": c.Country,
    "states": c.State,
    "cities": c.City,
    "genders": c.Gender,
    "statuses": c.Account_Status,
    "categories": c.Segment_Category,
    "engagements": c.Engagement_Level,
}


def _one_of(col, values: tuple[str, ...]) -> ColumnElement[bool]:
    """col IN values, where 'Unknown' stands for NULL (a click on an Unknown bar)."""
    named = [v for v in values if v != UNKNOWN]
    parts = [col.in_(named)] if named else []
    if UNKNOWN in values:
        parts.append(col.is_(None))
    return or_(*parts)


def conditions(f: CustomerFilter) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    for name, col in CATEGORY_FIELDS.items():
        values = getattr(f, name)
        if values:
            conds.append(_one_of(col, values))
    if f.age_min is not None:
        conds.append(c.Age >= f.age_min)
    if f.age_max is not None:
        conds.append(c.Age <= f.age_max)
    if f.joined_from is not None:
        conds.append(c.Join_Date >= f.joined_from)
    if f.joined_to is not None:
        conds.append(c.Join_Date <= f.joined_to)
    if f.risk_bands:
        conds.append(risk_band_of(c.Risk_Score).in_(f.risk_bands))
    return conds


def filtered(stmt: Select, f: CustomerFilter) -> Select:
    """`stmt` (a select over `customers`) narrowed to the filter's customers."""
    return stmt.select_from(customers).where(*conditions(f))


def customer_ids(f: CustomerFilter) -> Select:
    """SELECT Customer_ID of the filtered customers (for the row-level tables)."""
    return filtered(customers.select().with_only_columns(c.Customer_ID), f)
