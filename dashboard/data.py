"""Cached reads for the dashboards: one wrapper per db.analytics function, keyed by the filter.

Each wrapper is registered with the tables it reads (dashboard.cache.cached), so a writer's
`invalidate({...tables...})` clears exactly what it made stale. Arguments are hashable values
only (the CustomerFilter itself, ints); each opens its own connection from resources.engine().

Segment-based reads first make sure `current_segment` is in step with Customer_Segments
(db.current_segment.ensure_fresh), at most once per cache TTL.

Under a filter, a page's figures share one cached pass per filter (db.analytics.summary): each
wrapper hands its function the summary it reads from (`summary_of`), so seven figures of the
churn page cost one statement instead of seven.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import contextmanager

import numpy as np

from dashboard import resources
from dashboard.cache import cached
from db.analytics import churn, consent, demographics, overview, summary, value
from db.analytics.common import rolled_up
from db.filters import CustomerFilter

# Tables per subject ("current_segment" whenever a filter may use segment fields).
INFO = frozenset({"Customer_Info", "current_segment", "Customer_Segments"})
SEGMENTS = frozenset({"Customer_Info", "current_segment", "Customer_Segments"})
SHARES = {"top_1": 0.01, "top_10": 0.10, "top_20": 0.20}
PREFERENCES = frozenset({"Customer_Info", "Customer_Preferences", "current_segment", "Customer_Segments"})


@contextmanager
def _conn():
    with resources.engine().connect() as conn:
        yield conn


@cached(reads={"Customer_Segments", "current_segment"})
def _fresh_token() -> str:
    """Rebuild current_segment if Customer_Segments changed behind our back; its watermark."""
    from db.current_segment import fresh_watermark

    return fresh_watermark(resources.engine())[1]


def ready() -> None:
    """Make sure current_segment is in step (at most one check per cache TTL)."""
    _fresh_token()


# --- Sidebar options (not filtered) -------------------------------------------------------


@cached(reads={"Customer_Info"})
def places() -> list[tuple]:
    from db.analytics import options

    with _conn() as conn:
        return options.places(conn)


def countries() -> list[str]:
    from db.analytics import options

    return options.countries_of(places())


def state_cities() -> list[tuple[str, str]]:
    from db.analytics import options

    return options.state_cities_of(places())


@cached(reads={"Customer_Info"})
def age_range() -> tuple[int, int] | None:
    from db.analytics import options

    with _conn() as conn:
        return options.age_range(conn)


@cached(reads={"Customer_Info"})
def join_date_range() -> tuple[dt.date, dt.date] | None:
    from db.analytics import options

    with _conn() as conn:
        return options.join_date_range(conn)


# --- Dashboards: one cached read per db.analytics function ------------------------------


def _customer_filter(f: CustomerFilter) -> bool:
    return not rolled_up(f)


def _any_filter(f: CustomerFilter) -> bool:
    return not f.is_empty


def _read(fn: Callable, reads: frozenset[str], *, summary_of: tuple | None = None) -> Callable:
    """A cached wrapper of `fn(conn, *, f, **options)`, keyed by the filter and the options.

    summary_of: (summary read, condition): fn takes that cached summary of the filter as
    `summary=` when the condition holds for the filter, so a page's figures share one pass.
    """

    def wrapper(f: CustomerFilter, **options):
        ready()
        if summary_of and summary_of[1](f):
            options["summary"] = summary_of[0](f)
        with _conn() as conn:
            return fn(conn, f=f, **options)

    # Streamlit keys a cache by module and qualified name: one cache per analytics function.
    wrapper.__qualname__ = f"{fn.__module__}.{fn.__qualname__}"
    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return cached(reads=reads)(wrapper)


# One pass per filter shared by a page's figures (db.analytics.summary): the filtered current
# segments (churn), all segment rows (segments page), customers (overview, demographics),
# preferences (consent).
segment_summary = _read(summary.summary, SEGMENTS)
value_summary = _read(summary.value_summary, SEGMENTS)
customer_summary = _read(summary.customer_summary, INFO)
preference_summary = _read(summary.preference_summary, PREFERENCES)

CURRENT = (segment_summary, _customer_filter)
VALUES = (value_summary, _any_filter)
VALUES_CURRENT = (value_summary, _customer_filter)
PREFS = (preference_summary, _any_filter)
CUSTOMERS = (customer_summary, _any_filter)

new_per_month = _read(overview.new_per_month, INFO, summary_of=CUSTOMERS)
status_mix = _read(overview.status_mix, INFO, summary_of=CUSTOMERS)
segment_totals = _read(overview.segment_totals, SEGMENTS, summary_of=CURRENT)


@cached(reads=INFO)
def kpis(f: CustomerFilter) -> dict:
    """overview.kpis(), with the customer counts read off the (cached) status mix."""
    statuses = status_mix(f)
    ready()
    seg = None if f.is_empty else customer_summary(f)
    with _conn() as conn:
        return overview.kpis(conn, f=f, statuses=statuses, summary=seg)


age_gender = _read(demographics.age_gender, INFO, summary_of=CUSTOMERS)
gender_mix = _read(demographics.gender_mix, INFO, summary_of=CUSTOMERS)
by_state = _read(demographics.by_state, INFO, summary_of=CUSTOMERS)
by_city = _read(demographics.by_city, INFO, summary_of=CUSTOMERS)
abroad = _read(demographics.abroad, INFO, summary_of=CUSTOMERS)
join_cohorts = _read(demographics.join_cohorts, INFO, summary_of=CUSTOMERS)
loyalty_distribution = _read(demographics.loyalty_distribution, INFO, summary_of=CUSTOMERS)

value_by_category = _read(value.by_category, SEGMENTS, summary_of=VALUES)
value_distribution = _read(value.distribution, SEGMENTS, summary_of=VALUES)
category_tree = _read(value.category_tree, SEGMENTS, summary_of=VALUES)
engagement_by_category = _read(value.engagement_by_category, SEGMENTS, summary_of=VALUES_CURRENT)
pareto = _read(value.pareto, SEGMENTS, summary_of=VALUES_CURRENT)

risk_distribution = _read(churn.risk_distribution, SEGMENTS, summary_of=CURRENT)
risk_heatmap = _read(churn.risk_heatmap, SEGMENTS, summary_of=CURRENT)
value_at_risk_by_category = _read(churn.value_at_risk_by_category, SEGMENTS, summary_of=CURRENT)
value_at_risk_by_state = _read(churn.value_at_risk_by_state, SEGMENTS, summary_of=CURRENT)
risk_vs_inactivity = _read(churn.risk_vs_inactivity, SEGMENTS, summary_of=CURRENT)
value_risk_matrix = _read(churn.value_risk_matrix, SEGMENTS, summary_of=CURRENT)
top_at_risk = _read(churn.top_at_risk, SEGMENTS)

consent_rates = _read(consent.rates, PREFERENCES, summary_of=PREFS)
language_time_zone = _read(consent.language_time_zone, PREFERENCES, summary_of=PREFS)
reachable_by_channel = _read(consent.reachable_by_channel, PREFERENCES, summary_of=PREFS)


# Figures read off another cached read: one pass over the preferences serves both.
def channel_mix(f: CustomerFilter):
    return consent.channel_mix_of(consent_rates(f))


def language_mix(f: CustomerFilter):
    return consent.mix_of(language_time_zone(f), "language")


def timezone_mix(f: CustomerFilter):
    return consent.mix_of(language_time_zone(f), "time_zone")


@cached(reads=SEGMENTS)
def top_shares(f: CustomerFilter) -> dict:
    """value.top_shares() read off the (cached) Pareto curve, whose points at 1, 10 and 20 %
    are the same interpolation: the page needs both, and this spares a second pass."""
    curve = pareto(f)
    if curve.empty:
        return {"top_1": None, "top_10": None, "top_20": None}
    x, y = curve["customer_share"].to_numpy(), curve["value_share"].to_numpy()
    return {key: float(np.interp(share, x, y)) for key, share in SHARES.items()}
