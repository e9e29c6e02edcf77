"""What text a person may type into a name, city or other field: normalised (NFC), trimmed, inner
runs of whitespace collapsed, and never an invisible or control character, which would make two
equal-looking names different or hide text (U+200B, U+202E, BEL, ESC, NUL, ...).

Zero-width (non-)joiners are allowed in text with Indic letters, where they shape conjuncts.
"""

from __future__ import annotations

import unicodedata

_JOINERS = {"\u200c", "\u200d"}  # ZWNJ, ZWJ
_INDIC = (0x0900, 0x0DFF)  # Devanagari ... Sinhala


def _indic(text: str) -> bool:
    return any(_INDIC[0] <= ord(ch) <= _INDIC[1] for ch in text)


def clean(value: object) -> str:
    """The text as it is stored; ValueError naming the first character that may not be in it."""
    text = unicodedata.normalize("NFC", str(value))
    text = " ".join(text.split())  # strip, collapse runs (tabs and newlines included)
    allow_joiners = _indic(text)
    for position, ch in enumerate(text, start=1):
        kind = unicodedata.category(ch)
        if kind == "Cc" or (kind in ("Cf", "Co", "Cs") and not (allow_joiners and ch in _JOINERS)):
            name = unicodedata.name(ch, "a control character")
            raise ValueError(
                f"contains an invisible or control character (U+{ord(ch):04X} {name.lower()}) at "
                f"position {position}: remove it"
            )
    return text
