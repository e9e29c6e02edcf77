"""Writers saving at the same moment, each applying its write to the analytics copy, leave the
copy equal to a fresh full load: different customers, and different segment rows of one
customer, on every backend."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from db import writes
from db.access import Actor
from db.analytics.store import AnalyticsStore
from db.migrate import upgrade
from db.models import customer_segments
from tests.db.factories import insert_customer, insert_segment

EDITOR = Actor("eddie", "editor")
WRITERS = 6


def _snapshot(store) -> list[tuple]:
    with store.reader() as con:
        return con.execute('SELECT * FROM customers ORDER BY "Customer_ID"').fetchall()


@pytest.fixture
def setup(fresh_engine, tmp_path):
    upgrade(fresh_engine)
    with fresh_engine.begin() as conn:
        ids = [insert_customer(conn) for _ in range(WRITERS)]
        segs = {cid: insert_segment(conn, cid, Risk_Score=10) for cid in ids}
        # one customer with several segment rows, each saved by another writer
        shared = ids[0]
        rows = [insert_segment(conn, shared, Risk_Score=20 + i) for i in range(WRITERS)]
    store = AnalyticsStore(fresh_engine, directory=tmp_path / "copy")
    store.load()
    yield fresh_engine, store, segs, rows
    store.close()


def _save_all(engine, store, segment_ids: list[int], values: list[float]) -> list[str]:
    barrier = threading.Barrier(len(segment_ids))
    outcomes: list[str] = []

    def save(segment_id: int, risk: float) -> None:
        with engine.connect() as conn:
            original = dict(
                conn.execute(select(customer_segments).where(customer_segments.c.Segment_ID == segment_id))
                .mappings()
                .one()
            )
            conn.rollback()
            barrier.wait()
            try:
                result = writes.update_segment(
                    conn, actor=EDITOR, segment_id=segment_id, original=original, changes={"Risk_Score": risk}
                )
                conn.commit()
            except (writes.WriteFailed, writes.Conflict) as error:
                outcomes.append(f"failed: {error}")
                return
        store.apply(result.customer_ids)
        outcomes.append("ok")

    threads = [threading.Thread(target=save, args=a) for a in zip(segment_ids, values, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return outcomes


def _fresh(engine, tmp_path):
    other = AnalyticsStore(engine, directory=tmp_path / "fresh")
    other.load()
    try:
        return _snapshot(other)
    finally:
        other.close()


def test_different_customers_at_once(setup, tmp_path):
    engine, store, segs, _ = setup
    outcomes = _save_all(engine, store, list(segs.values()), [90.0 + i for i in range(WRITERS)])
    assert outcomes.count("ok") >= 1
    assert _snapshot(store) == _fresh(engine, tmp_path)


def test_segment_rows_of_one_customer_at_once(setup, tmp_path):
    engine, store, _, rows = setup
    outcomes = _save_all(engine, store, rows, [50.0 + i for i in range(WRITERS)])
    assert outcomes.count("ok") >= 1
    assert _snapshot(store) == _fresh(engine, tmp_path)
