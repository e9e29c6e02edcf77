"""Audience builder UI helpers: the drill-down button other pages show, and widget state <-> definition.

`build_audience_button(source)` (on the churn and segments pages) opens the audience page with the
current filter and remembers where it came from ("opened from a chart").
"""

from __future__ import annotations

from itertools import permutations

import streamlit as st

from dashboard import filters
from db.audiences import DEFAULT_PRIORITY, AudienceDefinition
from db.models import CHANNELS

PAGE = "pages/audiences.py"
SOURCE_KEY = "audience_source"  # session: the page (and filter) the audience was opened from
OPEN_KEY = "aud_open_id"  # session: id of the saved audience opened in the builder

ARROW = " → "
PRIORITIES = [
    ARROW.join(p) for p in (DEFAULT_PRIORITY, *(p for p in permutations(CHANNELS) if p != DEFAULT_PRIORITY))
]

# Widget keys of the definition's extra fields.
K = {
    "risk": "aud_risk",
    "ltv_min": "aud_ltv_min",
    "ltv_max": "aud_ltv_max",
    "var_min": "aud_var_min",
    "var_max": "aud_var_max",
    "names": "aud_names",
    "login_min": "aud_login_min",
    "login_max": "aud_login_max",
    "points_min": "aud_points_min",
    "points_max": "aud_points_max",
    "priority": "aud_priority",
}


def build_audience_button(source: str) -> None:
    """'Build an audience from this view': the audience page with this page's filter."""
    if st.button(
        "Build an audience from this view",
        icon=":material/campaign:",
        key="to-audience",
        help="Open the audience builder with these filters, to reach these customers on their channels.",
    ):
        f = filters.current_filter()
        st.session_state[SOURCE_KEY] = source
        st.session_state.pop(OPEN_KEY, None)
        st.switch_page(PAGE, query_params=f.to_params())


def init_state() -> None:
    ss = st.session_state
    ss.setdefault(K["risk"], (0.0, 100.0))
    ss.setdefault(K["names"], [])
    ss.setdefault(K["priority"], PRIORITIES[0])
    for k in (
        "ltv_min",
        "ltv_max",
        "var_min",
        "var_max",
        "login_min",
        "login_max",
        "points_min",
        "points_max",
    ):
        ss.setdefault(K[k], None)


def definition(f) -> AudienceDefinition:
    """The definition the widgets show, over the sidebar filter `f`."""
    ss = st.session_state
    lo, hi = ss.get(K["risk"]) or (0.0, 100.0)

    def num(key, cast=float):
        v = ss.get(K[key])
        return None if v is None else cast(v)

    pairs = [
        ("ltv_min", "ltv_max"),
        ("var_min", "var_max"),
        ("login_min", "login_max"),
        ("points_min", "points_max"),
    ]
    values = {k: num(k, int if k.startswith(("login", "points")) else float) for pair in pairs for k in pair}
    for a, b in pairs:  # a reversed range is read as the range between the two numbers
        if values[a] is not None and values[b] is not None and values[a] > values[b]:
            values[a], values[b] = values[b], values[a]
    return AudienceDefinition(
        filter=f,
        risk_min=float(lo) if lo > 0 else None,
        risk_max=float(hi) if hi < 100 else None,
        ltv_min=values["ltv_min"],
        ltv_max=values["ltv_max"],
        var_min=values["var_min"],
        var_max=values["var_max"],
        segment_names=tuple(ss.get(K["names"]) or ()),
        login_days_min=values["login_min"],
        login_days_max=values["login_max"],
        points_min=values["points_min"],
        points_max=values["points_max"],
        priority=tuple(str(ss.get(K["priority"]) or PRIORITIES[0]).split(ARROW)),
        source=ss.get(SOURCE_KEY),
    )


def show(d: AudienceDefinition) -> None:
    """Set the widgets to `d` (call before they are drawn in this run)."""
    ss = st.session_state
    ss[K["risk"]] = (
        d.risk_min if d.risk_min is not None else 0.0,
        d.risk_max if d.risk_max is not None else 100.0,
    )
    ss[K["ltv_min"]], ss[K["ltv_max"]] = d.ltv_min, d.ltv_max
    ss[K["var_min"]], ss[K["var_max"]] = d.var_min, d.var_max
    ss[K["names"]] = list(d.segment_names)
    ss[K["login_min"]], ss[K["login_max"]] = d.login_days_min, d.login_days_max
    ss[K["points_min"]], ss[K["points_max"]] = d.points_min, d.points_max
    ss[K["priority"]] = ARROW.join(d.priority)
    if d.source:
        ss[SOURCE_KEY] = d.source
    else:
        ss.pop(SOURCE_KEY, None)


def open_saved(d: AudienceDefinition, audience_id: int) -> None:
    """Show a saved definition: widgets, the sidebar filter (URL) and rerun."""
    show(d)
    st.session_state[OPEN_KEY] = audience_id
    filters.narrow_to(**{name: getattr(d.filter, name) for name in filters.FILTER_KEYS})
    st.rerun()


def same_audience(a: AudienceDefinition, b: AudienceDefinition) -> bool:
    """Same customers and priority (where it was opened from does not matter)."""
    return a.to_dict() | {"source": None} == b.to_dict() | {"source": None}
