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
from consultation.outcomes import decision_outcome, decision_wording, stored_tally
from storage.exports import Row, Rules, Units, in_pages, last_id, register_paged
from storage.outcomes import DecisionPage, DecisionRepository
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
                "description": shown.description,
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
                "rating_comment": shown.said(ticket.rating_comment)
                if ticket.rating_comment
                else ticket.rating_comment,
                "reopen_count": ticket.reopen_count,
                "duplicate_of": ticket.duplicate_of,
                "history": [
                    {
                        "at": e.at.isoformat(),
                        "actor": rule.actor(category, e.action, e.actor_name or e.actor),
                        "action": e.action,
                        "from": e.from_status,
                        "to": e.to_status,
                        "note": shown.said(e.note) if e.note else e.note,
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


def outcome_rows(page: DecisionPage) -> list[Row]:
    """One row per decision. ``outcome`` is what its vote came to (``passed``, ``failed``,
    or void: ``no_votes``, ``no_quorum``, ``tie``, ``too_few``) — a decision recorded for
    a void vote before void votes got none is said void, not a bare ``passed: false``;
    ``text`` reads as what was decided, ``question`` is what was put to the vote."""
    rows: list[Row] = []
    for d in page.decisions:
        poll = page.polls.get(d.poll_id or -1)
        tally = stored_tally(poll) if poll is not None else None
        outcome = decision_outcome(d, tally)
        rows.append(
            {
                "decision": f"D{d.id}",
                "topic": f"T{d.topic_id}" if d.topic_id else None,
                "poll": f"P{d.poll_id}" if d.poll_id else None,
                "text": decision_wording(d, poll, tally),
                "question": poll.question if poll is not None else None,
                "outcome": outcome,
                "decided": outcome in ("passed", "failed"),
                "passed": outcome == "passed",
                "owner": d.owner,
                "due_date": d.due_date,
                "status": d.status,
                "done_at": _iso(d.done_at),
                "progress": page.notes.get(d.id or -1, []),
                "satisfied": page.evaluations.get((d.id or -1, True), 0),
                "unsatisfied": page.evaluations.get((d.id or -1, False), 0),
            }
        )
    return rows


@register_paged("outcomes")
async def export_outcomes(units: Units, _rules: Rules) -> AsyncIterator[Row]:
    """Every decision with its progress, 评议 and what its vote came to: four queries a
    page of decisions."""

    async def page(uow: UnitOfWork, after: int, size: int) -> tuple[list[Row], int | None]:
        found = await uow.get(DecisionRepository).export_page(after, size)
        return outcome_rows(found), last_id([d.id for d in found.decisions], size)

    async for row in in_pages(units, page):
        yield row
