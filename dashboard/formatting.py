"""Display helpers for the records pages: user text shown literally, links to a customer, values."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import streamlit as st

from dashboard.style import indian_digits
from db import formats

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>$])")
# Streamlit's Markdown (GFM) turns "http://…" and "www.…" in text into links after parsing, so no
# escape stops it: a word joiner (invisible, zero width) after the scheme or "www" does.
_AUTOLINK = re.compile(r"(?i)\b(https?|ftp|www)(?=:|\\\.)")
WORD_JOINER = "\u2060"


def literal(text: object) -> str:
    """User-entered text made safe for st.markdown: markdown syntax escaped, HTML shown as text."""
    if text is None:
        return "—"
    s = _AUTOLINK.sub(rf"\1{WORD_JOINER}", _MD_SPECIAL.sub(r"\\\1", str(text)))
    return s.replace("&", "&amp;").replace("<", "&lt;").replace("\n", " ")


def customer_url(customer_id: int) -> str:
    return f"customer?id={int(customer_id)}"


def link_to_customer(customer_id: int, label: str | None = None) -> None:
    """A link to the customer's 360 page (a page link under st.navigation, else a plain link)."""
    label = label or f"Open customer #{int(customer_id)}"
    try:
        st.page_link(
            "pages/customer.py",
            label=literal(label),
            icon=":material/badge:",
            query_params={"id": str(int(customer_id))},
        )
    except Exception:  # not under st.navigation (e.g. a page run on its own in tests)
        st.markdown(f"[{literal(label)}]({customer_url(customer_id)})")


def value(v: object) -> str:
    """A profile value for display (dates as 1 Dec 2026, money with two decimals, empty as a dash)."""
    if v is None or (isinstance(v, float) and v != v):
        return formats.MISSING
    if isinstance(v, dt.date):
        return formats.date_text(v)
    if isinstance(v, Decimal):
        return f"{v:,.2f}"
    if isinstance(v, bool):
        return "Yes" if v else "No"
    return str(v)


def rupees(v: object) -> str:
    if v is None:
        return "—"
    try:
        amount = Decimal(str(v))
    except Exception:
        return str(v)
    return f"₹{_indian_grouping(amount)}"


def _indian_grouping(amount: Decimal) -> str:
    """12345678.9 -> 1,23,45,678.90 (Indian digit grouping)."""
    whole, _, frac = f"{abs(amount):.{formats.DECIMALS['rupees']}f}".partition(".")
    return f"{'-' if amount < 0 else ''}{indian_digits(int(whole))}.{frac}"
