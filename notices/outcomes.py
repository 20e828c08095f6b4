"""结果: who is told what as a decision is carried out, and what the moderator and
the evaluating resident are answered."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from consultation import events as ev
from consultation.audiences import Audience, CommunityGroups, People
from consultation.ids import decision_ref
from kernel.messages import Button, Reply
from kernel.texts import t
from notices.dispatch import Also, Notify, Route, Table
from storage.unit_of_work import UnitOfWork

#: The conversation that makes a resident's next "满意" their 评议 of a decision.
EVALUATION_FLOW = "evaluate"
EVALUATION_WINDOW = timedelta(days=7)


def decision_assigned(decision: int, owner: str, due: str | None) -> Reply:
    """落实 answered: who carries the decision out, and by when if a date was given."""
    due_text = t("outcome.due", due=due) if due else ""
    return Reply(t("outcome.assigned", ref=decision_ref(decision), owner=owner, due=due_text))


def evaluation_thanks(decision: int, satisfied: bool) -> Reply:
    verdict = "满意" if satisfied else "不满意"
    return Reply(t("outcome.thanks", ref=decision_ref(decision), verdict=verdict))


def _progress(event: ev.DecisionProgressed, _a: Audience) -> Reply:
    ref = decision_ref(event.decision.id or 0)
    return Reply(t("outcome.progress_push", ref=ref, text=event.decision.text, note=event.note))


def _evaluate(event: ev.DecisionCarriedOut, _a: Audience) -> Reply:
    ref = decision_ref(event.decision.id or 0)
    return Reply(
        t("outcome.evaluate_push", ref=ref, text=event.decision.text),
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
        ev.DecisionProgressed: [
            Notify[ev.DecisionProgressed](lambda e: [CommunityGroups()], _progress)
        ],
        ev.DecisionCarriedOut: [
            Notify[ev.DecisionCarriedOut](lambda e: [People(e.residents, "concerned")], _evaluate),
            Also(open_evaluation),
        ],
    }
    return table
