"""The timetable: every source's upcoming events, and firing one exactly once.

This is the scheduler's core without any timer: :class:`Timetable` asks each
registered :class:`~consultation.schedule.TimedEventSource` what is due, leaves
out the keys already recorded (sent, dropped, cancelled), and fires an event in
the caller's transaction after first claiming its key in ``scheduled_sends`` —
the database's unique index, not process memory, makes each send happen once.
The APScheduler service (``bot.scheduler``) and the moderators' commands
(``handlers.schedule``) both go through it.

Also here: the pure calendar arithmetic the sources share (offsets like ``7d``,
daily and monthly local times), so that "08:30" means 08:30 in the community's
zone whatever the server's clock says.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from operator import attrgetter
from zoneinfo import ZoneInfo

from consultation.schedule import TimedEvent, TimedEventSource
from storage.scheduler import ScheduledSend, ScheduledSendRepository
from storage.unit_of_work import UnitOfWork

log = logging.getLogger("yishi.schedule")

_OFFSET = re.compile(r"^\s*(\d+)\s*([dhm])\s*$")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}
#: Keys looked up in ``scheduled_sends`` per page of a rebuild.
RECORDED_PAGE = 500


def parse_offset(text: str) -> timedelta:
    """``"7d"`` → 7 days, ``"2h"`` → 2 hours, ``"30m"`` → 30 minutes."""
    found = _OFFSET.match(text.lower())
    if found is None:
        raise ValueError(f"not an offset like 7d, 2h or 30m: {text!r}")
    return timedelta(**{_UNITS[found.group(2)]: int(found.group(1))})


def parse_clock(text: str) -> time:
    """``"08:30"`` → 08:30 (a wall-clock time in the community's zone)."""
    hours, _, minutes = text.strip().partition(":")
    return time(int(hours), int(minutes or 0))


def local_to_utc(day: date, at: time, zone: ZoneInfo) -> datetime:
    """``day`` at ``at`` on the community's wall clock, as UTC."""
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def daily_occurrences(at: time, zone: ZoneInfo, start: datetime, end: datetime) -> Iterator[date]:
    """Local days whose ``at`` falls in ``[start, end)`` (UTC instants)."""
    day = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date() + timedelta(days=1)
    while day <= last:
        moment = local_to_utc(day, at, zone)
        if start <= moment < end:
            yield day
        day += timedelta(days=1)


def daily_event(
    kind: str, day: date, at: time, zone: ZoneInfo, useful_for: timedelta
) -> TimedEvent:
    """``day``'s ``kind`` event at ``at`` local (``kind:2026-11-23``), stale ``useful_for`` on."""
    due = local_to_utc(day, at, zone)
    return TimedEvent(
        key=f"{kind}:{day.isoformat()}",
        kind=kind,
        ref=day.isoformat(),
        due_at=due,
        stale_at=due + useful_for,
    )


def daily_events(
    kind: str, at: time, zone: ZoneInfo, useful_for: timedelta, now: datetime, horizon: timedelta
) -> list[TimedEvent]:
    """Each day's ``kind`` event due from ``useful_for`` ago (a missed one still worth
    doing) to ``horizon`` ahead."""
    days = daily_occurrences(at, zone, now - useful_for, now + horizon)
    return [daily_event(kind, day, at, zone, useful_for) for day in days]


class DailySource:
    """What a source firing one event a day shares (its dataclass holds the fields): its
    one kind (``kinds[0]``) at ``at`` local in ``zone``, worth doing ``useful_for`` after."""

    kinds: tuple[str, ...]
    zone: ZoneInfo
    at: time
    useful_for: timedelta

    async def upcoming(
        self, uow: UnitOfWork, now: datetime, horizon: timedelta
    ) -> list[TimedEvent]:
        return daily_events(self.kinds[0], self.at, self.zone, self.useful_for, now, horizon)

    def event_for(self, day: date) -> TimedEvent:
        return daily_event(self.kinds[0], day, self.at, self.zone, self.useful_for)


def monthly_occurrences(
    day_of_month: int, at: time, zone: ZoneInfo, start: datetime, end: datetime
) -> Iterator[date]:
    """Local dates (the ``day_of_month`` of each month) whose ``at`` falls in ``[start, end)``."""
    first = start.astimezone(zone).date().replace(day=1)
    first = previous_month(first)[0]
    last = end.astimezone(zone).date()
    while first <= last:
        day = first.replace(day=min(day_of_month, 28))
        moment = local_to_utc(day, at, zone)
        if start <= moment < end:
            yield day
        first = next_month(first)


def next_month(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def previous_month(day: date) -> tuple[date, date]:
    """The first and last day of the month before ``day``'s month."""
    end = day.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


def is_late(event: TimedEvent, now: datetime, tolerance: timedelta) -> bool:
    """True when ``now`` is noticeably past the due time (the message must say so)."""
    return now - event.due_at > tolerance


def is_stale(event: TimedEvent, now: datetime) -> bool:
    """True when the event stopped being useful (e.g. the meeting has begun)."""
    return event.stale_at is not None and now >= event.stale_at


class Outcome(StrEnum):
    """What :meth:`Timetable.fire` did."""

    SENT = "sent"
    LATE = "late"  # sent, marked late
    DROPPED = "dropped"  # past its stale time: recorded, logged, not sent
    ALREADY = "already"  # someone recorded the key first: nothing done
    CANCELLED = "cancelled"


class UnknownEvent(LookupError):
    """No upcoming event has that key or number (code for the handler's sentence)."""

    code = "unknown_event"


class AmbiguousNumber(LookupError):
    """Two upcoming notices share a number (rare: four digits from their keys); they are
    named by their keys instead."""

    def __init__(self, events: Sequence[TimedEvent]) -> None:
        super().__init__(", ".join(e.key for e in events))
        self.events = list(events)


def short_number(key: str) -> int:
    """An event's number in 接下来的通知 (four digits, from its key): the same event
    keeps it whatever is added, sent or cancelled around it, so a number typed twice
    names the same event twice."""
    return 1000 + int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % 9000


class Timetable:
    """All sources, one view: what is due, and firing each key once."""

    def __init__(
        self,
        sources: Sequence[TimedEventSource] = (),
        *,
        late_tolerance: timedelta = timedelta(minutes=5),
    ) -> None:
        self.sources: list[TimedEventSource] = list(sources)
        self.late_tolerance = late_tolerance

    def register(self, source: TimedEventSource) -> None:
        self.sources.append(source)

    def source_for(self, event: TimedEvent) -> TimedEventSource:
        for source in self.sources:
            if any(event.kind == k or event.kind.startswith(f"{k}.") for k in source.kinds):
                return source
        raise LookupError(f"no source fires {event.kind!r}")

    async def upcoming(
        self, uow: UnitOfWork, now: datetime, horizon: timedelta
    ) -> list[TimedEvent]:
        """Every not-yet-recorded event due before ``now + horizon``, soonest first."""
        until = now + horizon
        events: dict[str, TimedEvent] = {}
        for source in self.sources:
            for event in await source.upcoming(uow, now, horizon):
                if event.due_at < until:
                    events.setdefault(event.key, event)
        sends, keys, pending = uow.get(ScheduledSendRepository), list(events), list[TimedEvent]()
        for start in range(0, len(keys), RECORDED_PAGE):
            page = keys[start : start + RECORDED_PAGE]
            done = await sends.recorded(page)
            pending.extend(events[k] for k in page if k not in done)
            await uow.between_pages()
        # Two stable sorts on plain attributes: soonest first, then by key (thousands of
        # events; no tuple built per event).
        pending.sort(key=attrgetter("key"))
        pending.sort(key=attrgetter("due_at"))
        return pending

    async def due(self, uow: UnitOfWork, now: datetime) -> list[TimedEvent]:
        """Events whose time has come (``due_at <= now``) and that nobody recorded yet."""
        return [e for e in await self.upcoming(uow, now, timedelta(seconds=1)) if e.due_at <= now]

    async def notices(self, uow: UnitOfWork, now: datetime, horizon: timedelta) -> list[TimedEvent]:
        """The upcoming events someone is told of — what moderators list, cancel and send
        now; the framework's chores (the nightly purge) are left out."""
        return [e for e in await self.upcoming(uow, now, horizon) if e.notice]

    async def find(
        self, uow: UnitOfWork, now: datetime, horizon: timedelta, ref: str
    ) -> TimedEvent:
        """The upcoming notice named by its key or by its number (:func:`short_number`);
        :class:`AmbiguousNumber` when two share the number."""
        wanted = ref.strip()
        found = [
            e
            for e in await self.notices(uow, now, horizon)
            if e.key == wanted or (wanted.isdigit() and short_number(e.key) == int(wanted))
        ]
        if len(found) > 1:
            raise AmbiguousNumber(found)
        if not found:
            raise UnknownEvent(wanted)
        return found[0]

    async def settled(self, uow: UnitOfWork, ref: str, since: datetime) -> ScheduledSend | None:
        """What became of the event named by key or number, recorded since ``since`` (sent,
        cancelled, dropped): a number typed again is answered with what it already did."""
        sends, wanted = uow.get(ScheduledSendRepository), ref.strip()
        if not wanted.isdigit():
            return await sends.get(wanted)
        number = int(wanted)
        return next(
            (s for s in await sends.recorded_since(since) if short_number(s.key) == number), None
        )

    async def fire(
        self,
        uow: UnitOfWork,
        event: TimedEvent,
        now: datetime,
        *,
        actor: str = "scheduler",
        manual: bool = False,
    ) -> Outcome:
        """Claim ``event.key`` and, when the claim wins, do the event in ``uow``'s transaction.

        A stale event is recorded as dropped and logged instead. ``manual`` (a
        moderator's 立即发送) fires ahead of time and is never late or stale.
        """
        if not manual and is_stale(event, now):
            if await _claim(uow, event, now, actor, "dropped", note="past its useful time"):
                log.warning(
                    "scheduled event dropped: no longer useful",
                    extra={"key": event.key, "due_at": event.due_at.isoformat()},
                )
                return Outcome.DROPPED
            return Outcome.ALREADY
        late = not manual and is_late(event, now, self.late_tolerance)
        note = "sent by hand ahead of time" if manual else None
        if not await _claim(uow, event, now, actor, "sent", late=late, note=note):
            return Outcome.ALREADY
        await self.source_for(event).fire(uow, event, now, late)
        if late:
            log.warning(
                "scheduled event sent late",
                extra={"key": event.key, "due_at": event.due_at.isoformat()},
            )
        return Outcome.LATE if late else Outcome.SENT

    async def cancel(self, uow: UnitOfWork, event: TimedEvent, now: datetime, actor: str) -> bool:
        """Record ``event`` as cancelled so no rebuild schedules it again; False if already done."""
        claimed = await _claim(uow, event, now, actor, "cancelled")
        if claimed:
            await uow.audit.record(actor, "schedule_cancelled", "scheduled_event", event.key)
        return claimed

    async def fail(self, uow: UnitOfWork, event: TimedEvent, now: datetime, error: str) -> None:
        """Give up on an event that kept failing, so it stops being retried (and is visible)."""
        await _claim(uow, event, now, "scheduler", "failed", note=error[:500])


async def _claim(
    uow: UnitOfWork,
    event: TimedEvent,
    now: datetime,
    actor: str,
    status: str,
    *,
    late: bool = False,
    note: str | None = None,
) -> bool:
    """Record what became of ``event``; False if its key was recorded already."""
    send = ScheduledSend(
        key=event.key,
        kind=event.kind,
        ref=event.ref,
        due_at=event.due_at,
        status=status,
        recorded_at=now,
        actor=actor,
        late=late,
        note=note,
    )
    return await uow.get(ScheduledSendRepository).claim(send)
