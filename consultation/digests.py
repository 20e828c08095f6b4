"""Cross-cutting timed messages: the grid workers' morning digest and the monthly report.

Both read other domains' data through small query ports (:class:`OpenTasksQuery`,
:class:`TicketFiguresQuery`, :class:`ConsultationFiguresQuery`) that the ticket
and consultation domains satisfy, so this module depends on no table of theirs.
Sentences come from a ``phrase(key, **values)`` function handed in by the
wiring (the catalogue lives in ``bot/``, which the domain may not import).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from consultation.binding import push_to_person
from consultation.schedule import TimedEvent
from consultation.timetable import (
    daily_event,
    daily_events,
    local_to_utc,
    monthly_occurrences,
    previous_month,
)
from storage.people import PeopleRepository
from storage.unit_of_work import UnitOfWork

#: ``phrase("schedule.digest_header", name=…)`` → the catalogue sentence.
Phrase = Callable[..., str]

DIGEST_KIND = "digest.grid"
REPORT_KIND = "report.monthly"


@dataclass(frozen=True, slots=True)
class OpenTask:
    """One open ticket as a grid worker's digest lists it."""

    number: str
    summary: str
    received_at: datetime
    location: str | None = None
    due_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class WorkerTasks:
    """A grid worker (resident id) and the open tasks that are theirs."""

    resident_id: int
    name: str
    tasks: Sequence[OpenTask]


class OpenTasksQuery(Protocol):
    """Port (ticket domain): each grid worker's open tasks at ``now``."""

    async def open_tasks_by_worker(self, uow: UnitOfWork, now: datetime) -> list[WorkerTasks]: ...


@dataclass(frozen=True, slots=True)
class TicketFigures:
    """诉求 counts for a period, as seeds 002 report them (收集、分理、办结、反馈)."""

    received: int
    dispatched: int
    resolved: int
    fed_back: int
    escalated: int
    open_at_end: int
    satisfied_percent: float | None = None


@dataclass(frozen=True, slots=True)
class ConsultationFigures:
    """议事 counts for a period."""

    meetings_held: int
    topics_proposed: int
    topics_accepted: int
    polls_closed: int
    outcomes_published: int


class TicketFiguresQuery(Protocol):
    """Port (ticket domain): figures for ``[start, end)``."""

    async def ticket_figures(
        self, uow: UnitOfWork, start: datetime, end: datetime
    ) -> TicketFigures: ...


class ConsultationFiguresQuery(Protocol):
    """Port (consultation domain): figures for ``[start, end)``."""

    async def consultation_figures(
        self, uow: UnitOfWork, start: datetime, end: datetime
    ) -> ConsultationFigures: ...


async def push_to_resident(
    uow: UnitOfWork, resident_id: int, payload: dict[str, Any], dedupe_key: str, now: datetime
) -> int:
    """Queue a private message to the resident on their preferred platform (once per key)."""
    return await push_to_person(
        uow, resident_id, payload, lambda p, c: f"{dedupe_key}:{p}:{c}", now
    )


def text_payload(text: str) -> dict[str, Any]:
    """The outbox payload of a plain text message (``kernel.messages.Reply`` JSON)."""
    return {"text": text, "buttons": [], "mentions": [], "chat_id": None}


def _age_days(received_at: datetime, now: datetime, zone: ZoneInfo) -> int:
    """Calendar days on the community's wall clock: yesterday evening is 1 day, not today."""
    return max(0, (now.astimezone(zone).date() - received_at.astimezone(zone).date()).days)


def format_digest(
    phrase: Phrase, worker: WorkerTasks, now: datetime, zone: ZoneInfo, late_note: str | None
) -> str:
    """The digest message: header, then the tasks oldest first, one per line."""
    tasks = sorted(worker.tasks, key=lambda t: (t.received_at, t.number))
    lines = [phrase("schedule.digest_header", name=worker.name, count=len(tasks))]
    for index, task in enumerate(tasks, start=1):
        days = _age_days(task.received_at, now, zone)
        age = phrase("schedule.age_today") if days == 0 else phrase("schedule.age_days", days=days)
        where = f"（{task.location}）" if task.location else ""
        due = ""
        if task.due_at is not None:
            due = phrase(
                "schedule.digest_due", due=task.due_at.astimezone(zone).strftime("%m-%d %H:%M")
            )
        lines.append(
            phrase(
                "schedule.digest_item",
                index=index,
                number=task.number,
                summary=task.summary,
                where=where,
                age=age,
                due=due,
            )
        )
    if late_note:
        lines.insert(0, late_note)
    return "\n".join(lines)


def format_report(
    phrase: Phrase,
    month: date,
    tickets: TicketFigures | None,
    consultation: ConsultationFigures | None,
    late_note: str | None,
) -> str:
    """The monthly report: the previous month's ticket and consultation figures."""
    lines = [phrase("schedule.report_header", year=month.year, month=month.month)]
    if tickets is not None:
        satisfied = (
            phrase("schedule.report_satisfied", percent=f"{tickets.satisfied_percent:.0f}")
            if tickets.satisfied_percent is not None
            else ""
        )
        lines.append(
            phrase(
                "schedule.report_tickets",
                received=tickets.received,
                dispatched=tickets.dispatched,
                resolved=tickets.resolved,
                fed_back=tickets.fed_back,
                escalated=tickets.escalated,
                open=tickets.open_at_end,
                satisfied=satisfied,
            )
        )
    if consultation is not None:
        lines.append(
            phrase(
                "schedule.report_consultation",
                meetings=consultation.meetings_held,
                proposed=consultation.topics_proposed,
                accepted=consultation.topics_accepted,
                polls=consultation.polls_closed,
                outcomes=consultation.outcomes_published,
            )
        )
    if tickets is None and consultation is None:
        lines.append(phrase("schedule.report_no_figures"))
    if late_note:
        lines.insert(0, late_note)
    return "\n".join(lines)


def late_line(phrase: Phrase, event: TimedEvent, zone: ZoneInfo) -> str:
    """The line a late message starts with, naming when it was due."""
    return phrase(
        "schedule.late_note", due=event.due_at.astimezone(zone).strftime("%m月%d日 %H:%M")
    )


@dataclass
class GridDigestSource:
    """Every morning at ``at`` (local), each grid worker gets their open tasks, oldest first.

    One event per day (``digest.grid:2026-11-23``); each worker's push carries
    its own dedupe key. A digest more than ``useful_for`` late is dropped: the
    next morning's replaces it.
    """

    tasks: OpenTasksQuery
    phrase: Phrase
    zone: ZoneInfo
    at: time = time(8, 30)
    useful_for: timedelta = timedelta(hours=12)
    kinds: tuple[str, ...] = field(default=(DIGEST_KIND,))

    async def upcoming(
        self, uow: UnitOfWork, now: datetime, horizon: timedelta
    ) -> list[TimedEvent]:
        return daily_events(DIGEST_KIND, self.at, self.zone, self.useful_for, now, horizon)

    def event_for(self, day: date) -> TimedEvent:
        return daily_event(DIGEST_KIND, day, self.at, self.zone, self.useful_for)

    async def fire(self, uow: UnitOfWork, event: TimedEvent, now: datetime, late: bool) -> None:
        note = late_line(self.phrase, event, self.zone) if late else None
        for worker in await self.tasks.open_tasks_by_worker(uow, now):
            if not worker.tasks:
                continue
            text = format_digest(self.phrase, worker, now, self.zone, note)
            await push_to_resident(
                uow,
                worker.resident_id,
                text_payload(text),
                f"{event.key}:{worker.resident_id}",
                now,
            )


async def moderator_ids(uow: UnitOfWork) -> list[int]:
    """Residents holding the moderator role (the monthly report's audience)."""
    return [r.id for r in await uow.residents.with_role("moderator") if r.id is not None]


async def community_began(uow: UnitOfWork) -> datetime | None:
    """When the first resident was registered (None while there is none)."""
    return await uow.get(PeopleRepository).first_registered()


@dataclass
class MonthlyReportSource:
    """On ``day`` of each month at ``at`` (local), moderators get the previous month's figures."""

    phrase: Phrase
    zone: ZoneInfo
    tickets: TicketFiguresQuery | None = None
    consultation: ConsultationFiguresQuery | None = None
    day: int = 1
    at: time = time(9, 0)
    useful_for: timedelta = timedelta(days=7)
    moderators: Callable[[UnitOfWork], Awaitable[list[int]]] = moderator_ids
    began: Callable[[UnitOfWork], Awaitable[datetime | None]] = community_began
    kinds: tuple[str, ...] = field(default=(REPORT_KIND,))
    #: When the community began, once known (it does not change afterwards).
    _began: datetime | None = field(default=None, init=False, repr=False)

    async def upcoming(
        self, uow: UnitOfWork, now: datetime, horizon: timedelta
    ) -> list[TimedEvent]:
        days = monthly_occurrences(
            self.day, self.at, self.zone, now - self.useful_for, now + horizon
        )
        events = [self.event_for(day) for day in days]
        if any(self.period(e)[2] <= now for e in events):
            # A month that ended before the first resident was registered (a fresh demo,
            # a register imported on the 2nd) was never lived: no report, none to catch up.
            if self._began is None:
                self._began = await self.began(uow)
            began = self._began
            events = [e for e in events if began is not None and self.period(e)[2] > began]
        return events

    def event_for(self, day: date) -> TimedEvent:
        first, _ = previous_month(day)
        due = local_to_utc(day, self.at, self.zone)
        month = f"{first.year:04d}-{first.month:02d}"
        return TimedEvent(
            key=f"{REPORT_KIND}:{month}",
            kind=REPORT_KIND,
            ref=month,
            due_at=due,
            stale_at=due + self.useful_for,
            data={"month": month},
        )

    def period(self, event: TimedEvent) -> tuple[date, datetime, datetime]:
        """The reported month and its bounds as UTC instants (local midnight to midnight)."""
        year, month = (int(p) for p in str(event.data["month"]).split("-"))
        first = date(year, month, 1)
        following = date(year + month // 12, month % 12 + 1, 1)
        return (
            first,
            local_to_utc(first, time(0), self.zone),
            local_to_utc(following, time(0), self.zone),
        )

    async def fire(self, uow: UnitOfWork, event: TimedEvent, now: datetime, late: bool) -> None:
        month, start, end = self.period(event)
        tickets = await self.tickets.ticket_figures(uow, start, end) if self.tickets else None
        consultation = (
            await self.consultation.consultation_figures(uow, start, end)
            if self.consultation
            else None
        )
        note = late_line(self.phrase, event, self.zone) if late else None
        text = format_report(self.phrase, month, tickets, consultation, note)
        for person_id in await self.moderators(uow):
            key = f"{event.key}:{person_id}"
            await push_to_resident(uow, person_id, text_payload(text), key, now)
