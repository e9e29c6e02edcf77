"""docs/metrics.md carries the metric table generated from db.analytics.metrics, word for word."""

import re
from pathlib import Path

from db.analytics.metrics import METRICS, markdown_table

DOC = Path(__file__).resolve().parents[2] / "docs" / "metrics.md"


def test_doc_table_is_the_metric_module():
    text = DOC.read_text()
    block = re.search(r"<!-- metrics:start -->\n(.*?)\n<!-- metrics:end -->", text, re.S)
    assert block, "docs/metrics.md lost its metrics:start / metrics:end markers"
    assert block.group(1) == markdown_table(), (
        "docs/metrics.md disagrees with db/analytics/metrics.py: paste markdown_table() between the markers"
    )


def test_every_metric_has_words_for_people():
    for m in METRICS.values():
        assert m.label and m.help and m.unit in {"customers", "rupees", "score", "share"}
        assert "_" not in m.label and "_" not in m.help  # no column names shown to people
