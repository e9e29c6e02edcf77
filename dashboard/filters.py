"""Sidebar filter widgets <-> CustomerFilter <-> st.query_params, and chart drill-down.

The URL is the source of truth: `current_filter()` reads the CustomerFilter from the query
parameters (so a shared link opens the same view), and every widget change or drill-down
writes the new filter back to them. The last filter is also kept in the session, because a
page switch under st.navigation drops the query parameters: it is restored on the new page.

Pages call `sidebar()` first; it renders the widgets and returns the filter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import data, export, filter_bar, freshness
from dashboard.charts import NO_MATCH
from db import formats
from db.analytics.metrics import ALL_RISK_BANDS
from db.filters import CustomerFilter
from db.models import ACCOUNT_STATUSES, CATEGORIES, ENGAGEMENT_LEVELS, GENDERS

FILTER_KEYS = tuple(f.name for f in fields(CustomerFilter))
_STATE = "customer_filter"  # session: the filter last applied
_SYNCED = "_filter_widgets_show"  # session: the filter the widgets were last set to
_DRILLS = "_filter_drills"  # session: counter, part of chart keys (a new key drops a used selection)

# Fixed value sets (the schema's CHECK constraints); URL values outside them are ignored.
KNOWN = {
    "genders": GENDERS,
    "statuses": ACCOUNT_STATUSES,
    "categories": ("VIP", "Premium", "Standard", "Economy"),
    "engagements": ENGAGEMENT_LEVELS,
    "risk_bands": ALL_RISK_BANDS,
}
assert set(KNOWN["categories"]) == set(CATEGORIES)

PLOTLY_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d", "autoScale2d"]}


# --- filter <-> URL -----------------------------------------------------------------------


def parse(params) -> CustomerFilter:
    """The CustomerFilter of a query-parameter mapping; unknown keys and bad values ignored."""
    f = CustomerFilter.from_params(params)
    changes = {}
    for name, allowed in KNOWN.items():
        values = getattr(f, name)
        if any(v not in allowed for v in values):
            changes[name] = tuple(v for v in values if v in allowed)
    if f.age_min is not None and f.age_max is not None and f.age_min > f.age_max:
        changes.update(age_min=None, age_max=None)
    if f.joined_from and f.joined_to and f.joined_from > f.joined_to:
        changes.update(joined_from=None, joined_to=None)
    return f.narrow(**changes) if changes else f


def _url_params() -> dict[str, list[str]]:
    qp = st.query_params
    return {k: qp.get_all(k) for k in qp if k in FILTER_KEYS}


def _write_params(f: CustomerFilter) -> None:
    wanted = f.to_params()
    qp = st.query_params
    for k in [k for k in qp if k in FILTER_KEYS and k not in wanted]:
        del qp[k]
    for k, v in wanted.items():
        if qp.get_all(k) != [v]:
            qp[k] = v


def current_filter() -> CustomerFilter:
    """The filter of this view: from the URL, else (after a page switch) from the session."""
    params = _url_params()
    f = parse(params)
    if not params and _STATE in st.session_state:
        f = st.session_state[_STATE]
    if f.to_params() != {k: ",".join(v) for k, v in params.items()}:
        _write_params(f)  # normalise the URL (bad values dropped, restored after a page switch)
    st.session_state[_STATE] = f
    return f


def _apply(f: CustomerFilter) -> bool:
    """Make `f` the filter (URL + session); True when it changed."""
    old = st.session_state.get(_STATE)
    st.session_state[_STATE] = f
    _write_params(f)
    if f != old:
        st.session_state[_DRILLS] = st.session_state.get(_DRILLS, 0) + 1
        return True
    return False


def narrow_to(**changes) -> None:
    """Narrow the current filter (e.g. states=("Kerala",)) and rerun the page with it."""
    if _apply(current_filter().narrow(**changes)):
        st.rerun()


def clear() -> None:
    _apply(CustomerFilter())


# --- sidebar widgets ----------------------------------------------------------------------

_W = {name: f"flt_{name}" for name in ("countries", "states", "cities", *KNOWN)}
_W_AGE = "flt_age"
_W_JOINED = "flt_joined"
_W_JOINED_KEY = "_flt_joined_key"  # session: the date widget's current key


def _with(options, chosen) -> list:
    """Options plus any chosen value missing from them (a shared URL may name one)."""
    return list(options) + [c for c in chosen if c not in options]


def _sync_widgets(f: CustomerFilter, ages: tuple[int, int] | None) -> None:
    """Set the widgets to show `f` when the filter changed outside them (URL, drill, clear)."""
    ss = st.session_state
    keys = [*_W.values(), _W_AGE, _W_JOINED_KEY]
    if ss.get(_SYNCED) == f and all(k in ss for k in keys):
        return
    for name, key in _W.items():
        ss[key] = list(getattr(f, name))
    if ages:
        lo = max(ages[0], min(f.age_min if f.age_min is not None else ages[0], ages[1]))
        hi = min(ages[1], max(f.age_max if f.age_max is not None else ages[1], lo))
        ss[_W_AGE] = (lo, hi)
    # A date range cannot take its value from the session without a (logged) clash with `value`:
    # a new key per sync makes the widget start from `value` instead.
    ss["_flt_syncs"] = ss.get("_flt_syncs", 0) + 1
    ss[_W_JOINED_KEY] = f"{_W_JOINED}-{ss['_flt_syncs']}"
    ss[_SYNCED] = f


def _from_widgets() -> CustomerFilter:
    ss = st.session_state
    values = {name: tuple(ss.get(key) or ()) for name, key in _W.items()}
    if values["states"]:
        allowed = {city for state, city in data.state_cities() if state in values["states"]}
        values["cities"] = tuple(c for c in values["cities"] if c in allowed)
    ages = data.age_range()
    age = ss.get(_W_AGE)
    if ages and age:
        values["age_min"] = age[0] if age[0] > ages[0] else None
        values["age_max"] = age[1] if age[1] < ages[1] else None
    joined = tuple(ss.get(ss.get(_W_JOINED_KEY, _W_JOINED)) or ())
    values["joined_from"] = joined[0] if len(joined) >= 1 else None
    values["joined_to"] = joined[1] if len(joined) == 2 else None
    return CustomerFilter().narrow(**values)


def _on_widget_change() -> None:
    _apply(_from_widgets())


def sidebar() -> CustomerFilter:
    """Render the filter widgets in the sidebar; the current CustomerFilter."""
    data.ready()
    f = current_filter()
    ages = data.age_range()
    dates = data.join_date_range()
    _sync_widgets(f, ages)
    pairs = data.state_cities()
    states = sorted({s for s, _ in pairs})
    cities = sorted({c for s, c in pairs if not f.states or s in f.states})
    common = {"on_change": _on_widget_change}

    with st.sidebar:
        head, button = st.columns([3, 2], vertical_alignment="center")
        head.markdown("**Filters**")
        button.button(
            "Clear",
            on_click=clear,
            disabled=f.is_empty,
            icon=":material/filter_alt_off:",
            key="flt_clear",
            help="Remove every filter (all customers).",
            type="tertiary",
        )
        with st.expander("Where", expanded=bool(f.countries or f.states or f.cities)):
            st.multiselect("Country", _with(data.countries(), f.countries), key=_W["countries"], **common)
            st.multiselect("State", _with(states, f.states), key=_W["states"], **common)
            st.multiselect(
                "City",
                _with(cities, f.cities),
                key=_W["cities"],
                help="Only cities of the chosen states are offered.",
                **common,
            )
        with st.expander(
            "Who", expanded=bool(f.genders or f.statuses or f.age_min or f.age_max or f.joined_from)
        ):
            st.pills("Gender", GENDERS, selection_mode="multi", key=_W["genders"], **common)
            if ages and ages[0] < ages[1]:
                st.slider("Age", min_value=ages[0], max_value=ages[1], key=_W_AGE, **common)
            st.pills("Account status", ACCOUNT_STATUSES, selection_mode="multi", key=_W["statuses"], **common)
            st.date_input(
                "Joined between",
                value=tuple(d for d in (f.joined_from, f.joined_to) if d is not None)
                if f.joined_from
                else (),
                min_value=dates[0] if dates else None,
                max_value=dates[1] if dates else None,
                key=st.session_state[_W_JOINED_KEY],
                format=formats.INPUT_DATE,
                **common,
            )
        with st.expander("Current segment", expanded=True):
            st.pills(
                "Segment category",
                KNOWN["categories"],
                selection_mode="multi",
                key=_W["categories"],
                **common,
            )
            st.pills(
                "Engagement level", ENGAGEMENT_LEVELS, selection_mode="multi", key=_W["engagements"], **common
            )
            st.pills(
                "Risk band",
                ALL_RISK_BANDS,
                selection_mode="multi",
                key=_W["risk_bands"],
                help="Churn risk score of the current segment: Low < 30 ≤ Medium < 70 ≤ High.",
                **common,
            )
        st.caption(_summary(f))
    freshness.sidebar_status()
    filter_bar.show(f, apply=_apply)
    return f


def _summary(f: CustomerFilter) -> str:
    if f.is_empty:
        return (
            "Showing all customers. Click a bar, slice or cell to narrow the view; the URL keeps the filter."
        )
    return "Filtered view: share this page's URL to show the same customers."


# --- charts with drill-down and CSV -------------------------------------------------------


def chart_key(name: str) -> str:
    return f"{name}-{st.session_state.get(_DRILLS, 0)}"


def _picked(key: str, drill: tuple[str, ...]) -> None:
    state = st.session_state.get(key)
    points = (state or {}).get("selection", {}).get("points", []) if state else []
    picked: dict[str, set] = {name: set() for name in drill}
    for point in points:
        custom = point.get("customdata")
        if custom is None:
            continue
        values = custom if isinstance(custom, list) else [custom]
        for name, value in zip(drill, values, strict=False):
            if value not in (None, ""):
                picked[name].add(value)
    changes = {name: tuple(sorted(v)) for name, v in picked.items() if v}
    if changes:
        _apply(current_filter().narrow(**changes))


def chart(
    fig: go.Figure,
    frame: pd.DataFrame | None,
    *,
    key: str,
    drill: tuple[str, ...] | None = None,
    csv_name: str | None = None,
    page: str | None = None,
) -> None:
    """Show a figure (or the no-match message when `frame` is empty) with a CSV download.

    drill: the CustomerFilter fields that a selected point's customdata narrows, in order
    (e.g. ("states",), or ("categories", "engagements") for a heat-map cell).
    page: the page's title, needed when `frame` holds personal data (its download is audited).
    """
    if frame is not None and frame.empty:
        st.info(NO_MATCH, icon=":material/filter_alt_off:")
        return
    k = chart_key(key)
    if drill:
        on_select: Callable | str = lambda: _picked(k, drill)  # noqa: E731
        st.plotly_chart(fig, key=k, on_select=on_select, selection_mode=("points",), config=PLOTLY_CONFIG)
    else:
        st.plotly_chart(fig, key=k, config=PLOTLY_CONFIG)
    if frame is not None:
        title = csv_name or (fig.layout.title.text or key)
        export.download_csv(frame, name=title, key=f"csv-{key}", page=page, f=st.session_state.get(_STATE))
