"""接下来的通知 as moderators read it: each timed message named as people would say it
(议事会提前7天公告 M202612, not its key's ``7d``), under its number, which does not change."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Sequence
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from consultation.schedule import TimedEvent
from consultation.timetable import parse_offset, short_number
from kernel.messages import Reply
from kernel.texts import catalog, t
from notices.common import date_text
from storage.scheduler import ScheduledSend

_DAY = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def _ahead(offset: timedelta) -> str:
    """7 days → ``7天``, 2 hours → ``2小时``, 30 minutes → ``30分钟``."""
    minutes = int(offset.total_seconds() // 60)
    if minutes % (24 * 60) == 0:
        return f"{minutes // (24 * 60)}天"
    if minutes % 60 == 0:
        return f"{minutes // 60}小时"
    return f"{minutes}分钟"


def _details(event: TimedEvent) -> dict[str, str]:
    """What the key says in its own shorthand (``7d``, ``20261205``, ``2026-11``,
    ``response``), in words: read from the key, so a record of an event that already
    went out reads the same."""
    parts = event.key.split(":")
    slot = parts[-1]
    out: dict[str, str] = {}
    with contextlib.suppress(ValueError):
        out["ahead"] = _ahead(parse_offset(slot))
    for part in parts[1:]:
        day = _DAY.match(part)
        if day:
            when = date(*(int(g) for g in day.groups()))
            out["day"] = f"{when.month}月{when.day}日"
    month = _MONTH.match(event.ref)
    if month:
        out["month"] = f"{int(month.group(1))}年{int(month.group(2))}月"
    if len(parts) > 2:
        out["step"] = catalog().get(f"schedule.steps.{parts[2]}", parts[2])
    return out


def describe_event(event: TimedEvent) -> str:
    """What a moderator reads for an event: what it is and what for, in words."""
    key = f"schedule.what.{event.kind}"
    if key in catalog():
        try:
            return t(key, ref=event.ref, **_details(event))
        except KeyError:  # a key of another shape: its kind and object, as below
            pass
    label = catalog().get(f"schedule.kinds.{event.kind}", event.kind)
    return f"{label} {event.ref}"


def upcoming(events: Sequence[TimedEvent], shown: int, zone: ZoneInfo) -> Reply:
    """The first ``shown`` notices under their numbers (the ones 取消通知 and 立即发送
    take), and how many more come later."""
    lines = [t("schedule.list_header")]
    for event in events[:shown]:
        when = date_text(event.due_at, zone)
        number = short_number(event.key)
        lines.append(t("schedule.list_item", number=number, when=when, what=describe_event(event)))
    if len(events) > shown:
        lines.append(t("schedule.list_more", count=len(events) - shown))
    lines.append(t("schedule.list_footer", example=short_number(events[0].key)))
    return Reply("\n".join(lines))


def settled(record: ScheduledSend, zone: ZoneInfo) -> Reply:
    """A number or key typed again: what already became of that notice."""
    what = describe_event(TimedEvent(record.key, record.kind, record.ref, record.due_at))
    key = f"schedule.was_{record.status}"
    return Reply(
        t(
            key if key in catalog() else "schedule.already",
            what=what,
            when=date_text(record.due_at, zone),
            at=date_text(record.recorded_at, zone),
        )
    )


def ambiguous(ref: str, events: Sequence[TimedEvent], zone: ZoneInfo) -> Reply:
    """Two notices under one number (rare): each with its key, which names it alone."""
    lines = [
        t(
            "schedule.ambiguous_item",
            when=date_text(e.due_at, zone),
            what=describe_event(e),
            key=e.key,
        )
        for e in events
    ]
    return Reply(t("schedule.ambiguous", ref=ref, items="\n".join(lines), key=events[0].key))
