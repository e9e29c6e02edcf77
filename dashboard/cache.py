"""Cached reads, registered with the tables they read, so a write clears exactly what it made stale.

@cached(reads={"Customer_Info", "Customer_Segments"})
def kpis(f: CustomerFilter) -> dict: ...

invalidate({"Customer_Info"})   # after a write to Customer_Info
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import streamlit as st

from db.settings import Settings

_REGISTRY: list[tuple[frozenset[str], object]] = []


def cached(*, reads: Iterable[str], ttl: int | None = None) -> Callable:
    tables = frozenset(reads)

    def wrap(fn: Callable) -> Callable:
        cached_fn = st.cache_data(ttl=ttl or Settings.load().cache_ttl_seconds, show_spinner=False)(fn)
        _REGISTRY.append((tables, cached_fn))
        return cached_fn

    return wrap


def invalidate(tables: Iterable[str]) -> int:
    """Clear every cached read that reads any of `tables`; returns how many were cleared."""
    touched = set(tables)
    cleared = 0
    for reads, fn in _REGISTRY:
        if reads & touched:
            fn.clear()
            cleared += 1
    return cleared
