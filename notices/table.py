"""The whole dispatch table, assembled from each domain's rows."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from consultation.config import ConsultationRules
from consultation.ticket_parsing import Catalogue
from notices import assisted, binding, digests, meetings, outcomes, polls, tickets, topics
from notices.dispatch import Table


def dispatch_table(
    catalogue: Catalogue, rules: ConsultationRules, zone: ZoneInfo, community: str
) -> Table:
    """Every event type the domain records, with what follows from it."""
    table = {
        **tickets.routes(catalogue, zone),
        **topics.routes(),
        **polls.routes(rules, zone),
        **meetings.routes(community, zone),
        **outcomes.routes(),
        **binding.routes(),
        **digests.routes(zone),
        **assisted.routes(zone),
    }
    return table
