"""`python -m db report`: the KPI tiles of a filter, as a table or JSON, from the metric module."""

from __future__ import annotations

import json

from db.__main__ import main
from db.demo import seed
from db.migrate import upgrade


def test_report_prints_the_kpis_of_a_filter(fresh_engine, tmp_path, capsys, monkeypatch):
    upgrade(fresh_engine)
    seed(fresh_engine, customers=300, seed=5)
    monkeypatch.setenv("ANALYTICS_DIR", str(tmp_path / "copy"))
    url = fresh_engine.url.render_as_string(hide_password=False)
    assert main(["report", "--url", url, "--filter", "categories=VIP,Premium", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["filter"] == {"categories": "Premium,VIP"}
    assert 0 < out["kpis"]["customers"] < 300
    assert main(["report", "--url", url]) == 0
    text = capsys.readouterr().out
    assert "Filter: all customers" in text and "Total lifetime value" in text and "300" in text


def test_an_unknown_filter_field_is_one_line(fresh_engine, capsys):
    url = fresh_engine.url.render_as_string(hide_password=False)
    assert main(["report", "--url", url, "--filter", "statez=Kerala"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: --filter: unknown field(s) statez") and "\n" not in err
