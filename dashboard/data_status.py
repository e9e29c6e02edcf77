"""Cached reads for the Database page."""

from __future__ import annotations

from dashboard import resources
from dashboard.cache import cached
from db.models import Base
from db.stats import row_counts as _row_counts


@cached(reads=set(Base.metadata.tables), ttl=60)
def row_counts() -> dict[str, int]:
    with resources.engine().connect() as conn:
        return _row_counts(conn)


def safe_url() -> str:
    return resources.settings().safe_url
