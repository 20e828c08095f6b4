"""Feature extraction shared by training and the runtime scorer.

Binary features: character 1–3-grams (robust to typos and unknown words),
jieba word unigrams and bigrams (meaning-bearing units such as 附议 or
加装电梯), and one feature per identifier kind (R…/T…/P…/M…), which are strong
intent cues. Digits are folded to 0 so that numbers generalize.
"""

from __future__ import annotations

import re
from itertools import pairwise

from nlu.segment import cut
from nlu.slots.ids import parse_ids

_DIGITS = re.compile(r"\d")


def extract(normalized: str) -> set[str]:
    """Feature names of one normalized message."""
    folded = _DIGITS.sub("0", normalized)
    padded = f"^{folded}$"
    size = len(padded)
    feats = {"c:" + padded[i : i + n] for n in (1, 2, 3) for i in range(size - n + 1)}
    feats.discard("c: ")  # a lone space carries nothing
    words = ["<s>", *cut(folded), "</s>"]
    feats.update("w:" + w for w in words[1:-1])
    feats.update(f"b:{a}|{b}" for a, b in pairwise(words))
    feats.update("id:" + kind for kind in parse_ids(normalized))
    length = len(normalized)
    feats.add(
        "len:" + ("1" if length <= 2 else "2" if length <= 6 else "3" if length <= 20 else "4")
    )
    return feats
