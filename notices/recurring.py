"""Tickets become topics: the checks on each filed or reopened ticket, and the offer the
moderators get (one tap puts the draft to screening, another declines it)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any

from consultation import events as ev
from consultation.audiences import Audience, Moderators, Person
from consultation.config import ConsultationRules
from consultation.ids import topic_ref
from consultation.recurring import RecurringProblems
from consultation.ticket_parsing import Catalogue
from kernel.messages import Button, Reply
from kernel.texts import t
from notices.dispatch import Apart, Notify, Route, Table
from storage.unit_of_work import UnitOfWork


def offer_text(event: ev.RecurringProblemOffered) -> str:
    """What the moderators read: ticket numbers, category, building — never who reported."""
    offer = event.offer
    if offer.kind == "reopened":
        return t(
            "recurring.offer_reopened",
            building=offer.building or "",
            number=offer.tickets[0],
            category=offer.category,
            count=event.reopen_count,
        )
    return t(
        "recurring.offer",
        building=offer.building or "",
        days=event.days,
        count=len(offer.tickets),
        category=offer.category,
        tickets="、".join(offer.tickets),
    )


def _offer(event: ev.RecurringProblemOffered, _a: Audience) -> Reply:
    number = event.offer.tickets[-1]
    return Reply(
        offer_text(event),
        buttons=(
            Button(t("recurring.b_accept"), f"转为议题 {number}"),
            Button(t("recurring.b_decline"), f"暂不转议题 {number}"),
        ),
    )


def _reporters_told(event: ev.RecurringProblemAccepted) -> list[Audience]:
    return [Person(rid) for rid, _numbers in event.reporters]


def _their_problem(event: ev.RecurringProblemAccepted, audience: Audience) -> Reply | None:
    """To one reporter: their own tickets, the topic they became, what happens next."""
    assert isinstance(audience, Person)
    numbers = dict(event.reporters).get(audience.resident_id, ())
    ref = topic_ref(event.topic.id or 0)
    return Reply(
        t("recurring.reporter_told", numbers="、".join(numbers), ref=ref, title=event.topic.title)
    )


def routes(catalogue: Catalogue, rules: ConsultationRules, zone: tzinfo) -> Table:
    """The rows that check tickets for recurring problems and offer them as topics."""

    def problems(uow: UnitOfWork) -> RecurringProblems:
        return RecurringProblems(uow, rules, zone, catalogue.confidentiality)

    async def filed(uow: UnitOfWork, event: ev.TicketFiled, now: datetime) -> None:
        await problems(uow).after_filed(event.ticket, now)

    async def reopened(uow: UnitOfWork, event: ev.TicketReopened, now: datetime) -> None:
        await problems(uow).after_reopened(event.ticket, now)

    table: dict[type[ev.Event], Sequence[Route[Any]]] = {
        # A report (perhaps someone trapped in a lift) or a rating is kept even if the
        # check fails: it runs apart, in a savepoint, and a failure is only logged.
        ev.TicketFiled: [Apart(filed)],
        ev.TicketReopened: [Apart(reopened)],
        ev.RecurringProblemOffered: [
            Notify[ev.RecurringProblemOffered](lambda e: [Moderators()], _offer)
        ],
        ev.RecurringProblemAccepted: [
            Notify[ev.RecurringProblemAccepted](_reporters_told, _their_problem)
        ],
    }
    return table
