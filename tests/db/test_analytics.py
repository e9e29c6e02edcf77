"""db.analytics against an independent pandas computation over the full seeded tables.

Each analytics function runs in the database on the read-only `seeded_engine` (SQLite, and
PostgreSQL / MariaDB when their URLs are set); the expected values are computed here in pandas
from the raw rows, for several filters (table-style). The filter is re-implemented here too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal
from sqlalchemy import select

from db.analytics import churn, consent, demographics, options, overview, summary, value
from db.current_segment import ensure_fresh
from db.filters import CustomerFilter
from db.models import current_segment, customer_info, customer_preferences, customer_segments

TODAY = dt.date.today()

FILTERS = {
    "none": CustomerFilter(),
    "state+gender": CustomerFilter(states=("Karnataka", "Maharashtra"), genders=("Female",)),
    "age+status": CustomerFilter(age_min=25, age_max=44, statuses=("Active",)),
    "category+risk": CustomerFilter(categories=("Premium", "VIP"), risk_bands=("High",)),
    "joined+engagement+country": CustomerFilter(
        joined_from=TODAY - dt.timedelta(days=730),
        joined_to=TODAY - dt.timedelta(days=30),
        engagements=("Low", "Medium"),
        countries=("India",),
        risk_bands=("Low", "Medium"),
    ),
    "nothing": CustomerFilter(states=("Atlantis",)),
}
COPIED = ("State", "Last_Login")  # current_segment's copies of Customer_Info columns
FILTER_PARAMS = pytest.mark.parametrize("f", list(FILTERS.values()), ids=list(FILTERS))


def _plain(v):
    return float(v) if isinstance(v, Decimal) else v


def _read(conn, table) -> pd.DataFrame:
    result = conn.execute(select(table))
    rows = [tuple(_plain(v) for v in row) for row in result]
    return pd.DataFrame(rows, columns=list(result.keys()))


@dataclass
class Data:
    customers: pd.DataFrame
    preferences: pd.DataFrame
    segments: pd.DataFrame
    current: pd.DataFrame


@pytest.fixture(scope="module")
def engine(seeded_engine):
    ensure_fresh(seeded_engine)  # idempotent: a rebuild only when Customer_Segments moved
    return seeded_engine


@pytest.fixture(scope="module")
def data(engine) -> Data:
    with engine.connect() as conn:
        d = Data(
            customers=_read(conn, customer_info),
            preferences=_read(conn, customer_preferences),
            segments=_read(conn, customer_segments),
            # without its copies of Customer_Info columns: the computations here take them from
            # the customers (test_current_segment_copies_customer_columns checks the copies)
            current=_read(conn, current_segment).drop(columns=list(COPIED)),
        )
    for df in (d.preferences,):
        for col in ("Notification_Enabled", "Marketing_Consent", "Newsletter_Subscription"):
            df[col] = df[col].map(lambda v: None if v is None else bool(v))
    return d


@pytest.fixture
def conn(engine):
    with engine.connect() as c:
        yield c


def _band(score: float) -> str:
    return "High" if score >= 70 else "Medium" if score >= 30 else "Low"


@dataclass
class Selected:
    customers: pd.DataFrame
    preferences: pd.DataFrame
    segments: pd.DataFrame
    current: pd.DataFrame


def select_(d: Data, f: CustomerFilter) -> Selected:
    c = d.customers
    m = pd.Series(True, index=c.index)
    for values, col in (
        (f.countries, "Country"),
        (f.states, "State"),
        (f.cities, "City"),
        (f.genders, "Gender"),
        (f.statuses, "Account_Status"),
    ):
        if values:
            m &= c[col].isin(values)
    if f.age_min is not None:
        m &= c["Age"].ge(f.age_min)
    if f.age_max is not None:
        m &= c["Age"].le(f.age_max)
    if f.joined_from is not None:
        m &= c["Join_Date"].map(lambda d: d >= f.joined_from)
    if f.joined_to is not None:
        m &= c["Join_Date"].map(lambda d: d <= f.joined_to)
    ids = set(c.loc[m, "Customer_ID"])
    s = d.current
    if f.categories or f.engagements or f.risk_bands:
        sm = pd.Series(True, index=s.index)
        if f.categories:
            sm &= s["Segment_Category"].isin(f.categories)
        if f.engagements:
            sm &= s["Engagement_Level"].isin(f.engagements)
        if f.risk_bands:
            sm &= s["Risk_Score"].map(_band).isin(f.risk_bands)
        ids &= set(s.loc[sm, "Customer_ID"])
    return Selected(
        customers=c[c["Customer_ID"].isin(ids)],
        preferences=d.preferences[d.preferences["Customer_ID"].isin(ids)],
        segments=d.segments[d.segments["Customer_ID"].isin(ids)],
        current=s[s["Customer_ID"].isin(ids)],
    )


def check(got: pd.DataFrame, expected: pd.DataFrame, *, rtol: float = 1e-9) -> None:
    assert list(got.columns) == list(expected.columns)
    if expected.empty:
        assert got.empty
        return
    assert_frame_equal(
        got.reset_index(drop=True),
        expected.reset_index(drop=True),
        check_dtype=False,
        check_exact=False,
        rtol=rtol,
    )


def largest_first(df: pd.DataFrame, value: str, keys: list[str]) -> pd.DataFrame:
    return df.sort_values([value, *keys], ascending=[False] + [True] * len(keys), ignore_index=True)


# --- the fixture itself -----------------------------------------------------------------


def test_current_segment_is_latest_segment(data):
    s = data.segments.sort_values(["Customer_ID", "Last_Updated", "Segment_ID"])
    latest = s.groupby("Customer_ID").tail(1).set_index("Customer_ID").sort_index()
    cur = data.current.set_index("Customer_ID").sort_index()
    assert list(cur.index) == list(latest.index)
    assert (cur["Segment_ID"] == latest["Segment_ID"]).all()


def test_current_segment_copies_customer_columns(engine, data):
    with engine.connect() as conn:
        cur = _read(conn, current_segment)[["Customer_ID", *COPIED]]
    want = data.customers[["Customer_ID", *COPIED]]
    m = cur.merge(want, on="Customer_ID", suffixes=("", "_info"), how="left")
    for col in COPIED:
        same = (m[col] == m[f"{col}_info"]) | (m[col].isna() & m[f"{col}_info"].isna())
        assert same.all(), col


def test_customer_updates_reach_current_segment(migrated_engine):
    """refresh() copies State and Last_Login; a trigger keeps them in step on updates."""
    from sqlalchemy import update

    from db.current_segment import refresh

    ci = customer_info.c
    login = dt.datetime(2024, 5, 6, 7, 8, 9)
    with migrated_engine.connect() as conn:
        outer = conn.begin()
        try:
            start = (
                conn.execute(select(ci.Customer_ID).order_by(ci.Customer_ID.desc()).limit(1)).scalar() or 0
            )
            conn.execute(
                customer_info.insert().values(
                    Customer_ID=start + 1,
                    Customer_Name="Trigger Test",
                    Email=f"trigger{start + 1}@example.com",
                    Date_of_Birth=dt.date(1990, 1, 1),
                    City="Pune",
                    State="Maharashtra",
                )
            )
            conn.execute(
                customer_segments.insert().values(
                    Customer_ID=start + 1,
                    Segment_Name="Loyal",
                    Segment_Category="VIP",
                    Lifetime_Value=1000,
                    Risk_Score=10,
                    Last_Updated=dt.datetime(2024, 1, 1),
                )
            )
            refresh(conn, customer_ids=[start + 1])
            cs = current_segment.c
            row = conn.execute(select(cs.State, cs.Last_Login).where(cs.Customer_ID == start + 1)).one()
            assert tuple(row) == ("Maharashtra", None)
            conn.execute(
                update(customer_info).where(ci.Customer_ID == start + 1).values(State="Goa", Last_Login=login)
            )
            row = conn.execute(select(cs.State, cs.Last_Login).where(cs.Customer_ID == start + 1)).one()
            assert row[0] == "Goa"
            assert row[1] == login
        finally:
            outer.rollback()


def test_filters_select_something(data):
    for name, f in FILTERS.items():
        n = len(select_(data, f).customers)
        assert (n == 0) == (name == "nothing"), name


# --- overview ---------------------------------------------------------------------------


@FILTER_PARAMS
def test_kpis(conn, data, f):
    sel = select_(data, f)
    c, s = sel.customers, sel.current
    this_month = TODAY.replace(day=1)
    last_month = (this_month - dt.timedelta(days=1)).replace(day=1)
    n = len(c)
    active = int((c["Account_Status"] == "Active").sum())
    expected = {
        "customers": n,
        "active": active,
        "active_share": active / n if n else None,
        "new_this_month": int(c["Join_Date"].map(lambda d: d >= this_month).sum()),
        "new_last_month": int(c["Join_Date"].map(lambda d: last_month <= d < this_month).sum()),
        "total_lifetime_value": float(s["Lifetime_Value"].sum()),
        "avg_risk": float(s["Risk_Score"].mean()) if len(s) else None,
        "high_risk": int((s["Risk_Score"] >= 70).sum()),
        "value_at_risk": float((s["Lifetime_Value"] * s["Risk_Score"] / 100).sum()),
        "segments": len(s),
    }
    got = overview.kpis(conn, f=f, today=TODAY)
    assert set(got) == set(expected)
    for key, want in expected.items():
        if want is None:
            assert got[key] is None, key
        else:
            assert got[key] == pytest.approx(want, rel=1e-9), key


@FILTER_PARAMS
def test_segment_totals_from_a_summary_match_the_direct_pass(conn, data, f):
    direct = overview.segment_totals(conn, f=f)
    shared = overview.segment_totals(conn, f=f, summary=summary.summary(conn, f=f))
    assert set(direct) == set(shared)
    for key, want in direct.items():
        assert shared[key] == (None if want is None else pytest.approx(want, rel=1e-9)), key


@FILTER_PARAMS
def test_new_per_month(conn, data, f):
    c = select_(data, f).customers
    months = c["Join_Date"].map(lambda d: d.replace(day=1)).value_counts()
    expected = pd.DataFrame({"month": [], "customers": []})
    if len(months):
        lo, hi = pd.Period(min(months.index), "M"), pd.Period(max(months.index), "M")
        rng = [p.start_time.date() for p in pd.period_range(lo, hi, freq="M")]
        expected = pd.DataFrame({"month": rng, "customers": [int(months.get(m, 0)) for m in rng]})
    got = overview.new_per_month(conn, f=f)
    check(got, expected)
    assert all(isinstance(m, dt.date) and m.day == 1 for m in got["month"])


@FILTER_PARAMS
def test_status_mix(conn, data, f):
    c = select_(data, f).customers
    counts = c["Account_Status"].fillna("Unknown").value_counts()
    expected = largest_first(
        pd.DataFrame({"status": counts.index, "customers": counts.to_numpy()}), "customers", ["status"]
    )
    check(overview.status_mix(conn, f=f), expected)


# --- demographics -----------------------------------------------------------------------

AGE_BANDS = [(18, 24, "18-24"), (25, 34, "25-34"), (35, 44, "35-44"), (45, 54, "45-54"), (55, 64, "55-64")]


def _age_band(age: int) -> str:
    for lo, hi, name in AGE_BANDS:
        if lo <= age <= hi:
            return name
    return "65+"


@FILTER_PARAMS
def test_age_gender(conn, data, f):
    c = select_(data, f).customers.dropna(subset=["Age"])
    band_order = [b for *_, b in AGE_BANDS] + ["65+"]
    g = c.assign(age_band=c["Age"].map(_age_band)).groupby(["age_band", "Gender"]).size()
    rows = [
        (band, gender, int(g[(band, gender)]))
        for band in band_order
        for gender in ("Male", "Female", "Other")
        if (band, gender) in g.index
    ]
    expected = pd.DataFrame(rows, columns=["age_band", "gender", "customers"])
    check(demographics.age_gender(conn, f=f), expected)


@FILTER_PARAMS
def test_gender_mix(conn, data, f):
    counts = select_(data, f).customers["Gender"].value_counts()
    rows = [(g, int(counts[g])) for g in ("Male", "Female", "Other") if g in counts.index]
    check(demographics.gender_mix(conn, f=f), pd.DataFrame(rows, columns=["gender", "customers"]))


@FILTER_PARAMS
@pytest.mark.parametrize("top", [3, 15])
def test_by_state(conn, data, f, top):
    counts = select_(data, f).customers["State"].value_counts()
    all_states = largest_first(
        pd.DataFrame({"state": counts.index, "customers": counts.to_numpy()}), "customers", ["state"]
    )
    expected = all_states.head(top)
    if len(all_states) > top:
        other = pd.DataFrame({"state": ["Other states"], "customers": [all_states["customers"][top:].sum()]})
        expected = pd.concat([expected, other], ignore_index=True)
    got = demographics.by_state(conn, f=f, top=top)
    check(got, expected)
    assert got["customers"].sum() == counts.sum()


@FILTER_PARAMS
def test_by_city(conn, data, f):
    c = select_(data, f).customers
    g = c.groupby(["City", "State"]).size().reset_index(name="customers")
    g.columns = ["city", "state", "customers"]
    expected = largest_first(g, "customers", ["city", "state"]).head(20)
    check(demographics.by_city(conn, f=f), expected)


@FILTER_PARAMS
def test_abroad(conn, data, f):
    c = select_(data, f).customers
    counts = c.loc[c["Country"].notna() & (c["Country"] != "India"), "Country"].value_counts()
    expected = largest_first(
        pd.DataFrame({"country": counts.index, "customers": counts.to_numpy()}), "customers", ["country"]
    )
    check(demographics.abroad(conn, f=f), expected)


@FILTER_PARAMS
def test_join_cohorts(conn, data, f):
    years = select_(data, f).customers["Join_Date"].map(lambda d: d.year).value_counts().sort_index()
    expected = pd.DataFrame({"year": years.index, "customers": years.to_numpy()})
    check(demographics.join_cohorts(conn, f=f), expected)


@FILTER_PARAMS
@pytest.mark.parametrize("bins", [20, 7])
def test_loyalty_distribution(conn, data, f, bins):
    points = select_(data, f).customers["Loyalty_Points"].dropna().astype(int)
    got = demographics.loyalty_distribution(conn, f=f, bins=bins)
    assert list(got.columns) == ["bin_start", "bin_end", "customers"]
    if points.empty:
        assert got.empty
        return
    assert 1 <= len(got) <= bins
    assert got["bin_start"].iloc[0] == 0
    assert (got["bin_start"].iloc[1:].to_numpy() == got["bin_end"].iloc[:-1].to_numpy()).all()
    assert got["bin_end"].iloc[-1] >= points.max()
    # each bin [start, end) holds exactly the customers whose points fall in it; the last one
    # holds everything from its start up
    for i, row in got.iterrows():
        inside = points >= row["bin_start"]
        if i < len(got) - 1:
            inside &= points < row["bin_end"]
        assert row["customers"] == inside.sum()
    # the last bin starts at or below the 99th percentile (the tail is folded into it)
    assert got["bin_start"].iloc[-1] <= np.percentile(points, 99)


# --- value ------------------------------------------------------------------------------

CATEGORY_ORDER = ["Premium", "Standard", "Economy", "VIP"]


def _category_sorted(df: pd.DataFrame) -> pd.DataFrame:
    rank = {c: i for i, c in enumerate(CATEGORY_ORDER)}
    return df.assign(_r=df["category"].map(rank)).sort_values("_r", kind="stable").drop(columns="_r")


@FILTER_PARAMS
def test_value_by_category(conn, data, f):
    s = select_(data, f).segments
    g = s.groupby("Segment_Category")["Lifetime_Value"]
    expected = pd.DataFrame(
        {
            "category": g.size().index,
            "segments": g.size().to_numpy(),
            "total": g.sum().to_numpy(),
            "mean": g.mean().to_numpy(),
            "median": g.median().to_numpy(),
        }
    )
    check(value.by_category(conn, f=f), _category_sorted(expected))


@FILTER_PARAMS
def test_value_distribution(conn, data, f):
    s = select_(data, f).segments.dropna(subset=["Lifetime_Value"])
    got = value.distribution(conn, f=f)
    assert list(got.columns) == ["category", "bin_start", "bin_end", "segments"]
    if s.empty:
        assert got.empty
        return
    assert list(dict.fromkeys(got["category"])) == [
        c for c in CATEGORY_ORDER if c in set(s["Segment_Category"])
    ]
    for category, bins in got.groupby("category", sort=False):
        v = s.loc[s["Segment_Category"] == category, "Lifetime_Value"]
        bins = bins.reset_index(drop=True)
        assert len(bins) <= 31
        assert bins["bin_start"].iloc[0] <= v.min()
        assert bins["bin_end"].iloc[-1] >= v.max()
        widths = (bins["bin_end"] - bins["bin_start"]).iloc[:-1]
        assert widths.nunique() <= 1
        for i, row in bins.iterrows():
            inside = v >= row["bin_start"]
            if i < len(bins) - 1:
                inside &= v < row["bin_end"]
            assert row["segments"] == inside.sum(), (category, i)


@FILTER_PARAMS
def test_category_tree(conn, data, f):
    s = select_(data, f).segments
    g = s.groupby(["Segment_Category", "Segment_Name"])["Lifetime_Value"].agg(["size", "sum"]).reset_index()
    g.columns = ["category", "segment_name", "segments", "total"]
    rank = {c: i for i, c in enumerate(CATEGORY_ORDER)}
    expected = (
        g.assign(_r=g["category"].map(rank))
        .sort_values(["_r", "total", "segment_name"], ascending=[True, False, True])
        .drop(columns="_r")
    )
    check(value.category_tree(conn, f=f), expected)


@FILTER_PARAMS
def test_engagement_by_category(conn, data, f):
    s = select_(data, f).current
    g = s.groupby(["Segment_Category", "Engagement_Level"]).size()
    rows = [
        (c, e, int(g[(c, e)])) for c in CATEGORY_ORDER for e in ("High", "Medium", "Low") if (c, e) in g.index
    ]
    expected = pd.DataFrame(rows, columns=["category", "engagement", "customers"])
    check(value.engagement_by_category(conn, f=f), expected)


def _exact_curve(values: pd.Series, shares: np.ndarray) -> np.ndarray:
    v = np.sort(values.to_numpy(dtype=float))[::-1]
    cum = np.concatenate([[0.0], np.cumsum(v)])
    return np.interp(shares * len(v), np.arange(len(v) + 1), cum) / cum[-1]


@FILTER_PARAMS
def test_pareto_and_top_shares(conn, data, f):
    values = select_(data, f).current["Lifetime_Value"].dropna()
    got = value.pareto(conn, f=f, points=50)
    shares = value.top_shares(conn, f=f)
    assert list(got.columns) == ["customer_share", "value_share"]
    if values.empty:
        assert got.empty
        assert shares == {"top_1": None, "top_10": None, "top_20": None}
        return
    assert np.allclose(got["customer_share"], np.linspace(0, 1, 51))
    want = _exact_curve(values, got["customer_share"].to_numpy())
    # customers are counted in 50-rupee value buckets: shares within 0.1 percentage point
    assert np.allclose(got["value_share"], want, atol=1e-3)
    assert got["value_share"].iloc[0] == 0 and got["value_share"].iloc[-1] == pytest.approx(1.0)
    assert got["value_share"].is_monotonic_increasing
    exact = _exact_curve(values, np.array([0.01, 0.10, 0.20]))
    assert [shares["top_1"], shares["top_10"], shares["top_20"]] == pytest.approx(exact.tolist(), abs=1e-3)


# --- churn ------------------------------------------------------------------------------


@FILTER_PARAMS
@pytest.mark.parametrize("width", [5, 10])
def test_risk_distribution(conn, data, f, width):
    r = select_(data, f).current["Risk_Score"]
    got = churn.risk_distribution(conn, f=f, bin_width=width)
    if r.empty:
        check(got, pd.DataFrame({"bin_start": [], "band": [], "customers": []}))
        return
    starts = list(range(0, 100, width))
    counts = [int(((r >= s) & ((r < s + width) | ((s + width >= 100) & (r <= 100)))).sum()) for s in starts]
    expected = pd.DataFrame({"bin_start": starts, "band": [_band(s) for s in starts], "customers": counts})
    check(got, expected)


def _category_engagement_rows(g: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    rank_c = {c: i for i, c in enumerate(CATEGORY_ORDER)}
    rank_e = {e: i for i, e in enumerate(("High", "Medium", "Low"))}
    g = g.assign(_c=g["category"].map(rank_c), _e=g["engagement"].map(rank_e))
    return g.sort_values(["_c", "_e"])[cols]


@FILTER_PARAMS
def test_risk_heatmap(conn, data, f):
    s = select_(data, f).current
    g = s.groupby(["Segment_Category", "Engagement_Level"])["Risk_Score"].agg(["mean", "size"]).reset_index()
    g.columns = ["category", "engagement", "mean_risk", "customers"]
    cols = ["category", "engagement", "mean_risk", "customers"]
    check(churn.risk_heatmap(conn, f=f), _category_engagement_rows(g, cols))


@FILTER_PARAMS
def test_value_at_risk_by_category(conn, data, f):
    s = select_(data, f).current
    s = s.assign(var=s["Lifetime_Value"] * s["Risk_Score"] / 100)
    g = s.groupby("Segment_Category")["var"].agg(["sum", "size"]).reset_index()
    g.columns = ["category", "value_at_risk", "customers"]
    check(churn.value_at_risk_by_category(conn, f=f), _category_sorted(g))


@FILTER_PARAMS
def test_value_at_risk_by_state(conn, data, f):
    sel = select_(data, f)
    s = sel.current.merge(sel.customers[["Customer_ID", "State"]], on="Customer_ID")
    s = s.assign(var=s["Lifetime_Value"] * s["Risk_Score"] / 100)
    g = s.groupby("State")["var"].agg(["sum", "size"]).reset_index()
    g.columns = ["state", "value_at_risk", "customers"]
    check(
        churn.value_at_risk_by_state(conn, f=f, top=5), largest_first(g, "value_at_risk", ["state"]).head(5)
    )


@FILTER_PARAMS
@pytest.mark.parametrize("today", [TODAY, TODAY - dt.timedelta(days=100)], ids=["today", "100-days-ago"])
def test_risk_vs_inactivity(conn, data, f, today):
    sel = select_(data, f)
    s = sel.current.merge(sel.customers[["Customer_ID", "Last_Login"]], on="Customer_ID")
    edges = [(0, 30), (30, 60), (60, 90), (90, 180), (180, 365), (365, None)]

    def bin_of(login):
        if login is None or pd.isna(login):
            return ("never", None)
        days = (today - login.date()).days
        for lo, hi in edges:
            if hi is None or days < hi:
                return (lo, hi)

    bins = [bin_of(login) for login in s["Last_Login"]]
    rows = []
    for b in [*edges, ("never", None)]:
        risks = [r for r, x in zip(s["Risk_Score"], bins, strict=True) if x == b]
        if risks:
            rows.append((b[0], b[1], float(np.mean(risks)), len(risks)))
    expected = pd.DataFrame(rows, columns=["days_bin_start", "days_bin_end", "mean_risk", "customers"])
    got = churn.risk_vs_inactivity(conn, f=f, today=today)
    assert list(got.columns) == list(expected.columns)

    def keys(df):
        return [
            (a, None if b is None or pd.isna(b) else int(b), int(n))
            for a, b, n in zip(df["days_bin_start"], df["days_bin_end"], df["customers"], strict=True)
        ]

    assert keys(got) == keys(expected)
    assert np.allclose(got["mean_risk"].astype(float), expected["mean_risk"].astype(float), rtol=1e-9)


@FILTER_PARAMS
def test_value_risk_matrix(conn, data, f):
    s = select_(data, f).current
    got = churn.value_risk_matrix(conn, f=f)
    assert list(got.columns) == ["value_bin", "risk_bin", "customers"]
    if s.empty:
        assert got.empty
        return
    lowers = [0, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000]
    v = np.searchsorted(lowers, s["Lifetime_Value"].to_numpy(), side="right") - 1
    r = np.minimum(np.floor(s["Risk_Score"].to_numpy() / 10).astype(int), 9)
    expected = np.zeros((len(lowers), 10), dtype=int)
    np.add.at(expected, (v, r), 1)
    assert len(got) == len(lowers) * 10
    assert got["risk_bin"].iloc[:10].tolist() == [f"{i * 10}-{i * 10 + 10}" for i in range(10)]
    assert got["customers"].to_numpy().reshape(len(lowers), 10).tolist() == expected.tolist()
    assert len(set(got["value_bin"])) == len(lowers)


@FILTER_PARAMS
def test_top_at_risk(conn, data, f):
    sel = select_(data, f)
    s = sel.current[sel.current["Risk_Score"] >= 70]
    s = s.merge(sel.customers[["Customer_ID", "Customer_Name", "City", "State"]], on="Customer_ID")
    s = s.assign(Value_At_Risk=s["Lifetime_Value"] * s["Risk_Score"] / 100)
    s = s.sort_values(["Value_At_Risk", "Customer_ID"], ascending=[False, True]).head(25)
    cols = [
        "Customer_ID",
        "Customer_Name",
        "City",
        "State",
        "Segment_Category",
        "Lifetime_Value",
        "Risk_Score",
        "Value_At_Risk",
    ]
    check(churn.top_at_risk(conn, f=f, limit=25), s[cols])


# --- consent ----------------------------------------------------------------------------

CHANNEL_ORDER = ["Email", "SMS", "Phone", "Push"]


def _channel_sorted(df: pd.DataFrame) -> pd.DataFrame:
    rank = {c: i for i, c in enumerate(CHANNEL_ORDER)}
    return df.assign(_r=df["channel"].map(rank)).sort_values("_r", kind="stable").drop(columns="_r")


@FILTER_PARAMS
def test_channel_mix(conn, data, f):
    counts = select_(data, f).preferences["Communication_Channel"].value_counts()
    expected = pd.DataFrame({"channel": counts.index, "preferences": counts.to_numpy()})
    check(consent.channel_mix(conn, f=f), _channel_sorted(expected))


@FILTER_PARAMS
def test_rates(conn, data, f):
    p = select_(data, f).preferences
    cols = ["channel", "preferences", "notification_rate", "marketing_rate", "newsletter_rate"]
    if p.empty:
        check(consent.rates(conn, f=f), pd.DataFrame({c: [] for c in cols}))
        return
    flags = ["Notification_Enabled", "Marketing_Consent", "Newsletter_Subscription"]

    def row(name, part):
        return [name, len(part), *[float(part[c].map(lambda v: v is True).mean()) for c in flags]]

    rows = [
        row(ch, p[p["Communication_Channel"] == ch])
        for ch in CHANNEL_ORDER
        if ch in set(p["Communication_Channel"])
    ]
    rows.append(row("All", p))
    check(consent.rates(conn, f=f), pd.DataFrame(rows, columns=cols))


@FILTER_PARAMS
@pytest.mark.parametrize(
    "fn, column, name",
    [
        (consent.language_mix, "Preferred_Language", "language"),
        (consent.timezone_mix, "Time_Zone", "time_zone"),
    ],
    ids=["language", "time_zone"],
)
def test_language_and_timezone_mix(conn, data, f, fn, column, name):
    counts = select_(data, f).preferences[column].fillna("Unknown").value_counts()
    expected = largest_first(
        pd.DataFrame({name: counts.index, "preferences": counts.to_numpy()}), "preferences", [name]
    )
    check(fn(conn, f=f), expected)


@FILTER_PARAMS
def test_reachable_by_channel(conn, data, f):
    sel = select_(data, f)
    active = set(sel.customers.loc[sel.customers["Account_Status"] == "Active", "Customer_ID"])
    p = sel.preferences
    ok = p[(p["Notification_Enabled"] == True) & (p["Marketing_Consent"] == True)]  # noqa: E712
    ok = ok[ok["Customer_ID"].isin(active)]
    got = consent.reachable_by_channel(conn, f=f)
    if ok.empty:
        check(got, pd.DataFrame({"channel": [], "reachable": []}))
        return
    counts = ok.groupby("Communication_Channel")["Customer_ID"].nunique()
    expected = pd.DataFrame(
        {"channel": CHANNEL_ORDER, "reachable": [int(counts.get(c, 0)) for c in CHANNEL_ORDER]}
    )
    check(got, expected)


# --- sidebar options ----------------------------------------------------------------------


def test_sidebar_options(conn, data):
    c = data.customers
    assert options.countries(conn) == sorted(c["Country"].dropna().unique())
    assert options.state_cities(conn) == sorted(set(zip(c["State"], c["City"], strict=True)))
    triples = {(s, ci, co) for s, ci, co in zip(c["State"], c["City"], c["Country"], strict=True)}
    known = {(s, ci, co) for s, ci, co in triples if co is not None and co == co}
    assert set(options.places(conn)) >= known
    assert options.age_range(conn) == (int(c["Age"].min()), int(c["Age"].max()))
