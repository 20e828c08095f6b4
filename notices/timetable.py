"""接下来的通知 as moderators read it: each timed message named by its kind and what it
is for, in the one order that numbers it."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from consultation.schedule import TimedEvent
from kernel.messages import Reply
from kernel.texts import catalog, t
from notices.common import date_text


def describe_event(event: TimedEvent) -> str:
    """What a moderator reads for an event: its kind in Chinese and the object it is for."""
    label = catalog().get(f"schedule.kinds.{event.kind}", event.kind)
    slot = event.key.rsplit(":", 1)[-1]
    extra = f"（{slot}）" if slot not in (event.ref, "") and slot != event.kind else ""
    return f"{label} {event.ref}{extra}"


def upcoming(events: Sequence[TimedEvent], shown: int, zone: ZoneInfo) -> Reply:
    """The first ``shown`` events numbered (the numbers 取消通知 and 立即发送 take), and how
    many more there are."""
    lines = [t("schedule.list_header")]
    for number, event in enumerate(events[:shown], start=1):
        when = date_text(event.due_at, zone)
        lines.append(t("schedule.list_item", number=number, when=when, what=describe_event(event)))
    if len(events) > shown:
        lines.append(t("schedule.list_more", count=len(events) - shown))
    lines.append(t("schedule.list_footer"))
    return Reply("\n".join(lines))
