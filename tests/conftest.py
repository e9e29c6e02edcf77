"""Fixtures: every database test runs on SQLite, and on PostgreSQL and MariaDB when their URLs are set.

- `backend`: one of sqlite / postgresql / mysql (skipped when its URL is unset).
- `migrated_engine`: one migrated, empty database per backend for the whole run.
- `conn` / `session`: a connection in an outer transaction, rolled back after each test;
  code under test may commit (it commits a savepoint).
- `fresh_engine`: a new empty database per test (for DDL: upgrade, check, seed).
- `seeded_engine`: one database per backend with deterministic demo data, read-only.
"""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from db.migrate import upgrade
from tests.databases import BACKENDS, fresh_database, server_url

SEEDED_CUSTOMERS = 2000
SEED = 42


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request) -> str:
    if request.param != "sqlite" and not server_url(request.param):
        pytest.skip(f"{request.param}: set TEST_POSTGRES_URL / TEST_MYSQL_URL to run")
    return request.param


@pytest.fixture(scope="session")
def migrated_engine(backend, tmp_path_factory):
    with fresh_database(backend, tmp_path_factory.mktemp("migrated")) as engine:
        upgrade(engine)
        yield engine


@pytest.fixture
def conn(migrated_engine):
    with migrated_engine.connect() as connection:
        outer = connection.begin()
        yield connection
        outer.rollback()


@pytest.fixture
def session(conn):
    with Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False) as s:
        yield s


@pytest.fixture
def fresh_engine(backend, tmp_path):
    with fresh_database(backend, tmp_path) as engine:
        yield engine


@pytest.fixture(scope="session")
def seeded_engine(backend, tmp_path_factory):
    from db.demo import seed

    with fresh_database(backend, tmp_path_factory.mktemp("seeded")) as engine:
        upgrade(engine)
        seed(engine, customers=SEEDED_CUSTOMERS, seed=SEED)
        yield engine


@pytest.fixture
def cheap_hashes(monkeypatch):
    """Real argon2 with cheap parameters: tests check behaviour, not cost."""
    from argon2 import PasswordHasher

    from db import users

    fast = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    monkeypatch.setattr(users, "_hasher", fast)
    monkeypatch.setattr(users, "_DUMMY_HASH", fast.hash("dummy password"))


@pytest.fixture(scope="session", autouse=True)
def _analytics_copies_in_tmp(tmp_path_factory):
    """Analytics copies made by tests go to a temporary folder, never under data/."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ANALYTICS_DIR", str(tmp_path_factory.mktemp("analytics")))
        yield
