"""The one rule for text cells in every CSV the app writes (customer list, audiences, audit log,
import error reports): a spreadsheet must never run one as a formula."""

from __future__ import annotations

import re

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# '+' and digits only: a phone in E.164, which a spreadsheet reads as a number, never as a formula
_E164 = re.compile(r"\+[1-9][0-9]{6,14}")


def neutralise(value):
    """A text cell starting with = + - @ (or tab/CR) gets a leading apostrophe, unless it is a phone
    in E.164 (+919876543210); anything else is returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _E164.fullmatch(value):
        return "'" + value
    return value
