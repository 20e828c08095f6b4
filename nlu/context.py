"""Context-first interpretation: an expected answer is taken as that answer.

When the conversation waits for a vote, a rating, a location or a yes/no,
"同意" is a vote, "满意" a rating, "3栋" the building — whatever the classifier
would say about the words alone. A text that is not a plausible answer of the
expected kind (a new complaint while a poll is open) returns None, and the
router falls back to the classifier.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from kernel.intents import Intent, NluResult
from nlu.normalize import normalize
from nlu.slots import parse_ids, parse_location, parse_rating, parse_vote_choice
from nlu.slots.ids import MEETING_RE, POLL_RE, TICKET_RE, TOPIC_RE
from nlu.slots.location import LOCATION_PATTERNS
from nlu.slots.rating import COMPLAINTS, RATING_PATTERNS, is_inferred, is_weak
from nlu.slots.vote import VOTE_PATTERNS

Expected = Literal["vote", "rating", "location", "confirm"]
EXPECTED_KINDS: tuple[str, ...] = ("vote", "rating", "location", "confirm")

MAX_ANSWER_CHARS = 24
"""Longer texts are new messages that happen to contain an answer word."""

MAX_RESIDUAL: dict[str, int] = {"vote": 10, "rating": 10, "location": 6, "confirm": 99}
"""Characters allowed besides the answer itself ("我赞成加装电梯" leaves 加装电梯).
A yes/no is already matched whole or by its first word (确认无误), so no limit."""

WEAK_RATING_RESIDUAL = 2
"""A rating from an everyday word (不错) must be nearly all the message (挺不错的)."""

INFERRED_RATING_RESIDUAL = 6
"""A rating read from words about the fix (灯修好了 谢谢, 还是漏) may name the thing fixed."""

_PATTERNS: dict[str, tuple[re.Pattern[str], ...]] = {
    "vote": VOTE_PATTERNS,
    "rating": RATING_PATTERNS,
    "location": LOCATION_PATTERNS,
    "confirm": (),
}
_IDS = (TICKET_RE, MEETING_RE, TOPIC_RE, POLL_RE)
_SOFT = re.compile(r"我|就|是|在|还|挺|很|非常|比较|蛮|都|投|选|票|给|打|个|这|那边|吧")

CONFIRM_NO = (
    "不对",
    "不是",
    "取消",
    "算了",
    "不用",
    "不要",
    "错了",
    "不行",
    "不确认",
    "否",
    "no",
    "n",
)
CONFIRM_YES = (
    "对",
    "是的",
    "是",
    "确认",
    "好的",
    "好",
    "嗯",
    "可以",
    "没错",
    "行",
    "ok",
    "yes",
    "y",
    "确定",
    "👌",
    "👍",
    "没问题",
    "对的",
    "是滴",
)
_FILLER = re.compile(
    r"[\s,，.。!！?？~～、…;；:：'\"]|[\U0001F300-\U0001FAFF\u2600-\u27BF]|啊|呀|吧|呢|哈|的|嗯嗯|了"
)

_REPEAT = re.compile(r"(.+?)\1+")

_INTENT_OF: dict[str, Intent] = {
    "vote": Intent.VOTE,
    "rating": Intent.FEEDBACK,
    "location": Intent.REPORT_ISSUE,
    "confirm": Intent.OTHER,
}


def parse_confirm(text: str) -> bool | None:
    """True for 对/是的/确认/好的, False for 不对/取消, None if neither (normalized text)."""
    body = _REPEAT.sub(r"\1", _FILLER.sub("", text))  # 对对对 → 对, 好好好 → 好
    if body in CONFIRM_NO or any(body.startswith(w) for w in CONFIRM_NO if len(w) > 1):
        return False
    if body in CONFIRM_YES or any(body.startswith(w) for w in CONFIRM_YES if len(w) > 1):
        return True
    return None


def residual(normalized: str, expected: str) -> str:
    """What is left of the text once the answer, ids and filler words are removed."""
    rest = normalized
    for pattern in (*_IDS, *_PATTERNS[expected]):
        rest = pattern.sub("", rest)
    return _SOFT.sub("", _FILLER.sub("", rest))


def _answer(normalized: str, expected: str) -> dict[str, Any]:
    if expected == "vote":
        return parse_vote_choice(normalized)
    if expected == "rating":
        return parse_rating(normalized)
    if expected == "location":
        return parse_location(normalized)
    if expected == "confirm":
        confirm = parse_confirm(normalized)
        return {} if confirm is None else {"confirm": confirm}
    raise ValueError(f"unknown expected answer kind: {expected!r} (one of {EXPECTED_KINDS})")


def interpret_in_context(text: str, expected: str) -> NluResult | None:
    """An NluResult (confidence 1.0) if text answers the expected question, else None."""
    normalized = normalize(text)
    slots = _answer(normalized, expected)
    if not slots or len(normalized) > MAX_ANSWER_CHARS:
        return None
    rest = residual(normalized, expected)
    limit = MAX_RESIDUAL[expected]
    if expected == "rating" and is_inferred(normalized):
        limit = INFERRED_RATING_RESIDUAL
        # A complaint about the work is the answer, however it is put: "修得太马虎了
        # 一下雨又堵" leaves only 修得太一下雨 (its words stay the rating's comment).
        rest = residual(COMPLAINTS.sub("", normalized), expected)
    elif expected == "rating" and is_weak(normalized):
        limit = WEAK_RATING_RESIDUAL
    if len(rest) > limit:
        return None
    slots = {**parse_ids(normalized), **slots}
    intent = _INTENT_OF[expected]
    return NluResult(
        text=text, intent=intent, confidence=1.0, slots=slots, alternatives=((intent, 1.0),)
    )
