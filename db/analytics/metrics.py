"""Every metric and dimension the dashboards show, defined once.

A Metric is an aggregate over the copy's wide `customers` table (one row per customer, with
their current segment): its label for people, SQLAlchemy expression, unit, help text and NULL
rule. KPI tiles, chart titles and hovers, chart CSV headers, audience counts, `python -m db
report` and docs/metrics.md (tests/db/test_metrics_doc.py) all take them from here.
COLUMN_UNITS gives the unit of every number column of the chart and table frames, which their
CSVs are rounded by (db.formats.DECIMALS).

Every customer-level figure uses the customer's current segment (db.analytics.schema), on every
page. A NULL Risk_Score is "not scored": left out of averages and of the Low / Medium / High
bands, counted in its own "Not scored" band. Any other NULL category is "Unknown".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Float, case, cast, func

from db.analytics.schema import ACTIVE, customers
from db.filters import RISK_BANDS, RISK_HIGH_FROM, RISK_MEDIUM_FROM  # noqa: F401 - the bands' home
from db.models import CHANNELS

c = customers.c

UNKNOWN = "Unknown"  # a NULL category in a breakdown
NOT_SCORED = "Not scored"  # the risk band of a NULL Risk_Score
ALL_RISK_BANDS = (*RISK_BANDS, NOT_SCORED)
AGE_BANDS = ("18-24", "25-34", "35-44", "45-54", "55-64", "65+")
AGE_BAND_STARTS = (18, 25, 35, 45, 55, 65)


def risk_band_of(score):
    """The risk band of a score expression (NULL: Not scored)."""
    return case(
        (score.is_(None), NOT_SCORED),
        (score >= RISK_HIGH_FROM, "High"),
        (score >= RISK_MEDIUM_FROM, "Medium"),
        else_="Low",
    )


def risk_band(score: float | None) -> str:
    """risk_band_of() for one Python value."""
    if score is None or score != score:
        return NOT_SCORED
    if score >= RISK_HIGH_FROM:
        return "High"
    if score >= RISK_MEDIUM_FROM:
        return "Medium"
    return "Low"


def age_band_of(age):
    whens = [
        (age >= start, band)
        for start, band in zip(reversed(AGE_BAND_STARTS), reversed(AGE_BANDS), strict=True)
    ]
    return case((age.is_(None), UNKNOWN), *whens, else_=AGE_BANDS[0])


def known(col):
    """A category column with NULL as 'Unknown'."""
    return func.coalesce(col, UNKNOWN)


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    unit: str  # "customers", "rupees", "score", "share"
    help: str
    nulls: str  # how NULLs count
    expr: Callable  # () -> an aggregate over `customers`
    better: str | None = None  # "up" / "down": which way is good (None: neither)


def _count_where(cond):
    return func.count().filter(cond)


def _share(num, den):
    return cast(num, Float) / func.nullif(den, 0)


_HIGH = c.Risk_Score >= RISK_HIGH_FROM

METRICS: dict[str, Metric] = {
    m.key: m
    for m in (
        Metric(
            "customers",
            "Customers",
            "customers",
            "Customers matching the filters.",
            "Every customer counts, whatever is missing.",
            lambda: func.count(),
            "up",
        ),
        Metric(
            "active",
            "Active customers",
            "customers",
            "Customers whose account status is Active.",
            "An unknown status is not Active.",
            lambda: _count_where(c.Account_Status == ACTIVE),
            "up",
        ),
        Metric(
            "active_share",
            "Active share",
            "share",
            "Share of these customers whose account status is Active.",
            "Out of every customer, an unknown status included.",
            lambda: _share(_count_where(c.Account_Status == ACTIVE), func.count()),
            "up",
        ),
        Metric(
            "total_lifetime_value",
            "Total lifetime value",
            "rupees",
            "Sum of the lifetime value of each customer's current segment (their latest segment row).",
            "Customers without a segment or without a value add nothing.",
            lambda: func.coalesce(func.sum(c.Lifetime_Value), 0.0),
            "up",
        ),
        Metric(
            "avg_risk",
            "Average risk score",
            "score",
            "Mean churn risk score (0-100) of the customers' current segments.",
            "Customers not scored (no risk score, or no segment) are left out.",
            lambda: func.avg(c.Risk_Score),
            "down",
        ),
        Metric(
            "high_risk",
            "High-risk customers",
            "customers",
            f"Customers whose current segment has a risk score of {RISK_HIGH_FROM} or more (the High band).",
            "Customers not scored are not counted.",
            lambda: _count_where(_HIGH),
            "down",
        ),
        Metric(
            "not_scored",
            "Not scored",
            "customers",
            "Customers whose current segment has no risk score, or who have no segment.",
            "These are the customers left out of the risk averages and bands.",
            lambda: _count_where(c.Risk_Score.is_(None)),
            None,
        ),
        Metric(
            "value_at_risk",
            "Value at risk",
            "rupees",
            "Sum over customers of lifetime value × risk score / 100 of the current segment: "
            "the lifetime value expected to be lost to churn.",
            "Customers without a value or not scored add nothing.",
            lambda: func.coalesce(func.sum(c.Value_At_Risk), 0.0),
            "down",
        ),
        Metric(
            "value_at_risk_share",
            "Value at risk share",
            "share",
            "Value at risk as a share of total lifetime value.",
            "None when the total lifetime value is zero.",
            lambda: _share(func.sum(c.Value_At_Risk), func.sum(c.Lifetime_Value)),
            "down",
        ),
        Metric(
            "scored",
            "Scored customers",
            "customers",
            "Customers whose current segment has a risk score.",
            "",
            lambda: func.count(c.Risk_Score),
            None,
        ),
        *(
            Metric(
                f"reachable_{ch.lower()}",
                f"Reachable by {ch}",
                "customers",
                f"Active customers whose latest {ch} preference has notifications enabled and "
                "marketing consent given.",
                "A customer whose newest preference for the channel withdrew consent is not reachable, "
                "whatever older rows say; an unknown status is not Active.",
                (lambda col: lambda: _count_where(col))(c[f"reach_{ch.lower()}"]),
                "up",
            )
            for ch in CHANNELS
        ),
        Metric(
            "reachable_any",
            "Reachable on any channel",
            "customers",
            "Active customers reachable on at least one channel.",
            "",
            lambda: _count_where(c.reach_any),
            "up",
        ),
    )
}

# The unit of each number column of the dashboards' chart and table frames (db.analytics.*), by
# column name: their CSVs are rounded by it (db.formats.DECIMALS). A metric's key is its column.
# Counts and other whole numbers (customers, years, loyalty points) need no entry.
COLUMN_UNITS: dict[str, str] = {
    **{m.key: m.unit for m in METRICS.values()},  # value_at_risk, avg_risk, active_share, ...
    "Lifetime_Value": "rupees",
    "Value_At_Risk": "rupees",
    "total": "rupees",  # lifetime value per category / segment name (value.*)
    "mean": "rupees",
    "median": "rupees",
    # Histogram bins: floats only in the lifetime-value histogram (value.distribution); the risk
    # score and loyalty point bins are whole numbers.
    "bin_start": "rupees",
    "bin_end": "rupees",
    "Risk_Score": "score",
    "mean_risk": "score",
    "customer_share": "share",  # the Pareto curve
    "value_share": "share",
    "notification_rate": "share",  # consent.rates
    "marketing_rate": "share",
    "newsletter_rate": "share",
    "days_bin_start": "days",  # churn.risk_vs_inactivity
    "days_bin_end": "days",
}

KPI_KEYS = (
    "customers",
    "active",
    "active_share",
    "total_lifetime_value",
    "avg_risk",
    "high_risk",
    "not_scored",
    "value_at_risk",
    "value_at_risk_share",
)


def columns(*keys: str) -> list:
    """The labelled aggregate expressions of these metrics, for one SELECT."""
    return [METRICS[k].expr().label(k) for k in keys]


def markdown_table() -> str:
    """The metrics as the Markdown table of docs/metrics.md."""
    lines = ["| key | label | unit | definition | NULLs |", "|---|---|---|---|---|"]
    for m in METRICS.values():
        lines.append(f"| `{m.key}` | {m.label} | {m.unit} | {m.help} | {m.nulls or '—'} |")
    return "\n".join(lines)
