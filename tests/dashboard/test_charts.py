"""Chart builders on small frames: traces, values, colours and the empty case (table-style)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from dashboard import charts, style


def frame(**cols) -> pd.DataFrame:
    return pd.DataFrame(cols)


CASES = {
    "new_per_month": (
        charts.new_per_month,
        frame(month=[dt.date(2024, 1, 1), dt.date(2024, 2, 1)], customers=[3, 5]),
    ),
    "status_mix": (charts.status_mix, frame(status=["Inactive", "Active"], customers=[2, 8])),
    "age_gender": (
        charts.age_gender,
        frame(age_band=["18-24", "18-24", "25-34"], gender=["Female", "Male", "Female"], customers=[1, 2, 3]),
    ),
    "gender_mix": (charts.gender_mix, frame(gender=["Male", "Female"], customers=[4, 6])),
    "by_state": (charts.by_state, frame(state=["Kerala", "Goa", "Other states"], customers=[9, 5, 2])),
    "by_city": (charts.by_city, frame(city=["Kochi"], state=["Kerala"], customers=[7])),
    "abroad": (charts.abroad, frame(country=["Canada"], customers=[3])),
    "join_cohorts": (charts.join_cohorts, frame(year=[2023, 2024], customers=[10, 20])),
    "loyalty": (
        charts.loyalty_distribution,
        frame(bin_start=[0.0, 100.0], bin_end=[100.0, 200.0], customers=[5, 1]),
    ),
    "value_total": (
        charts.value_total_by_category,
        frame(
            category=["Economy", "VIP"],
            customers=[3, 1],
            total=[3e4, 5e6],
            mean=[1e4, 5e6],
            median=[1e4, 5e6],
        ),
    ),
    "value_distribution": (
        charts.value_distribution,
        frame(category=["VIP", "Economy"], bin_start=[0.0, 0.0], bin_end=[1e6, 1e4], customers=[1, 3]),
    ),
    "category_tree": (
        charts.category_tree,
        frame(
            category=["VIP", "VIP", "Economy"],
            segment_name=["Elite", "Gold", "Saver"],
            customers=[1, 2, 3],
            total=[5e6, 3e6, 2e4],
        ),
    ),
    "engagement": (
        charts.engagement_by_category,
        frame(category=["VIP", "VIP"], engagement=["High", "Low"], customers=[3, 1]),
    ),
    "risk_distribution": (
        charts.risk_distribution,
        frame(bin_start=[0, 75], band=["Low", "High"], customers=[4, 2]),
    ),
    "risk_heatmap": (
        charts.risk_heatmap,
        frame(
            category=["VIP", "Economy"], engagement=["Low", "High"], mean_risk=[80.0, 20.0], customers=[2, 5]
        ),
    ),
    "var_category": (
        charts.value_at_risk_by_category,
        frame(category=["VIP"], value_at_risk=[2e6], customers=[2]),
    ),
    "var_state": (charts.value_at_risk_by_state, frame(state=["Goa"], value_at_risk=[1.5e7], customers=[4])),
    "inactivity": (
        charts.risk_vs_inactivity,
        frame(
            days_bin_start=[0, 365, "never"],
            days_bin_end=[30, None, None],
            mean_risk=[20.0, 80.0, 90.0],
            customers=[5, 2, 1],
        ),
    ),
    "matrix": (
        charts.value_risk_matrix,
        frame(value_bin=["<₹10K", "₹10L+"], risk_bin=["0-10", "90-100"], customers=[3, 1]),
    ),
    "matrix_bands": (
        charts.value_risk_bands,
        frame(value_bin=["<₹10K", "₹10L+"], risk_bin=["0-10", "90-100"], customers=[3, 1]),
    ),
    "channel_mix": (charts.channel_mix, frame(channel=["SMS", "Email"], preferences=[2, 5])),
    "rates": (
        charts.consent_rates,
        frame(
            channel=["Email", "All"],
            preferences=[5, 7],
            notification_rate=[0.8, 0.7],
            marketing_rate=[0.5, 0.4],
            newsletter_rate=[0.2, 0.3],
        ),
    ),
    "language": (charts.language_mix, frame(language=["Hindi", "English"], preferences=[3, 4])),
    "timezone": (charts.timezone_mix, frame(time_zone=["IST"], preferences=[9])),
    "reachable": (charts.reachable_by_channel, frame(channel=["Push", "Email"], reachable=[1, 4])),
}


@pytest.mark.parametrize("name", CASES)
def test_builder_makes_a_titled_figure(name):
    build, df = CASES[name]
    fig = build(df)
    assert isinstance(fig, go.Figure)
    assert fig.layout.title.text
    assert fig.data


@pytest.mark.parametrize("name", CASES)
def test_builder_survives_an_empty_frame(name):
    build, df = CASES[name]
    build(df.iloc[0:0])  # pages show st.info instead, but a builder must not crash


@pytest.mark.parametrize("rows", [slice(None), slice(0, 0)], ids=["rows", "empty"])
@pytest.mark.parametrize("name", CASES)
def test_builder_output_passes_plotly_validation(name, rows):
    """The builders skip Plotly's validation at run time; every property they set is checked here."""
    build, df = CASES[name]
    fig = build(df.iloc[rows])
    go.Figure(fig.to_dict())  # raises on an unknown property or an invalid value


def test_empty_figure_passes_plotly_validation():
    go.Figure(charts.empty_figure().to_dict())


def test_status_bars_in_fixed_order_and_colours():
    fig = charts.status_mix(CASES["status_mix"][1])
    bar = fig.data[0]
    assert list(bar.y) == ["Active", "Inactive"]
    assert list(bar.x) == [8, 2]
    assert list(bar.marker.color) == [style.STATUS_COLORS["Active"], style.STATUS_COLORS["Inactive"]]
    assert list(bar.customdata) == ["Active", "Inactive"]
    assert list(bar.text) == ["8 (80%)", "2 (20%)"]


def test_age_gender_fills_missing_bands_with_zero():
    fig = charts.age_gender(CASES["age_gender"][1])
    by_name = {t.name: t for t in fig.data}
    assert [t.name for t in fig.data] == ["Female", "Male"]
    assert list(by_name["Male"].y) == [2, 0]
    assert by_name["Female"].marker.color == style.GENDER_COLORS["Female"]


def test_other_states_are_grey_and_not_drillable():
    bar = charts.by_state(CASES["by_state"][1]).data[0]
    assert list(bar.customdata) == ["Kerala", "Goa", None]
    assert bar.marker.color[-1] == style.OTHER


def test_value_by_category_in_category_order_with_rupee_labels():
    bar = charts.value_total_by_category(CASES["value_total"][1]).data[0]
    assert list(bar.x) == ["VIP", "Economy"]
    assert list(bar.text) == ["₹50.0 L", "₹30,000"]
    assert bar.marker.color[0] == style.CATEGORY_COLORS["VIP"]


def test_treemap_nodes_and_parents():
    sb = charts.category_tree(CASES["category_tree"][1]).data[0]
    assert list(sb.ids) == ["VIP", "VIP/Elite", "VIP/Gold", "Economy", "Economy/Saver"]
    assert list(sb.parents) == ["", "VIP", "VIP", "", "Economy"]
    assert sb.values[0] == 8e6


def test_engagement_shares_per_category():
    fig = charts.engagement_by_category(CASES["engagement"][1])
    shares = {t.name: list(t.x) for t in fig.data}
    assert shares == {"High": [75.0], "Medium": [0.0], "Low": [25.0]}
    assert fig.data[0].customdata[0] == ["VIP", "High"] or list(fig.data[0].customdata[0]) == ["VIP", "High"]


def test_risk_distribution_one_trace_per_band_in_band_colours():
    fig = charts.risk_distribution(CASES["risk_distribution"][1])
    assert [(t.name, t.marker.color, list(t.y)) for t in fig.data] == [
        ("Low", style.RISK_BAND_COLORS["Low"], [4]),
        ("High", style.RISK_BAND_COLORS["High"], [2]),
    ]
    assert list(fig.data[0].x) == [2.5]


def test_heatmap_grid_and_selectable_cells():
    fig = charts.risk_heatmap(CASES["risk_heatmap"][1])
    heat, cells = fig.data
    assert list(heat.y) == ["VIP", "Economy"] and list(heat.x) == ["High", "Low"]
    assert [list(r) for r in heat.z] == [[None, 80.0], [20.0, None]]
    assert [list(c) for c in cells.customdata] == [["VIP", "Low"], ["Economy", "High"]]


def test_pareto_marks_the_top_shares():
    df = frame(customer_share=[0.01, 0.1, 0.2, 1.0], value_share=[0.2, 0.5, 0.7, 1.0])
    fig = charts.pareto(df, {"top_1": 0.2, "top_10": 0.5, "top_20": 0.7})
    marks = [t for t in fig.data if t.mode == "markers+text"]
    assert [(t.x[0], t.y[0]) for t in marks] == [(1, 20.0), (10, 50.0), (20, 70.0)]
    assert list(fig.data[1].x)[:2] == [0.0, 1.0]


@pytest.mark.parametrize(
    ("start", "end", "label"),
    [(0, 30, "0–30"), (365, None, "365+"), ("never", None, "Never"), (None, None, "Never")],
)
def test_inactivity_labels(start, end, label):
    assert charts.inactivity_label(start, end) == label


def test_value_risk_matrix_keeps_value_order_and_sorts_risk():
    df = frame(
        value_bin=["<₹10K", "<₹10K", "₹10L+"], risk_bin=["10-20", "0-10", "90-100"], customers=[2, 3, 1]
    )
    heat = charts.value_risk_matrix(df).data[0]
    assert list(heat.y) == ["<₹10K", "₹10L+"]
    assert list(heat.x) == ["0-10", "10-20", "90-100"]
    assert [list(r) for r in heat.z] == [[3, 2, 0], [0, 0, 1]]


def test_value_risk_bands_sum_the_matrix_by_risk_band():
    """The phone form of the matrix: per value range, the customers of each band (pandas as reference)."""
    rng = np.random.default_rng(3)
    values, risks = ["<₹10K", "₹10K-25K", "₹10L+"], [f"{i * 10}-{i * 10 + 10}" for i in range(10)]
    df = frame(
        value_bin=[v for v in values for _ in risks],
        risk_bin=risks * len(values),
        customers=rng.integers(0, 50, len(values) * len(risks)),
    )
    fig = charts.value_risk_bands(df)
    start = df["risk_bin"].str.split("-").str[0].astype(int)
    band = np.where(start >= 70, "High", np.where(start >= 30, "Medium", "Low"))
    expected = df.assign(band=band).pivot_table(
        index="value_bin", columns="band", values="customers", aggfunc="sum"
    )
    for trace in fig.data:
        assert list(trace.y) == values
        assert list(trace.x) == [int(expected.loc[v, trace.name]) for v in values], trace.name


def test_consent_rates_all_first_and_in_percent():
    fig = charts.consent_rates(CASES["rates"][1])
    assert [t.name for t in fig.data] == list(style.RATE_COLORS)
    assert list(fig.data[0].x) == ["All", "Email"]
    assert list(fig.data[0].y) == pytest.approx([70.0, 80.0])


@pytest.mark.parametrize(
    ("top", "labels"),
    [
        (4_00_000, ["₹0", "₹1 L", "₹2 L", "₹3 L", "₹4 L"]),
        (1.6e7, ["₹0", "₹50.0 L", "₹1.0 Cr", "₹1.5 Cr", "₹2.0 Cr"]),
        (1.2e8, ["₹0", "₹2.5 Cr", "₹5.0 Cr", "₹7.5 Cr", "₹10.0 Cr", "₹12.5 Cr"]),
        (900, ["₹0", "₹200", "₹400", "₹600", "₹800", "₹1,000"]),
    ],
)
def test_rupee_ticks_are_distinct_and_indian(top, labels):
    assert charts.rupee_ticks(top)[1] == labels


@pytest.mark.parametrize(
    ("starts", "ends", "labels"),
    [
        ([0, 500, 1000], [500, 1000, 1500], ["0–500", "500–1,000", "1,000–1,500"]),
        ([0, 500, 9000], [500, 1000, 130338], ["0–500", "500–1,000", "9,000+"]),
    ],
)
def test_bin_labels(starts, ends, labels):
    assert charts.bin_labels(starts, ends) == labels


def test_empty_figure_carries_the_message():
    fig = charts.empty_figure()
    assert fig.layout.annotations[0].text == charts.NO_MATCH


def _count_axes(fig: go.Figure) -> dict[str, dict]:
    layout = fig.to_plotly_json()["layout"]
    return {k: v for k, v in layout.items() if k[1:5] == "axis" and v.get("tickformat") == ",d"}


@pytest.mark.parametrize("name", CASES)
def test_small_counts_get_a_tick_per_whole_number(name):
    """A filter that leaves a handful of customers never shows 0 1 1 2 2 3 3 on a count axis."""
    build, df = CASES[name]
    counts = [c for c in ("customers", "preferences", "reachable") if c in df]
    df = df.assign(**{c: df[c].clip(upper=3) for c in counts})
    for key, axis in _count_axes(build(df)).items():
        if "tickvals" not in axis:
            assert axis.get("dtick") == 1, key


def test_large_counts_keep_plotlys_own_steps():
    fig = charts.status_mix(frame(status=["Inactive", "Active"], customers=[2_000, 8_000]))
    assert all("dtick" not in axis for axis in _count_axes(fig).values())


def test_stacked_bars_count_their_total():
    from dashboard.chart_ticks import whole_number_ticks

    traces = [{"type": "bar", "x": ["a"], "y": [6]}, {"type": "bar", "x": ["a"], "y": [6]}]
    stacked = {"barmode": "stack", "yaxis": {"tickformat": ",d"}}
    grouped = {"barmode": "group", "yaxis": {"tickformat": ",d"}}
    whole_number_ticks(stacked, traces)
    whole_number_ticks(grouped, traces)
    assert "dtick" not in stacked["yaxis"] and grouped["yaxis"]["dtick"] == 1


@pytest.mark.parametrize("name", CASES)
def test_titles_fit_a_phone(name):
    """A title longer than a 390 px phone shows is cut off: what more a chart says goes in its subtitle."""
    build, df = CASES[name]
    title = build(df).layout.title
    assert len(title.text) <= charts.TITLE_MAX, title.text
    assert len(title.subtitle.text or "") <= charts.SUBTITLE_MAX, title.subtitle.text


HTML_PAYLOAD = '<a href="http://evil.example/x">Click</a> <b>bold</b> <i>it</i> & co'
TEXT_COLUMNS = ("state", "city", "country", "language", "time_zone", "channel", "segment_name", "gender",
                "category", "status")  # fmt: skip


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return []


@pytest.mark.parametrize("name", [n for n, (_, df) in CASES.items() if set(df.columns) & set(TEXT_COLUMNS)])
def test_text_from_the_data_is_literal_in_labels_legends_and_hovers(name):
    """Plotly renders <a href>, <b> and <i> in text: a name from the data must show as typed."""
    build, df = CASES[name]
    messy = df.copy()
    for col in set(df.columns) & set(TEXT_COLUMNS):
        messy[col] = [f"{v} {HTML_PAYLOAD}" for v in df[col]]
    spec = build(messy).to_plotly_json()
    texts = [t for trace in spec["data"] for k, v in trace.items() if k != "customdata" for t in _strings(v)]
    texts += _strings(spec["layout"])
    assert not [t for t in texts if "<a " in t or "<b>bold" in t or "<i>it" in t], texts
    if any("Click" in t for t in texts):  # shown (builders of fixed value sets may leave it out)
        assert any("&lt;a href" in t for t in texts), texts
