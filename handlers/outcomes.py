"""决议 follow-up: owner and due date, progress, done, and residents' 评议 (满意/不满意).

Moderator commands: ``落实 D3 负责人 王网格员 期限 2026-12-31`` · ``进展 D3 …`` ·
``办结 D3``. Residents: the buttons on the evaluation request (``评议 D3 满意``), or
simply "满意" / "不满意" while that request is the open conversation.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from consultation.config import ConsultationRules
from consultation.ids import decision_ref, find_ref
from consultation.outcomes import OutcomeError, OutcomeService, parse_due
from consultation.roles import Role
from kernel.context import Context
from kernel.handler import Handler
from kernel.intents import Intent
from kernel.messages import Reply
from kernel.texts import t
from notices.common import refusal
from notices.outcomes import EVALUATION_FLOW

FLOW = EVALUATION_FLOW
_ASSIGN = re.compile(
    r"落实\s*[Dd]\s*(\d+)\s*(?:负责人|由)?\s*(\S+)\s*(?:期限|截止|完成时间)?\s*(.*)"
)


def verdict_of(text: str) -> bool | None:
    """满意 → True, 不满意 → False, anything else None."""
    if "不满意" in text or "不太满意" in text:
        return False
    if "满意" in text or "很好" in text:
        return True
    return None


class OutcomeAdminHandler(Handler):
    """落实 · 进展 · 办结: the moderator follows a decision until it is carried out."""

    patterns = (r"落实\s*[Dd]\s*\d+.*", r"进展\s*[Dd]\s*\d+.*", r"办结\s*[Dd]\s*\d+\s*")
    required_roles = frozenset({Role.MODERATOR})

    def __init__(self, rules: ConsultationRules) -> None:
        self.rules = rules

    async def handle(self, ctx: Context) -> Sequence[Reply]:
        service, text, actor = OutcomeService(ctx.uow, ctx.now), ctx.text, ctx.user.actor
        decision_id = find_ref(text, "D")
        assert decision_id is not None
        ref = decision_ref(decision_id)
        try:
            if text.startswith("落实"):
                found = _ASSIGN.fullmatch(text)
                if found is None:
                    return [Reply(t("outcome.syntax"))]
                due = parse_due(found.group(3), ctx.now.astimezone(ctx.community.zone).date())
                await service.assign(decision_id, found.group(2), due, actor)
                due_text = t("outcome.due", due=due) if due else ""
                return [Reply(t("outcome.assigned", ref=ref, owner=found.group(2), due=due_text))]
            if text.startswith("进展"):
                note = re.sub(r"^进展\s*[Dd]\s*\d+\s*", "", text).strip()
                if not note:
                    return [Reply(t("outcome.syntax"))]
                await service.progress(decision_id, note, actor)
                return [Reply(t("outcome.progress", ref=ref))]
            done = await service.done(decision_id, actor)
        except OutcomeError as exc:
            return [refusal("outcome_error", exc.code, exc.values)]
        return [Reply(t("outcome.done", ref=ref, count=len(done.residents)))]


class EvaluateHandler(Handler):
    """评议 D3 满意 · or 满意/不满意 inside the evaluation conversation."""

    intents: tuple[Intent, ...] = (Intent.FEEDBACK,)
    flows = (FLOW,)
    expects = {"verdict": "rating"}  # noqa: RUF012
    patterns = (r"评议\s*[Dd]\s*\d+\s*\S+\s*",)
    required_roles = frozenset({Role.RESIDENT, Role.COMMITTEE, Role.MODERATOR})

    async def handle(self, ctx: Context) -> Sequence[Reply]:
        decision_id = find_ref(ctx.text, "D")
        if decision_id is None:
            return [Reply(t("outcome.nothing_to_evaluate"))]
        return await self._evaluate(ctx, decision_id)

    async def resume(self, ctx: Context) -> Sequence[Reply]:
        decision_id = find_ref(ctx.text, "D") or int(ctx.conversation.data.get("decision", 0))
        if verdict_of(ctx.text) is None:
            return [Reply(t("outcome.ask_verdict"))]
        ctx.conversation.end()
        return await self._evaluate(ctx, decision_id)

    async def _evaluate(self, ctx: Context, decision_id: int) -> Sequence[Reply]:
        verdict = verdict_of(ctx.text)
        if verdict is None:
            return [Reply(t("outcome.ask_verdict"))]
        assert ctx.user.resident is not None and ctx.user.resident.id is not None
        try:
            await OutcomeService(ctx.uow, ctx.now).evaluate(
                decision_id, ctx.user.resident.id, verdict, ctx.user.actor
            )
        except OutcomeError as exc:
            return [refusal("outcome_error", exc.code, exc.values)]
        return [
            Reply(
                t(
                    "outcome.thanks",
                    ref=decision_ref(decision_id),
                    verdict="满意" if verdict else "不满意",
                )
            )
        ]
