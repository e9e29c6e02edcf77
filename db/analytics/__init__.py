"""Aggregate queries for the dashboards, one module per subject.

Every function takes a Connection and a keyword `f: CustomerFilter`, computes its aggregate in
the database (GROUP BY, bound parameters, the filter pushed into the WHERE) and returns a small
pandas DataFrame (or a dict of headline numbers). Metric definitions: docs/metrics.md.
"""

from db.analytics import churn, consent, demographics, overview, value

__all__ = ["churn", "consent", "demographics", "overview", "value"]
