"""Small shared pieces of the analytics queries over the copy."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import pandas as pd

from db.analytics.metrics import AGE_BANDS, ALL_RISK_BANDS, RISK_BANDS, UNKNOWN, risk_band

__all__ = [
    "AGE_BANDS",
    "ALL_RISK_BANDS",
    "RISK_BANDS",
    "UNKNOWN",
    "empty",
    "nice_width",
    "ordered",
    "risk_band",
]


def empty(columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame({c: [] for c in columns})


def num(value, default=0.0) -> float:
    """A scalar aggregate as float (None or NaN -> default)."""
    if value is None:
        return default
    value = float(value)
    return default if math.isnan(value) else value


def nice_width(span: float, bins: int) -> float:
    """A round bin width (1, 2, 2.5, 5 x 10^k) so that `bins` bins cover `span`."""
    if span <= 0:
        return 1.0
    raw = span / bins
    power = 10 ** math.floor(math.log10(raw))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= raw:
            return float(step * power)
    return float(10 * power)


def ordered(values: Iterable, order: Sequence) -> list:
    """`values` sorted by their position in `order` (others after, alphabetically; Unknown last)."""
    rank = {v: i for i, v in enumerate(order)}
    return sorted(values, key=lambda v: (v == UNKNOWN, rank.get(v, len(order)), str(v)))


def sort_by(df: pd.DataFrame, col: str, order: Sequence) -> pd.DataFrame:
    """Rows sorted by `col` in the order of `order` (ordered())."""
    keys = {v: i for i, v in enumerate(ordered(df[col].unique(), order))}
    return df.sort_values(col, key=lambda s: s.map(keys), kind="stable", ignore_index=True)
