"""One pass per filter, shared by a page's figures, where a filter makes the rollups unusable.

Without a filter on customer fields, customer-level figures sum current_segment_rollup (and,
without any filter, value figures sum segment_value_rollup). With one (gender, age, status,
place, join date...), each figure would join Customer_Info and apply the filter again: a quarter
of a second or more each at a million customers on SQLite for a broad filter. Instead one
statement reads the filtered rows once (a CTE, which the databases materialise when it is read
more than once) and groups them several ways:

- Summary, of the filtered customers' current segments: `cube` (the cells of
  current_segment_rollup: category, engagement, risk bin, value bin), `states` (customers and
  value at risk per state) and `logins` (customers and risk per days-since-last-login bin);
- ValueSummary, of all their Customer_Segments rows: `names` (rows and value per category and
  segment name) and `buckets` (rows per category and 50-rupee value bucket, from which
  histograms and the bucket of each median come);
- PreferenceSummary, of all their Customer_Preferences rows: opt-in counts per channel,
  rows per language and time zone, reachable customers per channel;
- CustomerSummary, of the filtered customers themselves: customers per gender and age, per
  place, per join date, per account status and per loyalty-points value.

The dashboards cache one of each per filter (dashboard.data) and pass it as `summary=` to every
figure function that takes one; called without one, those functions build it themselves.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import (
    Connection,
    Integer,
    String,
    case,
    cast,
    distinct,
    func,
    literal,
    null,
    select,
    true,
    union_all,
)

from db.analytics.common import filtered, floor_div, frame, stored_date
from db.filters import CustomerFilter
from db.models import current_segment, customer_info, customer_preferences, customer_segments
from db.rollup import VALUE_BUCKET, risk_bin_sql, value_bin_sql

cs = current_segment.c
ss = customer_segments.c
cp = customer_preferences.c
ci = customer_info.c

# Days since Last_Login: bins [start, end); end None = open. Customers who never logged in: "never".
INACTIVITY_BINS = ((0, 30), (30, 60), (60, 90), (90, 180), (180, 365), (365, None))
NEVER_BIN = -1
CUBE = ["category", "engagement", "risk_bin", "value_bin"]
CUBE += ["customers", "value_sum", "risk_sum", "value_risk_sum"]


@dataclass(frozen=True)
class Summary:
    """cube: [category, engagement ('' for none), risk_bin, value_bin, customers, value_sum,
    risk_sum, value_risk_sum]; states: [state, customers, value_risk_sum]; logins: [bin,
    customers, risk_sum] (bin: index into INACTIVITY_BINS, NEVER_BIN without a login)."""

    cube: pd.DataFrame
    states: pd.DataFrame
    logins: pd.DataFrame


def login_bounds(today: dt.date) -> list[dt.datetime]:
    """The lowest Last_Login of each closed INACTIVITY_BINS bin, newest first.

    Days since login = today - the calendar date of Last_Login; a bin [start, end) holds the
    logins on dates today-end+1 .. today-start (future logins count in the first bin).
    """
    # days < end  <=>  login date > today - end  <=>  Last_Login >= midnight of today-end+1
    days = [end - 1 for _, end in INACTIVITY_BINS if end is not None]
    return [dt.datetime.combine(today - dt.timedelta(days=d), dt.time()) for d in days]


def login_bin(login, today: dt.date):
    """The INACTIVITY_BINS index of `login` as a CASE (NEVER_BIN when NULL)."""
    whens = [(login.is_(None), NEVER_BIN)] + [(login >= b, i) for i, b in enumerate(login_bounds(today))]
    return case(*whens, else_=len(INACTIVITY_BINS) - 1)


def summary(conn: Connection, *, f: CustomerFilter, today: dt.date | None = None) -> Summary:
    """The Summary of the current segments of the customers `f` selects."""
    rows = filtered(
        cs.Segment_Category.label("c"),
        func.coalesce(cs.Engagement_Level, "").label("e"),
        risk_bin_sql(conn, cs.Risk_Score).label("rb"),
        value_bin_sql(cs.Lifetime_Value).label("vb"),
        cs.Risk_Score.label("r"),
        cs.Lifetime_Value.label("v"),
        cs.Value_Risk.label("vr"),
        cs.State.label("s"),
        login_bin(cs.Last_Login, today or dt.date.today()).label("l"),
        f=f,
        anchor=current_segment,
    ).cte("filtered_segments")
    t = rows.c
    cube = select(
        literal(0), t.c, t.e, t.rb, t.vb, func.count(), func.sum(t.v), func.sum(t.r), func.sum(t.vr)
    ).group_by(t.c, t.e, t.rb, t.vb)
    states = select(literal(1), t.s, null(), null(), null(), func.count(), null(), null(), func.sum(t.vr))
    logins = select(literal(2), null(), null(), t.l, null(), func.count(), null(), func.sum(t.r), null())
    stmt = union_all(cube, states.group_by(t.s), logins.group_by(t.l))
    out = frame(conn, stmt, ["kind", *CUBE])
    states = _part(out, 1, ["category", "customers", "value_risk_sum"]).rename(columns={"category": "state"})
    logins = _part(out, 2, ["risk_bin", "customers", "risk_sum"]).rename(columns={"risk_bin": "bin"})
    return Summary(cube=_part(out, 0, CUBE), states=states, logins=logins)


def _part(out: pd.DataFrame, kind: int, columns: list[str]) -> pd.DataFrame:
    part = out.loc[out["kind"] == kind, columns].reset_index(drop=True)
    for col in columns:
        if col in ("risk_bin", "value_bin", "customers"):
            part[col] = part[col].astype(int)
        elif col.endswith("_sum"):
            part[col] = part[col].astype(float)
    return part


def grouped(cube: pd.DataFrame, by: list[str], measures: list[str]) -> pd.DataFrame:
    """The cube's `measures` summed `by` these columns (as columns, in sorted order)."""
    return cube.groupby(by, as_index=False, sort=True)[measures].sum()


@dataclass(frozen=True)
class ValueSummary:
    """names: [category, segment_name, segments, total, valued]: segment rows, their value and
    the rows with a value per category and name; buckets: [category, b, n, total, top]: rows with
    a value per category and VALUE_BUCKET-rupee bucket of Lifetime_Value (top: the largest);
    engagement: [category, engagement, customers] and current_values: [b, n, total] (value
    buckets, a NULL value as 0) of the customers' current segments."""

    names: pd.DataFrame
    buckets: pd.DataFrame
    engagement: pd.DataFrame
    current_values: pd.DataFrame


def value_summary(conn: Connection, *, f: CustomerFilter) -> ValueSummary:
    """The ValueSummary of every Customer_Segments row of the customers `f` selects: one pass
    for the figures of the segments page (totals, medians, histograms, category tree, and over
    the current segments, which are among those rows, engagement mix and Pareto curve)."""
    rows = filtered(
        ss.Segment_Category.label("c"),
        ss.Segment_Name.label("n"),
        ss.Lifetime_Value.label("v"),
        ss.Engagement_Level.label("e"),
        (ss.Segment_ID == cs.Segment_ID).label("cur"),
        f=f,
        anchor=customer_segments,
        needs=[current_segment],
    ).cte("filtered_segment_rows")
    t = rows.c
    n = func.count()
    bucket = floor_div(conn, t.v, VALUE_BUCKET)
    value = func.coalesce(t.v, 0)
    current_bucket = floor_div(conn, value, VALUE_BUCKET)
    stmt = union_all(
        select(literal(0), t.c, t.n, null(), n, func.sum(t.v), func.count(t.v), null()).group_by(t.c, t.n),
        select(literal(1), t.c, null(), bucket, n, func.sum(t.v), null(), func.max(t.v))
        .where(t.v.is_not(None))
        .group_by(t.c, bucket),
        select(literal(2), t.c, t.e, null(), n, null(), null(), null()).where(t.cur).group_by(t.c, t.e),
        select(literal(3), null(), null(), current_bucket, n, func.sum(value), null(), null())
        .where(t.cur)
        .group_by(current_bucket),
    )
    out = frame(conn, stmt, ["kind", "category", "segment_name", "b", "n", "total", "valued", "top"])
    out["total"] = out["total"].fillna(0.0).astype(float)

    def pick(kind: int, columns: dict[str, str], types: dict) -> pd.DataFrame:
        part = out.loc[out["kind"] == kind, list(columns)].rename(columns=columns)
        return part.astype(types).reset_index(drop=True)

    same = {"category": "category", "b": "b", "n": "n", "total": "total"}
    names = {"category": "category", "segment_name": "segment_name", "n": "segments", "total": "total"}
    return ValueSummary(
        names=pick(0, names | {"valued": "valued"}, {"segments": int, "valued": int}),
        buckets=pick(1, same | {"top": "top"}, {"b": int, "n": int, "top": float}),
        engagement=pick(2, {"category": "category", "segment_name": "engagement", "n": "customers"}, {}),
        current_values=pick(3, {"b": "b", "n": "n", "total": "total"}, {"b": int, "n": int}),
    )


@dataclass(frozen=True)
class PreferenceSummary:
    """channels: [channel, preferences, n, m, s]: preference rows and those with
    Notification_Enabled / Marketing_Consent / Newsletter_Subscription true per channel;
    pairs: [language, time_zone, preferences]; reachable: [channel, reachable]: distinct
    customers with both opt-ins on the channel and an Active account."""

    channels: pd.DataFrame
    pairs: pd.DataFrame
    reachable: pd.DataFrame


def preference_summary(conn: Connection, *, f: CustomerFilter) -> PreferenceSummary:
    """The PreferenceSummary of the Customer_Preferences rows of the customers `f` selects."""
    rows = filtered(
        cp.Communication_Channel.label("ch"),
        cp.Preferred_Language.label("lang"),
        cp.Time_Zone.label("tz"),
        cp.Notification_Enabled.label("n"),
        cp.Marketing_Consent.label("m"),
        cp.Newsletter_Subscription.label("s"),
        cp.Customer_ID.label("cid"),
        ci.Account_Status.label("status"),
        f=f,
        anchor=customer_preferences,
        needs=[customer_info],
    ).cte("filtered_preferences")
    t = rows.c
    channels = select(literal(0), t.ch, null(), func.count(), flag(t.n), flag(t.m), flag(t.s))
    pairs = select(literal(1), t.lang, t.tz, func.count(), null(), null(), null())
    reachable = select(literal(2), t.ch, null(), func.count(distinct(t.cid)), null(), null(), null()).where(
        t.n == true(), t.m == true(), t.status == "Active"
    )
    stmt = union_all(channels.group_by(t.ch), pairs.group_by(t.lang, t.tz), reachable.group_by(t.ch))
    out = frame(conn, stmt, ["kind", "a", "b", "count", "n", "m", "s"])
    part = {k: out.loc[out["kind"] == k].reset_index(drop=True) for k in (0, 1, 2)}
    return PreferenceSummary(
        channels=part[0][["a", "count", "n", "m", "s"]].set_axis(
            ["channel", "preferences", "n", "m", "s"], axis=1
        ),
        pairs=part[1][["a", "b", "count"]].set_axis(["language", "time_zone", "preferences"], axis=1),
        reachable=part[2][["a", "count"]].set_axis(["channel", "reachable"], axis=1),
    )


def flag(col):
    """1 when the boolean is true, else 0 (NULL counts as not set); portable across backends."""
    return func.sum(case((col, 1), else_=0))


@dataclass(frozen=True)
class CustomerSummary:
    """Customers per value of the Customer_Info columns the overview and demographics pages
    break down: people [gender, age, customers], places [state, city, country, customers],
    days [day (datetime64), customers], statuses [status, customers], points [points, customers]
    (NULLs kept as their own group)."""

    people: pd.DataFrame
    places: pd.DataFrame
    days: pd.DataFrame
    statuses: pd.DataFrame
    points: pd.DataFrame


def customer_summary(conn: Connection, *, f: CustomerFilter) -> CustomerSummary:
    """The CustomerSummary of the customers `f` selects."""
    day = stored_date(conn, ci.Join_Date)
    rows = filtered(
        ci.Gender.label("g"),
        ci.Age.label("a"),
        ci.State.label("st"),
        ci.City.label("ct"),
        ci.Country.label("co"),
        day.label("d"),
        ci.Account_Status.label("s"),
        ci.Loyalty_Points.label("p"),
        f=f,
        anchor=customer_info,
    ).cte("filtered_customers")
    t = rows.c
    n = func.count()

    def part(kind: int, texts=(), number=None, date=None):
        # NULLs typed: PostgreSQL resolves untyped ones in the first branches to text
        texts = [*texts, *[cast(null(), String)] * (3 - len(texts))]
        number = cast(null(), Integer) if number is None else number
        return select(literal(kind), *texts, number, cast(null(), t.d.type) if date is None else date, n)

    stmt = union_all(
        part(0, [t.g], t.a).group_by(t.g, t.a),
        part(1, [t.st, t.ct, t.co]).group_by(t.st, t.ct, t.co),
        part(2, date=t.d).group_by(t.d),
        part(3, [t.s]).group_by(t.s),
        part(4, number=t.p).group_by(t.p),
    )
    out = frame(conn, stmt, ["kind", "t1", "t2", "t3", "number", "day", "customers"])
    out["customers"] = out["customers"].astype(int)

    def pick(kind: int, columns: dict[str, str]) -> pd.DataFrame:
        part = out.loc[out["kind"] == kind, [*columns, "customers"]].rename(columns=columns)
        return part.reset_index(drop=True)

    days = pick(2, {"day": "day"}).dropna(subset=["day"])
    days["day"] = pd.to_datetime(days["day"])
    return CustomerSummary(
        people=pick(0, {"t1": "gender", "number": "age"}),
        places=pick(1, {"t1": "state", "t2": "city", "t3": "country"}),
        days=days,
        statuses=pick(3, {"t1": "status"}),
        points=pick(4, {"number": "points"}),
    )
