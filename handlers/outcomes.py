"""决议 follow-up: owner and due date, progress, done, and residents' 评议 (满意/不满意).

Moderator commands: ``落实 D3 负责人 王网格员 期限 2026-12-31`` · ``进展 D3 …`` ·
``办结 D3``. Residents: the buttons on the evaluation request (``评议 D3 满意``), or
simply "满意" / "不满意" while that request is the open conversation.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from consultation.confidentiality import for_the_record, has_numbers
from consultation.config import ConsultationRules
from consultation.ids import decision_ref, find_ref
from consultation.outcomes import OutcomeError, OutcomeService, outside_register, parse_due
from consultation.roles import Role
from handlers.staff import MODERATOR, Section
from kernel.commands import Command, ref, rest, word
from kernel.context import Context
from kernel.flows import Flow, Step
from kernel.handler import Handler
from kernel.intents import Intent
from kernel.messages import Reply
from kernel.texts import t
from notices.common import refusal
from notices.outcomes import EVALUATION_FLOW, decision_assigned, evaluation_thanks

FLOW = EVALUATION_FLOW
_ASSIGN = re.compile(r"(?:负责人|由)?\s*(\S+)\s*(?:期限|截止|完成时间)?\s*(.*)", re.DOTALL)


def verdict_of(text: str) -> bool | None:
    """满意 → True, 不满意 → False, anything else None."""
    if "不满意" in text or "不太满意" in text:
        return False
    if "满意" in text or "很好" in text:
        return True
    return None


_decision_command = Section("落实").command


class OutcomeAdminHandler(Handler):
    """落实 · 进展 · 办结: the moderator follows a decision until it is carried out."""

    grammar = (
        _decision_command(
            "落实",
            "assign",
            ref("D", "decision"),
            rest("assignment", "负责人 王网格员 期限 2026-12-31", optional=False),
        ),
        # A decision's owner (a grid worker, a department, a resident) reports on their
        # own: the handler checks whose decision it is.
        Section("落实", frozenset(Role)).command(
            "进展", "progress", ref("D", "decision"), rest("note", "……", optional=False)
        ),
        _decision_command("办结", "done", ref("D", "decision")),
    )
    required_roles = MODERATOR

    def __init__(self, rules: ConsultationRules) -> None:
        self.rules = rules

    async def assign(self, ctx: Context, decision: int, assignment: str) -> Sequence[Reply]:
        """落实 D3 负责人 王网格员 期限 2026-12-31 (负责人/期限 may be left out); among
        namesakes ``#12``; an owner outside the register ``物业公司 名册外``."""
        found = _ASSIGN.fullmatch(assignment)
        if found is None:
            return [Reply(t("outcome.syntax"))]
        who, outside = outside_register(found.group(1), found.group(2))
        due = parse_due(found.group(2), ctx.now.astimezone(ctx.community.zone).date())
        me = ctx.user.resident.id if ctx.user.resident is not None else None
        service = OutcomeService(ctx.uow, ctx.now)
        done = await service.assign(decision, who, due, ctx.user.actor, me, outside=outside)
        return [decision_assigned(done)]

    async def progress(self, ctx: Context, decision: int, note: str) -> Sequence[Reply]:
        """进展 D3 …: a moderator's, or the decision's owner's on their own decision."""
        service = OutcomeService(ctx.uow, ctx.now)
        if ctx.user.has(Role.MODERATOR):
            await service.progress(decision, note, ctx.user.actor)
        else:
            me = ctx.user.resident.id if ctx.user.resident is not None else None
            await service.owner_progress(decision, note, ctx.user.actor, me)
        said = t("outcome.progress", ref=decision_ref(decision))
        if has_numbers(note):  # published to the group and /public/: say how it reads
            said += t("record.numbers_masked", text=for_the_record(note.strip()))
        return [Reply(said)]

    async def done(self, ctx: Context, decision: int) -> Sequence[Reply]:
        done = await OutcomeService(ctx.uow, ctx.now).done(decision, ctx.user.actor)
        return [Reply(t("outcome.done", ref=decision_ref(decision), count=len(done.residents)))]


class EvaluateHandler(Handler):
    """评议 D3 满意 · or 满意/不满意 inside the evaluation conversation."""

    intents: tuple[Intent, ...] = (Intent.FEEDBACK,)
    #: Opened by the evaluation request (notices.outcomes): a bare 满意 answers it.
    flow = Flow(FLOW, (Step("verdict", expects="rating"),), starts=("verdict",))
    grammar = (
        Command("评议", "evaluate", (ref("D", "decision"), word("verdict", "满意")), listed=False),
    )
    required_roles = frozenset({Role.RESIDENT, Role.COMMITTEE, Role.MODERATOR})

    async def evaluate(self, ctx: Context, decision: int, verdict: str) -> Sequence[Reply]:
        return await self._evaluate(ctx, decision)

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
        return [evaluation_thanks(decision_id, verdict)]
