"""Cached reads for the dashboards: one wrapper per db.analytics function, keyed by the filter.

Each wrapper is registered with the tables it reads (dashboard.cache.cached), so a writer's
`invalidate({...tables...})` clears exactly what it made stale. Arguments are hashable values
only (the CustomerFilter itself, ints); each opens its own connection from resources.engine().

Segment-based reads first make sure `current_segment` is in step with Customer_Segments
(db.current_segment.ensure_fresh), at most once per cache TTL.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

import numpy as np
import pandas as pd

from dashboard import resources
from dashboard.cache import cached
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


def _ready() -> None:
    _fresh_token()


# --- Sidebar options (not filtered) -------------------------------------------------------


@cached(reads={"Customer_Info"})
def countries() -> list[str]:
    from db.analytics import options

    with _conn() as conn:
        return options.countries(conn)


@cached(reads={"Customer_Info"})
def state_cities() -> list[tuple[str, str]]:
    from db.analytics import options

    with _conn() as conn:
        return options.state_cities(conn)


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


# --- Overview ---------------------------------------------------------------------------


@cached(reads=INFO)
def kpis(f: CustomerFilter, today: dt.date | None = None) -> dict:
    from db.analytics import overview

    _ready()
    with _conn() as conn:
        return overview.kpis(conn, f=f, today=today)


@cached(reads=INFO)
def new_per_month(f: CustomerFilter) -> pd.DataFrame:
    from db.analytics import overview

    _ready()
    with _conn() as conn:
        return overview.new_per_month(conn, f=f)


@cached(reads=INFO)
def status_mix(f: CustomerFilter) -> pd.DataFrame:
    from db.analytics import overview

    _ready()
    with _conn() as conn:
        return overview.status_mix(conn, f=f)


# --- Demographics -----------------------------------------------------------------------


@cached(reads=INFO)
def age_gender(f: CustomerFilter) -> pd.DataFrame:
    from db.analytics import demographics

    _ready()
    with _conn() as conn:
        return demographics.age_gender(conn, f=f)


@cached(reads=INFO)
def gender_mix(f: CustomerFilter) -> pd.DataFrame:
    from db.analytics import demographics

    _ready()
    with _conn() as conn:
        return demographics.gender_mix(conn, f=f)


@cached(reads=INFO)
def by_state(f: CustomerFilter, top: int = 15) -> pd.DataFrame:
    from db.analytics import demographics

    _ready()
    with _conn() as conn:
        return demographics.by_state(conn, f=f, top=top)


@cached(reads=INFO)
def by_city(f: CustomerFilter, top: int = 20) -> pd.DataFrame:
    from db.analytics import demographics

    _ready()
    with _conn() as conn:
        return demographics.by_city(conn, f=f, top=top)


@cached(reads=INFO)
def abroad(f: CustomerFilter) -> pd.DataFrame:
    from db.analytics import demographics

    _ready()
    with _conn() as conn:
        return demographics.abroad(conn, f=f)


@cached(reads=INFO)
def join_cohorts(f: CustomerFilter) -> pd.DataFrame:
    from db.analytics import demographics

    _ready()
    with _conn() as conn:
        return demographics.join_cohorts(conn, f=f)


@cached(reads=INFO)
def loyalty_distribution(f: CustomerFilter, bins: int = 20) -> pd.DataFrame:
    from db.analytics import demographics

    _ready()
    with _conn() as conn:
        return demographics.loyalty_distribution(conn, f=f, bins=bins)


# --- Segments and value -----------------------------------------------------------------


@cached(reads=SEGMENTS)
def value_by_category(f: CustomerFilter) -> pd.DataFrame:
    from db.analytics import value

    _ready()
    with _conn() as conn:
        return value.by_category(conn, f=f)


@cached(reads=SEGMENTS)
def value_distribution(f: CustomerFilter) -> pd.DataFrame:
    from db.analytics import value

    _ready()
    with _conn() as conn:
        return value.distribution(conn, f=f)


@cached(reads=SEGMENTS)
def category_tree(f: CustomerFilter) -> pd.DataFrame:
    from db.analytics import value

    _ready()
    with _conn() as conn:
        return value.category_tree(conn, f=f)


@cached(reads=SEGMENTS)
def engagement_by_category(f: CustomerFilter) -> pd.DataFrame:
    from db.analytics import value

    _ready()
    with _conn() as conn:
        return value.engagement_by_category(conn, f=f)


@cached(reads=SEGMENTS)
def pareto(f: CustomerFilter, points: int = 100) -> pd.DataFrame:
    from db.analytics import value

    _ready()
    with _conn() as conn:
        return value.pareto(conn, f=f, points=points)


@cached(reads=SEGMENTS)
def top_shares(f: CustomerFilter) -> dict:
    """value.top_shares() read off the (cached) Pareto curve, whose points at 1, 10 and 20 %
    are the same interpolation: the page needs both, and this spares a second pass."""
    curve = pareto(f, points=100)
    if curve.empty:
        return {"top_1": None, "top_10": None, "top_20": None}
    x, y = curve["customer_share"].to_numpy(), curve["value_share"].to_numpy()
    return {key: float(np.interp(share, x, y)) for key, share in SHARES.items()}


# --- Churn risk -------------------------------------------------------------------------


@cached(reads=SEGMENTS)
def risk_distribution(f: CustomerFilter, bin_width: int = 5) -> pd.DataFrame:
    from db.analytics import churn

    _ready()
    with _conn() as conn:
        return churn.risk_distribution(conn, f=f, bin_width=bin_width)


@cached(reads=SEGMENTS)
def risk_heatmap(f: CustomerFilter) -> pd.DataFrame:
    from db.analytics import churn

    _ready()
    with _conn() as conn:
        return churn.risk_heatmap(conn, f=f)


@cached(reads=SEGMENTS)
def value_at_risk_by_category(f: CustomerFilter) -> pd.DataFrame:
    from db.analytics import churn

    _ready()
    with _conn() as conn:
        return churn.value_at_risk_by_category(conn, f=f)


@cached(reads=SEGMENTS)
def value_at_risk_by_state(f: CustomerFilter, top: int = 15) -> pd.DataFrame:
    from db.analytics import churn

    _ready()
    with _conn() as conn:
        return churn.value_at_risk_by_state(conn, f=f, top=top)


@cached(reads=SEGMENTS)
def risk_vs_inactivity(f: CustomerFilter, today: dt.date | None = None) -> pd.DataFrame:
    from db.analytics import churn

    _ready()
    with _conn() as conn:
        return churn.risk_vs_inactivity(conn, f=f, today=today)


@cached(reads=SEGMENTS)
def value_risk_matrix(f: CustomerFilter) -> pd.DataFrame:
    from db.analytics import churn

    _ready()
    with _conn() as conn:
        return churn.value_risk_matrix(conn, f=f)


@cached(reads=SEGMENTS)
def top_at_risk(f: CustomerFilter, limit: int = 100) -> pd.DataFrame:
    from db.analytics import churn

    _ready()
    with _conn() as conn:
        return churn.top_at_risk(conn, f=f, limit=limit)


# --- Preferences and consent ------------------------------------------------------------


@cached(reads=PREFERENCES)
def channel_mix(f: CustomerFilter) -> pd.DataFrame:
    from db.analytics import consent

    _ready()
    with _conn() as conn:
        return consent.channel_mix(conn, f=f)


@cached(reads=PREFERENCES)
def consent_rates(f: CustomerFilter) -> pd.DataFrame:
    from db.analytics import consent

    _ready()
    with _conn() as conn:
        return consent.rates(conn, f=f)


@cached(reads=PREFERENCES)
def language_mix(f: CustomerFilter) -> pd.DataFrame:
    from db.analytics import consent

    _ready()
    with _conn() as conn:
        return consent.language_mix(conn, f=f)


@cached(reads=PREFERENCES)
def timezone_mix(f: CustomerFilter) -> pd.DataFrame:
    from db.analytics import consent

    _ready()
    with _conn() as conn:
        return consent.timezone_mix(conn, f=f)


@cached(reads=PREFERENCES)
def reachable_by_channel(f: CustomerFilter) -> pd.DataFrame:
    from db.analytics import consent

    _ready()
    with _conn() as conn:
        return consent.reachable_by_channel(conn, f=f)
