"""Ticket deadlines as timed events: warnings, both escalation steps, the unrated close.

Implements :class:`consultation.schedule.TimedEventSource`. The truth is in the
ticket rows (deadlines and the marker column of each step), so the events can be
rebuilt at any time; firing sets the marker with a conditional UPDATE, so a step
happens once even if two schedulers fire it.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from consultation.schedule import TimedEvent
from consultation.ticket_parsing import Catalogue
from consultation.tickets import TicketService, awaits_acceptance, response_chased
from consultation.worktime import Deadlines
from storage.tickets import OPEN_STATUSES, Ticket, TicketRepository, TicketTimes
from storage.unit_of_work import UnitOfWork

LATE_AFTER = timedelta(minutes=5)


class TicketTimers:
    """The tickets' :class:`TimedEventSource`."""

    kinds: tuple[str, ...] = ("ticket.warn", "ticket.escalate", "ticket.autoclose")

    def __init__(self, catalogue: Catalogue, zone: tzinfo) -> None:
        self.catalogue = catalogue
        self.zone = zone
        self.deadlines = Deadlines(catalogue, zone)

    def events_for(self, ticket: Ticket | TicketTimes) -> list[TimedEvent]:
        """Every step still ahead of (or overdue for) one ticket."""
        events: list[TimedEvent] = []
        n, r = ticket.number, ticket.deadline_round
        rule = self.deadlines

        def add(kind: str, step: str, due: datetime, stale: datetime | None = None) -> None:
            key = f"{kind}:{n}:{step}:{r}"
            data = {"step": step, "round": r}
            events.append(TimedEvent(key, kind, n, due, stale_at=stale, data=data))

        def deadline(step: str, due: datetime, warned: datetime | None) -> None:
            """The holder warned ahead of ``due`` (unless already), then the escalation at it."""
            if warned is None:
                # A warning is useless once its deadline passed: the escalation says it all.
                add(
                    "ticket.warn",
                    step,
                    rule.warn_at(ticket.category, ticket.urgent, step, due),
                    due,
                )
            add("ticket.escalate", step, due)

        # Waiting to be taken and chased (in a grid, or an emergency filed straight to the
        # community: TicketService.timed); or given to a worker (分派/转派) before anybody
        # took it: chased on until he takes it himself (接单).
        waiting = ticket.holder_id is None and response_chased(ticket)
        given = ticket.holder_id is not None
        unaccepted = awaits_acceptance(ticket) and (waiting or given)
        if unaccepted and ticket.response_escalated_at is None:
            deadline("response", ticket.response_due_at, ticket.response_warned_at)
        if ticket.status in OPEN_STATUSES and ticket.resolution_escalated_at is None:
            deadline("resolution", ticket.resolution_due_at, ticket.resolution_warned_at)
        if ticket.status == "resolved" and ticket.rating_due_at is not None:
            add("ticket.autoclose", "rating", ticket.rating_due_at)
        return events

    def reach(self, until: datetime) -> datetime:
        """The latest deadline whose warning can fall before ``until``.

        A warning is up to ``warn_before_minutes`` ahead of its deadline: on the plain
        clock, or in working time (the evening before a weekend reaches into Monday
        morning, the eve of 春节 past the holiday). One second more carries a deadline
        that ends a working day over to the next working moment.
        """
        lead = timedelta(minutes=self.catalogue.warn_before_minutes)
        plain = until + lead
        return max(plain, self.deadlines.calendar.add(until, lead + timedelta(seconds=1)))

    async def upcoming(
        self, uow: UnitOfWork, now: datetime, horizon: timedelta
    ) -> list[TimedEvent]:
        until = now + horizon
        events: list[TimedEvent] = []
        pages = uow.get(TicketRepository).due_for_timers(until, self.reach(until) - until)
        async for tickets in pages:
            events.extend(e for t in tickets for e in self.events_for(t) if e.due_at <= until)
            await uow.between_pages()  # the event loop and other messages go in between
        return events  # in ticket order: the timetable sorts what all sources give

    async def fire(self, uow: UnitOfWork, event: TimedEvent, now: datetime, late: bool) -> None:
        step = str(event.data.get("step", ""))
        kind = {
            ("ticket.warn", "response"): "warn_response",
            ("ticket.warn", "resolution"): "warn_resolution",
            ("ticket.escalate", "response"): "escalate_response",
            ("ticket.escalate", "resolution"): "escalate_resolution",
            ("ticket.autoclose", "rating"): "autoclose",
        }.get((event.kind, step))
        if kind is None:
            return
        service = TicketService(uow, self.catalogue, self.zone)
        round_ = int(event.data.get("round", 0))
        await service.timed(kind, event.ref, round_, now, late)

    async def run_due(self, uow: UnitOfWork, now: datetime) -> list[str]:
        """Fire every step due by ``now`` (tests and a scheduler-less process call this)."""
        fired = []
        events = await self.upcoming(uow, now, timedelta(0))
        for event in sorted(events, key=lambda e: (e.due_at, e.key)):
            if event.stale_at is not None and now >= event.stale_at:
                continue
            await self.fire(uow, event, now, late=now - event.due_at > LATE_AFTER)
            fired.append(event.key)
        return fired
