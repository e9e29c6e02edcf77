"""Cached dashboard reads are keyed by the analytics copy's version: an app write applied to the
copy shows at the next read, in the same process, without a full load."""

from __future__ import annotations

import pytest
import streamlit as st
from sqlalchemy import update

from dashboard import data
from db.demo import seed
from db.engine import make_engine
from db.filters import CustomerFilter
from db.migrate import upgrade
from db.models import customer_info


@pytest.fixture
def demo(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path}/demo.db"
    engine = make_engine(url)
    upgrade(engine)
    seed(engine, customers=200, seed=3)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DEMO_CUSTOMERS", "0")
    monkeypatch.setenv("ANALYTICS_DIR", str(tmp_path / "copy"))
    st.cache_data.clear()
    st.cache_resource.clear()
    yield engine
    st.cache_resource.clear()
    st.cache_data.clear()
    engine.dispose()


def test_an_applied_write_shows_at_the_next_read(demo):
    data.ready()
    before = data.kpis(CustomerFilter())
    loads = data.status().version
    with demo.begin() as conn:
        conn.execute(update(customer_info).values(Account_Status="Suspended"))
    assert data.kpis(CustomerFilter()) == before  # cached, and the copy not told yet
    data.apply_write(range(1, 201))
    after = data.kpis(CustomerFilter())
    assert after["active"] == 0 and before["active"] > 0
    assert data.status().version == loads + 1


def test_refresh_now_is_rate_limited(demo):
    data.ready()
    assert data.refresh_now()
    data.store().wait()
    assert not data.refresh_now()  # again within MANUAL_REFRESH_SECONDS


def _cached_bytes() -> int:
    """What the caches of the copy's figures hold (Streamlit's own cache statistics)."""
    from streamlit.runtime.caching.cache_data_api import _data_caches

    stats = [s for family in _data_caches.get_stats().values() for s in family]
    return sum(s.byte_length for s in stats if ".db.analytics." in s.cache_name)


def test_figures_of_an_older_copy_version_are_dropped(demo):
    """The caches hold the figures of the copy's current version only: after writes, memory does
    not fill up with figures no view asks for again."""
    data.ready()
    views = [CustomerFilter(), CustomerFilter(genders=("Female",))]
    for f in views:
        data.kpis(f)
    held = _cached_bytes()
    assert held > 0
    for customer_id in range(1, 6):  # five saves, each a new copy version
        data.apply_write([customer_id])
        for f in views:
            data.kpis(f)
    assert _cached_bytes() == held  # the same figures, once
