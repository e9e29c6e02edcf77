"""`python -m db report`: the KPI tiles of any filter, from the same definitions as the app."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

from sqlalchemy import Engine

from db.analytics import overview
from db.analytics.metrics import KPI_KEYS, METRICS
from db.analytics.store import AnalyticsStore
from db.filters import CustomerFilter


def parse_filter(query: str | None) -> CustomerFilter:
    """The app's URL query-string syntax: "states=Maharashtra&categories=VIP,Premium"."""
    if not query:
        return CustomerFilter()
    params = parse_qs(query.lstrip("?"), keep_blank_values=False)
    known = set(CustomerFilter.__dataclass_fields__)
    unknown = sorted(set(params) - known)
    if unknown:
        raise ValueError(
            f"--filter: unknown field(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
    return CustomerFilter.from_params({k: ",".join(v) for k, v in params.items()})


def _text(key: str, value) -> str:
    unit = METRICS[key].unit
    if value is None:
        return "—"
    if unit == "rupees":
        return f"₹{value:,.2f}"
    if unit == "share":
        return f"{value:.1%}"
    if unit == "score":
        return f"{value:.1f}"
    return f"{int(value):,}"


def kpis(engine: Engine, *, directory, query: str | None) -> tuple[CustomerFilter, dict, str]:
    f = parse_filter(query)
    store = AnalyticsStore(engine, directory=directory)
    try:
        store.ensure_fresh()
        with store.reader() as con:
            values = overview.kpis(con, f=f)
        as_of = store.status().as_of
    finally:
        store.close()
    return f, values, as_of.isoformat() if as_of else ""


def render(f: CustomerFilter, values: dict, as_of: str, *, as_json: bool) -> str:
    tiles = {k: values[k] for k in (*KPI_KEYS, "new_this_month", "new_last_month")}
    if as_json:
        return json.dumps({"filter": f.to_params(), "data_as_of": as_of, "kpis": tiles}, indent=2)
    labels = {
        **{k: METRICS[k].label for k in KPI_KEYS},
        "new_this_month": "New this month",
        "new_last_month": "New, same days last month",
    }
    width = max(map(len, labels.values()))
    shown = "&".join(f"{k}={v}" for k, v in f.to_params().items()) or "all customers"
    lines = [f"Filter: {shown}   (data as of {as_of})"]
    for key, value in tiles.items():
        shown = _text(key, value) if key in METRICS else f"{value:,}"
        lines.append(f"{labels[key]:<{width}}  {shown:>20}")
    return "\n".join(lines)
