"""Identifiers residents quote: topics ``T12``, polls ``P3``, meetings ``M202612``."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from zoneinfo import ZoneInfo

#: A card's stamp as its buttons carry it after their word (``确认代办 T3 v3f2a1c``,
#: ``确认提交 v3f2a1c``): which 代办 or draft the card was sent for (:func:`card_stamp_of`).
CARD_STAMP = r"v[0-9a-f]{6}"

_REF = re.compile(r"(?<![A-Za-z0-9])([TPDM])\s*(\d{1,9})(?!\d)", re.IGNORECASE)


def actor_ref(resident_id: int | None, platform: str, user_id: str) -> str:
    """How the audit log names a person: by resident record when bound, else by account."""
    if resident_id is not None:
        return f"resident:{resident_id}"
    return f"{platform}:{user_id}"


def card_stamp_of(identity: str) -> str:
    """The stamp of the one thing a card was sent for (``v3f2a1c``), from what identifies
    it: short to carry in a button's words, and a card of something replaced since (a
    new 代办, another draft) no longer acts on what took its place."""
    return "v" + hashlib.sha256(identity.encode()).hexdigest()[:6]


def topic_ref(topic_id: int) -> str:
    return f"T{topic_id}"


def poll_ref(poll_id: int) -> str:
    return f"P{poll_id}"


def decision_ref(decision_id: int) -> str:
    return f"D{decision_id}"


def meeting_code(starts_at: datetime, zone: ZoneInfo) -> str:
    """M + year and month of the meeting's local date: M202612."""
    local = starts_at.astimezone(zone)
    return f"M{local.year:04d}{local.month:02d}"


def find_ref(text: str, letter: str) -> int | None:
    """The first ``T12``-style number for ``letter`` in ``text`` (None when absent)."""
    for match in _REF.finditer(text):
        if match.group(1).upper() == letter.upper():
            if letter.upper() == "M" and len(match.group(2)) != 6:
                continue
            return int(match.group(2))
    return None


def find_meeting_code(text: str) -> str | None:
    found = find_ref(text, "M")
    return None if found is None else f"M{found:06d}"


_MONTH_WORDS = {"上个月": -1, "上月": -1, "下个月": 1, "下月": 1}
_CN_MONTHS = {m: i for i, m in enumerate("一二三四五六七八九十", start=1)}
_CN_MONTHS |= {"十一": 11, "十二": 12}
#: A month named by its number: "1月份那个会" · "一月的议事日" (not a day: "1月2日" names
#: the month too, which is what is wanted).
_MONTH_NUMBER = re.compile(r"(?<![\d.])(1[0-2]|[1-9]|十[一二]?|[一二三四五六七八九])\s*月")


def meeting_code_for_month_words(text: str, now: datetime, zone: ZoneInfo) -> str | None:
    """``M…`` for 下个月/下月 or 上个月/上月 said in ``text`` (from the local month of
    ``now``), or a month named by number (1月份: this year's, or next year's once it
    has passed), so "下个月议事日是哪天" finds next month's meeting, not the next one
    ahead (这个月 and 下次 mean the next one ahead, which needs no code)."""
    local = now.astimezone(zone)
    for word, shift in _MONTH_WORDS.items():
        if word in text:
            index = local.year * 12 + local.month - 1 + shift
            return f"M{index // 12:04d}{index % 12 + 1:02d}"
    if (named := _MONTH_NUMBER.search(text)) is not None:
        word = named.group(1)
        month = int(word) if word.isdigit() else _CN_MONTHS[word]
        year = local.year + (1 if month < local.month else 0)
        return f"M{year:04d}{month:02d}"
    return None
