"""Satisfaction ratings: 满意/基本满意/不满意, ★★★, 5星, 打8分."""

from __future__ import annotations

import re

from bot.nlu.slots.numerals import NUM, to_int

# Checked in this order, so that 不满意 is never read as 满意.
RATING_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("unsatisfied", ("不满意", "不太满意", "差评", "太差", "很差", "不认可", "不行", "敷衍", "👎")),
    ("basic", ("基本满意", "还行", "一般", "凑合", "还可以", "马马虎虎", "过得去", "勉强")),
    ("satisfied", ("满意", "好评", "挺好", "很好", "不错", "点赞", "认可", "👍", "棒", "给力")),
)
_STARS = re.compile(rf"({NUM})\s*(?:颗|个)?\s*星")
_SCORE = re.compile(r"(\d{1,3}(?:\.\d)?)\s*分|(满)\s*分")


def _from_score(score: float, scale: int) -> str:
    ratio = score / scale
    return "satisfied" if ratio >= 0.8 else "basic" if ratio >= 0.6 else "unsatisfied"


def parse_rating(text: str) -> dict[str, object]:
    """{"rating": satisfied|basic|unsatisfied, "score"?, "score_max"?} or {}.

    An explicit word wins over a number ("5星 但是不满意" is unsatisfied).
    """
    found: dict[str, object] = {}
    stars = text.count("★") + text.count("⭐")
    if stars:
        found.update(score=min(stars, 5), score_max=5)
    elif m := _STARS.search(text):
        n = to_int(m.group(1))
        if n is not None and 0 <= n <= 5:
            found.update(score=n, score_max=5)
    elif m := _SCORE.search(text):
        value = 10.0 if m.group(2) else float(m.group(1))
        scale = 10 if value <= 10 else 100
        if value <= 100:
            found.update(score=int(value) if value.is_integer() else value, score_max=scale)
    for rating, words in RATING_WORDS:
        if any(w in text for w in words):
            found["rating"] = rating
            break
    else:
        if "score" in found:
            found["rating"] = _from_score(float(found["score"]), int(found["score_max"]))
    return found if "rating" in found else {}
