"""Tickets become topics: a problem that keeps coming back is offered to the moderators
as a topic for the consultation day (协商议事日).

A ticket answers one resident once; a problem reported again and again in one building
(the same category several times within ``recurring_window_days``), or one ticket
reopened again and again (不满意 each time), needs a decision the community takes
together. The moderators are offered a topic draft citing the tickets; one tap puts it
to screening (初审) the way any proposal gets there (:meth:`TopicService.propose`), so
it is screened, co-signed and scheduled as usual.

Checked on the ticket events that already exist (filed, reopened: the dispatch table
calls :meth:`RecurringProblems.after_filed` / :meth:`after_reopened`). Offered once per
cluster while the offer is open (the database keeps one open offer per cluster), and each
ticket is cited by one offer only: once an offer is decided, the tickets it did not cite
count towards the next one, so a declined offer is not repeated by the very next ticket.
Confidential categories (a neighbour dispute, :mod:`consultation.confidentiality`) are
never offered: a private dispute is one of the 六不议, and a topic would show it to the
whole community. The offer cites ticket numbers, the category and the building; the
draft quotes the tickets' descriptions with phone and ID numbers masked and without
room numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from consultation import events as ev
from consultation.audit import audit_change
from consultation.confidentiality import Confidentiality
from consultation.config import ConsultationRules
from consultation.errors import DomainError
from consultation.ids import topic_ref
from consultation.topics import TITLE_MAX, TopicDraft, TopicService, ticket_reporters
from storage.models import Resident
from storage.nlu_samples import mask_personal
from storage.recurring import RecurringOffer, RecurringOfferRepository
from storage.tickets import Ticket
from storage.topics import Topic, TopicRepository
from storage.unit_of_work import UnitOfWork

#: Who the audit log names for an offer the bot made on its own.
SYSTEM = "system"
#: How much of each ticket's description the draft quotes, and of how many tickets
#: (the source line names them all).
QUOTE_CHARS = 60
QUOTED = 10
SOURCES = 40


class RecurringError(DomainError):
    """A refused tap on an offer (``recurring_error.<code>`` in the catalogue)."""

    section = "recurring_error"


def place_cluster(category: str, building: str) -> str:
    return f"place:{category}:{building}"


def reopened_cluster(number: str) -> str:
    return f"reopened:{number}"


@dataclass(frozen=True, slots=True)
class OfferOutcome:
    """What a tap did: the offer, the topic (when there is one), and whether this tap
    made it (False: someone had already decided; the answer says so)."""

    offer: RecurringOffer
    topic: Topic | None
    decided_now: bool


class RecurringProblems:
    """Finds recurring problems, offers them once, and turns an accepted offer into a topic."""

    def __init__(
        self,
        uow: UnitOfWork,
        rules: ConsultationRules,
        zone: tzinfo,
        confidentiality: Confidentiality | None = None,
    ) -> None:
        self.uow, self.rules, self.zone = uow, rules, zone
        self.confidentiality = confidentiality or Confidentiality()
        self.offers = uow.get(RecurringOfferRepository)

    # ---- detection -------------------------------------------------------------------

    async def after_filed(self, ticket: Ticket, now: datetime) -> RecurringOffer | None:
        """A new ticket: is its category in its building now recurring?"""
        need = self.rules.recurring_ticket_count
        if need < 2 or not ticket.building or self.confidentiality.covers(ticket.category):
            return None
        cluster = place_cluster(ticket.category, ticket.building)
        since = now - timedelta(days=self.rules.recurring_window_days)
        cited = {n for o in await self.offers.of_clusters([cluster]) for n in o.tickets}
        found = [
            t
            for t in await self.offers.tickets_at(ticket.category, ticket.building, since)
            if t.number not in cited  # each ticket is offered once, whatever became of it
        ]
        if len(found) < need:
            return None
        return await self._offer(cluster, "place", ticket, [t.number for t in found], now)

    async def after_reopened(self, ticket: Ticket, now: datetime) -> RecurringOffer | None:
        """A reopened ticket: reopened often enough to be more than one resident's case?"""
        need = self.rules.recurring_reopen_count
        if need < 1 or ticket.reopen_count < need or self.confidentiality.covers(ticket.category):
            return None
        cluster = reopened_cluster(ticket.number)
        if await self.offers.of_clusters([cluster]):
            return None  # one offer per ticket, whatever became of it
        return await self._offer(cluster, "reopened", ticket, [ticket.number], now)

    async def _offer(
        self, cluster: str, kind: str, ticket: Ticket, numbers: list[str], now: datetime
    ) -> RecurringOffer | None:
        offer = await self.offers.offer_once(
            RecurringOffer(
                cluster=cluster,
                kind=kind,
                category=ticket.category,
                building=ticket.building,
                tickets=numbers,
                offered_at=now,
            )
        )
        if offer is None:
            return None  # this cluster's offer is still open: not offered twice
        await audit_change(
            self.uow,
            now,
            SYSTEM,
            "recurring_offered",
            "recurring_offer",
            _offer_ref(offer),
            status="open",
            tickets=numbers,
        )
        self.uow.record(
            ev.RecurringProblemOffered(
                offer=offer,
                days=self.rules.recurring_window_days,
                reopen_count=ticket.reopen_count,
            )
        )
        return offer

    # ---- the moderator's tap ---------------------------------------------------------

    async def offer_for(self, number: str) -> RecurringOffer:
        """The offer a button (or a typed ``转为议题 R…``) means: one citing ``number``,
        an open one first, else the newest."""
        tickets = await self.offers.tickets([number])
        if not tickets:
            raise RecurringError("not_found", number=number)
        ticket = tickets[0]
        clusters = [reopened_cluster(number)]
        if ticket.building:
            clusters.append(place_cluster(ticket.category, ticket.building))
        citing = [o for o in await self.offers.of_clusters(clusters) if number in o.tickets]
        if not citing:
            raise RecurringError("not_found", number=number)
        return next((o for o in citing if o.status == "open"), citing[0])

    async def accept(
        self, number: str, moderator: Resident, actor: str, now: datetime
    ) -> OfferOutcome:
        """Turn the offer into a topic draft in screening, proposed by ``moderator``; a
        second tap (by anyone) finds the topic the first one made."""
        offer = await self.offer_for(number)
        assert offer.id is not None
        if not await self.offers.decide(offer.id, "accepted", actor, moderator.name, now):
            return await self._already(offer.id)
        tickets = await self.offers.tickets(offer.tickets)
        topic = await TopicService(self.uow, self.rules, now).propose(
            moderator, self.draft(offer, tickets), actor
        )
        assert topic.id is not None
        await self.offers.link_topic(offer.id, topic.id)
        await audit_change(
            self.uow,
            now,
            actor,
            "recurring_accepted",
            "recurring_offer",
            _offer_ref(offer),
            {"status": "open"},
            status="accepted",
            topic=topic_ref(topic.id),
        )
        found = await self.offers.get(offer.id)
        assert found is not None
        self.uow.record(
            ev.RecurringProblemAccepted(
                offer=found, topic=topic, reporters=ticket_reporters(tickets)
            )
        )
        return OfferOutcome(found, topic, True)

    async def decline(
        self, number: str, who: Resident | None, actor: str, now: datetime
    ) -> OfferOutcome:
        """暂不提交: the offer is closed (recorded); later tickets may offer again."""
        offer = await self.offer_for(number)
        assert offer.id is not None
        name = who.name if who is not None else actor
        if not await self.offers.decide(offer.id, "declined", actor, name, now):
            return await self._already(offer.id)
        await audit_change(
            self.uow,
            now,
            actor,
            "recurring_declined",
            "recurring_offer",
            _offer_ref(offer),
            {"status": "open"},
            status="declined",
        )
        found = await self.offers.get(offer.id)
        assert found is not None
        return OfferOutcome(found, None, True)

    async def _already(self, offer_id: int) -> OfferOutcome:
        offer = await self.offers.get(offer_id)
        assert offer is not None
        topic = None
        if offer.topic_id is not None:
            topic = await self.uow.get(TopicRepository).get(offer.topic_id)
        return OfferOutcome(offer, topic, False)

    # ---- the draft -------------------------------------------------------------------

    def draft(self, offer: RecurringOffer, tickets: Sequence[Ticket]) -> TopicDraft:
        """Title and description drawn from the tickets, with their numbers as the source."""
        place = offer.building or ""
        if offer.kind == "reopened" and tickets:
            first = tickets[0]
            title = f"{place}{offer.category}问题多次处理仍未解决"
            lead = (
                f"{place}的诉求 {first.number}（{offer.category}）已重新处理"
                f"{first.reopen_count}次，居民仍不满意："
            )
            closing = "问题反复，建议作为议题在协商议事日商量一个长效解决办法。"
        else:
            days = self.rules.recurring_window_days
            title = f"{place}{offer.category}问题反复出现"
            lead = f"近{days}天{place}收到{len(tickets)}件“{offer.category}”方面的诉求："
            closing = "同类问题反复出现，建议作为议题在协商议事日讨论，研究长效解决办法。"
        lines = [lead]
        for i, ticket in enumerate(tickets[:QUOTED], 1):
            day = ticket.received_at.astimezone(self.zone)
            where = "".join(p for p in (ticket.building, ticket.unit) if p)
            spot = f"，{ticket.spot}" if ticket.spot else ""
            lines.append(
                f"{i}. {ticket.number}（{day.month}月{day.day}日，{where}{spot}）：{_quote(ticket)}"
            )
        if len(tickets) > QUOTED:
            lines.append(f"……共{len(tickets)}件")
        lines.append(closing)
        cited = "、".join(offer.tickets[:SOURCES])
        more = f"等{len(offer.tickets)}件" if len(offer.tickets) > SOURCES else ""
        lines.append(f"来源：{cited}{more}")
        if len(title) > TITLE_MAX:
            title = title[: TITLE_MAX - 1] + "…"
        return TopicDraft(title=title, description="\n".join(lines)[:2000])


def _quote(ticket: Ticket) -> str:
    """A ticket's words as a topic may show them: phone and ID numbers masked, cut short."""
    text = mask_personal(" ".join(ticket.description.split()))
    return text if len(text) <= QUOTE_CHARS else text[: QUOTE_CHARS - 1] + "…"


def _offer_ref(offer: RecurringOffer) -> str:
    return f"O{offer.id}"
