"""One look for every dashboard: colour-blind-safe colours per concept, rupee and number formatting.

Colours come from the Okabe-Ito palette (distinguishable with the common colour-vision
deficiencies); each concept (segment category, risk band, engagement level, gender, channel,
account status) always gets the same colour on every page.

Formatting follows Indian conventions: digits grouped as 12,34,567 and large rupee amounts in
lakh (L, 1,00,000) and crore (Cr, 1,00,00,000).
"""

from __future__ import annotations

import math

from db.analytics.metrics import UNKNOWN
from db.formats import DECIMALS

# Okabe-Ito
BLACK = "#000000"
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
BLUISH_GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
REDDISH_PURPLE = "#CC79A7"
GREY = "#8C8C8C"
LIGHT_GREY = "#C8C8C8"

ACCENT = BLUE  # single-series charts
OTHER = LIGHT_GREY  # "Other states" and similar remainder bars

CATEGORY_ORDER = ("VIP", "Premium", "Standard", "Economy", UNKNOWN)
CATEGORY_COLORS = {"VIP": ORANGE, "Premium": BLUE, "Standard": BLUISH_GREEN, "Economy": SKY_BLUE}

RISK_BAND_ORDER = ("Low", "Medium", "High")
RISK_BAND_COLORS = {"Low": BLUISH_GREEN, "Medium": ORANGE, "High": VERMILLION}

ENGAGEMENT_ORDER = ("High", "Medium", "Low", UNKNOWN)
ENGAGEMENT_COLORS = {"High": BLUE, "Medium": SKY_BLUE, "Low": LIGHT_GREY}

GENDER_ORDER = ("Female", "Male", "Other", UNKNOWN)
GENDER_COLORS = {"Female": REDDISH_PURPLE, "Male": BLUE, "Other": BLUISH_GREEN}

CHANNEL_ORDER = ("Email", "SMS", "Phone", "Push")
CHANNEL_COLORS = {"Email": BLUE, "SMS": ORANGE, "Phone": BLUISH_GREEN, "Push": REDDISH_PURPLE, "All": GREY}

STATUS_ORDER = ("Active", "Inactive", "Suspended")
STATUS_COLORS = {"Active": BLUISH_GREEN, "Inactive": GREY, "Suspended": VERMILLION}

# The three consent rates on the consent page.
RATE_COLORS = {"Notifications": BLUE, "Marketing consent": ORANGE, "Newsletter": BLUISH_GREEN}

# Sequential scales (light -> dark) for heat maps: risk in vermillion, counts in blue.
RISK_SCALE = [[0.0, "#FFF5EB"], [0.5, "#F5A05A"], [1.0, VERMILLION]]
COUNT_SCALE = [[0.0, "#F0F6FB"], [0.5, SKY_BLUE], [1.0, BLUE]]

FONT_FAMILY = "Source Sans Pro, sans-serif"
MISSING = "—"


def color_for(mapping: dict[str, str], key: object, default: str = GREY) -> str:
    return mapping.get(str(key), default)


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def indian_digits(n: int) -> str:
    """Group the digits of a whole number the Indian way: 1234567 -> '12,34,567'."""
    sign = "-" if n < 0 else ""
    s = str(abs(int(n)))
    if len(s) <= 3:
        return sign + s
    head, tail = s[:-3], s[-3:]
    groups = []
    while len(head) > 2:
        groups.insert(0, head[-2:])
        head = head[:-2]
    if head:
        groups.insert(0, head)
    return sign + ",".join(groups) + "," + tail


def number(value: float | int | None) -> str:
    """A count with Indian digit grouping: 1234567 -> '12,34,567'."""
    if _is_missing(value):
        return MISSING
    return indian_digits(round(value))


def rupees(value: float | int | None, *, compact: bool = True, digits: int = 1) -> str:
    """Rupees: compact '₹1.2 Cr' / '₹45.3 L' / '₹12,345'; compact=False: '₹12,34,567'."""
    if _is_missing(value):
        return MISSING
    sign = "-" if value < 0 else ""
    v = abs(float(value))
    if compact and v >= 1e7:
        return f"{sign}₹{v / 1e7:,.{digits}f} Cr"
    if compact and v >= 1e5:
        return f"{sign}₹{v / 1e5:.{digits}f} L"
    return f"{sign}₹{indian_digits(round(v))}"


def percent(value: float | None, *, digits: int = 1) -> str:
    """A fraction 0..1 as a percentage: 0.1234 -> '12.3%'."""
    if _is_missing(value):
        return MISSING
    return f"{value * 100:.{digits}f}%"


def score(value: float | None) -> str:
    """A risk score 0..100 with the decimals of a score (one)."""
    if _is_missing(value):
        return MISSING
    return f"{value:.{DECIMALS['score']}f}"


def delta_text(current: int | None, previous: int | None, *, relative: bool = True) -> str | None:
    """'+12 (+8.5%) vs last month' style delta for st.metric, None when unknown.

    relative=False leaves out the percentage ('+12 vs last month') for narrow tiles.
    """
    if current is None or previous is None:
        return None
    diff = current - previous
    if not diff:
        return "±0 vs last month"
    if previous and relative:
        return f"{diff:+,d} ({diff / previous:+.0%}) vs last month"
    return f"{diff:+,d} vs last month"


def delta_look(current: int | None, previous: int | None) -> dict:
    """st.metric options: no change is grey and has no arrow (never a green "up" for ±0)."""
    return {"delta_color": "off", "delta_arrow": "off"} if current == previous else {}
