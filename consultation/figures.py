"""The digest's and the monthly report's query ports, answered from the real tables.

:mod:`consultation.digests` only knows the ports; this module is where the
ticket and consultation domains answer them: each grid worker's open tasks
(oldest first), the month's 收集/分理/办结/反馈 figures — taken from
:meth:`consultation.tickets.TicketService.statistics`, the very numbers the
moderators' 统计 shows — and the consultation day's counts.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from consultation.confidentiality import Shown, Viewer
from consultation.digests import (
    ConsultationFigures,
    OpenTask,
    TicketFigures,
    WorkerTasks,
)
from consultation.roles import Role
from consultation.ticket_parsing import Catalogue
from consultation.tickets import TicketService
from storage.figures import FiguresRepository
from storage.tickets import Ticket, TicketRepository
from storage.unit_of_work import UnitOfWork

SUMMARY_CHARS = 24


def _summary(ticket: Ticket, shown: Shown) -> str:
    text = shown.brief()
    if len(text) > SUMMARY_CHARS:
        text = text[: SUMMARY_CHARS - 1] + "…"
    return f"{ticket.category}：{text}"


def _location(shown: Shown) -> str | None:
    return "".join(p for p in (shown.building, shown.unit, shown.room, shown.spot) if p) or None


class TicketQueries:
    """:class:`~consultation.digests.OpenTasksQuery` and ``TicketFiguresQuery`` over ``tickets``."""

    def __init__(self, catalogue: Catalogue, zone: tzinfo, *, per_worker: int = 30) -> None:
        self.catalogue = catalogue
        self.zone = zone
        self.per_worker = per_worker

    async def open_tasks_by_worker(self, uow: UnitOfWork, now: datetime) -> list[WorkerTasks]:
        """Every grid worker with the open tickets they hold or that wait in their grids."""
        repo = uow.get(TicketRepository)
        rule = self.catalogue.confidentiality
        seen: set[int] = set()
        result: list[WorkerTasks] = []
        for worker in await uow.residents.with_role(Role.GRID_WORKER.value):
            if worker.id is None or worker.id in seen:
                continue
            seen.add(worker.id)
            grids = [
                r.grid_id
                for r in await uow.residents.roles_of(worker.id)
                if r.role == Role.GRID_WORKER.value and r.grid_id is not None
            ]
            tickets = await repo.open_tasks(worker.id, grids, self.per_worker)
            # Each place as the grid worker may see it (a confidential complainant's room
            # withheld: consultation.confidentiality).
            shown = [rule.shown(t, Viewer.HANDLER) for t in tickets]
            tasks = [
                OpenTask(
                    number=t.number,
                    summary=_summary(t, place),
                    received_at=t.received_at,
                    location=_location(place),
                    due_at=t.resolution_due_at,
                    room_withheld=place.room_withheld,
                )
                for t, place in zip(tickets, shown, strict=True)
            ]
            result.append(WorkerTasks(worker.id, worker.name, tasks))
        return result

    async def ticket_figures(
        self, uow: UnitOfWork, start: datetime, end: datetime
    ) -> TicketFigures:
        """The period's figures: the ticket statistics of local days [start, end) plus
        escalations in the period and what was still open at its end."""
        first = start.astimezone(self.zone).date()
        last = (end - timedelta(microseconds=1)).astimezone(self.zone).date() + timedelta(days=1)
        stats = await TicketService(uow, self.catalogue, self.zone).statistics(first, last, end)
        total = stats.total
        repo = uow.get(TicketRepository)
        rate = total.satisfaction_rate
        return TicketFigures(
            received=total.received,
            dispatched=total.dispatched,
            resolved=total.resolved,
            fed_back=total.rated,
            escalated=await repo.escalated_between(start, end),
            open_at_end=await repo.open_at(end),
            satisfied_percent=None if rate is None else rate * 100,
        )


class ConsultationQueries:
    """:class:`~consultation.digests.ConsultationFiguresQuery` over topics, meetings, polls."""

    async def consultation_figures(
        self, uow: UnitOfWork, start: datetime, end: datetime
    ) -> ConsultationFigures:
        repo = uow.get(FiguresRepository)
        proposed, accepted = await repo.topics_proposed(start, end)
        return ConsultationFigures(
            meetings_held=await repo.meetings_held(start, end),
            topics_proposed=proposed,
            topics_accepted=accepted,
            polls_closed=await repo.polls_closed(start, end),
            outcomes_published=await repo.decisions_recorded(start, end),
        )
