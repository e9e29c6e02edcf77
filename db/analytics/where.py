"""The sidebar filter over the analytics copy: the one place a CustomerFilter becomes its WHERE."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, or_

from db.analytics.metrics import UNKNOWN, risk_band_of
from db.analytics.schema import customers
from db.filters import CUSTOMER_FIELD_COLUMNS, SEGMENT_FIELD_COLUMNS, CustomerFilter, range_conditions

c = customers.c


def _one_of(col, values: tuple[str, ...]) -> ColumnElement[bool]:
    """col IN values, where 'Unknown' stands for NULL (a click on an Unknown bar)."""
    named = [v for v in values if v != UNKNOWN]
    parts = [col.in_(named)] if named else []
    if UNKNOWN in values:
        parts.append(col.is_(None))
    return or_(*parts)


def conditions(f: CustomerFilter) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    for name, column in {**CUSTOMER_FIELD_COLUMNS, **SEGMENT_FIELD_COLUMNS}.items():
        values = getattr(f, name)
        if values:
            conds.append(_one_of(c[column], values))
    conds += range_conditions(f, c)
    if f.risk_bands:
        conds.append(risk_band_of(c.Risk_Score).in_(f.risk_bands))
    return conds


def filtered(stmt: Select, f: CustomerFilter) -> Select:
    """`stmt` (a select over `customers`) narrowed to the filter's customers."""
    return stmt.select_from(customers).where(*conditions(f))


def customer_ids(f: CustomerFilter) -> Select:
    """SELECT Customer_ID of the filtered customers (for the row-level tables)."""
    return filtered(customers.select().with_only_columns(c.Customer_ID), f)
