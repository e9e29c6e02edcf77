"""One chart or table in two forms: the wide one on a desktop, a simpler one on a phone.

Streamlit does not tell the server how wide the browser is, so both forms are sent and CSS shows
the one that fits (st.columns stack below the same width).
"""

from __future__ import annotations

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

PHONE_MAX_PX = 640
_CSS = (
    "<style>"
    f"@media (max-width: {PHONE_MAX_PX}px) {{ [class*='st-key-wide_'] {{display: none !important}}"
    # a table's toolbar (always shown on a touch screen) sits above the table, not over the line above
    " [data-testid='stDataFrame'] {margin-top: 2rem} }"
    f"@media (min-width: {PHONE_MAX_PX + 1}px) {{ [class*='st-key-narrow_'] {{display: none !important}} }}"
    "</style>"
)


def install() -> None:
    """The phone layout rules, once per script run (streamlit_app.py's shared chrome)."""
    st.html(_CSS)


def wide_and_narrow(key: str) -> tuple[DeltaGenerator, DeltaGenerator]:
    """Two containers: the first shown wider than PHONE_MAX_PX, the second at most that wide."""
    return st.container(key=f"wide_{key}"), st.container(key=f"narrow_{key}")
