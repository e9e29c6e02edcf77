"""Cached reads for the dashboards: one cached wrapper per db.analytics function.

Every figure is computed on the analytics copy (db.analytics.store): the store is a process-wide
resource, and each cached read is keyed by the filter, its options and the copy's version, which
changes whenever the copy's data does (a load swapped in, an app write applied). So a write or a
refresh makes exactly the copy's figures stale, and the next view computes them again; other
cached reads (records, users) are cleared by dashboard.cache.invalidate as before.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
import streamlit as st

from dashboard import resources
from db.analytics import churn, consent, demographics, options, overview, value
from db.analytics.store import AnalyticsStore, Status
from db.filters import CustomerFilter

SHARES = {"top_1": 0.01, "top_10": 0.10, "top_20": 0.20}
MANUAL_REFRESH_SECONDS = 10  # "Refresh now" at most this often per process
COMPUTING = "Computing this figure for the filter…"  # shown where a figure takes over 0.5 s


@st.cache_resource(show_spinner="Loading the analytics copy…")
def store() -> AnalyticsStore:
    s = resources.settings()
    return AnalyticsStore(
        resources.engine(),
        directory=s.analytics_dir,
        refresh_seconds=s.analytics_refresh_seconds,
        full_reload_seconds=s.analytics_full_reload_seconds,
        memory_limit=s.analytics_memory_limit,
        threads=s.analytics_threads,
    )


def ready() -> None:
    """Once per page view: load the copy if there is none, start a refresh if the source moved."""
    s = store()
    if s.status().version == 0:
        with st.spinner("Loading the analytics copy of the customer data…"):
            s.load()
    s.check()


def status() -> Status:
    return store().status()


def refresh_now() -> bool:
    """Start a reload of the copy (at most one per MANUAL_REFRESH_SECONDS); True when started."""
    return store().refresh_in_background(min_interval=MANUAL_REFRESH_SECONDS)


def apply_write(customer_ids) -> None:
    """After a write through the app: those customers' rows in the copy, read again at once."""
    if customer_ids:
        store().apply(customer_ids)


_CACHES: list = []  # every cached read of the copy
_cached_version = [0]  # the copy version the cached figures belong to


def _current_version() -> int:
    """The copy's version; when it moved on, the figures of older versions are dropped (no view
    asks for them again), so the caches hold one version's figures, not up to max_entries of each."""
    version = store().status().version
    if version != _cached_version[0]:
        _cached_version[0] = version
        for cache in _CACHES:
            cache.clear()
    return version


def _read(fn: Callable, *, dated: bool = False) -> Callable:
    """A cached wrapper of `fn(con, f=..., **options)`, keyed by the copy's version, the filter
    and the options (and today's date when `dated`)."""

    def compute(version: int, f: CustomerFilter, **options):
        with store().reader() as con:
            return fn(con, f=f, **options)

    # Streamlit keys a cache by module and qualified name: one cache per analytics function.
    compute.__qualname__ = f"{fn.__module__}.{fn.__qualname__}"
    compute.__name__ = fn.__name__
    cached = st.cache_data(show_spinner=COMPUTING, max_entries=256)(compute)
    _CACHES.append(cached)

    def wrapper(f: CustomerFilter, **options):
        if dated:
            options.setdefault("today", dt.date.today())
        return cached(_current_version(), f, **options)

    wrapper.__doc__ = fn.__doc__
    return wrapper


def _unfiltered(fn: Callable) -> Callable:
    def compute(version: int):
        with store().reader() as con:
            return fn(con)

    compute.__qualname__ = f"{fn.__module__}.{fn.__qualname__}"
    cached = st.cache_data(show_spinner=False, max_entries=4)(compute)
    _CACHES.append(cached)
    return lambda: cached(_current_version())


# --- Sidebar options (not filtered) -------------------------------------------------------

places = _unfiltered(options.places)
age_range = _unfiltered(options.age_range)
join_date_range = _unfiltered(options.join_date_range)


def countries() -> list[str]:
    return options.countries_of(places())


def state_cities() -> list[tuple[str, str]]:
    return options.state_cities_of(places())


# --- Dashboards ---------------------------------------------------------------------------

kpis = _read(overview.kpis, dated=True)
customer_count = _read(overview.customer_count)
new_per_month = _read(overview.new_per_month)
status_mix = _read(overview.status_mix)

age_gender = _read(demographics.age_gender)
gender_mix = _read(demographics.gender_mix)
by_state = _read(demographics.by_state)
by_city = _read(demographics.by_city)
abroad = _read(demographics.abroad)
join_cohorts = _read(demographics.join_cohorts)
loyalty_distribution = _read(demographics.loyalty_distribution)

value_by_category = _read(value.by_category)
value_distribution = _read(value.distribution)
category_tree = _read(value.category_tree)
engagement_by_category = _read(value.engagement_by_category)
pareto = _read(value.pareto)

risk_distribution = _read(churn.risk_distribution)
risk_heatmap = _read(churn.risk_heatmap)
value_at_risk_by_category = _read(churn.value_at_risk_by_category)
value_at_risk_by_state = _read(churn.value_at_risk_by_state)
risk_vs_inactivity = _read(churn.risk_vs_inactivity, dated=True)
value_risk_matrix = _read(churn.value_risk_matrix)
top_at_risk = _read(churn.top_at_risk)

consent_rates = _read(consent.rates)
language_time_zone = _read(consent.language_time_zone)
reachable_by_channel = _read(consent.reachable_by_channel)


def channel_mix(f: CustomerFilter):
    return consent.channel_mix_of(consent_rates(f))


def language_mix(f: CustomerFilter):
    return consent.mix_of(language_time_zone(f), "language")


def timezone_mix(f: CustomerFilter):
    return consent.mix_of(language_time_zone(f), "time_zone")


def top_shares(f: CustomerFilter) -> dict:
    """Share of the total current-segment value held by the top 1 / 10 / 20 % of customers,
    read off the (cached) Pareto curve."""
    curve = pareto(f)
    if curve.empty:
        return dict.fromkeys(SHARES)
    x, y = curve["customer_share"].to_numpy(), curve["value_share"].to_numpy()
    return {key: float(np.interp(share, x, y)) for key, share in SHARES.items()}
