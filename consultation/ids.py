"""Identifiers residents quote: topics ``T12``, polls ``P3``, meetings ``M202612``."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

_REF = re.compile(r"(?<![A-Za-z0-9])([TPDM])\s*(\d{1,9})(?!\d)", re.IGNORECASE)


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
