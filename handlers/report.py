"""反映问题: a short multi-turn draft (what, where, confirm), handed to the moderators.

The full ticket life cycle (numbers, grids, escalation, rating) builds on this
flow; until then a confirmed report reaches the community's moderators as a push.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.intents import Intent
from bot.messages import Button, Reply
from bot.texts import t
from consultation.roles import Role
from handlers.base import Context, Handler

FLOW = "report"
CONFIRM_WORDS = frozenset({"确认提交", "确认", "提交", "是", "是的", "对", "好", "好的", "ok"})
START_WORDS = frozenset({"我要反映问题", "反映问题", "报修", "我要报修"})


class ReportHandler(Handler):
    """Collects description and place, asks one thing at a time, files on confirmation."""

    intents = (Intent.REPORT_ISSUE,)
    flows = (FLOW,)

    async def handle(self, ctx: Context) -> Sequence[Reply]:
        text = ctx.text
        if text in START_WORDS:
            ctx.conversation.start(FLOW, "description")
            return [Reply(t("report.ask_description"))]
        ctx.conversation.start(FLOW, "location", description=text)
        return [Reply(t("report.ask_location"))]

    async def resume(self, ctx: Context) -> Sequence[Reply]:
        conv, text = ctx.conversation, ctx.text
        if conv.step == "description":
            conv.advance("location", description=text)
            return [Reply(t("report.ask_location"))]
        if conv.step == "location":
            conv.advance("confirm", location=text)
            return [self._confirmation(conv.data["description"], text)]
        if conv.step == "confirm":
            if text.lower() not in CONFIRM_WORDS:
                return [Reply(t("report.not_understood_confirm"))]
            return await self._submit(ctx)
        conv.end()
        return [Reply(t("router.expired"))]

    @staticmethod
    def _confirmation(description: str, location: str) -> Reply:
        return Reply(
            t("report.confirm", description=description, location=location),
            buttons=(Button(t("report.confirm_button"), "确认提交"), Button("取消", "取消")),
        )

    async def _submit(self, ctx: Context) -> Sequence[Reply]:
        data = dict(ctx.conversation.data)
        ctx.conversation.end()
        note = Reply(
            t(
                "report.moderator_push",
                who=ctx.user.name,
                description=data["description"],
                location=data["location"],
            )
        )
        key = f"report:{ctx.message.platform}:{ctx.message.message_id}"
        await ctx.push_to_role(Role.MODERATOR, note, dedupe_key=key)
        await ctx.audit("report_submitted", "report", key, after=data)
        return [Reply(t("report.submitted"))]
