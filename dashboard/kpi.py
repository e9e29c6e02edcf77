"""KPI tiles: label, help text and format of each metric from db.analytics.metrics."""

from __future__ import annotations

from dashboard.style import number, percent, rupees, score
from db.analytics.metrics import METRICS

FORMATS = {"customers": number, "rupees": rupees, "score": score, "share": percent}


def fmt(key: str, value) -> str:
    return FORMATS[METRICS[key].unit](value)


def tile(container, key: str, values: dict, *, delta=None, help_extra: str = "") -> None:
    """One st.metric tile of metric `key`, its value from `values` (a kpis() dict)."""
    m = METRICS[key]
    text = m.help + (f" {m.nulls}" if m.nulls else "") + (f" {help_extra}" if help_extra else "")
    container.metric(m.label, fmt(key, values.get(key)), delta=delta, help=text, border=True)


def tiles(columns, keys, values: dict) -> None:
    for col, key in zip(columns, keys, strict=True):
        tile(col, key, values)
