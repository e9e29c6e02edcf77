"""Pure chart builders: DataFrame (shapes of db.analytics) -> plotly.graph_objects.Figure.

No Streamlit here, so every builder is testable on a small frame. Colours come from
dashboard.style; hover texts and rupee axes use Indian formatting (lakh / crore). Traces that
support drill-down carry the filter value(s) of each point in `customdata`.
"""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard import style
from dashboard.style import number, percent, rupees

NO_MATCH = "No customers match these filters. Widen or clear the filters in the sidebar."

HEIGHT = 360


# --- shared layout ------------------------------------------------------------------------


def _layout(fig: go.Figure, title: str, *, height: int = HEIGHT, legend: bool = False, **kw) -> go.Figure:
    """`fig` with the shared layout, as a new figure built without validating again (its traces
    are validated already; the shared layout once, below, at import). update_layout() takes
    14 ms a chart against 4 ms here, which dominated warm page renders. A make_subplots grid
    is not carried over: place traces by row and column before this."""
    layout = fig.layout.to_plotly_json() | _shared_layout(title, height=height, legend=legend, **kw)
    return go.Figure(data=fig.data, layout=layout, _validate=False)


def _shared_layout(title: str, *, height: int = HEIGHT, legend: bool = False, **kw) -> dict:
    return {
        "title": {"text": title, "x": 0, "xanchor": "left", "font": {"size": 16}},
        "height": height,
        "margin": {"l": 8, "r": 16, "t": 78 if legend else 48, "b": 8},
        "font": {"family": style.FONT_FAMILY, "size": 13},
        "showlegend": legend,
        "legend": {
            "orientation": "h",
            "yanchor": "bottom",
            "y": 1.0,
            "x": 0,
            "xanchor": "left",
            "title": None,
        },
        "hoverlabel": {"font": {"size": 13}},
        "uniformtext": {"minsize": 11, "mode": "show"},
        "bargap": 0.25,
        **kw,
    }


go.Layout(_shared_layout("", legend=True, barmode="group"))  # fails at import on an invalid key


def _hover(fig: go.Figure) -> None:
    fig.update_traces(hovertemplate="%{hovertext}<extra></extra>")


def empty_figure(message: str = NO_MATCH, *, title: str = "") -> go.Figure:
    """A blank figure with a centred message (for frames without rows)."""
    fig = go.Figure()
    fig.add_annotation(
        text=message,
        x=0.5,
        y=0.5,
        xref="paper",
        yref="paper",
        showarrow=False,
        font={"size": 15, "color": style.GREY},
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _layout(fig, title, height=220)


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


def _rupee_axis(fig: go.Figure, max_value: float, *, axis: str = "y", title: str = "₹", **kw) -> None:
    """A 0..max_value rupee axis (max_value includes any headroom for labels); ticks inside it."""
    vals, _ = rupee_ticks(max_value)
    top = max_value or vals[-1]
    kept = [v for v in vals if v <= top * 1.0001] or [0.0]
    upd = {
        "tickvals": kept,
        "ticktext": _rupee_labels(kept),
        "title": title,
        "range": [0, top * 1.02],
        **kw,
    }
    (fig.update_yaxes if axis == "y" else fig.update_xaxes)(**upd)


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
    hover = [f"<b>{lab}</b><br>{t} {'' if money else noun}" for lab, t in zip(df[label], plain, strict=True)]
    text = text or plain
    # Room right of the longest bar for its label.
    headroom = 1.1 + char_room * max((len(t) for t in text), default=0)
    fig = go.Figure(
        go.Bar(
            y=df[label].astype(str),
            x=df[value],
            orientation="h",
            marker_color=colors,
            text=text,
            textposition="outside",
            cliponaxis=False,
            hovertext=hover,
            customdata=custom,
        )
    )
    _hover(fig)
    height = max(260, 60 + 24 * len(df))
    fig = _layout(fig, title, height=height)
    fig.update_yaxes(autorange="reversed", title=None, automargin=True)
    top = _max(df[value])
    if money:
        _rupee_axis(fig, top * headroom, axis="x", title=x_title)
    else:
        fig.update_xaxes(title=x_title, range=[0, top * headroom or 1], tickformat=",d", nticks=5)
    return fig


# --- Overview -----------------------------------------------------------------------------


def new_per_month(df: pd.DataFrame) -> go.Figure:
    """[month, customers] -> bars of customers who joined each month."""
    months = pd.to_datetime(df["month"])
    hover = [
        f"<b>{m:%B %Y}</b><br>{number(c)} new customers" for m, c in zip(months, df["customers"], strict=True)
    ]
    fig = go.Figure(go.Bar(x=months, y=df["customers"], marker_color=style.ACCENT, hovertext=hover))
    _hover(fig)
    fig = _layout(fig, "New customers per month (by join date)")
    fig.update_xaxes(title="Month joined", dtick="M12" if len(df) > 36 else None, tickformat="%b %Y")
    fig.update_yaxes(title="New customers", tickformat=",d", rangemode="tozero")
    return fig


def status_mix(df: pd.DataFrame) -> go.Figure:
    """[status, customers] -> horizontal bars per account status (drill: statuses)."""
    df = _category_sorted(df, "status", style.STATUS_ORDER)
    total = df["customers"].sum() or 1
    fig = _hbar(
        df,
        label="status",
        value="customers",
        title="Customers by account status",
        x_title="Customers",
        colors=[style.color_for(style.STATUS_COLORS, s) for s in df["status"]],
        custom=list(df["status"]),
        text=[f"{number(c)} ({percent(c / total, digits=0)})" for c in df["customers"]],
    )
    return fig


# --- Demographics -------------------------------------------------------------------------


def age_gender(df: pd.DataFrame) -> go.Figure:
    """[age_band, gender, customers] -> grouped bars per age band, one colour per gender."""
    bands = list(dict.fromkeys(df["age_band"]))
    fig = go.Figure()
    for gender in [g for g in style.GENDER_ORDER if g in set(df["gender"])] + sorted(
        set(df["gender"]) - set(style.GENDER_ORDER)
    ):
        counts = df[df["gender"] == gender].set_index("age_band")["customers"].reindex(bands, fill_value=0)
        fig.add_trace(
            go.Bar(
                name=gender,
                x=bands,
                y=counts,
                marker_color=style.color_for(style.GENDER_COLORS, gender),
                customdata=[gender] * len(bands),
                hovertext=[
                    f"<b>{gender}, {b}</b><br>{number(c)} customers"
                    for b, c in zip(bands, counts, strict=True)
                ],
            )
        )
    _hover(fig)
    fig = _layout(fig, "Customers by age band and gender", legend=True, barmode="group")
    fig.update_xaxes(title="Age band (years)")
    fig.update_yaxes(title="Customers", tickformat=",d")
    return fig


def gender_mix(df: pd.DataFrame) -> go.Figure:
    """[gender, customers] -> horizontal bars with shares (drill: genders)."""
    df = _category_sorted(df, "gender", style.GENDER_ORDER)
    total = df["customers"].sum() or 1
    fig = _hbar(
        df,
        label="gender",
        value="customers",
        title="Gender mix",
        x_title="Customers",
        colors=[style.color_for(style.GENDER_COLORS, g) for g in df["gender"]],
        custom=list(df["gender"]),
        text=[f"{number(c)} ({percent(c / total, digits=0)})" for c in df["customers"]],
    )
    return fig


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
    fig = go.Figure(
        go.Bar(
            x=years,
            y=df["customers"],
            marker_color=style.ACCENT,
            text=[number(c) for c in df["customers"]],
            textposition="outside",
            cliponaxis=False,
            hovertext=[
                f"<b>Joined in {y}</b><br>{number(c)} customers"
                for y, c in zip(years, df["customers"], strict=True)
            ],
        )
    )
    _hover(fig)
    fig = _layout(fig, "Join cohorts: customers by year joined")
    fig.update_xaxes(title="Year joined", type="category")
    fig.update_yaxes(title="Customers", tickformat=",d", range=[0, _max(df["customers"]) * 1.15])
    return fig


def _histogram_bars(df: pd.DataFrame, count: str, color: str, what: str, fmt=number) -> go.Bar:
    mids = (df["bin_start"] + df["bin_end"]) / 2
    widths = df["bin_end"] - df["bin_start"]
    hover = [
        f"<b>{fmt(a)} – {fmt(b)}</b><br>{number(c)} {what}"
        for a, b, c in zip(df["bin_start"], df["bin_end"], df[count], strict=True)
    ]
    return go.Bar(x=mids, y=df[count], width=widths, marker_color=color, marker_line_width=0, hovertext=hover)


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
    fig = go.Figure(
        go.Bar(
            x=list(range(n)),
            y=df["customers"],
            marker_color=style.ACCENT,
            hovertext=[
                f"<b>{lab} points</b><br>{number(c)} customers"
                for lab, c in zip(labels, df["customers"], strict=True)
            ],
        )
    )
    _hover(fig)
    fig = _layout(fig, "Loyalty points: customers per points range", bargap=0.08)
    step = max(1, math.ceil(n / 4))
    starts = list(df["bin_start"])
    overflow = n > 2 and labels[-1].endswith("+")
    ticks = [(i - 0.5, number(starts[i])) for i in range(0, n, step)]
    if overflow:
        ticks = [t for t in ticks if t[0] < n - 1 - step / 2] + [(n - 1, labels[-1])]
    elif n:
        ticks = [t for t in ticks if t[0] < n - 0.5 - step / 2] + [(n - 0.5, number(list(df["bin_end"])[-1]))]
    fig.update_xaxes(
        title="Loyalty points",
        range=[-0.6, n - 0.4],
        tickangle=0,
        tickvals=[v for v, _ in ticks],
        ticktext=[t for _, t in ticks],
        showgrid=False,
    )
    fig.update_yaxes(title="Customers", tickformat=",d")
    return fig


# --- Segments and value -------------------------------------------------------------------


def _rupees_by_category(df: pd.DataFrame, *, value: str, count: str, label: str, title: str) -> go.Figure:
    """Bars of a rupee amount per segment category, in category colours (drill: categories)."""
    df = _category_sorted(df, "category", style.CATEGORY_ORDER)
    fig = go.Figure(
        go.Bar(
            x=df["category"],
            y=df[value],
            marker_color=[style.color_for(style.CATEGORY_COLORS, c) for c in df["category"]],
            text=[rupees(v) for v in df[value]],
            textposition="outside",
            cliponaxis=False,
            customdata=list(df["category"]),
            hovertext=[
                f"<b>{c}</b><br>{label} {rupees(v)}<br>{number(n)} {count}"
                for c, v, n in zip(df["category"], df[value], df[count], strict=True)
            ],
        )
    )
    _hover(fig)
    fig = _layout(fig, title)
    fig.update_xaxes(title="Segment category")
    _rupee_axis(fig, _max(df[value]) * 1.15, title=f"{label} (₹)")
    return fig


def value_total_by_category(df: pd.DataFrame) -> go.Figure:
    """[category, segments, total, mean, median] -> total lifetime value per category (drill: categories)."""
    return _rupees_by_category(
        df,
        value="total",
        count="segments",
        label="Lifetime value",
        title="Total lifetime value by segment category",
    )


def value_mean_median(df: pd.DataFrame) -> go.Figure:
    """[category, ..., mean, median] -> dot plot of mean (●) and median (◆) per category, log scale."""
    df = _category_sorted(df, "category", style.CATEGORY_ORDER)
    colors = [style.color_for(style.CATEGORY_COLORS, c) for c in df["category"]]
    fig = go.Figure()
    for name, col, symbol, pos in (
        ("Median", "median", "diamond-open", "bottom center"),
        ("Mean", "mean", "circle", "top center"),
    ):
        fig.add_trace(
            go.Scatter(
                name=name,
                y=df["category"],
                x=df[col],
                mode="markers+text",
                marker={
                    "color": colors,
                    "size": 14,
                    "symbol": symbol,
                    "line": {"width": 2.5, "color": colors},
                },
                text=[rupees(v) for v in df[col]],
                textposition=pos,
                customdata=list(df["category"]),
                hovertext=[
                    f"<b>{c}</b><br>{name} {rupees(v)}" for c, v in zip(df["category"], df[col], strict=True)
                ],
            )
        )
    _hover(fig)
    fig = _layout(fig, "Mean (●) and median (◆) value per segment")
    lo = max(1.0, float(pd.concat([df["mean"], df["median"]]).min() or 1))
    hi = _max(pd.concat([df["mean"], df["median"]])) or 10.0
    ticks = [t for t in (1e3, 1e4, 1e5, 1e6, 1e7, 1e8) if lo / 10 <= t <= hi * 10]
    fig.update_xaxes(
        type="log",
        title="Lifetime value (₹, log scale)",
        range=[math.log10(lo) - 0.6, math.log10(hi) + 0.6],
        tickvals=ticks,
        ticktext=[rupees(t, digits=0) for t in ticks],
    )
    fig.update_yaxes(autorange="reversed", title=None)
    return fig


def value_distribution(df: pd.DataFrame) -> go.Figure:
    """[category, bin_start, bin_end, segments] -> one histogram per category (own value scale)."""
    cats = [c for c in style.CATEGORY_ORDER if c in set(df["category"])]
    fig = make_subplots(rows=1, cols=max(1, len(cats)), subplot_titles=cats, horizontal_spacing=0.07)
    for i, cat in enumerate(cats, start=1):
        part = df[df["category"] == cat]
        fig.add_trace(
            _histogram_bars(
                part, "segments", style.color_for(style.CATEGORY_COLORS, cat), "segments", fmt=rupees
            ),
            row=1,
            col=i,
        )
        # Ticks inside the panel only: a last tick on the right edge runs into the next panel's ₹0.
        top = _max(part["bin_end"])
        vals, _ = rupee_ticks(top, ticks=3)
        inside = [v for v in vals if v <= top * 0.97] or [0.0]
        fig.update_xaxes(
            tickvals=inside,
            ticktext=_rupee_labels(inside),
            row=1,
            col=i,
            title="Lifetime value (₹)",
        )
    _hover(fig)
    fig.update_yaxes(title="Segments", tickformat=",d", row=1, col=1)
    return _layout(fig, "Lifetime value distribution per segment category", bargap=0.04)


def category_tree(df: pd.DataFrame) -> go.Figure:
    """[category, segment_name, segments, total] -> treemap: category -> segment name, area = value."""
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
            f"<b>{cat}</b><br>{rupees(part['total'].sum())}<br>{number(part['segments'].sum())} segments"
        )
        for name, n, total in zip(part["segment_name"], part["segments"], part["total"], strict=True):
            ids.append(f"{cat}/{name}")
            labels.append(str(name))
            text.append("<br>".join(str(name).split()))
            parents.append(cat)
            values.append(float(total))
            colors.append(style.color_for(style.CATEGORY_COLORS, cat))
            hover.append(f"<b>{name}</b> ({cat})<br>{rupees(total)}<br>{number(n)} segments")
    fig = go.Figure(
        go.Treemap(
            ids=ids,
            labels=labels,
            parents=parents,
            values=values,
            branchvalues="total",
            marker={"colors": colors, "line": {"color": "white", "width": 1.5}},
            hovertext=hover,
            text=text,
            texttemplate="<b>%{text}</b><br>%{percentRoot:.0%}",
            textfont={"color": "white", "size": 13},
            pathbar={"visible": False},
            tiling={"pad": 2},
        )
    )
    _hover(fig)
    fig = _layout(
        fig,
        "Lifetime value by category and segment name (area = ₹)",
        height=420,
        uniformtext={"minsize": 10, "mode": "hide"},
    )
    return fig


def engagement_by_category(df: pd.DataFrame) -> go.Figure:
    """[category, engagement, customers] -> 100 % stacked bars (drill: categories + engagements)."""
    cats = [c for c in style.CATEGORY_ORDER if c in set(df["category"])]
    totals = df.groupby("category")["customers"].sum()
    fig = go.Figure()
    for level in style.ENGAGEMENT_ORDER:
        counts = df[df["engagement"] == level].set_index("category")["customers"].reindex(cats, fill_value=0)
        shares = [counts[c] / (totals.get(c, 0) or 1) for c in cats]
        fig.add_trace(
            go.Bar(
                name=level,
                y=cats,
                x=[s * 100 for s in shares],
                orientation="h",
                marker_color=style.color_for(style.ENGAGEMENT_COLORS, level),
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
    _hover(fig)
    fig = _layout(
        fig,
        "Engagement level mix per category",
        legend=True,
        barmode="stack",
        height=300,
        uniformtext={"minsize": 11, "mode": "hide"},
    )
    fig.update_layout(legend_traceorder="normal")
    fig.update_xaxes(title="Share of the category's customers (%)", range=[0, 100], ticksuffix="%")
    fig.update_yaxes(autorange="reversed", title=None)
    return fig


def pareto(df: pd.DataFrame, shares: dict | None = None) -> go.Figure:
    """[customer_share, value_share] (+ top_shares) -> cumulative value curve with top 1/10/20 % marks."""
    x = [0.0, *(df["customer_share"] * 100)]
    y = [0.0, *(df["value_share"] * 100)]
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=[0, 100],
            y=[0, 100],
            mode="lines",
            line={"color": style.LIGHT_GREY, "dash": "dash"},
            hoverinfo="skip",
            name="Equal shares",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=y,
            mode="lines",
            line={"color": style.ACCENT, "width": 3},
            name="Actual",
            hovertext=[
                f"Top {a:.0f}% of customers hold {b:.1f}% of the value" for a, b in zip(x, y, strict=True)
            ],
            hovertemplate="%{hovertext}<extra></extra>",
        )
    )
    for key, pct in (("top_1", 1), ("top_10", 10), ("top_20", 20)):
        if shares and shares.get(key) is not None:
            v = shares[key] * 100
            fig.add_trace(
                go.Scatter(
                    x=[pct],
                    y=[v],
                    mode="markers+text",
                    marker={"color": style.ORANGE, "size": 10},
                    text=[f"Top {pct}%: {v:.0f}%"],
                    textposition="middle right",
                    showlegend=False,
                    hovertext=[f"Top {pct}% of customers hold {v:.1f}% of the value"],
                    hovertemplate="%{hovertext}<extra></extra>",
                )
            )
    fig = _layout(fig, "Value concentration (Pareto curve)", legend=True)
    fig.update_xaxes(title="Customers, highest value first (%)", range=[0, 100], ticksuffix="%")
    fig.update_yaxes(title="Share of total lifetime value (%)", range=[0, 102], ticksuffix="%")
    return fig


# --- Churn risk ---------------------------------------------------------------------------


def risk_distribution(df: pd.DataFrame, *, bin_width: int = 5) -> go.Figure:
    """[bin_start, band, customers] -> histogram of risk score coloured by band (drill: risk_bands)."""
    fig = go.Figure()
    for band in style.RISK_BAND_ORDER:
        part = df[df["band"] == band]
        if part.empty:
            continue
        fig.add_trace(
            go.Bar(
                name=band,
                x=part["bin_start"] + bin_width / 2,
                y=part["customers"],
                width=bin_width * 0.92,
                marker_color=style.color_for(style.RISK_BAND_COLORS, band),
                customdata=[band] * len(part),
                hovertext=[
                    f"<b>Risk {s:g}–{s + bin_width:g}</b> ({band})<br>{number(c)} customers"
                    for s, c in zip(part["bin_start"], part["customers"], strict=True)
                ],
            )
        )
    _hover(fig)
    fig = _layout(fig, "Risk score distribution by risk band", legend=True)
    fig.update_xaxes(title="Risk score (0–100)", range=[0, 100], dtick=10)
    fig.update_yaxes(title="Customers", tickformat=",d")
    return fig


def _selectable_cells(xs: list, ys: list, custom: list, hover: list) -> go.Scatter:
    """Invisible markers on heat-map cells: heat maps cannot be selected, markers can."""
    return go.Scatter(
        x=xs,
        y=ys,
        mode="markers",
        customdata=custom,
        hovertext=hover,
        hovertemplate="%{hovertext}<extra></extra>",
        showlegend=False,
        marker={"size": 40, "symbol": "square", "opacity": 0, "color": "black"},
        selected={"marker": {"opacity": 0}},
        unselected={"marker": {"opacity": 0}},
    )


def risk_heatmap(df: pd.DataFrame) -> go.Figure:
    """[category, engagement, mean_risk, customers] -> mean risk per category x engagement (drill: both)."""
    cats = [c for c in style.CATEGORY_ORDER if c in set(df["category"])]
    levels = [e for e in style.ENGAGEMENT_ORDER if e in set(df["engagement"])]
    grid = df.set_index(["category", "engagement"])
    z, text, xs, ys, custom, hover = [], [], [], [], [], []
    for cat in cats:
        row, trow = [], []
        for level in levels:
            if (cat, level) in grid.index:
                risk, n = grid.loc[(cat, level), "mean_risk"], grid.loc[(cat, level), "customers"]
                row.append(float(risk))
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
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=levels,
            y=cats,
            text=text,
            texttemplate="%{text}",
            colorscale=style.RISK_SCALE,
            zmin=0,
            zmax=100,
            hoverinfo="skip",
            xgap=3,
            ygap=3,
            colorbar={"title": {"text": "Mean risk"}, "thickness": 12},
            textfont={"size": 12},
        )
    )
    fig.add_trace(_selectable_cells(xs, ys, custom, hover))
    fig = _layout(fig, "Mean risk: category × engagement")
    fig.update_xaxes(title="Engagement level", type="category", categoryorder="array", categoryarray=levels)
    fig.update_yaxes(
        title=None, type="category", autorange="reversed", categoryorder="array", categoryarray=cats
    )
    return fig


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
    colors = [
        style.RISK_BAND_COLORS["High" if r >= 70 else "Medium" if r >= 30 else "Low"]
        for r in df["mean_risk"].fillna(0)
    ]
    fig = go.Figure(
        go.Bar(
            x=labels,
            y=df["mean_risk"],
            marker_color=colors,
            text=[f"{r:.1f}" for r in df["mean_risk"].fillna(0)],
            textposition="outside",
            cliponaxis=False,
            hovertext=[
                f"<b>{lab} days since last login</b><br>Mean risk {r:.1f}<br>{number(n)} customers"
                for lab, r, n in zip(labels, df["mean_risk"].fillna(0), df["customers"], strict=True)
            ],
        )
    )
    _hover(fig)
    fig = _layout(fig, "Mean churn risk by days since last login")
    fig.update_xaxes(title="Days since last login", type="category", tickangle=-30)
    fig.update_yaxes(title="Mean risk score (0–100)", range=[0, 105])
    return fig


def value_risk_matrix(df: pd.DataFrame) -> go.Figure:
    """[value_bin, risk_bin, customers] -> customers per lifetime-value range x risk range."""
    values = list(dict.fromkeys(df["value_bin"]))
    risks = sorted(dict.fromkeys(df["risk_bin"]), key=lambda r: float(str(r).split("-")[0]))
    grid = df.groupby(["value_bin", "risk_bin"])["customers"].sum()
    z = [[int(grid.get((v, r), 0)) for r in risks] for v in values]
    text = [[number(n) if n else "" for n in row] for row in z]
    hover = [
        [f"<b>Value {v}, risk {r}</b><br>{number(n)} customers" for r, n in zip(risks, row, strict=True)]
        for v, row in zip(values, z, strict=True)
    ]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=risks,
            y=values,
            text=text,
            texttemplate="%{text}",
            colorscale=style.COUNT_SCALE,
            hovertext=hover,
            hovertemplate="%{hovertext}<extra></extra>",
            xgap=2,
            ygap=2,
            colorbar={"title": {"text": "Customers"}, "thickness": 12},
        )
    )
    fig = _layout(fig, "Value-risk density: customers by lifetime value and risk score", height=400)
    fig.update_xaxes(title="Risk score range", type="category")
    fig.update_yaxes(title="Lifetime value (₹)", type="category")
    return fig


# --- Preferences and consent --------------------------------------------------------------


def channel_mix(df: pd.DataFrame) -> go.Figure:
    """[channel, preferences] -> preference rows per communication channel."""
    df = _category_sorted(df, "channel", style.CHANNEL_ORDER)
    total = df["preferences"].sum() or 1
    fig = _hbar(
        df,
        label="channel",
        value="preferences",
        title="Preferred communication channel",
        x_title="Preference records",
        colors=[style.color_for(style.CHANNEL_COLORS, c) for c in df["channel"]],
        noun="preferences",
        text=[f"{number(c)} ({percent(c / total, digits=0)})" for c in df["preferences"]],
    )
    return fig


def consent_rates(df: pd.DataFrame) -> go.Figure:
    """[channel, preferences, notification_rate, marketing_rate, newsletter_rate] -> grouped rates."""
    order = ("All", *style.CHANNEL_ORDER)
    df = _category_sorted(df, "channel", order)
    fig = go.Figure()
    for (name, color), col in zip(
        style.RATE_COLORS.items(), ("notification_rate", "marketing_rate", "newsletter_rate"), strict=True
    ):
        fig.add_trace(
            go.Bar(
                name=name,
                x=df["channel"],
                y=df[col] * 100,
                marker_color=color,
                text=[percent(v, digits=0) for v in df[col]],
                textposition="outside",
                cliponaxis=False,
                hovertext=[
                    f"<b>{ch}</b>: {name.lower()} {percent(v)}<br>of {number(n)} preferences"
                    for ch, v, n in zip(df["channel"], df[col], df["preferences"], strict=True)
                ],
            )
        )
    _hover(fig)
    fig = _layout(
        fig, "Notification, marketing-consent and newsletter rates by channel", legend=True, barmode="group"
    )
    fig.update_xaxes(title="Communication channel")
    fig.update_yaxes(title="Share of preference records (%)", range=[0, 110], ticksuffix="%")
    return fig


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
