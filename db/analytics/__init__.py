"""The analytics engine: a read-only DuckDB copy of the customer's tables (store, source, schema),
the metric definitions (metrics), the filter over the copy (where), and the figures by subject
(overview, demographics, value, churn, consent, options). Definitions: docs/metrics.md."""
