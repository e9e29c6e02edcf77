"""The analytics copy's freshness on every backend: another program's UPDATE, TRUNCATE and reload,
the app's own writes, a failed load, at most one load per interval, restarts and two processes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import delete, insert, select, text, update

from db.analytics import overview, source
from db.analytics.store import AnalyticsStore
from db.filters import CustomerFilter
from db.models import customer_info, customer_preferences, customer_segments
from tests.databases import fresh_database
from tests.db.analytics_reference import create_loose_tables, fill_messy, source_frames, wide

ALL = CustomerFilter()
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def source_db(backend, tmp_path):
    with fresh_database(backend, tmp_path) as engine:
        create_loose_tables(engine)
        fill_messy(engine, customers=60)
        yield engine


@pytest.fixture
def store(source_db, tmp_path):
    s = AnalyticsStore(source_db, directory=tmp_path / "copy", refresh_seconds=0.3, in_process_below=0)
    s.load()
    yield s
    s.close()


def _kpis(store):
    with store.reader() as con:
        return overview.kpis(con, f=ALL)


def _refresh_until(store, predicate, *, seconds=30):
    """Check after each interval (the app does so at page views) until predicate(kpis) holds.
    PostgreSQL flushes a server process's statistics about a second after it commits."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(store.refresh_seconds + 0.05)
        store.check()
        store.wait()
        if predicate(_kpis(store)):
            return True
    return False


def test_another_programs_update_shows_after_the_interval(store, source_db):
    before = _kpis(store)
    with source_db.begin() as conn:
        conn.execute(update(customer_segments).values(Risk_Score=99))
    assert _kpis(store)["high_risk"] == before["high_risk"]  # not before a check
    assert _refresh_until(
        store, lambda k: k["high_risk"] == k["scored"] and k["scored"] > before["high_risk"]
    )


def test_truncate_and_reload_by_another_program(store, source_db):
    with source_db.connect() as conn:
        rows = {
            t: conn.execute(select(t)).mappings().all()
            for t in (customer_info, customer_segments, customer_preferences)
        }
    with source_db.begin() as conn:
        if source_db.dialect.name == "postgresql":
            conn.execute(text('TRUNCATE "Customer_Preferences", "Customer_Segments", "Customer_Info"'))
        else:
            for t in (customer_preferences, customer_segments, customer_info):
                conn.execute(delete(t))
    assert _refresh_until(store, lambda k: k["customers"] == 0)
    keep = [r for r in rows[customer_info] if r["Customer_ID"] <= 10]
    with source_db.begin() as conn:
        conn.execute(insert(customer_info), keep)
    assert _refresh_until(store, lambda k: k["customers"] == 10)


def test_an_app_write_shows_at_once(store, source_db):
    with source_db.begin() as conn:
        conn.execute(
            update(customer_info).where(customer_info.c.Customer_ID == 1).values(Account_Status="Suspended")
        )
        conn.execute(
            update(customer_info).where(customer_info.c.Customer_ID == 2).values(Account_Status="Active")
        )
    version = store.status().version
    store.apply([1, 2])  # what the app does after its own write: no full load
    assert store.status().version == version + 1
    want = wide(source_frames(source_db))
    assert _kpis(store)["active"] == int((want["Account_Status"] == "Active").sum())


def test_a_failed_load_keeps_the_old_copy_and_says_so(store, source_db, monkeypatch):
    before = _kpis(store)

    def broken(*args, **kwargs):
        raise ConnectionError("server closed the connection")

    monkeypatch.setattr("db.analytics.store.build_with_connectorx", broken)
    monkeypatch.setattr("db.analytics.store.read_driver", broken)
    with pytest.raises(ConnectionError):
        store.load()
    status = store.status()
    assert "server closed the connection" in status.error
    assert _kpis(store) == before
    monkeypatch.undo()
    store.load()
    assert store.status().error is None


def test_at_most_one_load_per_interval(source_db, tmp_path, monkeypatch):
    store = AnalyticsStore(source_db, directory=tmp_path / "copy", refresh_seconds=60)
    store.load()
    loads = []
    real = store._build
    monkeypatch.setattr(store, "_build", lambda: loads.append(1) or real())
    store._last_check = float("-inf")  # as if the interval since the first load had passed
    with source_db.begin() as conn:
        conn.execute(update(customer_info).values(Loyalty_Points=1))
    time.sleep(1.2)
    assert store.check()
    store.wait()
    for points in (2, 3):  # another program keeps writing
        with source_db.begin() as conn:
            conn.execute(update(customer_info).values(Loyalty_Points=points))
        assert not store.check()  # within the interval after the load ended: no second load
    assert len(loads) == 1
    store.close()


def test_a_restart_adopts_the_copy_and_removes_a_half_built_one(source_db, tmp_path):
    directory = tmp_path / "copy"
    first = AnalyticsStore(source_db, directory=directory)
    first.load()
    want = _kpis(first)
    first.close()
    # what a process killed halfway through a load leaves behind (its pid is long gone)
    (directory / f"{source.source_key(source_db)}-999999-7.building").write_bytes(b"partial")
    second = AnalyticsStore(source_db, directory=directory)
    try:
        assert second.status().version == 1  # serving the adopted copy before any load
        assert _kpis(second) == want
        assert not list(directory.glob("*.building"))
    finally:
        second.close()


def test_a_write_in_another_process_reaches_this_one(source_db, tmp_path, backend):
    if backend == "sqlite" and not source_db.url.database:
        pytest.skip("needs a file")
    mine = AnalyticsStore(source_db, directory=tmp_path / "copy", refresh_seconds=0.3)
    mine.load()
    try:
        other = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
from sqlalchemy import update
from db.engine import make_engine
from db.analytics.store import AnalyticsStore
from db.models import customer_segments
engine = make_engine({source_db.url.render_as_string(hide_password=False)!r})
store = AnalyticsStore(engine, directory={str(tmp_path / "copy")!r})
store.load()
with engine.begin() as conn:
    conn.execute(update(customer_segments).values(Risk_Score=1))
store.close()
print("ok", store.status().version)
"""
        out = subprocess.run(
            [sys.executable, "-c", other], capture_output=True, text=True, timeout=120, env=os.environ
        )
        assert out.returncode == 0, out.stderr
        assert _refresh_until(mine, lambda k: k["high_risk"] == 0)
        # each process kept a copy file of its own
        assert len({p.name.split("-")[1] for p in (tmp_path / "copy").glob("*.duckdb")}) >= 1
    finally:
        mine.close()


def test_a_copy_built_by_other_code_is_not_adopted(source_db, tmp_path):
    """After a deploy that changed the copy's tables, a restart loads anew instead of serving a
    copy whose columns the new code does not find."""
    import duckdb

    directory = tmp_path / "copy"
    first = AnalyticsStore(source_db, directory=directory)
    first.load()
    path = first._path
    first.close()
    con = duckdb.connect(str(path))
    con.execute("UPDATE meta SET value = 'older' WHERE key = 'schema'")
    con.close()
    second = AnalyticsStore(source_db, directory=directory)
    try:
        assert second.status().version == 0  # nothing adopted
        assert not path.exists()  # the stale file is removed
        second.load()
        assert _kpis(second)["customers"] == 60
    finally:
        second.close()
