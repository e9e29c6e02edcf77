"""Campaign audiences on the analytics copy: who is in an audience, its consent funnel, the
channel each reachable customer is assigned to, and the re-check against the source before an
export (docs/audiences.md).

Reachability is the rule of docs/metrics.md, evaluated on each customer's latest preference row
per channel (db.analytics.schema), plus the channel's contact detail. Everything here reads the
copy, except `recheck`, which reads exactly the exported customers from the source again.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
from sqlalchemy import ColumnElement, Engine, Select, and_, case, func, literal, or_, select, true

from db.analytics import build, run, schema
from db.analytics.schema import ACTIVE, customers, preferences
from db.analytics.source import read_customers
from db.analytics.where import conditions
from db.audiences import (
    CHANNEL_BITS,
    NO_CONSENT,
    NO_CONTACT,
    NOT_ACTIVE,
    NOTIFICATIONS_OFF,
    SUPPRESSION_REASONS,
    AudienceDefinition,
    AudienceError,
    decode,
)
from db.models import CHANNELS

c = customers.c
RECHECK_CHUNK = 5_000


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time())


def extra_conditions(d: AudienceDefinition, *, today: dt.date | None = None) -> list[ColumnElement[bool]]:
    """Conditions of the ranges beyond the shared filter (bounds inclusive)."""
    today = today or dt.date.today()
    conds: list[ColumnElement[bool]] = []
    for lo, hi, col in (
        (d.risk_min, d.risk_max, c.Risk_Score),
        (d.ltv_min, d.ltv_max, c.Lifetime_Value),
        (d.var_min, d.var_max, c.Value_At_Risk),
        (d.points_min, d.points_max, c.Loyalty_Points),
    ):
        if lo is not None:
            conds.append(col >= lo)
        if hi is not None:
            conds.append(col <= hi)
    if d.segment_names:
        conds.append(c.Segment_Name.in_(d.segment_names))
    # Days since last login = today - date(Last_Login); comparisons with bound midnights.
    if d.login_days_min is not None:
        before = c.Last_Login < _midnight(today - dt.timedelta(days=d.login_days_min - 1))
        # Never logged in counts as "longer ago than any day", unless an upper bound is set.
        conds.append(or_(before, c.Last_Login.is_(None)) if d.login_days_max is None else before)
    if d.login_days_max is not None:
        conds.append(c.Last_Login >= _midnight(today - dt.timedelta(days=d.login_days_max)))
    return conds


def audience_select(d: AudienceDefinition, *columns, today: dt.date | None = None) -> Select:
    """SELECT <columns> FROM customers WHERE <the audience> (over the copy)."""
    stmt = select(*(columns or (c.Customer_ID,))).select_from(customers)
    return stmt.where(*conditions(d.filter), *extra_conditions(d, today=today))


def _latest_preferences():
    p = preferences.c
    rank = func.row_number().over(
        partition_by=[p.Customer_ID, p.Communication_Channel], order_by=p.Preference_ID.desc()
    )
    inner = select(*preferences.c, rank.label("rn")).subquery()
    return select(*(inner.c[col.name] for col in preferences.c)).where(inner.c.rn == 1).subquery("latest")


def _contact(channel: str):
    column = {"Email": c.Email, "SMS": c.Phone, "Phone": c.Phone}.get(channel)
    return true() if column is None else and_(column.is_not(None), column != "")


def _code(channel: str):
    """The funnel code of the customer's latest row of `channel` (docs/audiences.md): 0 no row,
    16 notifications off, 32 no consent, 64 no contact detail, else the channel's bit."""
    stage = c[schema.stage_column(channel)]
    return case(
        (stage.is_(None), 0),
        (stage == schema.PREF_CONSENTED, case((_contact(channel), CHANNEL_BITS[channel]), else_=NO_CONTACT)),
        (stage == schema.PREF_NO_CONSENT, NO_CONSENT),
        else_=NOTIFICATIONS_OFF,
    )


def _mask():
    """One customer's mask: 128 when not Active, else the OR of their channels' codes."""
    mask = _code(CHANNELS[0])
    for ch in CHANNELS[1:]:
        mask = mask.bitwise_or(_code(ch))
    return case((c.Account_Status.is_distinct_from(ACTIVE), NOT_ACTIVE), else_=mask)


def _mask_select(d: AudienceDefinition, *, today: dt.date | None = None, row_of: str | None = None) -> Select:
    """One row per audience customer: cid and `mask` (and `zone`, the time zone of their latest
    row of `row_of`), from the wide customers table alone: one pass, no join."""
    cols = [c.Customer_ID.label("cid"), _mask().label("mask")]
    if row_of is not None:
        cols.append(func.coalesce(c[schema.zone_column(row_of)], literal("")).label("zone"))
    return audience_select(d, *cols, today=today)


def funnel(con, d: AudienceDefinition, *, today: dt.date | None = None) -> dict:
    """Audience size, reachability per channel, suppression reasons and channel assignment:
    {"audience", "reachable", "suppressed": {reason: n}, "reachable_on": {channel: n},
     "assigned": {channel: n}}; suppressed + reachable = audience, sum(assigned) = reachable."""
    per = _mask_select(d, today=today).subquery("per_customer")
    rows = run.execute(con, select(per.c.mask, func.count()).group_by(per.c.mask)).fetchall()
    out = {
        "audience": 0,
        "reachable": 0,
        "suppressed": {k: 0 for k, _ in SUPPRESSION_REASONS},
        "reachable_on": dict.fromkeys(CHANNELS, 0),
        "assigned": dict.fromkeys(d.priority, 0),
    }
    for mask, n in rows:
        n = int(n)
        reason, channel, reachable = decode(mask, d.priority)
        out["audience"] += n
        if reason == "reachable":
            out["reachable"] += n
            out["assigned"][channel] += n
            for ch in reachable:
                out["reachable_on"][ch] += n
        else:
            out["suppressed"][reason] += n
    return out


def count(con, d: AudienceDefinition, *, today: dt.date | None = None) -> int:
    return int(run.scalar(con, select(func.count()).select_from(audience_select(d, today=today).subquery())))


def _assigned(d: AudienceDefinition, channel: str, *, today: dt.date | None = None):
    """(cid, zone) of the customers assigned to `channel`: reachable on it and on no channel
    before it in the priority (the rule of `decode`)."""
    if channel not in CHANNELS:
        raise AudienceError(f"Unknown channel {channel!r}.")
    per = _mask_select(d, today=today, row_of=channel).subquery("per_customer")
    mask = per.c.mask
    before = d.priority[: d.priority.index(channel)]
    return select(per.c.cid, per.c.zone).where(
        mask < NOT_ACTIVE,
        mask.bitwise_and(CHANNEL_BITS[channel]) != 0,
        *(mask.bitwise_and(CHANNEL_BITS[ch]) == 0 for ch in before),
    )


def assigned_ids(con, d: AudienceDefinition, channel: str, *, today: dt.date | None = None) -> list[int]:
    """The channel's list from the copy: Customer_IDs sorted by time zone ('' for none), then id."""
    a = _assigned(d, channel, today=today).subquery()
    rows = run.execute(con, select(a.c.cid).order_by(a.c.zone, a.c.cid)).fetchall()
    return [int(r[0]) for r in rows]


def time_zones(con, d: AudienceDefinition, channel: str, *, today: dt.date | None = None) -> dict:
    """{time zone ('' for none): customers} of the channel's list, sorted by zone."""
    a = _assigned(d, channel, today=today).subquery()
    rows = run.execute(con, select(a.c.zone, func.count()).group_by(a.c.zone).order_by(a.c.zone)).fetchall()
    return {zone: int(n) for zone, n in rows}


def segment_names(con, categories: tuple[str, ...] = ()) -> list[str]:
    """Distinct segment names of the current segments (of those categories when given)."""
    stmt = select(c.Segment_Name).where(c.Segment_Name.is_not(None)).distinct().order_by(c.Segment_Name)
    if categories:
        stmt = stmt.where(c.Segment_Category.in_(categories))
    return [r[0] for r in run.execute(con, stmt).fetchall()]


def recheck(engine: Engine, ids: list[int], channel: str) -> pd.DataFrame:
    """The customers of `ids` still reachable on `channel` with its contact detail, read again
    from the source now (consent withdrawn or account suspended since the copy's last load: left
    out), in the order of `ids`: Customer_ID, Customer_Name, Email, Phone, Preferred_Language,
    Time_Zone of their latest preference row for the channel."""
    parts = []
    for start in range(0, len(ids), RECHECK_CHUNK):
        chunk = ids[start : start + RECHECK_CHUNK]
        scratch = duckdb.connect()  # in memory: the same tables and rules as the copy
        try:
            build.create(scratch)
            tables = read_customers(engine, chunk)
            for name in schema.SOURCES:
                build.insert(scratch, name, tables[name])
            run.execute(scratch, schema.build_customers())
            parts.append(_still_reachable(scratch, channel))
        finally:
            scratch.close()
    if not parts:
        return pd.DataFrame(
            columns=["Customer_ID", "Customer_Name", "Email", "Phone", "Preferred_Language", "Time_Zone"]
        )
    fresh = pd.concat(parts, ignore_index=True).set_index("Customer_ID")
    order = [i for i in ids if i in fresh.index]
    return fresh.loc[order].reset_index()


def _still_reachable(con, channel: str) -> pd.DataFrame:
    lp = _latest_preferences()
    p = lp.c
    conds = [c[schema.reach_column(channel)], p.Communication_Channel == channel, _contact(channel)]
    stmt = (
        select(c.Customer_ID, c.Customer_Name, c.Email, c.Phone, p.Preferred_Language, p.Time_Zone)
        .select_from(customers.join(lp, p.Customer_ID == c.Customer_ID))
        .where(*conds)
    )
    return run.frame(con, stmt)
