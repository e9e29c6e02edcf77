"""Audiences on every backend: exclusive and exhaustive suppression reasons, channel assignment by
priority and consent, exports (exact customers, allowed columns, formula-safe, sorted by zone),
viewers refused, saved definitions round-trip; and the SQL checked against plain Python on the
seeded demo data."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import defaultdict

import pytest
from sqlalchemy import insert, select

from db import audiences as A
from db.access import Actor, PermissionDenied
from db.analytics import audience as AA
from db.analytics.run import compiled as AA_sql
from db.analytics.store import AnalyticsStore
from db.audiences import AudienceDefinition, AudienceError
from db.filters import CustomerFilter
from db.models import AuditLog, customer_info, customer_preferences, customer_segments
from tests.db.factories import insert_customer, insert_segment

EDITOR = Actor("eddie", "editor")
VIEWER = Actor("vera", "viewer")
CITY = "Audiencepur"
ONLY = CustomerFilter(cities=(CITY,))


def _pref(conn, cid, channel, notif=True, consent=True, tz="IST", lang="English"):
    conn.execute(
        insert(customer_preferences).values(
            Customer_ID=cid,
            Communication_Channel=channel,
            Notification_Enabled=notif,
            Marketing_Consent=consent,
            Preferred_Language=lang,
            Time_Zone=tz,
        )
    )


@pytest.fixture
def conn(fresh_engine):
    """A connection on a new database; tests commit what the copy must read."""
    with fresh_engine.connect() as connection:
        from db.migrate import upgrade

        upgrade(fresh_engine)
        yield connection


@pytest.fixture
def store(fresh_engine, tmp_path):
    s = AnalyticsStore(fresh_engine, directory=tmp_path / "copy")
    yield s
    s.close()


@pytest.fixture
def copy(conn, people, store):
    """A reader of the analytics copy, loaded after `people` were written."""
    conn.commit()
    store.load()
    with store.reader() as con:
        yield con


def _list(copy, conn, d, channel) -> list[int]:
    """The channel's exported customers: picked on the copy, re-checked on the source."""
    picked = AA.assigned_ids(copy, d, channel)
    return AA.recheck(conn.engine, picked, channel)["Customer_ID"].tolist()


@pytest.fixture
def people(conn):
    """Customers covering every reason and assignment case; name -> Customer_ID."""
    ids = {}

    def person(key, status="Active", phone="default", **kw):
        over = {"City": CITY, "Account_Status": status, "Customer_Name": kw.pop("name", key.title())}
        if phone != "default":
            over["Phone"] = phone
        ids[key] = insert_customer(conn, **over)
        insert_segment(conn, ids[key], **kw)
        return ids[key]

    _pref(conn, person("inactive", status="Inactive"), "Email")
    person("suspended_no_rows", status="Suspended")
    _pref(conn, person("null_status", status=None), "Email")
    person("no_rows")
    c = person("notif_off")
    _pref(conn, c, "Email", notif=False)
    _pref(conn, c, "SMS", notif=False)
    _pref(conn, person("notif_null"), "Email", notif=None)
    c = person("no_consent")
    _pref(conn, c, "Email", consent=False)
    _pref(conn, c, "Push", notif=False, consent=True)
    _pref(conn, person("no_phone_sms", phone=None), "SMS")
    c = person("email_push", Risk_Score=80, Lifetime_Value=100000)
    _pref(conn, c, "Email", lang="Marathi", tz="IST")
    _pref(conn, c, "Push")
    c = person("sms", Risk_Score=75)
    _pref(conn, c, "SMS", tz="GST")
    _pref(conn, c, "Email", consent=False)
    c = person("phone_dup")
    _pref(conn, c, "Phone", consent=False, tz="IST")
    _pref(conn, c, "Phone", tz="GMT")
    c = person("push_only", phone=None)
    _pref(conn, c, "Push", tz="SGT")
    _pref(conn, c, "Email", notif=False)
    _pref(conn, c, "SMS")  # consented, but no phone: Push it is
    c = person("formula", name='=HYPERLINK("http://x")')
    _pref(conn, c, "Email", tz="GMT", lang="-Hindi")
    return ids


EXPECTED_REASONS = {
    "not_active": {"inactive", "suspended_no_rows", "null_status"},
    "no_preference": {"no_rows"},
    "notifications_off": {"notif_off", "notif_null"},
    "no_consent": {"no_consent"},
    "no_contact": {"no_phone_sms"},
}
DEFAULT_ASSIGNED = {
    "Email": {"email_push", "formula"},
    "Push": {"push_only"},
    "SMS": {"sms"},
    "Phone": {"phone_dup"},
}


def test_suppression_reasons_are_exclusive_and_exhaustive(conn, people, copy):
    counts = AA.funnel(copy, AudienceDefinition(filter=ONLY))
    assert counts["audience"] == len(people)
    assert counts["suppressed"] == {k: len(v) for k, v in EXPECTED_REASONS.items()}
    assert list(counts["suppressed"]) == [k for k, _ in A.SUPPRESSION_REASONS]
    assert counts["reachable"] + sum(counts["suppressed"].values()) == counts["audience"]
    assert sum(counts["assigned"].values()) == counts["reachable"] == 5
    assert counts["reachable_on"] == {"Email": 2, "SMS": 1, "Phone": 1, "Push": 2}


def test_channel_assignment_follows_priority(conn, people, copy):
    d = AudienceDefinition(filter=ONLY)
    assert AA.funnel(copy, d)["assigned"] == {ch: len(v) for ch, v in DEFAULT_ASSIGNED.items()}
    for ch, names in DEFAULT_ASSIGNED.items():
        assert sorted(_list(copy, conn, d, ch)) == sorted(people[n] for n in names)
    push_first = AudienceDefinition(filter=ONLY, priority=("Push", "Phone", "SMS", "Email"))
    counts = AA.funnel(copy, push_first)
    assert list(counts["assigned"]) == ["Push", "Phone", "SMS", "Email"]
    assert counts["assigned"] == {"Push": 2, "Phone": 1, "SMS": 1, "Email": 1}
    assert sorted(_list(copy, conn, push_first, "Push")) == sorted(
        [people["email_push"], people["push_only"]]
    )
    assert _list(copy, conn, push_first, "Email") == [people["formula"]]


def test_no_customer_in_two_lists_and_never_without_consent(conn, people, copy):
    d = AudienceDefinition(filter=ONLY, priority=("SMS", "Phone", "Push", "Email"))
    seen = {}
    for ch in d.priority:
        for cid in _list(copy, conn, d, ch):
            assert cid not in seen, f"{cid} on {seen.get(cid)} and {ch}"
            seen[cid] = ch
            status = conn.execute(
                select(customer_info.c.Account_Status).where(customer_info.c.Customer_ID == cid)
            ).scalar()
            assert status == "Active"
            ok = conn.execute(
                select(customer_preferences.c.Preference_ID).where(
                    customer_preferences.c.Customer_ID == cid,
                    customer_preferences.c.Communication_Channel == ch,
                    customer_preferences.c.Notification_Enabled.is_(True),
                    customer_preferences.c.Marketing_Consent.is_(True),
                )
            ).first()
            assert ok is not None, f"{cid} assigned to {ch} without consent"
    assert len(seen) == AA.funnel(copy, d)["reachable"]


def _read(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_exports_have_only_the_channel_columns_sorted_by_zone(conn, people, copy):
    d = AudienceDefinition(filter=ONLY)
    text, record = A.export_csv(conn.engine, copy, d, "Email", actor=EDITOR)
    rows = _read(text)
    assert rows[0] == ["Customer_Name", "Email", "Preferred_Language"]
    assert len(rows) - 1 == record["rows"] == 2
    # GMT (formula) before IST (email_push); formula cells neutralised.
    assert rows[1][0] == '\'=HYPERLINK("http://x")' and rows[1][2] == "'-Hindi"
    assert rows[2][0] == "Email_Push" and rows[2][2] == "Marathi"
    text, _ = A.export_csv(conn.engine, copy, d, "Phone", actor=EDITOR)
    rows = _read(text)
    assert rows[0] == ["Customer_Name", "Phone", "Time_Zone"]
    # The consented row of the two Phone rows gives the zone.
    assert rows[1][1].startswith("+91") and rows[1][2] == "GMT"
    text, _ = A.export_csv(conn.engine, copy, d, "Push", actor=EDITOR)
    assert _read(text) == [["Customer_ID"], [str(people["push_only"])]]
    text, _ = A.export_csv(conn.engine, copy, d, "SMS", actor=EDITOR)
    assert _read(text)[0] == ["Customer_Name", "Phone", "Time_Zone"]


def test_lists_are_sorted_by_zone_then_id(conn, people, copy):
    d = AudienceDefinition(filter=ONLY, priority=("Push", "Email", "SMS", "Phone"))
    rows = AA.recheck(conn.engine, AA.assigned_ids(copy, d, "Push"), "Push")
    assert sorted(rows["Customer_ID"]) == sorted([people["email_push"], people["push_only"]])
    zones = rows["Time_Zone"].fillna("").tolist()
    assert zones == sorted(zones)


def test_an_export_leaves_out_who_withdrew_consent_since_the_load(conn, people, copy):
    """The copy still says reachable; the source, read again at export time, does not."""
    d = AudienceDefinition(filter=ONLY)
    conn.execute(
        customer_preferences.update()
        .where(customer_preferences.c.Customer_ID == people["formula"])
        .values(Marketing_Consent=False)
    )
    conn.execute(
        customer_info.update()
        .where(customer_info.c.Customer_ID == people["email_push"])
        .values(Account_Status="Suspended")
    )
    conn.commit()
    assert AA.funnel(copy, d)["assigned"]["Email"] == 2  # the copy has not been refreshed
    text, record = A.export_csv(conn.engine, copy, d, "Email", actor=EDITOR)
    assert _read(text) == [["Customer_Name", "Email", "Preferred_Language"]]
    assert record["rows"] == 0 and record["withdrawn"] == 2


def test_viewer_cannot_export_or_save(conn, people, copy):
    d = AudienceDefinition(filter=ONLY)
    with pytest.raises(PermissionDenied):
        A.export_csv(conn.engine, copy, d, "Email", actor=VIEWER)
    with pytest.raises(PermissionDenied):
        A.save(conn, d, name="Nope", actor=VIEWER)
    with pytest.raises(PermissionDenied):
        A.export_csv(conn.engine, copy, d, "Email", actor=None)


def test_saved_definition_round_trips_and_records_exports(conn, people, copy):
    d = AudienceDefinition(
        filter=ONLY.narrow(risk_bands=("High",), categories=("Premium",)),
        risk_min=70.0,
        ltv_min=1000.0,
        ltv_max=5_000_000.0,
        var_min=10.0,
        segment_names=("Loyal",),
        login_days_min=0,
        points_min=0,
        priority=("SMS", "Email", "Push", "Phone"),
        source="Churn risk",
    )
    assert AudienceDefinition.from_json(d.to_json()) == d
    audience_id = A.save(conn, d, name="  VIP   churners ", actor=EDITOR)
    with pytest.raises(AudienceError):
        A.save(conn, d, name="VIP churners", actor=EDITOR)
    loaded = A.load(conn, audience_id)
    assert loaded["name"] == "VIP churners" and loaded["saved_by"] == "eddie"
    assert loaded["definition"] == d and loaded["exports"] == []
    assert [a["name"] for a in A.list_saved(conn)].count("VIP churners") == 1
    conn.commit()  # the export records on a connection of its own

    counts = AA.funnel(copy, d)
    assert counts["audience"] == 2 and counts["assigned"]["SMS"] == 1 and counts["assigned"]["Email"] == 1
    _, record = A.export_csv(conn.engine, copy, d, "SMS", actor=EDITOR, audience_id=audience_id)
    assert record["rows"] == 1 and record["counts"] == counts
    history = A.load(conn, audience_id)["exports"]
    assert [(e["channel"], e["rows"], e["by"]) for e in history] == [("SMS", 1, "eddie")]
    audit = AuditLog.__table__
    row = conn.execute(
        select(audit).where(audit.c.action == "export", audit.c.record_id == audience_id)
    ).one()
    assert row.username == "eddie" and row.field == "audience:SMS"
    logged = json.loads(row.new_value)
    assert logged["rows"] == 1 and logged["counts"]["audience"] == 2 and logged["audience"] == "VIP churners"

    replaced = A.save(conn, d.with_filter(ONLY), name="VIP churners", actor=EDITOR, replace_existing=True)
    assert replaced == audience_id
    again = A.load(conn, audience_id)
    assert again["definition"].filter == ONLY and len(again["exports"]) == 1


def test_unsaved_export_is_audited_too(conn, people, copy):
    A.export_csv(conn.engine, copy, AudienceDefinition(filter=ONLY), "Push", actor=EDITOR)
    conn.commit()
    audit = AuditLog.__table__
    rows = conn.execute(
        select(audit).where(audit.c.action == "export", audit.c.field == "audience:Push")
    ).all()
    assert rows and json.loads(rows[-1].new_value)["rows"] == 1


def test_definition_rejects_bad_priority_and_ranges():
    with pytest.raises(AudienceError):
        AudienceDefinition(priority=("Email", "Email", "SMS", "Phone"))
    with pytest.raises(AudienceError):
        AudienceDefinition(risk_min=80, risk_max=20)


def test_login_days_and_never_logged_in(conn, people, store):
    today = dt.date(2025, 6, 30)
    ci = customer_info.c
    conn.execute(
        customer_info.update()
        .where(ci.Customer_ID == people["sms"])
        .values(Last_Login=dt.datetime(2025, 6, 1, 23, 0))
    )
    conn.execute(
        customer_info.update()
        .where(ci.Customer_ID == people["email_push"])
        .values(Last_Login=dt.datetime(2025, 6, 29, 1, 0))
    )
    conn.execute(
        customer_info.update()
        .where(ci.City == CITY, ci.Customer_ID.not_in([people["sms"], people["email_push"]]))
        .values(Last_Login=None)
    )
    conn.commit()
    store.load()
    with store.reader() as copy:
        at_least_29 = AudienceDefinition(filter=ONLY, login_days_min=29)  # sms (29 days) + never logged in
        assert AA.count(copy, at_least_29, today=today) == len(people) - 1
        between = AudienceDefinition(filter=ONLY, login_days_min=1, login_days_max=29)
        assert AA.count(copy, between, today=today) == 2
        assert AA.count(copy, AudienceDefinition(filter=ONLY, login_days_max=1), today=today) == 1


# --- against plain Python on the seeded demo data ------------------------------------------------


@pytest.fixture(scope="module")
def demo(seeded_engine, tmp_path_factory):
    """The seeded demo database and a reader of its analytics copy."""
    store = AnalyticsStore(seeded_engine, directory=tmp_path_factory.mktemp("demo-copy"))
    store.load()
    with store.reader() as con:
        yield seeded_engine, con
    store.close()


def _python_current_segments(conn) -> dict[int, object]:
    """Customer_ID -> their current segment row, chosen in Python: the latest Last_Updated (NULL
    the oldest), then the highest Segment_ID."""
    s = customer_segments.c

    def rank(r):
        return (r.Last_Updated is not None, r.Last_Updated or dt.datetime.min, r.Segment_ID)

    best: dict[int, object] = {}
    rows = select(s.Customer_ID, s.Segment_ID, s.Last_Updated, s.Risk_Score, s.Lifetime_Value)
    for r in conn.execute(rows):
        if r.Customer_ID not in best or rank(r) > rank(best[r.Customer_ID]):
            best[r.Customer_ID] = r
    return best


def _python_funnel(engine, copy, d: AudienceDefinition):
    """Reasons and assignment computed row by row in Python, over the selected audience, on each
    customer's latest preference row per channel (the reachable rule of docs/metrics.md)."""
    members = {int(r[0]) for r in copy.execute(*AA_sql(AA.audience_select(d))).fetchall()}
    with engine.connect() as conn:
        people = {
            r.Customer_ID: r
            for r in conn.execute(
                select(
                    customer_info.c.Customer_ID,
                    customer_info.c.Account_Status,
                    customer_info.c.Phone,
                    customer_info.c.Email,
                )
            )
            if r.Customer_ID in members
        }
        latest = {}
        for p in conn.execute(select(customer_preferences).order_by(customer_preferences.c.Preference_ID)):
            if p.Customer_ID in members:
                latest[(p.Customer_ID, p.Communication_Channel)] = p
        prefs = defaultdict(list)
        for (cid, _), p in latest.items():
            prefs[cid].append(p)
    reasons, assigned = defaultdict(set), defaultdict(set)
    for cid, c in people.items():
        rows = prefs[cid]
        ok = [p for p in rows if p.Notification_Enabled and p.Marketing_Consent]
        reach = {
            p.Communication_Channel
            for p in ok
            if p.Communication_Channel == "Push"
            or (p.Communication_Channel == "Email" and c.Email)
            or (p.Communication_Channel in ("SMS", "Phone") and c.Phone)
        }
        if c.Account_Status != "Active":
            reasons["not_active"].add(cid)
        elif not rows:
            reasons["no_preference"].add(cid)
        elif not any(p.Notification_Enabled for p in rows):
            reasons["notifications_off"].add(cid)
        elif not ok:
            reasons["no_consent"].add(cid)
        elif not reach:
            reasons["no_contact"].add(cid)
        else:
            assigned[next(ch for ch in d.priority if ch in reach)].add(cid)
    return members, reasons, assigned


@pytest.mark.parametrize(
    "d",
    [
        AudienceDefinition(),
        AudienceDefinition(
            filter=CustomerFilter(categories=("VIP", "Premium"), risk_bands=("High", "Medium")),
            priority=("Phone", "SMS", "Push", "Email"),
        ),
        AudienceDefinition(ltv_min=20000, var_min=5000, points_max=5000, risk_max=90),
    ],
    ids=["everyone", "vip-premium-risky", "ranges"],
)
def test_sql_matches_python_on_demo_data(demo, d):
    engine, copy = demo
    members, reasons, assigned = _python_funnel(engine, copy, d)
    counts = AA.funnel(copy, d)
    assert counts["audience"] == len(members) > 0
    assert counts["suppressed"] == {k: len(reasons[k]) for k, _ in A.SUPPRESSION_REASONS}
    assert counts["assigned"] == {ch: len(assigned[ch]) for ch in d.priority}
    for ch in d.priority:
        exported = AA.recheck(engine, AA.assigned_ids(copy, d, ch), ch)["Customer_ID"].tolist()
        assert len(exported) == len(set(exported))
        assert set(exported) == assigned[ch]


def test_ranges_match_python_on_demo_data(demo):
    engine, copy = demo
    d = AudienceDefinition(
        risk_min=40, risk_max=80, ltv_min=10000, ltv_max=200000, var_max=50000, points_min=100
    )
    got = {int(r[0]) for r in copy.execute(*AA_sql(AA.audience_select(d))).fetchall()}
    with engine.connect() as conn:
        points = dict(conn.execute(select(customer_info.c.Customer_ID, customer_info.c.Loyalty_Points)).all())
        expected = {
            cid
            for cid, r in _python_current_segments(conn).items()
            if r.Risk_Score is not None
            and r.Lifetime_Value is not None
            and 40 <= float(r.Risk_Score) <= 80
            and 10000 <= float(r.Lifetime_Value) <= 200000
            and float(r.Lifetime_Value) * float(r.Risk_Score) / 100 <= 50000
            and points[cid] is not None
            and points[cid] >= 100
        }
    assert got == expected and got
