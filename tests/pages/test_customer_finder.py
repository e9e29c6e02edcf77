"""Customer 360 without an id offers a search box that links to the customers it finds."""

from __future__ import annotations

from tests.pages._records_fixtures import app


def _links(at) -> str:
    return " ".join(str(m.value) for m in at.markdown) + " ".join(
        str(getattr(p, "proto", "")) for p in at.get("page_link")
    )


def test_the_360_without_an_id_finds_and_links_customers(db):
    url, ids = db
    at = app("customer.py").run()
    assert not at.exception, at.exception
    assert "?id=" not in " ".join(str(i.value) for i in at.info)  # no address-bar hint any more
    at.text_input(key="c360.find").set_value("Priya Sharma").run()
    assert not at.exception, at.exception
    assert f"customer?id={ids['priya']}" in _links(at) or str(ids["priya"]) in _links(at)


def test_the_finder_says_when_nothing_matches(db):
    at = app("customer.py").run()
    at.text_input(key="c360.find").set_value("Zzzyx Nobody").run()
    assert [i.value for i in at.info] == ["No customer matches that."]
