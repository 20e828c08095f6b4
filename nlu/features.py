"""Feature extraction shared by training and the runtime scorer.

Binary features: character 1–3-grams (robust to typos and unknown words),
jieba word unigrams and bigrams (meaning-bearing units such as 附议 or
加装电梯), one feature per identifier kind (R…/T…/P…/M…), which are strong
intent cues, the kinds of word the lexicon knows (:mod:`nlu.lexicon`: a
problem, a place, thanks, a fix), and the tag of a community word
(``w:@place``). Digits are folded to 0, and so are Chinese numerals before a
building word (三号楼, 十二栋), so that numbers generalize.
"""

from __future__ import annotations

import re
from itertools import pairwise

from nlu.lexicon import lexicon_features
from nlu.segment import Segmenter, default_segmenter
from nlu.slots.ids import parse_ids

_DIGITS = re.compile(r"\d")
_CN_NUMBER = re.compile(r"[一二三四五六七八九十两]+(?=号楼|号|栋|幢|单元|座|层|楼)")


def fold_numbers(normalized: str) -> str:
    """3号楼, 三号楼 and 十二栋 alike become 0号楼 / 0栋."""
    return _DIGITS.sub("0", _CN_NUMBER.sub("0", normalized))


def extract(normalized: str, segmenter: Segmenter | None = None) -> set[str]:
    """Feature names of one normalized message."""
    seg = segmenter or default_segmenter()
    folded = fold_numbers(normalized)
    padded = f"^{folded}$"
    size = len(padded)
    feats = {"c:" + padded[i : i + n] for n in (1, 2, 3) for i in range(size - n + 1)}
    feats.discard("c: ")  # a lone space carries nothing
    words = ["<s>", *seg.cut(folded), "</s>"]
    for w in words[1:-1]:
        feats.add("w:" + w)
        tag = seg.tag(w)
        if tag is not None:
            feats.add("w:@" + tag)
    feats.update(f"b:{a}|{b}" for a, b in pairwise(words))
    feats.update("id:" + kind for kind in parse_ids(normalized))
    feats.update(lexicon_features(folded))
    length = len(normalized)
    feats.add(
        "len:" + ("1" if length <= 2 else "2" if length <= 6 else "3" if length <= 20 else "4")
    )
    return feats
