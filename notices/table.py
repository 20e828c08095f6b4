"""The whole dispatch table, assembled from each domain's rows."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from consultation.config import ConsultationRules
from consultation.events import Event
from consultation.ticket_parsing import Catalogue
from notices import (
    assisted,
    binding,
    digests,
    meetings,
    outcomes,
    polls,
    recurring,
    tickets,
    topics,
)
from notices.dispatch import Route, Table


def dispatch_table(
    catalogue: Catalogue, rules: ConsultationRules, zone: ZoneInfo, community: str
) -> Table:
    """Every event type the domain records, with what follows from it. A type several
    domains answer (a filed ticket: the grid's task card, then the recurring check) runs
    their routes in the order listed here."""
    table: dict[type[Event], list[Route[Any]]] = {}
    for part in (
        tickets.routes(catalogue, zone),
        recurring.routes(catalogue, rules, zone),
        topics.routes(),
        polls.routes(rules, zone),
        meetings.routes(community, zone),
        outcomes.routes(),
        binding.routes(),
        digests.routes(zone),
        assisted.routes(zone),
    ):
        for event_type, routes in part.items():
            table.setdefault(event_type, []).extend(routes)
    return table
