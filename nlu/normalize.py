"""Text normalization shared by training, the runtime scorer and slot parsing.

One function so that training and serving see exactly the same text: width
folding (全角 digits and letters typed on Chinese IMEs), lower case,
traditional → simplified, and collapsed whitespace.
"""

from __future__ import annotations

import re
import unicodedata

from nlu._trad import TRAD_TO_SIMP

_SPACES = re.compile(r"\s+")
_TRANS = str.maketrans(TRAD_TO_SIMP)


def to_simplified(text: str) -> str:
    """Map the traditional characters we know to simplified ones."""
    return text.translate(_TRANS)


def normalize(text: str) -> str:
    """Canonical form of a resident's message (NFKC, lower case, simplified)."""
    text = unicodedata.normalize("NFKC", text)
    text = to_simplified(text).lower()
    return _SPACES.sub(" ", text).strip()
