"""Pleasantries and everyday questions: a warm word back, or the community's own answer.

"你好", "谢谢你们！", "👍" get a short answer instead of "没太明白"; "物业费多少钱" and
"社区医院几点开门" are answered from the community's FAQ file (nlu.faq), which the
moderators edit. Both are recognised on their own, inside a dialogue too (the router
keeps the dialogue with a word about it).
"""

from __future__ import annotations

from collections.abc import Sequence

from consultation.roles import Role
from kernel.context import Context
from kernel.handler import Handler
from kernel.messages import Button, Reply
from kernel.texts import t
from nlu.dialogue import positive_emoji, small_talk
from nlu.faq import Faq, load_faq

_HELP = (Button("看看能做什么", "帮助"), Button("反映问题", "我要反映问题"))


class EverydayHandler(Handler):
    """Small talk and the FAQ."""

    def __init__(self, faq: Faq | None = None) -> None:
        self.faq = faq if faq is not None else load_faq()

    def claims(self, text: str) -> str | None:
        kind = small_talk(text)
        if kind is not None:
            return f"smalltalk:{kind}"
        return "faq" if self.faq.answer(text) is not None else None

    async def claimed(self, ctx: Context, label: str) -> Sequence[Reply]:
        if label == "faq":
            answer = self.faq.answer(ctx.text) or ""
            return [Reply(answer)]
        kind = label.split(":", 1)[1]
        if kind == "emoji" and not positive_emoji(ctx.text):
            return [Reply(t("smalltalk.neutral_emoji"), buttons=_HELP)]
        if kind == "greeting":
            return [Reply(t("smalltalk.greeting"), buttons=_HELP)]
        if kind == "human":
            return [await _people(ctx)]
        return [Reply(t(f"smalltalk.{kind}"))]


async def _people(ctx: Context) -> Reply:
    """转人工: the people behind the bot — the community office's duty phone and the
    resident's own 网格员 by name (their phone is the register's, never told)."""
    phone = ctx.community.duty_phone
    office = t("smalltalk.human_phone", phone=phone) if phone else t("smalltalk.human_office")
    resident = ctx.user.resident
    grid = await ctx.uow.residents.grid_of(resident) if resident is not None else None
    workers = (
        await ctx.uow.residents.with_role(Role.GRID_WORKER.value, grid) if grid is not None else []
    )
    names = "、".join(w.name for w in workers if w.name)
    worker = t("smalltalk.human_worker", names=names) if names else t("smalltalk.human_no_worker")
    return Reply(t("smalltalk.human", office=office, worker=worker), buttons=_HELP)
