"""结果: who is told what as a decision is carried out, and what the moderator and
the evaluating resident are answered."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from consultation import events as ev
from consultation.audiences import Audience, CommunityGroups, People, Person
from consultation.ids import decision_ref, topic_ref
from consultation.outcomes import Assignment
from kernel.messages import Button, Reply
from kernel.texts import t
from notices.dispatch import Also, Notify, Route, Table
from storage.unit_of_work import UnitOfWork

#: The conversation that makes a resident's next "满意" their 评议 of a decision.
EVALUATION_FLOW = "evaluate"
EVALUATION_WINDOW = timedelta(days=7)


def _due(due: str | None) -> str:
    """ "，期限 2026年12月31日" for an ISO date, nothing without one."""
    if not due:
        return ""
    try:
        day = date.fromisoformat(due)
    except ValueError:
        return t("outcome.due", due=due)
    return t("outcome.due", due=f"{day.year}年{day.month}月{day.day}日")


def _owner_told(event: ev.DecisionAssigned) -> list[Audience]:
    """The owner, when the register knows them and they did not assign it to themselves."""
    owner = event.owner_id
    return [Person(owner)] if owner is not None and owner != event.by else []


def _proposer_told(event: ev.DecisionAssigned) -> list[Audience]:
    """The proposer of the decision's topic, unless they are its owner or assigned it."""
    topic = event.topic
    if topic is None or topic.proposer_id in (event.owner_id, event.by):
        return []
    return [Person(topic.proposer_id)]


def _to_owner(event: ev.DecisionAssigned, _a: Audience) -> Reply:
    decision = event.decision
    ref = decision_ref(decision.id or 0)
    text = event.wording or decision.text
    return Reply(t("outcome.owner_push", ref=ref, text=text, due=_due(decision.due_date)))


def _to_proposer(event: ev.DecisionAssigned, _a: Audience) -> Reply:
    decision, topic = event.decision, event.topic
    assert topic is not None
    return Reply(
        t(
            "outcome.proposer_push",
            topic=topic_ref(topic.id or 0),
            title=topic.title,
            ref=decision_ref(decision.id or 0),
            owner=decision.owner or "",
            due=_due(decision.due_date),
        )
    )


def decision_assigned(done: Assignment) -> Reply:
    """落实 answered: who carries the decision out, by when if a date was given, and who
    was told — or that the owner is outside the register (名册外) and must be told otherwise."""
    event = done.event
    decision = event.decision
    whom = [t("outcome.told_owner")] if _owner_told(event) else []
    if _proposer_told(event):
        whom.append(t("outcome.told_proposer"))
    told = t("outcome.told", whom="和".join(whom)) if whom else ""
    owner = decision.owner or ""
    if event.owner_id is None:
        told += t("outcome.owner_outside", owner=owner)
    ref = decision_ref(decision.id or 0)
    # The date as the moderator typed it (2026-12-31); the pushes say 2026年12月31日.
    due = t("outcome.due", due=decision.due_date) if decision.due_date else ""
    return Reply(t("outcome.assigned", ref=ref, owner=owner, due=due, told=told))


def evaluation_thanks(decision: int, satisfied: bool) -> Reply:
    verdict = "满意" if satisfied else "不满意"
    return Reply(t("outcome.thanks", ref=decision_ref(decision), verdict=verdict))


def _progress(event: ev.DecisionProgressed, _a: Audience) -> Reply:
    ref = decision_ref(event.decision.id or 0)
    text = event.wording or event.decision.text
    return Reply(t("outcome.progress_push", ref=ref, text=text, note=event.note))


def _evaluate(event: ev.DecisionCarriedOut, _a: Audience) -> Reply:
    ref = decision_ref(event.decision.id or 0)
    return Reply(
        t("outcome.evaluate_push", ref=ref, text=event.wording or event.decision.text),
        buttons=(
            Button(t("outcome.satisfied_button"), f"评议 {ref} 满意", private=True),
            Button(t("outcome.unsatisfied_button"), f"评议 {ref} 不满意", private=True),
        ),
    )


async def open_evaluation(uow: UnitOfWork, event: ev.DecisionCarriedOut, now: datetime) -> None:
    """The request becomes each resident's open conversation: a bare "满意" answers it."""
    for resident_id in event.residents:
        for identity in await uow.identities.for_resident(resident_id):
            await uow.conversations.save(
                identity.platform,
                identity.platform_user_id,
                identity.platform_user_id,
                EVALUATION_FLOW,
                "verdict",
                {"decision": event.decision.id},
                now + EVALUATION_WINDOW,
            )


def routes() -> Table:
    """The decisions' rows of the dispatch table."""
    table: dict[type[ev.Event], Sequence[Route[Any]]] = {
        ev.DecisionAssigned: [
            Notify[ev.DecisionAssigned](_owner_told, _to_owner),
            Notify[ev.DecisionAssigned](_proposer_told, _to_proposer),
        ],
        ev.DecisionProgressed: [
            Notify[ev.DecisionProgressed](lambda e: [CommunityGroups()], _progress)
        ],
        ev.DecisionCarriedOut: [
            Notify[ev.DecisionCarriedOut](lambda e: [People(e.residents, "concerned")], _evaluate),
            Also(open_evaluation),
        ],
    }
    return table
