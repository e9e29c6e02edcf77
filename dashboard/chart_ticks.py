"""Count axes show whole numbers only, however few customers a filter leaves.

A count axis is one with `tickformat ",d"`. Plotly picks its tick step from the range, not from
the data's kind: on a range of 0-3 it steps by 0.5, and ",d" then prints "0 1 1 2 2 3 3". Below
SMALL_COUNT the step is fixed at one customer; above it Plotly's own steps (1, 2, 5 x 10^n)
are whole numbers already.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict

COUNT_FORMAT = ",d"
SMALL_COUNT = 10  # an axis whose largest count is below this gets a tick per whole number
_AXIS = re.compile(r"^([xy])axis(\d*)$")


def whole_number_ticks(layout: dict, traces: list[dict]) -> None:
    """Give every count axis of `layout` that has no ticks of its own a step of 1 when small."""
    for key, axis in layout.items():
        match = _AXIS.match(key)
        if not match or not isinstance(axis, dict) or axis.get("tickformat") != COUNT_FORMAT:
            continue
        if "dtick" in axis or "tickvals" in axis:
            continue
        top = _largest_on(match.group(1) + match.group(2), traces, stacked=_stacked(layout))
        if top < SMALL_COUNT:
            axis["dtick"] = 1
            axis["tick0"] = 0


def _stacked(layout: dict) -> bool:
    return layout.get("barmode") in ("stack", "relative")


def _largest_on(axis_name: str, traces: list[dict], *, stacked: bool) -> float:
    """The largest value (or stacked total per category) that traces put on this axis."""
    letter, number = axis_name[0], axis_name[1:]
    ref = letter + number if number not in ("", "1") else letter
    totals: dict[object, float] = defaultdict(float)
    top = 0.0
    for trace in traces:
        horizontal = trace.get("orientation") == "h"
        value_letter = "x" if horizontal else "y"
        if value_letter != letter or (trace.get(f"{letter}axis") or letter) != ref:
            continue
        values = trace.get(value_letter) or []
        categories = trace.get("y" if horizontal else "x") or range(len(values))
        for category, value in zip(categories, values, strict=False):
            if value is None or (isinstance(value, float) and math.isnan(value)):
                continue
            totals[category] += abs(float(value))
            top = max(top, abs(float(value)))
    return max(totals.values(), default=0.0) if stacked else top
