"""Cached reads for the audience builder (on the analytics copy, keyed by its version like every
dashboard figure), and the export / save actions.

Saved definitions are cached reads of our own table, cleared by the writes here.
"""

from __future__ import annotations

import streamlit as st

from dashboard import data, resources
from dashboard.cache import cached, invalidate
from db import audiences
from db.access import Actor
from db.analytics import audience as on_copy
from db.audiences import AudienceDefinition

SAVED = frozenset({"saved_audience"})


@st.cache_data(show_spinner=False, max_entries=128)
def _funnel(version: int, d: AudienceDefinition) -> dict:
    with data.store().reader() as con:
        return on_copy.funnel(con, d)


@st.cache_data(show_spinner=False, max_entries=128)
def _time_zones(version: int, d: AudienceDefinition, channel: str) -> dict:
    with data.store().reader() as con:
        return on_copy.time_zones(con, d, channel)


@st.cache_data(show_spinner=False, max_entries=32)
def _segment_names(version: int, categories: tuple[str, ...]) -> list[str]:
    with data.store().reader() as con:
        return on_copy.segment_names(con, categories)


def funnel(d: AudienceDefinition) -> dict:
    data.ready()
    return _funnel(data.status().version, d)


def time_zones(d: AudienceDefinition, channel: str) -> dict:
    data.ready()
    return _time_zones(data.status().version, d, channel)


def segment_names(categories: tuple[str, ...] = ()) -> list[str]:
    data.ready()
    return _segment_names(data.status().version, tuple(categories))


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


def exporter(d: AudienceDefinition, channel: str, *, actor: Actor, audience_id: int | None, page: str):
    """A no-argument callable for st.download_button(data=...): builds the CSV when clicked
    (customers picked on the copy, their consent and contact details re-read from the source)
    and records the export (audit log, and the saved audience's export history)."""
    engine, store = resources.engine(), data.store()  # resolved now: the callable may run outside the run

    def build() -> bytes:
        with store.reader() as con:
            text, _ = audiences.export_csv(
                engine, con, d, channel, actor=actor, audience_id=audience_id, page=page
            )
        invalidate(SAVED | {"audit_log"})
        return text.encode("utf-8-sig")

    return build
