"""Demo data: deterministic generation, and seed() on every backend checked in SQL."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import phonenumbers
import pytest
from sqlalchemy import func, insert, select

import db.demo as demo
from db.demo import generate, seed
from db.demo_data import FOREIGN_CITIES, INDIAN_CITIES, STATE_PIN_PREFIXES
from db.migrate import upgrade
from db.models import (
    ACCOUNT_STATUSES,
    CATEGORIES,
    CHANNELS,
    ENGAGEMENT_LEVELS,
    GENDERS,
    customer_info,
    customer_preferences,
    customer_segments,
)

TODAY = dt.date(2026, 11, 26)
N = 3000

ci, cp, cs = customer_info.c, customer_preferences.c, customer_segments.c


def _df(conn, stmt) -> pd.DataFrame:
    result = conn.execute(stmt)
    return pd.DataFrame(result.all(), columns=list(result.keys()))


def _as_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


# --- generate() ---------------------------------------------------------------------------


def test_generate_is_deterministic_for_a_seed():
    a = generate(customers=500, seed=7, today=TODAY)
    b = generate(customers=500, seed=7, today=TODAY)
    for name in ("customers", "preferences", "segments"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    c = generate(customers=500, seed=8, today=TODAY)
    assert not a.customers["Customer_Name"].equals(c.customers["Customer_Name"])


@pytest.mark.parametrize(
    ("frame", "table"),
    [("customers", customer_info), ("preferences", customer_preferences), ("segments", customer_segments)],
)
def test_generate_columns_are_the_schema_columns(frame, table):
    data = generate(customers=50, seed=1, start_id=101, today=TODAY)
    assert list(getattr(data, frame).columns) == [c.name for c in table.columns]


def test_generate_value_sets_and_shapes():
    d = generate(customers=N, seed=3, start_id=10, today=TODAY)
    c, p, s = d.customers, d.preferences, d.segments
    assert c["Customer_ID"].tolist() == list(range(10, 10 + N))
    assert set(c["Gender"]) == set(GENDERS)
    assert set(c["Account_Status"]) == set(ACCOUNT_STATUSES)
    assert set(p["Communication_Channel"]) == set(CHANNELS)
    assert set(s["Segment_Category"]) == set(CATEGORIES)
    assert set(s["Engagement_Level"]) == set(ENGAGEMENT_LEVELS)
    assert c["Phone"].isna().mean() == pytest.approx(0.02, abs=0.012)
    assert c["Postal_Code"].isna().mean() == pytest.approx(0.025, abs=0.015)
    assert 0.003 < (c["Country"] != "India").mean() < 0.04
    assert (c["Gender"] == "Other").mean() < 0.03
    assert 0.35 < p["Marketing_Consent"].mean() < 0.65
    assert p["Preference_ID"].is_unique and s["Segment_ID"].is_unique
    per_customer = p.groupby("Customer_ID").size()
    assert per_customer.between(1, 3).all() and len(per_customer) == N
    # Joins grow over the years: the last full year has more joins than the first.
    years = c["Join_Date"].dt.year.value_counts()
    assert years[TODAY.year - 1] > years[TODAY.year - 5]
    # Active customers log in more recently than suspended ones (engagement drives both).
    idle = (pd.Timestamp(TODAY) - c["Last_Login"]).dt.days
    assert idle[c["Account_Status"] == "Active"].median() < idle[c["Account_Status"] == "Suspended"].median()


# --- seed() on every backend ----------------------------------------------------------------


@pytest.fixture
def engine(fresh_engine):
    upgrade(fresh_engine)
    return fresh_engine


def _counts(conn) -> tuple[int, int, int]:
    return tuple(
        conn.execute(select(func.count()).select_from(t)).scalar_one()
        for t in (customer_info, customer_preferences, customer_segments)
    )


def _check_customers(conn, expected: int) -> None:
    c = _df(conn, select(customer_info))
    assert len(c) == expected
    assert c["Customer_ID"].is_unique
    assert c["Email"].is_unique
    assert c["Email"].str.fullmatch(r"[a-z][a-z._]*[0-9]+@[a-z.]+\.[a-z]+").all()
    phones = c["Phone"].dropna()
    assert phones.is_unique
    assert 0 < c["Phone"].isna().sum() < 0.05 * expected
    assert phones.str.fullmatch(r"\+91[6-9][0-9]{9}").all()
    for number in phones:
        parsed = phonenumbers.parse(number)
        assert phonenumbers.is_valid_number(parsed)
        assert phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) == number

    india = c[c["Country"] == "India"]
    places = {(city, state) for city, state, *_ in INDIAN_CITIES}
    assert set(zip(india["City"], india["State"], strict=True)) <= places
    pins = india["Postal_Code"].dropna()
    assert pins.str.fullmatch(r"[1-9][0-9]{5}").all()
    for pin, state in zip(pins, india.loc[pins.index, "State"], strict=True):
        assert pin[:2] in STATE_PIN_PREFIXES[state], (pin, state)
    abroad = c[c["Country"] != "India"]
    foreign = {(country, city, state) for country, city, state, *_ in FOREIGN_CITIES}
    assert set(zip(abroad["Country"], abroad["City"], abroad["State"], strict=True)) <= foreign

    for born, age, joined, last in zip(
        c["Date_of_Birth"], c["Age"], c["Join_Date"], c["Last_Login"], strict=True
    ):
        born, joined = _as_date(born), _as_date(joined)
        full_years = TODAY.year - born.year - ((TODAY.month, TODAY.day) < (born.month, born.day))
        assert age == full_years and 18 <= age <= 90
        assert joined <= TODAY
        if last is not None and not pd.isna(last):
            assert _as_date(last) >= joined
            assert _as_date(last) <= TODAY


def _check_children(conn) -> None:
    per_customer = _df(
        conn,
        select(
            cp.Customer_ID,
            func.count().label("n"),
            func.count(cp.Communication_Channel.distinct()).label("channels"),
        ).group_by(cp.Customer_ID),
    )
    assert per_customer["n"].between(1, 3).all()
    assert (per_customer["n"] == per_customer["channels"]).all()
    segments = _df(conn, select(cs.Customer_ID, func.count().label("n")).group_by(cs.Customer_ID))
    assert segments["n"].between(1, 3).all()
    assert _df(conn, select(customer_info.c.Customer_ID))["Customer_ID"].is_unique

    risk = dict(
        conn.execute(select(cs.Engagement_Level, func.avg(cs.Risk_Score)).group_by(cs.Engagement_Level)).all()
    )
    assert float(risk["Low"]) > float(risk["Medium"]) > float(risk["High"])
    ltv = dict(
        conn.execute(
            select(cs.Segment_Category, func.avg(cs.Lifetime_Value)).group_by(cs.Segment_Category)
        ).all()
    )
    assert float(ltv["VIP"]) > float(ltv["Premium"]) > float(ltv["Standard"]) > float(ltv["Economy"])

    # Segment timestamps are after joining and not in the future.
    late = (
        select(func.count())
        .select_from(customer_segments.join(customer_info))
        .where(func.date(cs.Last_Updated) < ci.Join_Date)
    )
    assert conn.execute(late).scalar_one() == 0
    bounds = conn.execute(
        select(func.min(cs.Risk_Score), func.max(cs.Risk_Score), func.min(cs.Lifetime_Value))
    ).one()
    assert 0 <= float(bounds[0]) <= float(bounds[1]) <= 100 and float(bounds[2]) >= 0


@pytest.mark.parametrize("bulk", [False, True], ids=["insert", "drop-indexes"])
def test_seed_on_every_backend(engine, backend, bulk, monkeypatch):
    if bulk:  # exercise the big-load path (indexes and foreign keys dropped and rebuilt)
        monkeypatch.setattr(demo, "BULK_INDEX_THRESHOLD", 1)
        monkeypatch.setattr(demo, "CHUNK_SIZE", 700)
    done = []
    counts = seed(engine, customers=N, seed=42, progress=done.append, today=TODAY)
    assert sum(done) == N
    with engine.connect() as conn:
        assert _counts(conn) == (
            counts["Customer_Info"],
            counts["Customer_Preferences"],
            counts["Customer_Segments"],
        )
        assert counts["Customer_Info"] == N
        assert N < counts["Customer_Preferences"] <= 3 * N
        _check_customers(conn, N)
        _check_children(conn)
        indexes = {ix["name"] for t in ("Customer_Info", "Customer_Segments") for ix in _indexes(conn, t)}
        assert {ix.name for ix in customer_info.indexes if _built_on(ix, conn.dialect.name)} <= indexes


def _built_on(index, dialect: str) -> bool:
    """False for an index the model builds on other databases only (Index.ddl_if)."""
    only = getattr(index, "_ddl_if", None)
    return only is None or only.dialect in (None, dialect)


def _indexes(conn, table: str) -> list[dict]:
    from sqlalchemy import inspect

    return inspect(conn).get_indexes(table)


def test_seed_appends_and_ids_keep_working(engine):
    first = seed(engine, customers=1500, seed=1, today=TODAY)
    second = seed(engine, customers=1500, seed=1, today=TODAY)
    assert first["Customer_Info"] == second["Customer_Info"] == 1500
    with engine.connect() as conn:
        _check_customers(conn, 3000)
        _check_children(conn)
        ids = _df(conn, select(ci.Customer_ID).order_by(ci.Customer_ID))["Customer_ID"]
        assert ids.tolist() == list(range(1, 3001))
        total = _counts(conn)
    # Inserts without explicit ids continue after the seeded ones (PostgreSQL sequences reset).
    with engine.begin() as conn:
        new_id = conn.execute(
            insert(customer_info).values(
                Customer_Name="Asha Verma",
                Email="asha.verma@example.com",
                Date_of_Birth=dt.date(1990, 5, 17),
                City="Pune",
                State="Maharashtra",
            )
        ).inserted_primary_key[0]
        assert new_id == 3001
        pref_id = conn.execute(
            insert(customer_preferences).values(Customer_ID=new_id, Communication_Channel="Email")
        ).inserted_primary_key[0]
        seg_id = conn.execute(
            insert(customer_segments).values(
                Customer_ID=new_id, Segment_Name="Gold Members", Segment_Category="Premium"
            )
        ).inserted_primary_key[0]
        assert pref_id == total[1] + 1 and seg_id == total[2] + 1


def test_seed_reset_empties_first(engine):
    seed(engine, customers=800, seed=5, today=TODAY)
    counts = seed(engine, customers=300, seed=6, reset=True, today=TODAY)
    with engine.connect() as conn:
        assert _counts(conn) == (300, counts["Customer_Preferences"], counts["Customer_Segments"])
        assert conn.execute(select(func.min(ci.Customer_ID))).scalar_one() == 1
        _check_customers(conn, 300)


def test_seed_zero_customers(engine):
    assert seed(engine, customers=0, today=TODAY) == {
        "Customer_Info": 0,
        "Customer_Preferences": 0,
        "Customer_Segments": 0,
    }


def test_seed_writes_only_the_three_tables(engine):
    from sqlalchemy import inspect

    from db.current_segment import current_segment

    seed(engine, customers=400, seed=5, today=TODAY)
    with engine.connect() as conn:
        others = set(inspect(conn).get_table_names()) - {t.name for t in (customer_info, customer_segments)}
        others -= {customer_preferences.name, "alembic_version"}
        for name in others:
            quoted = conn.dialect.identifier_preparer.quote(name)
            assert conn.exec_driver_sql(f"SELECT COUNT(*) FROM {quoted}").scalar_one() == 0, name  # noqa: S608
        # every seeded customer has segments, so each has a current one, read from the source
        assert conn.execute(select(func.count()).select_from(current_segment())).scalar_one() == 400
