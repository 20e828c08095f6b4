"""Satisfaction ratings: 满意/基本满意/不满意, ★★★, 5星, 打8分."""

from __future__ import annotations

import re

from nlu.slots.numerals import NUM, to_int

# Checked in this order, so that 不满意 is never read as 满意.
RATING_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("unsatisfied", ("不满意", "不太满意", "差评", "太差", "很差", "不认可", "不行", "敷衍", "👎")),
    ("basic", ("基本满意", "还行", "一般", "凑合", "还可以", "马马虎虎", "过得去", "勉强")),
    ("satisfied", ("满意", "好评", "挺好", "很好", "不错", "点赞", "认可", "👍", "棒", "给力")),
)
# Words that also occur in ordinary talk (今天天气不错): as a context answer they
# must be nearly the whole message.
WEAK_WORDS = (
    "不错",
    "很好",
    "挺好",
    "棒",
    "给力",
    "认可",
    "一般",
    "还行",
    "还可以",
    "不行",
    "勉强",
    "过得去",
    "垃圾",
    "👍",
    "👎",
)
# After a repair, residents answer a rating prompt in their own words: a fix that
# worked (修好了，谢谢) is satisfied, one that didn't (还是漏, 白修) is not. Read only
# when no rating word, star or score says it, and, as a context answer, only when
# these words and thanks are nearly the whole message.
NOT_FIXED_WORDS = (
    "没修好",
    "没弄好",
    "没解决",
    "没有解决",
    "还是坏",
    "还是漏",
    "又坏",
    "还是不",
    "还是没",
    "还在漏",
    "又漏",
    "跟没修一样",
    "等于没修",
    "白修",
    "修了个寂寞",
    "根本没修",
    "没人来",
)
FIXED_WORDS = (
    "修好",
    "弄好",
    "整好",
    "搞好",
    "搞定",
    "解决了",
    "通了",
    "亮了",
    "热了",
    "好了",
    "恢复了",
    "能用了",
    "正常了",
    "来水了",
    "来电了",
    "换好",
    "清走了",
    "拖走了",
    "挪走了",
    "整好咗",
)
# A reservation about how it went (挺好的 就是慢了点): everyday praise with one is 基本满意, and
# said alone to the rating question it is 基本满意 too. It is also what the resident
# wants noted, so it is no rating word to strip: it stays the comment.
RESERVATION_WORDS = (
    "慢了点",
    "慢了些",
    "慢了一点",
    "有点慢",
    "有些慢",
    "稍微慢",
    "太慢",
    "比较慢",
    "晚了点",
    "来得晚",
    "来晚了",
    "等了好久",
    "等了半天",
    "拖了好久",
    "拖了几天",
    "不太及时",
    "不够及时",
)
# Complaints about how the work was done (修得太马虎, 一下雨又堵, 等了好几天才来): said to
# the rating question they are 不满意, read only when no rating word, star or score
# says otherwise. Like a reservation, they are what the resident wants noted: no rating
# word to strip, they stay the comment (and may run longer than a bare rating).
COMPLAINT_WORDS = (
    "马虎",
    "草率",
    "敷衍",
    "糊弄",
    "应付",
    "太慢",
    "慢死了",
    "又堵",
    "又坏",
    "又漏",
    "又不亮",
    "又不行",
    "没修好",
    "没弄好",
    "等了好几天",
    "拖了好几天",
    "好几天才",
    "好久才",
    "半天才",
)
THANKS_WORDS = ("谢谢", "感谢", "多谢", "谢了", "谢啦", "辛苦了", "辛苦", "唔该", "太感谢")

# A fix word with 不/没 before it says the opposite: "东门路灯不亮了" is no "亮了".
_FIXED = re.compile(
    "(?<![不没])(?:"
    + "|".join(re.escape(w) for w in sorted(FIXED_WORDS, key=len, reverse=True))
    + ")"
)
_STARS = re.compile(rf"({NUM})\s*(?:颗|个)?\s*星")
_SCORE = re.compile(r"(\d{1,3}(?:\.\d)?)\s*分|(满)\s*分")


def _from_score(score: float, scale: int) -> str:
    ratio = score / scale
    return "satisfied" if ratio >= 0.8 else "basic" if ratio >= 0.6 else "unsatisfied"


def parse_rating(text: str) -> dict[str, object]:
    """{"rating": satisfied|basic|unsatisfied, "score"?, "score_max"?} or {}.

    An explicit word wins over a number ("5星 但是不满意" is unsatisfied); a reservation
    (就是慢了点) makes praise 基本满意.
    """
    score: int | float | None = None
    scale = 5
    stars = text.count("★") + text.count("⭐")
    if stars:
        score = min(stars, 5)
    elif m := _STARS.search(text):
        n = to_int(m.group(1))
        if n is not None and 0 <= n <= 5:
            score = n
    elif m := _SCORE.search(text):
        value = 10.0 if m.group(2) else float(m.group(1))
        if value <= 100:
            scale = 10 if value <= 10 else 100
            score = int(value) if value.is_integer() else value
    rating: str | None = None
    for name, words in RATING_WORDS:
        if any(w in text for w in words):
            rating = name
            break
    if rating is None and score is not None:
        rating = _from_score(float(score), scale)
    if rating is None:
        rating = _inferred(text)
    reserved = any(w in text for w in RESERVATION_WORDS)
    if reserved and (rating is None or (rating == "satisfied" and is_weak(text))):
        rating = "basic"  # "满意，就是慢了点" keeps its 满意: the resident said it

    if rating is None:
        return {}
    found: dict[str, object] = {"rating": rating}
    if score is not None:
        found.update(score=score, score_max=scale)
    return found


def _inferred(text: str) -> str | None:
    """A rating read from how the resident describes the fix, or None."""
    if any(w in text for w in (*NOT_FIXED_WORDS, *COMPLAINT_WORDS)):
        return "unsatisfied"
    if _FIXED.search(text):
        return "satisfied"
    return None


def is_inferred(text: str) -> bool:
    """True when the rating comes only from words about the fix (修好了, 还是漏)."""
    return not any(w in text for _, words in RATING_WORDS for w in words) and bool(_inferred(text))


#: Complaint words, taken out before a rating answer's length is judged (not from its comment).
COMPLAINTS = re.compile(
    "|".join(re.escape(w) for w in sorted(COMPLAINT_WORDS, key=len, reverse=True))
)

# What a rating answer consists of, for the context-first residual check.
RATING_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile("[★⭐☆]"),
    _STARS,
    _SCORE,
    re.compile("|".join(re.escape(w) for _, ws in RATING_WORDS for w in sorted(ws, key=len)[::-1])),
    re.compile(
        "|".join(
            re.escape(w)
            for w in sorted((*NOT_FIXED_WORDS, *FIXED_WORDS, *THANKS_WORDS), key=len, reverse=True)
        )
    ),
)


def is_weak(text: str) -> bool:
    """True when the rating rests only on an everyday word, no star, score or 满意."""
    strong = ("满意", "好评", "差评", "星", "分", "★", "⭐")
    return not any(s in text for s in strong)
