"""The test databases: SQLite always, PostgreSQL and MariaDB when their URLs are set."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from db.engine import make_engine

BACKENDS = ("sqlite", "postgresql", "mysql")
URL_ENV = {"postgresql": "TEST_POSTGRES_URL", "mysql": "TEST_MYSQL_URL"}


def server_url(backend: str) -> str | None:
    return os.environ.get(URL_ENV[backend]) if backend in URL_ENV else None


@contextmanager
def fresh_database(backend: str, tmp_dir) -> Iterator[Engine]:
    """A new, empty database of `backend`, dropped afterwards."""
    if backend == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_dir}/{uuid.uuid4().hex}.db")
        try:
            yield engine
        finally:
            engine.dispose()
        return
    base = make_url(server_url(backend))
    name = f"{base.database}_{uuid.uuid4().hex[:10]}"
    admin = make_engine(base.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")
    quote = admin.dialect.identifier_preparer.quote
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {quote(name)}"))
    engine = make_engine(base.set(database=name).render_as_string(hide_password=False))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            if backend == "postgresql":
                conn.execute(text(f"DROP DATABASE IF EXISTS {quote(name)} WITH (FORCE)"))
            else:
                conn.execute(text(f"DROP DATABASE IF EXISTS {quote(name)}"))
        admin.dispose()
