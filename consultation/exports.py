"""Every ``yishi export`` kind in one import, and the exports that apply a domain rule.

Storage registers the kinds that are plain rows (:mod:`storage.schema` imports them);
the ticket export lives here because what it withholds is the domain's
:class:`~consultation.confidentiality.Confidentiality`, handed in by the caller from
the configuration (``[tickets] confidential_categories``), never a list of its own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import storage.schema  # noqa: F401  (registers every aggregate's exports)
from consultation.confidentiality import Confidentiality, Viewer
from storage.exports import Row, Rules, Units, in_pages, last_id, register_paged
from storage.tickets import TicketPage, TicketRepository
from storage.unit_of_work import UnitOfWork


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def ticket_rows(page: TicketPage, grids: dict[int, str], rule: Confidentiality) -> list[Row]:
    """One row per ticket with its history; phones masked; what the rule withholds, withheld."""
    rows: list[Row] = []
    for ticket in page.tickets:
        assert ticket.id is not None
        reporter = page.people.get(ticket.reporter_resident_id or -1)
        holder = page.people.get(ticket.holder_id or -1)
        category = ticket.category
        shown = rule.shown(ticket, Viewer.RECORD)
        rows.append(
            {
                "number": ticket.number,
                "status": ticket.status,
                "category": category,
                "urgent": ticket.urgent,
                "level": ticket.level,
                "grid": grids.get(ticket.grid_id or -1),
                "location": "".join(
                    p for p in (shown.building, shown.unit, shown.room, shown.spot) if p
                ),
                "description": ticket.description,
                "reporter": rule.complainant(
                    category, reporter.name if reporter else ticket.reporter_name
                ),
                "reporter_phone": rule.complainant_phone(
                    category, reporter.phone_masked if reporter else None
                ),
                "holder": holder.name if holder else None,
                "department": ticket.department,
                "received_at": ticket.received_at.isoformat(),
                "response_due_at": ticket.response_due_at.isoformat(),
                "resolution_due_at": ticket.resolution_due_at.isoformat(),
                "accepted_at": _iso(ticket.accepted_at),
                "resolved_at": _iso(ticket.resolved_at),
                "rating": ticket.rating,
                "rating_comment": ticket.rating_comment,
                "reopen_count": ticket.reopen_count,
                "duplicate_of": ticket.duplicate_of,
                "history": [
                    {
                        "at": e.at.isoformat(),
                        "actor": rule.actor(category, e.action, e.actor_name or e.actor),
                        "action": e.action,
                        "from": e.from_status,
                        "to": e.to_status,
                        "note": e.note,
                    }
                    for e in page.history.get(ticket.id, [])
                ],
            }
        )
    return rows


@register_paged("tickets")
async def export_tickets(units: Units, rules: Rules) -> AsyncIterator[Row]:
    """Every ticket: four queries per page of tickets (the page, their histories, their
    people, and the grid names), not two per ticket."""
    rule = rules.get(Confidentiality)
    grids: dict[int, str] = {}

    async def page(uow: UnitOfWork, after: int, size: int) -> tuple[list[Row], int | None]:
        repo = uow.get(TicketRepository)
        grids.update(await repo.grid_names())
        found = await repo.export_page(after, size)
        return ticket_rows(found, grids, rule), last_id([t.id for t in found.tickets], size)

    async for row in in_pages(units, page):
        yield row
