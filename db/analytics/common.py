"""Shared pieces of the analytics queries: the filtered FROM clause, bands, small helpers.

Every analytics query starts from one "anchor" table (Customer_Info, current_segment,
Customer_Segments or Customer_Preferences) and joins the others only when the filter or the
selected columns need them, so that an unfiltered query over one table reads that table alone.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import replace
from decimal import Decimal

import pandas as pd
from sqlalchemy import (
    BigInteger,
    Boolean,
    Connection,
    Float,
    Integer,
    Select,
    String,
    Table,
    cast,
    func,
    select,
    type_coerce,
)

from db.filters import (
    RISK_HIGH_FROM,
    RISK_MEDIUM_FROM,
    CustomerFilter,
    customer_conditions,
    risk_band_condition,
    segment_conditions,
)
from db.models import (
    current_segment,
    current_segment_rollup,
    customer_info,
    customer_preferences,
    customer_segments,
)
from db.rollup import RISK_STEP

AGE_BANDS = ("18-24", "25-34", "35-44", "45-54", "55-64", "65+")
_AGE_BAND_STARTS = (18, 25, 35, 45, 55, 65)
RISK_BANDS = ("Low", "Medium", "High")
UNKNOWN = "Unknown"  # label of a NULL category (gender, status, language...) in a breakdown

_JOIN_ORDER = (customer_info, current_segment, customer_segments, customer_preferences)


_SEGMENT_TABLES = (current_segment, customer_segments)


def _states_only(f: CustomerFilter) -> bool:
    """True when states are the filter's only customer condition (segment fields aside)."""
    return bool(f.states) and replace(f, states=(), categories=(), engagements=(), risk_bands=()).is_empty


def filtered(
    *columns,
    f: CustomerFilter,
    anchor: Table,
    needs: Iterable[Table] = (),
) -> Select:
    """`select(*columns)` from `anchor`, joined on Customer_ID to the tables that `needs` names
    or the filter uses, with the filter's conditions in the WHERE.

    Customer conditions apply to Customer_Info, segment conditions (category, engagement, risk
    band) to the customer's current segment, whatever the anchor. A filter on states alone, over
    segments, uses current_segment's copy of State: no join with a million customers.
    """
    cust = customer_conditions(f)
    seg = segment_conditions(f)
    tables = {anchor, *needs}
    if cust and _states_only(f) and customer_info not in tables and anchor in _SEGMENT_TABLES:
        cust = [current_segment.c.State.in_(f.states)]
        tables.add(current_segment)
    elif cust:
        tables.add(customer_info)
    if seg:
        tables.add(current_segment)
    if f.states and current_segment in tables and customer_info in tables:
        # the same condition on current_segment's copy: the planner may then start from the few
        # current segments of those states and categories instead of every customer of the states
        cust = [*cust, current_segment.c.State.in_(f.states)]
    frm = anchor
    for table in _JOIN_ORDER:
        if table in tables and table is not anchor:
            frm = frm.join(table, table.c.Customer_ID == anchor.c.Customer_ID)
    return select(*columns).select_from(frm).where(*cust, *seg)


def rolled_up(f: CustomerFilter) -> bool:
    """True when the filter sets segment fields only (or nothing): customer-level figures then sum
    the few thousand rows of current_segment_rollup instead of a million current segments."""
    return not customer_conditions(f)


def from_rollup(*columns, f: CustomerFilter, by: Sequence = ()) -> Select:
    """`select(*columns)` from current_segment_rollup with the filter's segment conditions;
    grouped `by` these columns, groups without customers left out."""
    r = current_segment_rollup.c
    conds = []
    if f.categories:
        conds.append(r.Segment_Category.in_(f.categories))
    if f.engagements:
        conds.append(r.Engagement_Level.in_(f.engagements))
    if f.risk_bands:
        conds.append(risk_band_condition(r.risk_bin * RISK_STEP, f.risk_bands))
    stmt = select(*columns).select_from(current_segment_rollup).where(*conds)
    if by:
        stmt = stmt.group_by(*by).having(func.sum(r.customers) > 0)
    return stmt


def frame(conn: Connection, stmt: Select, columns: Sequence[str]) -> pd.DataFrame:
    """Run `stmt` and return its rows as a DataFrame with `columns` (Decimals -> float)."""
    # one fetchall (iterating fetches row by row), and plain tuples: pandas probes a Row's
    # attributes, which SQLAlchemy answers by raising and catching an error per row
    rows = list(map(tuple, conn.execute(stmt).all()))
    out = pd.DataFrame(rows, columns=list(columns))
    for col in out.columns:
        if out[col].dtype == object and any(isinstance(v, Decimal) for v in out[col]):
            out[col] = [_plain(v) for v in out[col]]
    return out


def empty(columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame({c: [] for c in columns})


def _plain(value):
    return float(value) if isinstance(value, Decimal) else value


def num(value, default=0.0) -> float:
    """A scalar aggregate as float (None -> default)."""
    return default if value is None else float(value)


def label(value) -> str:
    return UNKNOWN if value is None else value


def age_band(age: int) -> str:
    for start, band in zip(reversed(_AGE_BAND_STARTS), reversed(AGE_BANDS), strict=True):
        if age >= start:
            return band
    return AGE_BANDS[0]  # below 18 cannot be stored (CHECK), kept in the first band anyway


def risk_band(score: float) -> str:
    if score >= RISK_HIGH_FROM:
        return "High"
    if score >= RISK_MEDIUM_FROM:
        return "Medium"
    return "Low"


def nice_width(span: float, bins: int) -> float:
    """A round bin width (1, 2, 2.5, 5 x 10^k) so that `bins` bins cover `span`."""
    if span <= 0:
        return 1.0
    raw = span / bins
    power = 10 ** math.floor(math.log10(raw))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= raw:
            return float(step * power)
    return float(10 * power)


def ordered(values: Iterable, order: Sequence) -> list:
    """`values` sorted by their position in `order` (unknown values last, alphabetically)."""
    rank = {v: i for i, v in enumerate(order)}
    return sorted(values, key=lambda v: (rank.get(v, len(order)), str(v)))


def stored_date(conn: Connection, col):
    """A DATE column as the database returns it fastest: on SQLite its stored ISO text (parse a
    whole column with pd.to_datetime at once, not one Python date per row), elsewhere as is."""
    return type_coerce(col, String) if conn.dialect.name == "sqlite" else col


def floor_div(conn: Connection, expr, width: float):
    """floor(expr / width) as a SQL expression, for a non-negative `expr`.

    SQLite's FLOOR exists only when it was built with the math functions, so there the
    truncating CAST is used (the same as floor for non-negative values).
    """
    if conn.dialect.name == "sqlite":
        return cast(expr / width, BigInteger)
    return func.floor(expr / width)


def by_ranges(conn: Connection, f: CustomerFilter) -> bool:
    """True when a histogram over a whole table is read fastest as one range count per bin on a
    covering index rather than a GROUP BY of a computed bucket: on SQLite (no hash aggregation:
    it sorts every row of such a GROUP BY) and PostgreSQL (index-only range scans beat a hash
    aggregate over a million rows), without a filter (each range would re-apply it)."""
    return conn.dialect.name in ("sqlite", "postgresql") and f.is_empty


def filter_first(conn: Connection, f: CustomerFilter, col):
    """`col`, or on SQLite with a filter set, an expression of it that no index serves.

    Used in an ORDER BY / GROUP BY / WHERE whose index would make SQLite walk the whole index in
    its order and check the filter (with a lookup of the joined tables) on every entry; hiding
    the index makes it find the filtered customers first and sort those few rows instead
    (a median with a state and a category: 1,000 ms -> 60 ms at a million customers).
    """
    if conn.dialect.name != "sqlite" or f.is_empty:
        return col
    if isinstance(col.type, String):
        return type_coerce(col.op("||")(""), col.type)
    if isinstance(col.type, Boolean):
        return type_coerce(type_coerce(col, Integer) + 0, col.type)
    return type_coerce(col + 0, col.type)


def value_times_risk(seg):
    """Lifetime_Value * Risk_Score of current_segment (its stored Value_Risk) or of another
    segment table's columns (divide by 100 for value at risk).

    Typed as Float: the Numeric(12, 2) SQLAlchemy would infer rounds SQLite's results to 2
    decimals.
    """
    if "Value_Risk" in seg:
        return seg.Value_Risk
    return type_coerce(seg.Lifetime_Value * seg.Risk_Score, Float)
