"""Every dashboard figure, computed on the analytics copy, against an independent pandas computation
over the source tables, on messy data (NULLs, several segment rows with NULL Last_Updated, ties,
withdrawn consent in the newest preference row, values in other case), on every backend."""

from __future__ import annotations

import pandas as pd
import pytest

from db.analytics import churn, consent, demographics, overview, value
from db.analytics.store import AnalyticsStore
from db.filters import CustomerFilter
from tests.databases import fresh_database
from tests.db.analytics_reference import (
    TODAY,
    apply_filter,
    create_loose_tables,
    fill_messy,
    source_frames,
    wide,
)

FILTERS = {
    "none": CustomerFilter(),
    "state": CustomerFilter(states=("Maharashtra",)),
    "vip": CustomerFilter(categories=("VIP",)),
    "people": CustomerFilter(genders=("Female", "Unknown"), age_min=25, age_max=60),
    "bands": CustomerFilter(risk_bands=("High", "Not scored")),
    "active-low": CustomerFilter(statuses=("Active",), engagements=("Low", "Unknown")),
    "nobody": CustomerFilter(states=("Atlantis",)),
}


@pytest.fixture(scope="module")
def messy(backend, tmp_path_factory):
    with fresh_database(backend, tmp_path_factory.mktemp("messy")) as engine:
        create_loose_tables(engine)
        fill_messy(engine)
        store = AnalyticsStore(engine, directory=tmp_path_factory.mktemp("copy"), in_process_below=0)
        store.load()
        yield store, wide(source_frames(engine))
        store.close()


@pytest.fixture(params=list(FILTERS))
def case(request, messy):
    store, ref = messy
    f = FILTERS[request.param]
    with store.reader() as con:
        yield con, f, apply_filter(ref, f)


def _counts(df: pd.DataFrame, col: str) -> dict:
    return df[col].fillna("Unknown").value_counts().to_dict()


def test_kpis(case):
    con, f, df = case
    k = overview.kpis(con, f=f, today=TODAY)
    assert k["customers"] == len(df)
    assert k["active"] == int((df["Account_Status"] == "Active").sum())
    assert k["total_lifetime_value"] == pytest.approx(df["Lifetime_Value"].sum())
    assert k["high_risk"] == int((df["Risk_Score"] >= 70).sum())
    assert k["not_scored"] == int(df["Risk_Score"].isna().sum())
    assert k["value_at_risk"] == pytest.approx(df["var"].sum())
    if df["Risk_Score"].notna().any():
        assert k["avg_risk"] == pytest.approx(df["Risk_Score"].mean())
    else:
        assert k["avg_risk"] is None
    this_month = (df["Join_Date"] >= pd.Timestamp(TODAY.replace(day=1))) & (
        df["Join_Date"] <= pd.Timestamp(TODAY)
    )
    assert k["new_this_month"] == int(this_month.sum())


def test_breakdowns_include_unknown(case):
    con, f, df = case
    got = overview.status_mix(con, f=f)
    assert dict(zip(got["status"], got["customers"], strict=True)) == _counts(df, "Account_Status")
    got = demographics.gender_mix(con, f=f)
    assert dict(zip(got["gender"], got["customers"], strict=True)) == _counts(df, "Gender")
    assert got["customers"].sum() == len(df)  # the Unknown genders are in the total


def test_age_gender(case):
    con, f, df = case
    got = demographics.age_gender(con, f=f)
    aged = df[df["Age"].notna()]
    bands = pd.cut(
        aged["Age"], [0, 24, 34, 44, 54, 64, 200], labels=["18-24", "25-34", "35-44", "45-54", "55-64", "65+"]
    )
    want = aged.assign(b=bands.astype(str), g=aged["Gender"].fillna("Unknown")).groupby(["b", "g"]).size()
    assert {(b, g): n for b, g, n in got.itertuples(index=False)} == want.to_dict()


def test_places_and_cohorts(case):
    con, f, df = case
    got = demographics.by_state(con, f=f, top=50)
    assert dict(zip(got["state"], got["customers"], strict=True)) == _counts(df, "State")
    got = demographics.abroad(con, f=f)
    away = df[df["Country"].notna() & (df["Country"] != "India")]
    assert dict(zip(got["country"], got["customers"], strict=True)) == _counts(away, "Country")
    got = demographics.join_cohorts(con, f=f)
    assert (
        dict(zip(got["year"], got["customers"], strict=True))
        == df["Join_Date"].dt.year.value_counts().to_dict()
    )
    got = demographics.loyalty_distribution(con, f=f)
    assert got["customers"].sum() == df["Loyalty_Points"].notna().sum()


def test_value_by_category(case):
    con, f, df = case
    got = value.by_category(con, f=f).set_index("category")
    groups = df.assign(c=df["Segment_Category"].fillna("Unknown")).groupby("c")
    assert got["customers"].to_dict() == groups.size().to_dict()
    for cat, part in groups:
        assert got.loc[cat, "total"] == pytest.approx(part["Lifetime_Value"].sum())
        if part["Lifetime_Value"].notna().any():
            assert got.loc[cat, "median"] == pytest.approx(part["Lifetime_Value"].median())
            assert got.loc[cat, "mean"] == pytest.approx(part["Lifetime_Value"].mean())
    dist = value.distribution(con, f=f)
    assert dist["customers"].sum() == df["Lifetime_Value"].notna().sum()


def test_category_tree_and_engagement(case):
    con, f, df = case
    got = value.category_tree(con, f=f)
    want = df.assign(c=df["Segment_Category"].fillna("Unknown"), n=df["Segment_Name"].fillna("Unknown"))
    want = want.groupby(["c", "n"]).size().to_dict()
    assert {(c, n): k for c, n, k, _ in got.itertuples(index=False)} == want
    got = value.engagement_by_category(con, f=f)
    want = df.assign(c=df["Segment_Category"].fillna("Unknown"), e=df["Engagement_Level"].fillna("Unknown"))
    assert {(c, e): n for c, e, n in got.itertuples(index=False)} == want.groupby(["c", "e"]).size().to_dict()


def test_pareto(case):
    con, f, df = case
    got = value.pareto(con, f=f)
    valued = df["Lifetime_Value"].dropna().sort_values(ascending=False)
    if valued.sum() <= 0:
        assert got.empty
        return
    assert got["value_share"].iloc[-1] == pytest.approx(1.0)
    top = max(1, round(len(valued) * 0.10))
    if len(valued) >= 100:
        row = got[got["customer_share"].round(2) == 0.10].iloc[0]
        assert row["value_share"] == pytest.approx(valued.head(top).sum() / valued.sum(), abs=0.01)


def test_churn_figures(case):
    con, f, df = case
    scored = df[df["Risk_Score"].notna()]
    assert churn.risk_distribution(con, f=f)["customers"].sum() == len(scored) or scored.empty
    heat = churn.risk_heatmap(con, f=f)
    want = scored.assign(
        c=scored["Segment_Category"].fillna("Unknown"), e=scored["Engagement_Level"].fillna("Unknown")
    )
    want = want.groupby(["c", "e"])["Risk_Score"].agg(["mean", "size"])
    for c, e, mean, n in heat.itertuples(index=False):
        assert n == want.loc[(c, e), "size"]
        assert mean == pytest.approx(want.loc[(c, e), "mean"])
    by_cat = churn.value_at_risk_by_category(con, f=f).set_index("category")
    want = df.assign(c=df["Segment_Category"].fillna("Unknown")).groupby("c")["var"].sum()
    for cat, v in want.items():
        assert by_cat.loc[cat, "value_at_risk"] == pytest.approx(v)
    idle = churn.risk_vs_inactivity(con, f=f, today=TODAY)
    assert idle["customers"].sum() == len(scored)
    never = scored["Last_Login"].isna().sum()
    assert int(idle.loc[idle["days_bin_start"] == churn.NEVER, "customers"].sum()) == never
    matrix = churn.value_risk_matrix(con, f=f)
    assert matrix["customers"].sum() == (scored["Lifetime_Value"].notna()).sum() or matrix.empty
    top = churn.top_at_risk(con, f=f, limit=10)
    high = df[df["Risk_Score"] >= 70].sort_values(["var", "Customer_ID"], ascending=[False, True]).head(10)
    assert top["Customer_ID"].tolist() == high["Customer_ID"].tolist()


def test_consent(case, messy):
    con, f, df = case
    _, ref = messy
    store = messy[0]
    prefs = source_frames(store.engine)["prefs"]
    prefs = prefs[prefs["Customer_ID"].isin(df["Customer_ID"])]
    rates = consent.rates(con, f=f)
    if prefs.empty:
        assert rates.empty
    else:
        overall = rates[rates["channel"] == consent.ALL].iloc[0]
        assert overall["preferences"] == len(prefs)
        assert overall["marketing_rate"] == pytest.approx((prefs["Marketing_Consent"] == True).mean())  # noqa: E712
    pairs = consent.language_time_zone(con, f=f)
    assert pairs["preferences"].sum() == len(prefs)
    reach = consent.reachable_by_channel(con, f=f)
    for ch, n in zip(reach["channel"], reach["reachable"], strict=True):
        assert n == int(df[f"reach_{ch.lower()}"].sum())


def test_current_segment_rule_on_ties_and_nulls(messy):
    """NULL Last_Updated is the oldest; ties: highest Segment_ID (the reference's sort)."""
    store, ref = messy
    with store.reader() as con:
        got = con.execute('SELECT "Customer_ID", "Segment_ID" FROM customers ORDER BY 1').df()
    want = ref[["Customer_ID", "Segment_ID"]].sort_values("Customer_ID")
    assert (
        got["Segment_ID"].fillna(-1).astype(int).tolist()
        == want["Segment_ID"].fillna(-1).astype(int).tolist()
    )


def test_the_in_process_reader_gives_the_same_copy(messy, tmp_path):
    """A small source is read in-process by the driver: the same copy as the connectorx reader."""
    store, _ = messy
    assert store.status().loader == "connectorx"
    small = AnalyticsStore(store.engine, directory=tmp_path / "driver")
    small.load()
    try:
        assert small.status().loader == "driver"
        query = 'SELECT * FROM customers ORDER BY "Customer_ID"'
        with store.reader() as a, small.reader() as b:
            assert a.execute(query).fetchall() == b.execute(query).fetchall()
    finally:
        small.close()
