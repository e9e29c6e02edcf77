"""Downloads of personal data under AppTest: each writes one audit row when it is built (the click),
none when a page only shows its button; chart CSVs of counts write none; the Audit log page
filters to exports and says in words what each file held."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from dashboard import auth
from db.access import Actor
from db.audit import audit_log
from db.engine import make_engine
from tests.pages._records_fixtures import (
    PRIYA,
    ROOT,
    app,
    texts,
)

VIEWER = Actor("vera", "viewer")


def _exports(url) -> list:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(select(audit_log).where(audit_log.c.action == "export")).all()
    finally:
        engine.dispose()


def test_customer_list_export_is_audited_when_built_not_when_shown(db, downloads, monkeypatch):
    url, _ = db
    marketer = Actor("mara", "marketer")
    monkeypatch.setattr("dashboard.auth.current_actor", lambda: marketer)
    at = app("customers.py", states="Maharashtra").run()
    at.text_input(key="cl.query").set_value("Priya Sharma").run()  # a marketer may not search by email
    at.run()  # shown again
    assert not at.exception, at.exception
    assert _exports(url) == []  # showing the button wrote nothing
    [button] = [b for b in at.get("download_button") if b.label.startswith("Export")]
    assert button.label == "Export 1 rows as CSV (masked)"
    text = downloads[button.id]().decode()  # the click
    assert "p*****@gmail.com" in text and "priya.sharma@gmail.com" not in text
    [row] = _exports(url)
    assert (row.username, row.field) == ("mara", "customer_list")
    assert json.loads(row.new_value) == {
        "page": "Customer list",
        "what": "Customer list",
        "filter": {"states": "Maharashtra"},
        "search": "Priya Sharma",
        "rows": 1,
        "masked": True,
    }
    downloads[button.id]()
    assert len(_exports(url)) == 2  # each download is one row


@pytest.mark.parametrize("role", ["viewer", "editor"])
def test_customer_list_export_columns_hold_what_their_headers_say(db, downloads, monkeypatch, role):
    """The button's file for a viewer: no Date_of_Birth column (no '36 years' under a date
    header), the stored Age, email and phone masked as in the list shown above it; for an editor
    the stored values. The audit row says masked or not."""
    url, _ = db
    actor = Actor(f"{role}1", role)
    masked = role == "viewer"
    monkeypatch.setattr("dashboard.auth.current_actor", lambda: actor)
    at = app("customers.py").run()
    at.text_input(key="cl.query").set_value("Priya Sharma").run()
    assert not at.exception, at.exception
    shown = at.dataframe[0].value.iloc[0]
    [button] = [b for b in at.get("download_button") if b.label.startswith("Export")]
    assert button.label.endswith("(masked)") is masked
    header, *body = list(csv.reader(io.StringIO(downloads[button.id]().decode())))
    [row] = [dict(zip(header, cells, strict=True)) for cells in body if "Priya Sharma" in cells]
    assert ("Date_of_Birth" in header) is not masked
    assert row["Age"] == str(PRIYA["Age"])  # as stored, for every role
    if masked:
        assert (row["Email"], shown["Email"]) == ("p*****@gmail.com",) * 2
        assert row["Phone"] == "'" + shown["Phone"] == "'+91 ******3210"  # the CSV-cell rule's apostrophe
    else:
        assert (row["Email"], row["Phone"]) == (PRIYA["Email"], PRIYA["Phone"])
        assert row["Date_of_Birth"] == PRIYA["Date_of_Birth"].isoformat()
    assert all(not cell.endswith("years") for cells in body for cell in cells)
    [logged] = _exports(url)
    assert json.loads(logged.new_value)["masked"] is masked


def test_audit_log_filters_to_exports_and_says_what_each_file_held(db):
    from dashboard import records_data as rd
    from db.filters import CustomerFilter

    rd.export_csv(CustomerFilter(states=("Maharashtra",)), query="", actor=VIEWER, page="Customer list")()
    at = app("audit_log.py").run()
    assert not at.exception, at.exception
    pills = at.button_group(key="audit_actions")
    assert pills.options[:4] == ["Creations", "Changes", "Deletions", "Exports"]
    pills.set_value(["export"]).run()
    assert not at.exception, at.exception
    shown = at.dataframe[0].value
    assert list(shown["action"]) == ["Export"]
    assert list(shown["field"]) == ["Customer list"]
    described = r"\d+ rows, masked · page: Customer list · filter: State: Maharashtra"
    assert re.fullmatch(described, shown["new_value"][0])
    assert "1 entry matches" in texts(at)


def test_churn_top_table_download_is_audited_and_count_charts_are_not(app_env, downloads):
    """The top-at-risk table names customers: audited on the click. Every other CSV of the page
    holds counts and sums: none writes a row."""
    at = AppTest.from_file(str(ROOT / "pages" / "churn.py"), default_timeout=120)
    at.session_state[auth.SESSION_KEY] = auth.session_for(VIEWER)
    at.query_params["states"] = "Maharashtra"
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert _exports(app_env) == []
    buttons = {b.id: b for b in at.get("download_button")}
    top = [i for i in buttons if "csv-ch-top" in i]
    assert len(top) == 1 and len(buttons) > 1
    for element_id in buttons:
        if element_id not in top:
            downloads[element_id]()
    assert _exports(app_env) == []
    text = downloads[top[0]]().decode("utf-8-sig")
    [row] = _exports(app_env)
    logged = json.loads(row.new_value)
    assert (row.username, row.field) == ("vera", "table:top_high_risk_customers")
    assert logged == {
        "page": "Churn risk",
        "what": "Top high-risk customers",
        "filter": {"states": "Maharashtra"},
        "search": "",
        "rows": text.count("\n") - 1,
        "masked": False,
    }
    assert logged["rows"] > 0


def test_a_table_csv_with_a_contact_column_is_refused_not_written_unmasked():
    """Table and chart CSVs are recorded as not masked because none carries an email, phone or
    date of birth: a frame that did is refused before any button or audit row exists."""
    import pandas as pd

    from dashboard import export

    frame = pd.DataFrame({"Customer_ID": [1], "Email": ["asha@example.com"]})
    with pytest.raises(ValueError, match="'Top' holds Email"):
        export.audited(frame, what="Top", page="Churn risk", f=None)
