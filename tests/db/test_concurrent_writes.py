"""Saves at the same moment (threads released by a barrier), on every backend: saves of different
records all succeed, one after the other where the database must serialise them; saves of the same
record from the same loaded values give exactly one success and a Conflict for every other."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from sqlalchemy import select

from db import writes
from db.access import Actor
from db.engine import begin_write
from db.migrate import upgrade
from db.models import customer_info, customer_segments
from tests.db.factories import insert_customer, insert_segment

EDITOR = Actor("eddie", "editor")
SAVERS = 16


@pytest.fixture
def engine(fresh_engine):
    upgrade(fresh_engine)
    return fresh_engine


def _row(conn, table, record_id: int) -> dict:
    pk = next(iter(table.primary_key.columns))
    return dict(conn.execute(select(table).where(pk == record_id)).mappings().one())


def _at_once(engine, saves: list[Callable]) -> list[str]:
    """Run each save(conn) in its own thread and connection, all released at the same moment."""
    barrier = threading.Barrier(len(saves))
    outcomes: list[str] = []

    def run(save: Callable) -> None:
        barrier.wait()
        with engine.connect() as conn:
            try:
                save(conn)
                conn.commit()
                outcomes.append("ok")
            except writes.Conflict:
                outcomes.append("conflict")
            except Exception as error:  # noqa: BLE001 - every other outcome is a failure to report
                outcomes.append(f"{type(error).__name__}: {error}")

    threads = [threading.Thread(target=run, args=(s,)) for s in saves]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return outcomes


def _segment_save(segment_id: int, original: dict, risk: float) -> Callable:
    return lambda conn: writes.update_segment(
        conn, actor=EDITOR, segment_id=segment_id, original=original, changes={"Risk_Score": risk}
    )


def _customer_save(customer_id: int, original: dict, state: str) -> Callable:
    return lambda conn: writes.update_customer(
        conn, actor=EDITOR, customer_id=customer_id, original=original, changes={"State": state}
    )


def test_segments_of_different_customers_all_save(engine):
    with engine.begin() as conn:
        ids = [insert_segment(conn, insert_customer(conn), Risk_Score=10) for _ in range(SAVERS)]
        originals = {i: _row(conn, customer_segments, i) for i in ids}
    outcomes = _at_once(engine, [_segment_save(i, originals[i], 60.0 + n) for n, i in enumerate(ids)])
    assert outcomes == ["ok"] * SAVERS
    with engine.connect() as conn:
        assert [float(_row(conn, customer_segments, i)["Risk_Score"]) for i in ids] == [
            60.0 + n for n in range(SAVERS)
        ]


def test_customers_all_save(engine):
    with engine.begin() as conn:
        ids = [insert_customer(conn, State="Kerala") for _ in range(SAVERS)]
        originals = {i: _row(conn, customer_info, i) for i in ids}
    outcomes = _at_once(engine, [_customer_save(i, originals[i], "Goa") for i in ids])
    assert outcomes == ["ok"] * SAVERS
    with engine.connect() as conn:
        assert {_row(conn, customer_info, i)["State"] for i in ids} == {"Goa"}


def test_different_segments_of_one_customer_all_save(engine):
    with engine.begin() as conn:
        customer = insert_customer(conn)
        ids = [insert_segment(conn, customer, Risk_Score=10) for _ in range(SAVERS)]
        originals = {i: _row(conn, customer_segments, i) for i in ids}
    outcomes = _at_once(engine, [_segment_save(i, originals[i], 70.0) for i in ids])
    assert outcomes == ["ok"] * SAVERS


@pytest.mark.parametrize("kind", ["segment", "customer"])
def test_same_record_one_save_wins(engine, kind):
    with engine.begin() as conn:
        customer = insert_customer(conn, State="Kerala")
        segment = insert_segment(conn, customer, Risk_Score=10)
        table, record = (customer_segments, segment) if kind == "segment" else (customer_info, customer)
        original = _row(conn, table, record)
    if kind == "segment":
        saves = [_segment_save(segment, original, 20.0 + n) for n in range(SAVERS)]
    else:
        saves = [_customer_save(customer, original, f"State {n}") for n in range(SAVERS)]
    outcomes = _at_once(engine, saves)
    assert sorted(outcomes) == ["conflict"] * (SAVERS - 1) + ["ok"]


def test_sqlite_save_that_cannot_get_the_lock_says_so(engine, backend):
    if backend != "sqlite":
        pytest.skip("the busy timeout is SQLite's")
    with engine.begin() as conn:
        segment = insert_segment(conn, insert_customer(conn), Risk_Score=10)
        original = _row(conn, customer_segments, segment)
    with engine.connect() as holder, engine.connect() as saver:
        saver.exec_driver_sql("PRAGMA busy_timeout=200")  # instead of the app's bound, for speed
        saver.rollback()
        with begin_write(holder):  # BEGIN IMMEDIATE: another writer holds the write lock
            with pytest.raises(writes.WriteFailed, match="busy for more than .*nothing was saved"):
                _segment_save(segment, original, 55.0)(saver)
            holder.rollback()
    with engine.connect() as conn:
        assert float(_row(conn, customer_segments, segment)["Risk_Score"]) == 10.0
