"""Cached reads for the audience builder, and the export / save actions (which clear them).

Reads are keyed by the AudienceDefinition (a frozen, hashable dataclass) and registered with the
tables they read (dashboard.cache.cached), so a write to any of them clears exactly these.
"""

from __future__ import annotations

from dashboard import data, resources
from dashboard.cache import cached, invalidate
from db import audiences
from db.access import Actor
from db.audiences import AudienceDefinition

CUSTOMERS = frozenset({"Customer_Info", "Customer_Preferences", "Customer_Segments", "current_segment"})
SAVED = frozenset({"saved_audience"})


@cached(reads=CUSTOMERS)
def funnel(d: AudienceDefinition) -> dict:
    data.ready()
    with resources.engine().connect() as conn:
        return audiences.funnel(conn, d)


@cached(reads=CUSTOMERS)
def time_zones(d: AudienceDefinition, channel: str) -> dict:
    data.ready()
    with resources.engine().connect() as conn:
        return audiences.time_zones(conn, d, channel)


@cached(reads={"Customer_Segments", "current_segment"})
def segment_names(categories: tuple[str, ...] = ()) -> list[str]:
    data.ready()
    with resources.engine().connect() as conn:
        return audiences.segment_names(conn, categories)


@cached(reads=SAVED)
def saved() -> list[dict]:
    with resources.engine().connect() as conn:
        return audiences.list_saved(conn)


@cached(reads=SAVED)
def load(audience_id: int) -> dict | None:
    with resources.engine().connect() as conn:
        return audiences.load(conn, audience_id)


def save(d: AudienceDefinition, *, name: str, actor: Actor, replace_existing: bool = False) -> int:
    with resources.engine().connect() as conn:
        audience_id = audiences.save(conn, d, name=name, actor=actor, replace_existing=replace_existing)
        conn.commit()
    invalidate(SAVED)
    return audience_id


def delete(audience_id: int, *, actor: Actor) -> None:
    with resources.engine().connect() as conn:
        audiences.delete(conn, audience_id, actor=actor)
        conn.commit()
    invalidate(SAVED)


def exporter(d: AudienceDefinition, channel: str, *, actor: Actor, audience_id: int | None):
    """A no-argument callable for st.download_button(data=...): builds the CSV when clicked and
    records the export (audit log, and the saved audience's export history)."""
    engine = resources.engine()  # resolved now: the callable may run outside the script run

    def build() -> bytes:
        with engine.connect() as conn:
            text, _ = audiences.export_csv(conn, d, channel, actor=actor, audience_id=audience_id)
            conn.commit()
        invalidate(SAVED | {"audit_log"})
        return text.encode("utf-8-sig")

    return build
