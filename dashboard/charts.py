"""Pure chart builders: DataFrame (shapes of db.analytics) -> plotly.graph_objects.Figure.

No Streamlit here, so every builder is testable on a small frame. Colours come from
dashboard.style; hover texts and rupee axes use Indian formatting (lakh / crore). Traces that
support drill-down carry the filter value(s) of each point in `customdata`.

Figures are assembled from plain trace and layout dicts and built without Plotly's validation
(`_figure`): validating every property and the update_* calls took 3-5 ms a chart, most of a
page's rendering. tests/dashboard/test_charts.py validates every builder's output instead.
"""

from __future__ import annotations

import html
import math

import pandas as pd
import plotly.graph_objects as go

from dashboard import style
from dashboard.chart_ticks import whole_number_ticks
from dashboard.style import number, percent, rupees
from db.analytics.metrics import UNKNOWN, risk_band


def shown(value: object) -> str:
    """Text from the data as Plotly shows it literally: Plotly reads <b>, <a href>, <br> ... in
    labels, legends and hovers, so a city, channel or segment name has its &, < and > escaped."""
    return html.escape(str(value), quote=False)


NO_MATCH = "No customers match these filters. Widen or clear the filters in the sidebar."

HEIGHT = 360
TOOLBAR_STRIP = 28  # px above a chart's title where the toolbars appear on hover (always on a phone)
SUBTITLE_SPACE = 20  # px a one-line subtitle adds below the title
TITLE_MAX, SUBTITLE_MAX = 40, 58  # characters that fit a 390 px wide phone
HOVER = "%{hovertext}<extra></extra>"  # hover shows the trace's hovertext only
LEGEND = {"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0, "xanchor": "left", "title": None}


# --- shared layout ------------------------------------------------------------------------


def _figure(
    traces: list[dict],
    title: str,
    *,
    height: int = HEIGHT,
    legend: bool = False,
    xaxis: dict | None = None,
    yaxis: dict | None = None,
    legend_order: str | None = None,
    subtitle: str | None = None,
    **kw,
) -> go.Figure:
    """A figure of `traces` (dicts with a "type") with the shared layout, `xaxis`, `yaxis` and
    any other layout keys in `kw`, built without validation."""
    layout = _shared_layout(title, height=height, legend=legend, subtitle=subtitle, **kw)
    if legend_order:
        layout["legend"] = LEGEND | {"traceorder": legend_order}
    if xaxis:
        layout["xaxis"] = xaxis
    if yaxis:
        layout["yaxis"] = yaxis
    whole_number_ticks(layout, traces)
    return go.Figure(data=traces, layout=layout, _validate=False)


def _shared_layout(
    title: str, *, height: int = HEIGHT, legend: bool = False, subtitle: str | None = None, **kw
) -> dict:
    """Titles are at most TITLE_MAX characters (a phone's width); what more a chart needs to say goes
    in its subtitle (at most SUBTITLE_MAX)."""
    head = TOOLBAR_STRIP + (SUBTITLE_SPACE if subtitle else 0)
    return {
        # The title sits below a strip kept free for the toolbars (Plotly's and Streamlit's).
        "title": {
            "text": title,
            "x": 0,
            "xanchor": "left",
            "y": 1,
            "yref": "container",
            "yanchor": "top",
            "pad": {"t": TOOLBAR_STRIP},
            "font": {"size": 16},
            "subtitle": {"text": subtitle, "font": {"size": 12, "color": style.GREY}},
        },
        "height": height + head,
        "margin": {"l": 8, "r": 16, "t": head + (78 if legend else 48), "b": 8},
        "font": {"family": style.FONT_FAMILY, "size": 13},
        "showlegend": legend,
        "legend": LEGEND,
        "hoverlabel": {"font": {"size": 13}},
        "uniformtext": {"minsize": 11, "mode": "show"},
        "bargap": 0.25,
        **kw,
    }


def _title(text: str | None) -> dict:
    return {"text": text}


def _bar(**props) -> dict:
    """A bar trace that hovers its hovertext."""
    return {"type": "bar", "hovertemplate": HOVER, **props}


def _values(col) -> list:
    """A column as a plain list (what validation would have made of a Series)."""
    return col.tolist() if hasattr(col, "tolist") else list(col)


go.Layout(_shared_layout("", legend=True, barmode="group"))  # fails at import on an invalid key


def empty_figure(message: str = NO_MATCH, *, title: str = "") -> go.Figure:
    """A blank figure with a centred message (for frames without rows)."""
    note = {
        "text": message,
        "x": 0.5,
        "y": 0.5,
        "xref": "paper",
        "yref": "paper",
        "showarrow": False,
        "font": {"size": 15, "color": style.GREY},
    }
    hidden = {"visible": False}
    return _figure([], title, height=220, annotations=[note], xaxis=hidden, yaxis=hidden)


def _max(values) -> float:
    """Largest value, 0 for an empty or all-missing series."""
    m = pd.Series(values, dtype="float64").max()
    return 0.0 if pd.isna(m) else float(m)


def _nice_step(span: float, ticks: int = 5) -> float:
    if span <= 0:
        return 1.0
    raw = span / ticks
    mag = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * mag:
            return m * mag
    return 10 * mag


def rupee_ticks(max_value: float, ticks: int = 5) -> tuple[list[float], list[str]]:
    """Tick positions from 0 past `max_value` labelled ₹…L / ₹…Cr (plotly would say 1.2M)."""
    step = _nice_step(float(max_value or 0), ticks)
    n = max(1, math.ceil((max_value or 0) / step))
    vals = [i * step for i in range(n + 1)]
    return vals, _rupee_labels(vals)


def _rupee_labels(vals: list[float]) -> list[str]:
    """Tick labels with the fewest decimals that show every tick exactly ('₹25 L', '₹1 Cr')."""
    digits = next((d for d in (0, 1, 2) if all(_exact(v, d) for v in vals)), 2)
    return [rupees(v, digits=digits) if v else "₹0" for v in vals]


def _exact(v: float, digits: int) -> bool:
    """Does rupees(v, digits=digits) show v without rounding?"""
    unit = 1e7 if v >= 1e7 else 1e5 if v >= 1e5 else 1
    return abs(round(v / unit, digits) - v / unit) < 1e-9


def _rupee_axis(max_value: float, *, title: str = "₹", **kw) -> dict:
    """A 0..max_value rupee axis (max_value includes any headroom for labels); ticks inside it."""
    vals, _ = rupee_ticks(max_value)
    top = max_value or vals[-1]
    kept = [v for v in vals if v <= top * 1.0001] or [0.0]
    return {
        "tickvals": kept,
        "ticktext": _rupee_labels(kept),
        "title": _title(title),
        "range": [0, top * 1.02],
        **kw,
    }


def _category_sorted(df: pd.DataFrame, col: str, order: tuple[str, ...]) -> pd.DataFrame:
    rank = {v: i for i, v in enumerate(order)}
    return df.assign(_o=df[col].map(lambda v: rank.get(v, len(rank)))).sort_values("_o").drop(columns="_o")


def _hbar(
    df: pd.DataFrame,
    *,
    label: str,
    value: str,
    title: str,
    x_title: str,
    colors: list[str] | str = style.ACCENT,
    custom: list | None = None,
    money: bool = False,
    noun: str = "customers",
    text: list[str] | None = None,
    char_room: float = 0.045,
) -> go.Figure:
    """Horizontal bars, largest at the top, values printed at the bar ends.

    char_room: share of the axis each character of the longest label needs right of its bar
    (0.045 suits a half-width chart; a full-width one needs about half that).
    """
    plain = [rupees(v) if money else number(v) for v in df[value]]
    labels = [shown(v) for v in df[label]]
    hover = [f"<b>{lab}</b><br>{t} {'' if money else noun}" for lab, t in zip(labels, plain, strict=True)]
    text = text or plain
    # Room right of the longest bar for its label.
    headroom = 1.1 + char_room * max((len(t) for t in text), default=0)
    bar = _bar(
        y=labels,
        x=_values(df[value]),
        orientation="h",
        marker={"color": colors},
        text=text,
        textposition="outside",
        cliponaxis=False,
        hovertext=hover,
    )
    if custom is not None:
        bar["customdata"] = custom
    top = _max(df[value])
    if money:
        xaxis = _rupee_axis(top * headroom, title=x_title)
    else:
        xaxis = {"title": _title(x_title), "range": [0, top * headroom or 1], "tickformat": ",d", "nticks": 5}
    yaxis = {"autorange": "reversed", "automargin": True}
    return _figure([bar], title, height=max(260, 60 + 24 * len(df)), xaxis=xaxis, yaxis=yaxis)


# --- Overview -----------------------------------------------------------------------------


def new_per_month(df: pd.DataFrame) -> go.Figure:
    """[month, customers] -> bars of customers who joined each month."""
    months = pd.to_datetime(df["month"])
    hover = [
        f"<b>{m:%B %Y}</b><br>{number(c)} new customers" for m, c in zip(months, df["customers"], strict=True)
    ]
    bar = _bar(
        x=[m.strftime("%Y-%m-%d") for m in months],
        y=_values(df["customers"]),
        marker={"color": style.ACCENT},
        hovertext=hover,
    )
    xaxis = {"title": _title("Month joined"), "tickformat": "%b %Y", "type": "date"}
    if len(df) > 36:
        xaxis["dtick"] = "M12"
    yaxis = {"title": _title("New customers"), "tickformat": ",d", "rangemode": "tozero"}
    return _figure([bar], "New customers per month (by join date)", xaxis=xaxis, yaxis=yaxis)


def status_mix(df: pd.DataFrame) -> go.Figure:
    """[status, customers] -> horizontal bars per account status (drill: statuses)."""
    df = _category_sorted(df, "status", style.STATUS_ORDER)
    total = df["customers"].sum() or 1
    return _hbar(
        df,
        label="status",
        value="customers",
        title="Customers by account status",
        x_title="Customers",
        colors=[style.color_for(style.STATUS_COLORS, s) for s in df["status"]],
        custom=list(df["status"]),
        text=[f"{number(c)} ({percent(c / total, digits=0)})" for c in df["customers"]],
    )


# --- Demographics -------------------------------------------------------------------------


def age_gender(df: pd.DataFrame) -> go.Figure:
    """[age_band, gender, customers] -> grouped bars per age band, one colour per gender."""
    bands = list(dict.fromkeys(df["age_band"]))
    genders = [g for g in style.GENDER_ORDER if g in set(df["gender"])]
    genders += sorted(set(df["gender"]) - set(style.GENDER_ORDER))
    traces = []
    for gender in genders:
        counts = df[df["gender"] == gender].set_index("age_band")["customers"].reindex(bands, fill_value=0)
        traces.append(
            _bar(
                name=shown(gender),
                x=bands,
                y=_values(counts),
                marker={"color": style.color_for(style.GENDER_COLORS, gender)},
                customdata=[gender] * len(bands),
                hovertext=[
                    f"<b>{shown(gender)}, {b}</b><br>{number(c)} customers"
                    for b, c in zip(bands, counts, strict=True)
                ],
            )
        )
    return _figure(
        traces,
        "Customers by age band and gender",
        legend=True,
        barmode="group",
        xaxis={"title": _title("Age band (years)")},
        yaxis={"title": _title("Customers"), "tickformat": ",d"},
    )


def gender_mix(df: pd.DataFrame) -> go.Figure:
    """[gender, customers] -> horizontal bars with shares (drill: genders)."""
    df = _category_sorted(df, "gender", style.GENDER_ORDER)
    total = df["customers"].sum() or 1
    return _hbar(
        df,
        label="gender",
        value="customers",
        title="Gender mix",
        x_title="Customers",
        colors=[style.color_for(style.GENDER_COLORS, g) for g in df["gender"]],
        custom=list(df["gender"]),
        text=[f"{number(c)} ({percent(c / total, digits=0)})" for c in df["customers"]],
    )


def by_state(df: pd.DataFrame, *, other: str = "Other states") -> go.Figure:
    """[state, customers] -> top states, the remainder in grey (drill: states)."""
    colors = [style.OTHER if s == other else style.ACCENT for s in df["state"]]
    custom = [None if s == other else s for s in df["state"]]
    return _hbar(
        df,
        label="state",
        value="customers",
        title="Customers by state",
        x_title="Customers",
        colors=colors,
        custom=custom,
    )


def by_city(df: pd.DataFrame) -> go.Figure:
    """[city, state, customers] -> top cities (drill: cities)."""
    labels = df.assign(label=[f"{c} ({s})" for c, s in zip(df["city"], df["state"], strict=True)])
    return _hbar(
        labels,
        label="label",
        value="customers",
        title="Customers by city",
        x_title="Customers",
        custom=list(df["city"]),
    )


def abroad(df: pd.DataFrame) -> go.Figure:
    """[country, customers] -> customers outside India (drill: countries)."""
    return _hbar(
        df,
        label="country",
        value="customers",
        title="Customers outside India, by country",
        x_title="Customers",
        colors=style.BLUISH_GREEN,
        custom=list(df["country"]),
    )


def join_cohorts(df: pd.DataFrame) -> go.Figure:
    """[year, customers] -> customers by the year they joined."""
    years = [str(int(y)) for y in df["year"]]
    bar = _bar(
        x=years,
        y=_values(df["customers"]),
        marker={"color": style.ACCENT},
        text=[number(c) for c in df["customers"]],
        textposition="outside",
        cliponaxis=False,
        hovertext=[
            f"<b>Joined in {y}</b><br>{number(c)} customers"
            for y, c in zip(years, df["customers"], strict=True)
        ],
    )
    return _figure(
        [bar],
        "Join cohorts: customers by year joined",
        xaxis={"title": _title("Year joined"), "type": "category"},
        yaxis={"title": _title("Customers"), "tickformat": ",d", "range": [0, _max(df["customers"]) * 1.15]},
    )


def _histogram_bars(df: pd.DataFrame, count: str, color: str, what: str, fmt=number) -> dict:
    mids = (df["bin_start"] + df["bin_end"]) / 2
    widths = df["bin_end"] - df["bin_start"]
    hover = [
        f"<b>{fmt(a)} – {fmt(b)}</b><br>{number(c)} {what}"
        for a, b, c in zip(df["bin_start"], df["bin_end"], df[count], strict=True)
    ]
    return _bar(
        x=_values(mids),
        y=_values(df[count]),
        width=_values(widths),
        marker={"color": color, "line": {"width": 0}},
        hovertext=hover,
    )


def bin_labels(starts, ends, fmt=number) -> list[str]:
    """'0–500', '500–1,000', ... and '9,000+' for a last bin much wider than the others (overflow)."""
    starts, ends = list(starts), list(ends)
    widths = sorted(b - a for a, b in zip(starts, ends, strict=True))
    typical = widths[len(widths) // 2] if widths else 0
    labels = [f"{fmt(a)}–{fmt(b)}" for a, b in zip(starts, ends, strict=True)]
    if len(labels) > 2 and ends[-1] - starts[-1] > 3 * typical:
        labels[-1] = f"{fmt(starts[-1])}+"
    return labels


def loyalty_distribution(df: pd.DataFrame) -> go.Figure:
    """[bin_start, bin_end, customers] -> histogram of loyalty points (an overflow bin shown as 'N+').

    Bars sit at 0, 1, 2, ... (equal widths, also for the overflow bin); the axis is labelled with
    bin edges, horizontally, on every k-th edge (about 4 fit a half-width chart), and 'N+' under
    an overflow bin.
    """
    labels = bin_labels(df["bin_start"], df["bin_end"])
    n = len(labels)
    bar = _bar(
        x=list(range(n)),
        y=_values(df["customers"]),
        marker={"color": style.ACCENT},
        hovertext=[
            f"<b>{lab} points</b><br>{number(c)} customers"
            for lab, c in zip(labels, df["customers"], strict=True)
        ],
    )
    step = max(1, math.ceil(n / 4))
    starts = list(df["bin_start"])
    overflow = n > 2 and labels[-1].endswith("+")
    ticks = [(i - 0.5, number(starts[i])) for i in range(0, n, step)]
    if overflow:
        ticks = [t for t in ticks if t[0] < n - 1 - step / 2] + [(n - 1, labels[-1])]
    elif n:
        ticks = [t for t in ticks if t[0] < n - 0.5 - step / 2] + [(n - 0.5, number(list(df["bin_end"])[-1]))]
    xaxis = {
        "title": _title("Loyalty points"),
        "range": [-0.6, n - 0.4],
        "tickangle": 0,
        "tickvals": [v for v, _ in ticks],
        "ticktext": [t for _, t in ticks],
        "showgrid": False,
    }
    yaxis = {"title": _title("Customers"), "tickformat": ",d"}
    return _figure([bar], "Customers per loyalty-points range", bargap=0.08, xaxis=xaxis, yaxis=yaxis)


# --- Segments and value -------------------------------------------------------------------


def _rupees_by_category(df: pd.DataFrame, *, value: str, count: str, label: str, title: str) -> go.Figure:
    """Bars of a rupee amount per segment category, in category colours (drill: categories)."""
    df = _category_sorted(df, "category", style.CATEGORY_ORDER)
    bar = _bar(
        x=[shown(c) for c in df["category"]],
        y=_values(df[value]),
        marker={"color": [style.color_for(style.CATEGORY_COLORS, c) for c in df["category"]]},
        text=[rupees(v) for v in df[value]],
        textposition="outside",
        cliponaxis=False,
        customdata=list(df["category"]),
        hovertext=[
            f"<b>{shown(c)}</b><br>{label} {rupees(v)}<br>{number(n)} {count}"
            for c, v, n in zip(df["category"], df[value], df[count], strict=True)
        ],
    )
    return _figure(
        [bar],
        title,
        xaxis={"title": _title("Segment category")},
        yaxis=_rupee_axis(_max(df[value]) * 1.15, title=f"{label} (₹)"),
    )


def value_total_by_category(df: pd.DataFrame) -> go.Figure:
    """[category, customers, total, mean, median] -> total lifetime value per category (drill: categories)."""
    return _rupees_by_category(
        df,
        value="total",
        count="customers",
        label="Lifetime value",
        title="Total lifetime value by segment category",
    )


def value_mean_median(df: pd.DataFrame) -> go.Figure:
    """[category, ..., mean, median] -> dot plot of mean (●) and median (◆) per category, log scale."""
    df = _category_sorted(df, "category", style.CATEGORY_ORDER)
    colors = [style.color_for(style.CATEGORY_COLORS, c) for c in df["category"]]
    traces = []
    for name, col, symbol, pos in (
        ("Median", "median", "diamond-open", "bottom center"),
        ("Mean", "mean", "circle", "top center"),
    ):
        traces.append(
            {
                "type": "scatter",
                "name": name,
                "y": [shown(c) for c in df["category"]],
                "x": _values(df[col]),
                "mode": "markers+text",
                "marker": {
                    "color": colors,
                    "size": 14,
                    "symbol": symbol,
                    "line": {"width": 2.5, "color": colors},
                },
                "text": [rupees(v) for v in df[col]],
                "textposition": pos,
                "customdata": list(df["category"]),
                "hovertext": [
                    f"<b>{shown(c)}</b><br>{name} {rupees(v)}"
                    for c, v in zip(df["category"], df[col], strict=True)
                ],
                "hovertemplate": HOVER,
            }
        )
    lo = max(1.0, float(pd.concat([df["mean"], df["median"]]).min() or 1))
    hi = _max(pd.concat([df["mean"], df["median"]])) or 10.0
    ticks = [t for t in (1e3, 1e4, 1e5, 1e6, 1e7, 1e8) if lo / 10 <= t <= hi * 10]
    xaxis = {
        "type": "log",
        "title": _title("Lifetime value (₹, log scale)"),
        "range": [math.log10(lo) - 0.6, math.log10(hi) + 0.6],
        "tickvals": ticks,
        "ticktext": [rupees(t, digits=0) for t in ticks],
    }
    return _figure(
        traces,
        "Mean and median lifetime value",
        subtitle="Per customer: ● mean, ◆ median",
        xaxis=xaxis,
        yaxis={"autorange": "reversed"},
    )


def _grid(n: int, *, cols: int = 2, gap_x: float = 0.1, gap_y: float = 0.2) -> list[tuple[tuple, tuple]]:
    """(x domain, y domain) of `n` panels in rows of `cols`, top row first (make_subplots' grid,
    without its cost per chart). Two columns stay readable on a 390 px phone."""
    cols = min(cols, n)
    rows = math.ceil(n / cols)
    w = (1 - gap_x * (cols - 1)) / cols
    h = (1 - gap_y * (rows - 1)) / rows
    out = []
    for i in range(n):
        r, c = divmod(i, cols)
        x0, y1 = c * (w + gap_x), 1 - r * (h + gap_y)
        out.append(((round(x0, 6), round(x0 + w, 6)), (round(max(0.0, y1 - h), 6), round(y1, 6))))
    return out


def value_distribution(df: pd.DataFrame) -> go.Figure:
    """[category, bin_start, bin_end, customers] -> one histogram per category (own value scale)."""
    cats = [c for c in style.CATEGORY_ORDER if c in set(df["category"])]
    traces, axes, titles = [], {}, []
    cells = _grid(max(1, len(cats)))
    for i, (cat, (xdom, ydom)) in enumerate(zip(cats, cells, strict=False), start=1):
        part = df[df["category"] == cat]
        suffix = "" if i == 1 else str(i)
        color = style.color_for(style.CATEGORY_COLORS, cat)
        bars = _histogram_bars(part, "customers", color, "customers", fmt=rupees)
        traces.append(bars | {"xaxis": f"x{suffix}", "yaxis": f"y{suffix}"})
        # Ticks inside the panel only: a last tick on the right edge runs into the next panel's ₹0.
        top = _max(part["bin_end"])
        vals, _ = rupee_ticks(top, ticks=3)
        inside = [v for v in vals if v <= top * 0.97] or [0.0]
        axes[f"xaxis{suffix}"] = {
            "anchor": f"y{suffix}",
            "domain": list(xdom),
            "tickvals": inside,
            "ticktext": _rupee_labels(inside),
        }
        axes[f"yaxis{suffix}"] = {"anchor": f"x{suffix}", "domain": list(ydom), "tickformat": ",d"}
        titles.append(_panel_title(cat, sum(xdom) / 2, ydom[1]))
    rows = math.ceil(len(cells) / 2)
    return _figure(
        traces,
        "Lifetime value distribution",
        subtitle="Customers per lifetime-value (₹) range, by category",
        height=HEIGHT if rows == 1 else 2 * HEIGHT - 60,
        bargap=0.04,
        annotations=titles,
        **axes,
    )


def _panel_title(text: str, x: float, y: float) -> dict:
    return {
        "text": text,
        "x": x,
        "xref": "paper",
        "xanchor": "center",
        "y": y,
        "yref": "paper",
        "yanchor": "bottom",
        "showarrow": False,
        "font": {"size": 16},
    }


def category_tree(df: pd.DataFrame) -> go.Figure:
    """[category, segment_name, customers, total] -> treemap: category -> segment name, area = value."""
    ids, labels, parents, values, colors, hover, text = [], [], [], [], [], [], []
    for cat in [c for c in style.CATEGORY_ORDER if c in set(df["category"])]:
        part = df[df["category"] == cat]
        ids.append(cat)
        labels.append(cat)
        text.append(cat)
        parents.append("")
        values.append(float(part["total"].sum()))
        colors.append(style.color_for(style.CATEGORY_COLORS, cat))
        hover.append(
            f"<b>{cat}</b><br>{rupees(part['total'].sum())}<br>{number(part['customers'].sum())} customers"
        )
        for name, n, total in zip(part["segment_name"], part["customers"], part["total"], strict=True):
            ids.append(f"{cat}/{shown(name)}")
            labels.append(shown(name))
            text.append("<br>".join(shown(name).split()))
            parents.append(cat)
            values.append(float(total))
            colors.append(style.color_for(style.CATEGORY_COLORS, cat))
            hover.append(f"<b>{shown(name)}</b> ({cat})<br>{rupees(total)}<br>{number(n)} customers")
    tree = {
        "type": "treemap",
        "ids": ids,
        "labels": labels,
        "parents": parents,
        "values": values,
        "branchvalues": "total",
        "marker": {"colors": colors, "line": {"color": "white", "width": 1.5}},
        "hovertext": hover,
        "hovertemplate": HOVER,
        "text": text,
        "texttemplate": "<b>%{text}</b><br>%{percentRoot:.0%}",
        "textfont": {"color": "white", "size": 13},
        "pathbar": {"visible": False},
        "tiling": {"pad": 2},
    }
    return _figure(
        [tree],
        "Lifetime value by segment name",
        subtitle="Box area = lifetime value, grouped by category",
        height=420,
        uniformtext={"mode": False},  # labels shrink to fit their box (hover has the rest)
    )


def engagement_by_category(df: pd.DataFrame) -> go.Figure:
    """[category, engagement, customers] -> 100 % stacked bars (drill: categories + engagements)."""
    cats = [c for c in style.CATEGORY_ORDER if c in set(df["category"])]
    totals = df.groupby("category")["customers"].sum()
    traces = []
    present = set(df["engagement"])
    for level in [e for e in style.ENGAGEMENT_ORDER if e in present or e != UNKNOWN]:
        counts = df[df["engagement"] == level].set_index("category")["customers"].reindex(cats, fill_value=0)
        shares = [counts[c] / (totals.get(c, 0) or 1) for c in cats]
        traces.append(
            _bar(
                name=level,
                y=cats,
                x=[float(s * 100) for s in shares],
                orientation="h",
                marker={"color": style.color_for(style.ENGAGEMENT_COLORS, level)},
                text=[percent(s, digits=0) if s >= 0.06 else "" for s in shares],
                textposition="inside",
                insidetextanchor="middle",
                textangle=0,
                customdata=[[c, level] for c in cats],
                hovertext=[
                    f"<b>{c}, {level} engagement</b><br>{number(n)} customers ({percent(s)})"
                    for c, n, s in zip(cats, counts, shares, strict=True)
                ],
            )
        )
    return _figure(
        traces,
        "Engagement level mix per category",
        legend=True,
        barmode="stack",
        legend_order="normal",
        height=300,
        uniformtext={"minsize": 11, "mode": "hide"},
        xaxis={
            "title": _title("Share of the category's customers (%)"),
            "range": [0, 100],
            "ticksuffix": "%",
        },
        yaxis={"autorange": "reversed"},
    )


def pareto(df: pd.DataFrame, shares: dict | None = None) -> go.Figure:
    """[customer_share, value_share] (+ top_shares) -> cumulative value curve with top 1/10/20 % marks."""
    x = [0.0, *(df["customer_share"] * 100).tolist()]
    y = [0.0, *(df["value_share"] * 100).tolist()]
    traces = [
        {
            "type": "scatter",
            "x": [0, 100],
            "y": [0, 100],
            "mode": "lines",
            "line": {"color": style.LIGHT_GREY, "dash": "dash"},
            "hoverinfo": "skip",
            "name": "Equal shares",
        },
        {
            "type": "scatter",
            "x": x,
            "y": y,
            "mode": "lines",
            "line": {"color": style.ACCENT, "width": 3},
            "name": "Actual",
            "hovertext": [
                f"Top {a:.0f}% of customers hold {b:.1f}% of the value" for a, b in zip(x, y, strict=True)
            ],
            "hovertemplate": HOVER,
        },
    ]
    for key, pct in (("top_1", 1), ("top_10", 10), ("top_20", 20)):
        if shares and shares.get(key) is not None:
            v = shares[key] * 100
            traces.append(
                {
                    "type": "scatter",
                    "x": [pct],
                    "y": [v],
                    "mode": "markers+text",
                    "marker": {"color": style.ORANGE, "size": 10},
                    "text": [f"Top {pct}%: {v:.0f}%"],
                    "textposition": "middle right",
                    "showlegend": False,
                    "hovertext": [f"Top {pct}% of customers hold {v:.1f}% of the value"],
                    "hovertemplate": HOVER,
                }
            )
    return _figure(
        traces,
        "Value concentration (Pareto curve)",
        legend=True,
        xaxis={"title": _title("Customers, highest value first (%)"), "range": [0, 100], "ticksuffix": "%"},
        yaxis={"title": _title("Share of total lifetime value (%)"), "range": [0, 102], "ticksuffix": "%"},
    )


# --- Churn risk ---------------------------------------------------------------------------


def risk_distribution(df: pd.DataFrame, *, bin_width: int = 5) -> go.Figure:
    """[bin_start, band, customers] -> histogram of risk score coloured by band (drill: risk_bands)."""
    traces = []
    for band in style.RISK_BAND_ORDER:
        part = df[df["band"] == band]
        if part.empty:
            continue
        traces.append(
            _bar(
                name=band,
                x=_values(part["bin_start"] + bin_width / 2),
                y=_values(part["customers"]),
                width=bin_width * 0.92,
                marker={"color": style.color_for(style.RISK_BAND_COLORS, band)},
                customdata=[band] * len(part),
                hovertext=[
                    f"<b>Risk {s:g}–{s + bin_width:g}</b> ({band})<br>{number(c)} customers"
                    for s, c in zip(part["bin_start"], part["customers"], strict=True)
                ],
            )
        )
    return _figure(
        traces,
        "Risk score distribution by risk band",
        legend=True,
        xaxis={"title": _title("Risk score (0–100)"), "range": [0, 100], "dtick": 10},
        yaxis={"title": _title("Customers"), "tickformat": ",d"},
    )


def _selectable_cells(xs: list, ys: list, custom: list, hover: list) -> dict:
    """Invisible markers on heat-map cells: heat maps cannot be selected, markers can."""
    return {
        "type": "scatter",
        "x": xs,
        "y": ys,
        "mode": "markers",
        "customdata": custom,
        "hovertext": hover,
        "hovertemplate": HOVER,
        "showlegend": False,
        "marker": {"size": 40, "symbol": "square", "opacity": 0, "color": "black"},
        "selected": {"marker": {"opacity": 0}},
        "unselected": {"marker": {"opacity": 0}},
    }


def risk_heatmap(df: pd.DataFrame) -> go.Figure:
    """[category, engagement, mean_risk, customers] -> mean risk per category x engagement (drill: both)."""
    cats = [c for c in style.CATEGORY_ORDER if c in set(df["category"])]
    levels = [e for e in style.ENGAGEMENT_ORDER if e in set(df["engagement"])]
    cells = {
        (c, e): (float(r), n)
        for c, e, r, n in zip(df["category"], df["engagement"], df["mean_risk"], df["customers"], strict=True)
    }
    z, text, xs, ys, custom, hover = [], [], [], [], [], []
    for cat in cats:
        row, trow = [], []
        for level in levels:
            if (cat, level) in cells:
                risk, n = cells[(cat, level)]
                row.append(risk)
                trow.append(f"<b>{risk:.1f}</b><br>{number(n)}")
                xs.append(level)
                ys.append(cat)
                custom.append([cat, level])
                hover.append(
                    f"<b>{cat}, {level} engagement</b><br>Mean risk {risk:.1f}<br>{number(n)} customers"
                )
            else:
                row.append(None)
                trow.append("")
        z.append(row)
        text.append(trow)
    heat = {
        "type": "heatmap",
        "z": z,
        "x": levels,
        "y": cats,
        "text": text,
        "texttemplate": "%{text}",
        "colorscale": style.RISK_SCALE,
        "zmin": 0,
        "zmax": 100,
        "hoverinfo": "skip",
        "xgap": 3,
        "ygap": 3,
        "colorbar": {"title": {"text": "Mean risk"}, "thickness": 12},
        "textfont": {"size": 12},
    }
    xaxis = {
        "title": _title("Engagement level"),
        "type": "category",
        "categoryorder": "array",
        "categoryarray": levels,
    }
    yaxis = {"type": "category", "autorange": "reversed", "categoryorder": "array", "categoryarray": cats}
    return _figure(
        [heat, _selectable_cells(xs, ys, custom, hover)],
        "Mean risk: category × engagement",
        subtitle="Each cell: mean risk score (bold) and customers",
        xaxis=xaxis,
        yaxis=yaxis,
    )


def value_at_risk_by_category(df: pd.DataFrame) -> go.Figure:
    """[category, value_at_risk, customers] -> bars per category (drill: categories)."""
    return _rupees_by_category(
        df,
        value="value_at_risk",
        count="customers",
        label="Value at risk",
        title="Value at risk by segment category",
    )


def value_at_risk_by_state(df: pd.DataFrame) -> go.Figure:
    """[state, value_at_risk, customers] -> top states by value at risk (drill: states)."""
    return _hbar(
        df,
        label="state",
        value="value_at_risk",
        title="Value at risk by state",
        x_title="Value at risk (₹)",
        colors=style.VERMILLION,
        custom=[None if s == "Other states" else s for s in df["state"]],
        money=True,
        char_room=0.022,  # shown full width on the churn page
    )


def inactivity_label(start, end) -> str:
    """Label of a days-since-last-login bin: '0–30', '365+', 'Never'."""
    if start is None or start == "never" or (isinstance(start, float) and math.isnan(start)):
        return "Never"
    if end is None or (isinstance(end, float) and math.isnan(end)):
        return f"{int(start)}+"
    return f"{int(start)}–{int(end)}"


def risk_vs_inactivity(df: pd.DataFrame) -> go.Figure:
    """[days_bin_start, days_bin_end, mean_risk, customers] -> mean risk per inactivity bin."""
    labels = [inactivity_label(a, b) for a, b in zip(df["days_bin_start"], df["days_bin_end"], strict=True)]
    risks = df["mean_risk"].fillna(0).tolist()
    colors = [style.RISK_BAND_COLORS["High" if r >= 70 else "Medium" if r >= 30 else "Low"] for r in risks]
    bar = _bar(
        x=labels,
        y=_values(df["mean_risk"]),
        marker={"color": colors},
        text=[f"{r:.1f}" for r in risks],
        textposition="outside",
        cliponaxis=False,
        hovertext=[
            f"<b>{lab} days since last login</b><br>Mean risk {r:.1f}<br>{number(n)} customers"
            for lab, r, n in zip(labels, risks, df["customers"], strict=True)
        ],
    )
    return _figure(
        [bar],
        "Mean churn risk by days since last login",
        xaxis={"title": _title("Days since last login"), "type": "category", "tickangle": -30},
        yaxis={"title": _title("Mean risk score (0–100)"), "range": [0, 105]},
    )


def value_risk_matrix(df: pd.DataFrame) -> go.Figure:
    """[value_bin, risk_bin, customers] -> customers per lifetime-value range x risk range."""
    values = list(dict.fromkeys(df["value_bin"]))
    risks = sorted(dict.fromkeys(df["risk_bin"]), key=lambda r: float(str(r).split("-")[0]))
    grid: dict = {}
    for v, r, n in zip(df["value_bin"], df["risk_bin"], df["customers"], strict=True):
        grid[(v, r)] = grid.get((v, r), 0) + int(n)
    z = [[grid.get((v, r), 0) for r in risks] for v in values]
    text = [[number(n) if n else "" for n in row] for row in z]
    hover = [
        [f"<b>Value {v}, risk {r}</b><br>{number(n)} customers" for r, n in zip(risks, row, strict=True)]
        for v, row in zip(values, z, strict=True)
    ]
    heat = {
        "type": "heatmap",
        "z": z,
        "x": risks,
        "y": values,
        "text": text,
        "texttemplate": "%{text}",
        "colorscale": style.COUNT_SCALE,
        "hovertext": hover,
        "hovertemplate": HOVER,
        "xgap": 2,
        "ygap": 2,
        "colorbar": {"title": {"text": "Customers"}, "thickness": 12},
    }
    return _figure(
        [heat],
        "Value-risk density",
        subtitle="Each cell: customers in a lifetime-value and risk range",
        height=400,
        xaxis={"title": _title("Risk score range"), "type": "category"},
        yaxis={"title": _title("Lifetime value (₹)"), "type": "category"},
    )


def value_risk_bands(df: pd.DataFrame) -> go.Figure:
    """value_risk_matrix's frame on a phone: per lifetime-value range, stacked bars of customers
    by risk band (the matrix's 10-point risk ranges start on the band limits)."""
    values = list(dict.fromkeys(df["value_bin"]))
    band = df["risk_bin"].map(lambda r: risk_band(float(str(r).split("-")[0])))
    sums = df.assign(band=band).groupby(["value_bin", "band"])["customers"].sum()
    traces = []
    for name in style.RISK_BAND_ORDER:
        counts = [int(sums.get((v, name), 0)) for v in values]
        traces.append(
            _bar(
                name=name,
                y=values,
                x=counts,
                orientation="h",
                marker={"color": style.RISK_BAND_COLORS[name]},
                hovertext=[
                    f"<b>Value {v}, {name} risk</b><br>{number(n)} customers"
                    for v, n in zip(values, counts, strict=True)
                ],
            )
        )
    return _figure(
        traces,
        "Value-risk density",
        subtitle="Customers per lifetime-value range, by risk band",
        legend=True,
        legend_order="normal",
        barmode="stack",
        height=max(260, 60 + 28 * len(values)),
        xaxis={"title": _title("Customers"), "tickformat": ",d"},
        yaxis={"title": _title("Lifetime value (₹)"), "type": "category", "autorange": "reversed"},
    )


# --- Preferences and consent --------------------------------------------------------------


def channel_mix(df: pd.DataFrame) -> go.Figure:
    """[channel, preferences] -> preference rows per communication channel."""
    df = _category_sorted(df, "channel", style.CHANNEL_ORDER)
    total = df["preferences"].sum() or 1
    return _hbar(
        df,
        label="channel",
        value="preferences",
        title="Preferred communication channel",
        x_title="Preference records",
        colors=[style.color_for(style.CHANNEL_COLORS, c) for c in df["channel"]],
        noun="preferences",
        text=[f"{number(c)} ({percent(c / total, digits=0)})" for c in df["preferences"]],
    )


def consent_rates(df: pd.DataFrame) -> go.Figure:
    """[channel, preferences, notification_rate, marketing_rate, newsletter_rate] -> grouped rates."""
    order = ("All", *style.CHANNEL_ORDER)
    df = _category_sorted(df, "channel", order)
    traces = []
    for (name, color), col in zip(
        style.RATE_COLORS.items(), ("notification_rate", "marketing_rate", "newsletter_rate"), strict=True
    ):
        traces.append(
            _bar(
                name=name,
                x=[shown(ch) for ch in df["channel"]],
                y=_values(df[col] * 100),
                marker={"color": color},
                text=[percent(v, digits=0) for v in df[col]],
                textposition="outside",
                cliponaxis=False,
                hovertext=[
                    f"<b>{shown(ch)}</b>: {name.lower()} {percent(v)}<br>of {number(n)} preferences"
                    for ch, v, n in zip(df["channel"], df[col], df["preferences"], strict=True)
                ],
            )
        )
    return _figure(
        traces,
        "Opt-in rates by channel",
        subtitle="Share of preference records that opted in",
        legend=True,
        # room for the legend in two rows on a phone; bar labels that do not fit a bar are hidden
        margin={"l": 8, "r": 16, "t": TOOLBAR_STRIP + SUBTITLE_SPACE + 100, "b": 8},
        uniformtext={"minsize": 11, "mode": "hide"},
        barmode="group",
        xaxis={"title": _title("Communication channel")},
        yaxis={"title": _title("Share of preference records (%)"), "range": [0, 110], "ticksuffix": "%"},
    )


def language_mix(df: pd.DataFrame) -> go.Figure:
    """[language, preferences] -> preference records per language."""
    df = df.sort_values("preferences", ascending=False)
    return _hbar(
        df,
        label="language",
        value="preferences",
        title="Preferred language",
        x_title="Preference records",
        colors=style.BLUISH_GREEN,
        noun="preferences",
    )


def timezone_mix(df: pd.DataFrame) -> go.Figure:
    """[time_zone, preferences] -> preference records per time zone."""
    df = df.sort_values("preferences", ascending=False)
    return _hbar(
        df,
        label="time_zone",
        value="preferences",
        title="Time zone",
        x_title="Preference records",
        colors=style.SKY_BLUE,
        noun="preferences",
    )


def reachable_by_channel(df: pd.DataFrame) -> go.Figure:
    """[channel, reachable] -> distinct reachable customers per channel."""
    df = _category_sorted(df, "channel", style.CHANNEL_ORDER)
    return _hbar(
        df,
        label="channel",
        value="reachable",
        title="Reachable customers per channel",
        x_title="Reachable customers",
        colors=[style.color_for(style.CHANNEL_COLORS, c) for c in df["channel"]],
    )
