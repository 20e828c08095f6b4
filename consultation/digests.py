"""Cross-cutting timed messages: the grid workers' morning digest and the monthly report.

Both read other domains' data through small query ports (:class:`OpenTasksQuery`,
:class:`TicketFiguresQuery`, :class:`ConsultationFiguresQuery`) that the ticket
and consultation domains satisfy, so this module depends on no table of theirs.
Firing records an event (GridDigestDue, MonthlyReportDue); what the message says
and who gets it follow from the dispatch table (:mod:`notices.digests`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from consultation import events as ev
from consultation.schedule import TimedEvent
from consultation.timetable import (
    DailySource,
    local_to_utc,
    monthly_occurrences,
    previous_month,
)
from storage.people import PeopleRepository
from storage.unit_of_work import UnitOfWork

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
    #: The complainant's room number was left out of ``location`` (a confidential
    #: category, :mod:`consultation.confidentiality`).
    room_withheld: bool = False


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


@dataclass
class GridDigestSource(DailySource):
    """Every morning at ``at`` (local), each grid worker gets their open tasks, oldest first.

    One event per day (``digest.grid:2026-11-23``); each worker's push carries
    its own dedupe key. A digest more than ``useful_for`` late is dropped: the
    next morning's replaces it.
    """

    tasks: OpenTasksQuery
    zone: ZoneInfo
    at: time = time(8, 30)
    useful_for: timedelta = timedelta(hours=12)
    kinds: tuple[str, ...] = field(default=(DIGEST_KIND,))

    async def fire(self, uow: UnitOfWork, event: TimedEvent, now: datetime, late: bool) -> None:
        for worker in await self.tasks.open_tasks_by_worker(uow, now):
            if worker.tasks:
                uow.record(
                    ev.GridDigestDue(
                        worker=worker,
                        timed_key=event.key,
                        due_at=event.due_at,
                        at=now,
                        late=late,
                    )
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
        uow.record(
            ev.MonthlyReportDue(
                month=month,
                tickets=tickets,
                consultation=consultation,
                moderators=await self.moderators(uow),
                timed_key=event.key,
                due_at=event.due_at,
                late=late,
            )
        )
