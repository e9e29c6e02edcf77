"""The analytics copy's tables in DuckDB, and how they are built from the source's rows.

The copy holds the customer's three tables as they are (`customer_info`, `segments`,
`preferences`, each column typed, canonical values restored) and one wide row per customer
(`customers`): their Customer_Info columns, their current segment and their reachability per
channel. Every dashboard figure reads these tables (db.analytics.run executes SQLAlchemy Core on
them); the rules they are built by live here, once:

- current segment: the segment row with the latest Last_Updated, a NULL Last_Updated counting as
  the oldest; ties: the highest Segment_ID;
- reachable on a channel: the customer's latest preference row for it (highest Preference_ID)
  has Notification_Enabled and Marketing_Consent true, and the account is Active;
- canonical values: a stored 'male ' or 'ACTIVE' counts as 'Male' / 'Active'.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Insert,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    case,
    false,
    func,
    insert,
    or_,
    select,
)

from db.current_segment import COLUMNS as CURRENT_SEGMENT_COLUMNS
from db.current_segment import latest_first
from db.models import (
    ACCOUNT_STATUSES,
    CATEGORIES,
    CHANNELS,
    ENGAGEMENT_LEVELS,
    GENDERS,
)
from db.models import (
    customer_info as source_info,
)
from db.models import (
    customer_preferences as source_preferences,
)
from db.models import (
    customer_segments as source_segments,
)

ACTIVE = "Active"
NUL_TEXT = "\x00"  # how a NULL travels in a column read as text (db.analytics.source)
# Columns whose values are one of a known list: stored case and surrounding spaces are ignored.
CANONICAL = {
    "Gender": GENDERS,
    "Account_Status": ACCOUNT_STATUSES,
    "Segment_Category": CATEGORIES,
    "Engagement_Level": ENGAGEMENT_LEVELS,
    "Communication_Channel": CHANNELS,
}
SOURCES = {"customer_info": source_info, "segments": source_segments, "preferences": source_preferences}

copy_metadata = MetaData()


def _like(name: str, source: Table) -> Table:
    cols = []
    for col in source.columns:
        kind = type(col.type)
        if kind.__name__ in ("Numeric", "Double", "Float"):
            typ = Float()
        elif kind.__name__ == "Boolean":
            typ = Boolean()
        elif kind.__name__ == "Date":
            typ = Date()
        elif kind.__name__ == "DateTime":
            typ = DateTime()
        elif kind.__name__ == "Integer":
            typ = Integer()
        else:
            typ = String()
        cols.append(Column(col.name, typ))
    return Table(name, copy_metadata, *cols)


customer_info = _like("customer_info", source_info)
segments = _like("segments", source_segments)
preferences = _like("preferences", source_preferences)

# The current segment's columns in the wide table, and the reachability flag per channel.
CURRENT_COLUMNS = tuple(name for name in CURRENT_SEGMENT_COLUMNS if name != "Customer_ID")


def reach_column(channel: str) -> str:
    return f"reach_{channel.lower()}"


def stage_column(channel: str) -> str:
    return f"pref_{channel.lower()}"


def zone_column(channel: str) -> str:
    return f"zone_{channel.lower()}"


# The stage a customer's latest preference row of a channel reached (the audiences' funnel).
PREF_NOTIFICATIONS_OFF, PREF_NO_CONSENT, PREF_CONSENTED = 0, 1, 2


customers = Table(
    "customers",
    copy_metadata,
    *(Column(c.name, c.type) for c in customer_info.columns),
    *(Column(name, segments.c[name].type) for name in CURRENT_COLUMNS),
    Column("Value_At_Risk", Float()),
    *(Column(reach_column(ch), Boolean()) for ch in CHANNELS),
    Column("reach_any", Boolean()),
    # each channel's latest preference row: its stage (PREF_*; NULL: no row) and time zone
    *(Column(stage_column(ch), Integer()) for ch in CHANNELS),
    *(Column(zone_column(ch), String()) for ch in CHANNELS),
)


def _duck_type(col) -> str:
    return {
        "Float": "DOUBLE",
        "Boolean": "BOOLEAN",
        "Date": "DATE",
        "DateTime": "TIMESTAMP",
        "Integer": "BIGINT",
    }.get(type(col.type).__name__, "VARCHAR")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _typed(col) -> tuple[str, list]:
    """The DuckDB expression that turns a raw source value of `col` into its typed, canonical
    value, and its parameters (the canonical values)."""
    q = _quote(col.name)
    kind = _duck_type(col)
    if col.name in CANONICAL:
        values = CANONICAL[col.name]
        raw = f"NULLIF(NULLIF(TRIM(CAST({q} AS VARCHAR)), ''), chr(0))"
        cases = " ".join("WHEN ? THEN ?" for _ in values)
        return f"CASE LOWER({raw}) {cases} ELSE {raw} END AS {q}", [x for v in values for x in (v.lower(), v)]
    if kind == "VARCHAR":
        return f"NULLIF(CAST({q} AS VARCHAR), chr(0)) AS {q}", []
    if kind == "BOOLEAN":
        text = f"LOWER(TRIM(CAST({q} AS VARCHAR)))"
        return (
            f"CASE WHEN {text} IN ('1', 'true', 't', 'yes', 'y') THEN TRUE "
            f"WHEN {text} IN ('0', 'false', 'f', 'no', 'n') THEN FALSE END AS {q}"
        ), []
    if kind == "BIGINT":
        return f"TRY_CAST(TRY_CAST({q} AS DOUBLE) AS BIGINT) AS {q}", []
    if kind in ("DATE", "TIMESTAMP"):
        return f"TRY_CAST(CAST({q} AS VARCHAR) AS {kind}) AS {q}", []
    return f"TRY_CAST({q} AS {kind}) AS {q}", []


def create_statements() -> list[str]:
    """CREATE TABLE of the copy's tables (empty)."""
    out = []
    for table in copy_metadata.tables.values():
        cols = ", ".join(f"{_quote(c.name)} {_duck_type(c)}" for c in table.columns)
        out.append(f"CREATE TABLE {table.name} ({cols})")
    return out


def fingerprint() -> str:
    """A short hash of the copy's table definitions: a copy file built by other code (another
    version of the app) is not adopted, but loaded again."""
    import hashlib

    return hashlib.sha256("\n".join(create_statements()).encode()).hexdigest()[:16]


def insert_typed(name: str, raw: str) -> tuple[str, list]:
    """INSERT INTO the copy's table `name` the typed rows of the raw (Arrow) relation `raw`:
    the statement (identifiers from our own metadata) and its parameters."""
    exprs, params = [], []
    for col in copy_metadata.tables[name].columns:
        sql, p = _typed(col)
        exprs.append(sql)
        params.extend(p)
    # identifiers from our own metadata, values as parameters
    return "INSERT INTO " + name + " SELECT " + ", ".join(exprs) + " FROM " + raw, params  # noqa: S608


# The customers whose wide rows an app write rebuilds (a temporary table of the copy).
changed_ids = Table("changed_ids", MetaData(), Column("Customer_ID", Integer))


def _latest(table: Table, partition, order, scope):
    rank = func.row_number().over(partition_by=partition, order_by=order).label("rn")
    inner = select(*table.c, rank)
    if scope is not None:
        inner = inner.where(table.c.Customer_ID.in_(scope))
    inner = inner.subquery()
    return select(*(inner.c[c.name] for c in table.c)).where(inner.c.rn == 1).subquery()


def build_customers(*, only_changed: bool = False) -> Insert:
    """INSERT INTO customers the wide row of every customer (of changed_ids with only_changed)."""
    scope = select(changed_ids.c.Customer_ID) if only_changed else None
    s, p = segments.c, preferences.c
    cur = _latest(segments, [s.Customer_ID], list(latest_first(s)), scope)  # the current segment rule
    latest = _latest(preferences, [p.Customer_ID, p.Communication_Channel], [p.Preference_ID.desc()], scope)
    opted_in = and_(latest.c.Notification_Enabled, latest.c.Marketing_Consent)
    stage = case(
        (opted_in, PREF_CONSENTED),
        (latest.c.Notification_Enabled, PREF_NO_CONSENT),
        else_=PREF_NOTIFICATIONS_OFF,
    )
    one = latest.c.Communication_Channel
    reach = (
        select(
            latest.c.Customer_ID,
            *(func.coalesce(func.bool_or(opted_in).filter(one == ch), false()).label(ch) for ch in CHANNELS),
            *(func.max(stage).filter(one == ch).label(f"stage_{ch}") for ch in CHANNELS),
            *(func.max(latest.c.Time_Zone).filter(one == ch).label(f"zone_{ch}") for ch in CHANNELS),
        )
        .group_by(latest.c.Customer_ID)
        .subquery()
    )
    ci = customer_info
    active = ci.c.Account_Status.is_not_distinct_from(ACTIVE)
    flags = [and_(func.coalesce(reach.c[ch], false()), active) for ch in CHANNELS]
    rows = select(
        *ci.c,
        *(cur.c[name] for name in CURRENT_COLUMNS),
        (cur.c.Lifetime_Value * cur.c.Risk_Score / 100).label("Value_At_Risk"),
        *flags,
        or_(*flags),
        *(reach.c[f"stage_{ch}"] for ch in CHANNELS),
        *(reach.c[f"zone_{ch}"] for ch in CHANNELS),
    ).select_from(
        ci.outerjoin(cur, cur.c.Customer_ID == ci.c.Customer_ID).outerjoin(
            reach, reach.c.Customer_ID == ci.c.Customer_ID
        )
    )
    if scope is not None:
        rows = rows.where(ci.c.Customer_ID.in_(scope))
    return insert(customers).from_select([c.name for c in customers.c], rows)
