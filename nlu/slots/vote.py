"""Vote choices: 赞成/反对/弃权 and option numbers or letters (投2, 选A和C)."""

from __future__ import annotations

import re

from nlu.slots.ids import MEETING_RE, POLL_RE, TICKET_RE, TOPIC_RE
from nlu.slots.numerals import to_int

# Checked in this order: negated forms before the words they contain.
ABSTAIN_WORDS = ("弃权", "不表态", "无所谓", "都行", "随便", "中立", "不投")
NO_WORDS = ("不同意", "不赞成", "不支持", "不赞同", "反对", "否决", "👎")
YES_WORDS = ("赞成", "同意", "支持", "赞同", "拥护", "举手", "+1", "👍", "没意见")
_EN = {"yes": "yes", "y": "yes", "no": "no", "n": "no", "abstain": "abstain"}

_OPTION = r"(?:\d{1,2}|[a-h]|[一二三四五六七八九十])"
_SEP = r"\s*(?:和|跟|与|及|、|,|，|/|\+|\s)?\s*"
_TRIGGERED = re.compile(rf"(?:投给?|选择?是?|选项|方案)\s*({_OPTION}(?:{_SEP}{_OPTION})*)(?![\d])")
_ORDINAL = re.compile(rf"第\s*({_OPTION})\s*(?:个|项|号|种)")
_NUMBERED = re.compile(r"(?<![\d\-])(\d{1,2})\s*号(?:方案|选项)?(?!楼|院|单元|[\d])")
_BARE = re.compile(rf"^\s*({_OPTION}(?:{_SEP}{_OPTION})*)\s*(?:号)?\s*$")


def _strip_ids(text: str) -> str:
    for pattern in (TICKET_RE, MEETING_RE, TOPIC_RE, POLL_RE):
        text = pattern.sub(" ", text)
    return text


def _options(seq: str) -> list[str]:
    out: list[str] = []
    for tok in re.findall(r"\d{1,2}|[a-h]|[一二三四五六七八九十]", seq):
        value = str(to_int(tok)) if not tok.isalpha() or not tok.isascii() else tok.upper()
        if value not in out:
            out.append(value)
    return out


def parse_vote_choice(text: str) -> dict[str, object]:
    """{"choice": "yes"|"no"|"abstain"} or {"choices": [...]} or {} if no vote is expressed.

    Options win over yes/no because "赞成方案B" is a choice of B. Expects
    normalized text (lower case, half-width); :func:`nlu.normalize` does that.
    """
    body = _strip_ids(text).strip(" 。.!！?？~～")
    for pattern in (_TRIGGERED, _ORDINAL, _NUMBERED, _BARE):
        match = pattern.search(body)
        if match:
            options = _options(match.group(1))
            if options:
                return {"choices": options}
    if body in _EN:
        return {"choice": _EN[body]}
    if "不反对" in body:
        return {"choice": "yes"}
    for words, choice in ((ABSTAIN_WORDS, "abstain"), (NO_WORDS, "no"), (YES_WORDS, "yes")):
        if any(w in body for w in words):
            return {"choice": choice}
    return {}


# What a vote answer consists of, for the context-first residual check.
VOTE_PATTERNS: tuple[re.Pattern[str], ...] = (
    _TRIGGERED,
    _ORDINAL,
    _NUMBERED,
    _BARE,
    re.compile(
        "|".join(map(re.escape, sorted((*ABSTAIN_WORDS, *NO_WORDS, *YES_WORDS), key=len)[::-1]))
    ),
)
