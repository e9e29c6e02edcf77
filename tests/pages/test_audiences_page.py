"""The audience builder under AppTest: live counts equal db.audiences, viewers see counts only,
priority changes the assignment, save and re-open a definition."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import auth
from dashboard.audience_ui import ARROW, OPEN_KEY, K
from db import audiences
from db.access import Actor
from db.analytics import audience as on_copy
from db.audiences import AudienceDefinition
from db.filters import CustomerFilter
from tests.pages.test_dashboards import copy_of

ROOT = Path(__file__).resolve().parents[2]
PAGE = str(ROOT / "pages" / "audiences.py")
EDITOR = Actor("eddie", "editor")
VIEWER = Actor("vera", "viewer")
MARKETER = Actor("mara", "marketer")


def run(actor: Actor | None, **params) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    if actor is not None:
        at.session_state[auth.SESSION_KEY] = auth.session_for(actor)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def metrics(at: AppTest) -> dict[str, int]:
    return {m.label: int(m.value.replace(",", "")) for m in at.metric}


TABLE_COLUMN = {"aud-channels": "Channel", "aud-reasons": "Reason", "aud-history": "When"}


def frame(at: AppTest, name: str):
    """The table of the page whose first column is that of `name`."""
    for df in at.dataframe:
        if df.value.columns[0] == TABLE_COLUMN[name]:
            return df.value
    raise AssertionError(f"no table {name}")


def test_editor_sees_live_counts_and_one_export_per_channel(app_env, demo_engine):
    at = run(EDITOR, risk_bands="High", states="Maharashtra,Karnataka")
    d = AudienceDefinition(filter=CustomerFilter(risk_bands=("High",), states=("Karnataka", "Maharashtra")))
    with copy_of(demo_engine) as copy:
        expected = on_copy.funnel(copy, d)
    m = metrics(at)
    assert m["Customers in the audience"] == expected["audience"] > 0
    assert m["Reachable"] == expected["reachable"]
    assert m["Suppressed"] == expected["audience"] - expected["reachable"]
    channels = frame(at, "aud-channels")
    assert list(channels["Channel"]) == list(d.priority)
    assert list(channels["Assigned to it"]) == [expected["assigned"][ch] for ch in d.priority]
    reasons = frame(at, "aud-reasons")
    assert int(reasons["Customers"].sum()) == expected["audience"] - expected["reachable"]
    labels = [b.proto.label for b in at.get("download_button")]
    assert [lbl.split(" ")[0] for lbl in labels] == list(d.priority)
    assert at.get("form")  # save form


def test_viewer_sees_counts_only(app_env):
    at = run(VIEWER)
    assert metrics(at)["Customers in the audience"] > 0
    assert not at.get("download_button")
    assert not at.get("form")
    assert any("Viewers see the counts only" in i.value for i in at.info)


def test_marketer_may_export_and_save(app_env):
    at = run(MARKETER)
    labels = [b.proto.label for b in at.get("download_button")]
    assert [lbl.split(" ")[0] for lbl in labels] == list(AudienceDefinition().priority)
    assert at.get("form")
    assert not any("Viewers see the counts only" in i.value for i in at.info)


def test_signed_out_shows_nothing(app_env):
    at = run(None)
    assert not at.title and not at.metric


def test_priority_changes_the_assignment(app_env, demo_engine):
    at = run(EDITOR)
    order = ("SMS", "Phone", "Push", "Email")
    at.selectbox(key=K["priority"]).set_value(ARROW.join(order)).run()
    assert not at.exception
    with copy_of(demo_engine) as copy:
        expected = on_copy.funnel(copy, AudienceDefinition(priority=order))
    channels = frame(at, "aud-channels")
    assert list(channels["Channel"]) == list(order)
    assert list(channels["Assigned to it"]) == [expected["assigned"][ch] for ch in order]


def test_ranges_narrow_the_audience(app_env, demo_engine):
    at = run(EDITOR, categories="VIP")
    at.number_input(key=K["ltv_min"]).set_value(50000.0)
    at.slider(key=K["risk"]).set_value((40.0, 100.0)).run()
    d = AudienceDefinition(filter=CustomerFilter(categories=("VIP",)), ltv_min=50000.0, risk_min=40.0)
    with copy_of(demo_engine) as copy:
        expected = on_copy.funnel(copy, d)
    assert metrics(at)["Customers in the audience"] == expected["audience"]


@pytest.mark.parametrize("name", ["Maharashtra churners"])
def test_save_and_reopen(app_env, demo_engine, name):
    at = run(EDITOR, states="Maharashtra", risk_bands="High")
    at.selectbox(key=K["priority"]).set_value(ARROW.join(("Push", "Email", "SMS", "Phone"))).run()
    at.text_input[0].set_value(name)
    submit = next(b for b in at.button if b.proto.label == "Save audience")
    submit.click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert any(name in s.value for s in at.success)
    with demo_engine.connect() as conn:
        saved = [a for a in audiences.list_saved(conn) if a["name"] == name]
        assert len(saved) == 1
        record = audiences.load(conn, saved[0]["id"])
    assert record["definition"].priority == ("Push", "Email", "SMS", "Phone")
    assert record["definition"].filter == CustomerFilter(states=("Maharashtra",), risk_bands=("High",))

    # A new session opens it from the list: the filter and the priority come back.
    at = run(EDITOR)
    at.selectbox(key="aud_pick").set_value(saved[0]["id"])
    next(b for b in at.button if b.proto.label == "Open audience").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.session_state[OPEN_KEY] == saved[0]["id"]
    assert at.query_params["states"] == ["Maharashtra"] or at.query_params["states"] == "Maharashtra"
    assert at.selectbox(key=K["priority"]).value == ARROW.join(("Push", "Email", "SMS", "Phone"))
    with copy_of(demo_engine) as copy:
        expected = on_copy.funnel(copy, record["definition"])
    assert metrics(at)["Customers in the audience"] == expected["audience"]
    history = frame(at, "aud-history")
    assert list(history["When"]) == ["now"]
