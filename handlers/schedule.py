"""接下来的通知: moderators see the timed messages coming up, cancel one or send one now.

Numbers refer to the current list, recomputed each time in its one order (due
time, then key), so "取消通知 2" typed cold — without listing first — means the
same line "接下来的通知" would show as 2 now; each reply names the event it acted
on. Keys (``meeting.announce:M202612:20261205:7d``) work too.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from consultation.schedule import TimedEvent
from consultation.timetable import Outcome, Timetable, UnknownEvent
from handlers.staff import MODERATOR
from kernel.commands import Command, word
from kernel.context import Context
from kernel.flows import Flow, Step
from kernel.handler import Handler, Reading
from kernel.messages import Reply
from kernel.texts import t
from notices.common import date_text
from notices.timetable import describe_event, upcoming

FLOW = "schedule"
LIST_DAYS = 14
SHOWN = 20


class ScheduleHandler(Handler):
    """Lists, cancels and sends timed events; moderators only."""

    grammar = (
        Command("接下来的通知", "listing", aliases=("通知安排", "/notices"), section="通知"),
        Command(
            "取消通知", "cancel", (word("which", "2"),), aliases=("/cancel_notice",), section="通知"
        ),
        Command("立即发送", "send", (word("which", "2"),), aliases=("/send_now",), section="通知"),
    )
    flow = Flow(FLOW, (Step("listed"),), starts=("listed",))
    required_roles = MODERATOR

    def __init__(self, timetable: Timetable | None = None) -> None:
        self.timetable = timetable or Timetable()

    @property
    def horizon(self) -> timedelta:
        return timedelta(days=LIST_DAYS)

    def reads(self, ctx: Context) -> Reading:
        """After the list, anything that is not 取消通知/立即发送 (commands reach
        :meth:`cancel` and :meth:`send` first) is a message of its own: the list is left
        and the message answered as itself ("所有诉求" is not eaten)."""
        return Reading.ELSEWHERE

    async def resume(self, ctx: Context) -> Sequence[Reply]:
        ctx.conversation.end()
        return [Reply(t("schedule.left"))]

    async def cancel(self, ctx: Context, which: str) -> Sequence[Reply]:
        return await self._act(ctx, "cancel", which)

    async def send(self, ctx: Context, which: str) -> Sequence[Reply]:
        return await self._act(ctx, "send", which)

    async def listing(self, ctx: Context) -> Sequence[Reply]:
        events = await self.timetable.upcoming(ctx.uow, ctx.now, self.horizon)
        if not events:
            ctx.conversation.end()
            return [Reply(t("schedule.list_empty", days=LIST_DAYS))]
        ctx.conversation.start(FLOW, "listed")
        return [upcoming(events, SHOWN, ctx.community.zone)]

    async def _find(self, ctx: Context, ref: str) -> TimedEvent:
        """By key, or by number in the current list (the order :meth:`_list` shows)."""
        return await self.timetable.find(ctx.uow, ctx.now, self.horizon, ref)

    async def _act(self, ctx: Context, verb: str, ref: str) -> Sequence[Reply]:
        if not ref:
            return [Reply(t("schedule.need_ref"))]
        try:
            event = await self._find(ctx, ref)
        except UnknownEvent:
            return [Reply(t("schedule.unknown", ref=ref))]
        what, when = describe_event(event), date_text(event.due_at, ctx.community.zone)
        if verb == "cancel":
            if not await self.timetable.cancel(ctx.uow, event, ctx.now, ctx.user.actor):
                return [Reply(t("schedule.already"))]
            return [Reply(t("schedule.cancelled", what=what, when=when))]
        outcome = await self.timetable.fire(
            ctx.uow, event, ctx.now, actor=ctx.user.actor, manual=True
        )
        if outcome is Outcome.ALREADY:
            return [Reply(t("schedule.already"))]
        await ctx.audit("schedule_sent_now", "scheduled_event", event.key)
        return [Reply(t("schedule.sent_now", what=what, when=when))]
