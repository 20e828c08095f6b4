"""Slot extraction: ids, vote choices, ratings, places, categories, dates and times.

Each parser is importable on its own (the router uses them for context-first
answers); :func:`extract_slots` combines them for a classified message.
All parsers expect text already passed through :func:`nlu.normalize.normalize`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from kernel.intents import Intent
from nlu.slots.category import CATEGORY_KEYWORDS, OTHER_CATEGORY, parse_category
from nlu.slots.ids import parse_ids
from nlu.slots.location import PLACES, parse_location
from nlu.slots.rating import RATING_WORDS, parse_rating
from nlu.slots.vote import parse_vote_choice
from nlu.slots.when import (
    DEFAULT_TZ,
    WhenError,
    parse_date,
    parse_datetime,
    parse_time,
    written_when,
)

__all__ = [
    "CATEGORY_KEYWORDS",
    "DEFAULT_TZ",
    "OTHER_CATEGORY",
    "PLACES",
    "RATING_WORDS",
    "WhenError",
    "extract_slots",
    "parse_category",
    "parse_date",
    "parse_datetime",
    "parse_ids",
    "parse_location",
    "parse_rating",
    "parse_time",
    "parse_vote_choice",
    "written_when",
]


def extract_slots(
    normalized: str,
    intent: Intent,
    *,
    now: datetime | None = None,
    tz: ZoneInfo | str = DEFAULT_TZ,
) -> dict[str, Any]:
    """Slots for a message of the given intent.

    Ids, location and date/time are extracted for every intent; the vote choice
    only for ``vote``, the rating only for ``feedback`` and the category only
    for ``report_issue`` — elsewhere "赞成" or "满意" are just words.
    """
    slots: dict[str, Any] = {}
    slots.update(parse_ids(normalized))
    slots.update(parse_location(normalized))
    slots.update(parse_datetime(normalized, now, tz))
    if intent is Intent.VOTE:
        slots.update(parse_vote_choice(normalized))
    elif intent is Intent.FEEDBACK:
        slots.update(parse_rating(normalized))
    elif intent is Intent.REPORT_ISSUE:
        slots["category"] = parse_category(normalized) or OTHER_CATEGORY
    return slots
