"""接下来的通知: moderators see the notices coming up, cancel one or send one now.

Each notice has its own number, four digits from its key
(:func:`consultation.timetable.short_number`), not its place in the list: "取消通知
4821" sent twice names the same notice twice, and the second time is told it was
already cancelled; each reply names the notice it acted on. Keys
(``meeting.announce:M202612:20261205:7d``) work too. The framework's chores (the
nightly purge) are no notice: neither listed nor cancellable here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from consultation.schedule import TimedEvent
from consultation.timetable import AmbiguousNumber, Outcome, Timetable, UnknownEvent
from handlers.staff import MODERATOR
from kernel.commands import Command, word
from kernel.context import Context
from kernel.flows import Flow, Step
from kernel.handler import Handler, Reading
from kernel.messages import Reply
from kernel.texts import t
from notices.common import date_text
from notices.timetable import ambiguous, describe_event, settled, upcoming

FLOW = "schedule"
LIST_DAYS = 14
SHOWN = 20
#: A notice's number in the list (or its key).
_WHICH = word("which", "编号")


class ScheduleHandler(Handler):
    """Lists, cancels and sends timed events; moderators only."""

    grammar = (
        Command("接下来的通知", "listing", aliases=("通知安排", "/notices"), section="通知"),
        Command("取消通知", "cancel", (_WHICH,), aliases=("/cancel_notice",), section="通知"),
        Command("立即发送", "send", (_WHICH,), aliases=("/send_now",), section="通知"),
    )
    flow = Flow(FLOW, (Step("listed"),), starts=("listed",))
    required_roles = MODERATOR
    #: The schedule names tickets and residents' business: the moderator's own.
    answers_privately = True

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
        events = await self.timetable.notices(ctx.uow, ctx.now, self.horizon)
        if not events:
            ctx.conversation.end()
            return [Reply(t("schedule.list_empty", days=LIST_DAYS))]
        ctx.conversation.start(FLOW, "listed")
        return [upcoming(events, SHOWN, ctx.community.zone)]

    async def _find(self, ctx: Context, ref: str) -> TimedEvent | Reply:
        """By key or number; else what already became of it, or that there is none."""
        zone = ctx.community.zone
        try:
            return await self.timetable.find(ctx.uow, ctx.now, self.horizon, ref)
        except AmbiguousNumber as exc:
            return ambiguous(ref, exc.events, zone)
        except UnknownEvent:
            record = await self.timetable.settled(ctx.uow, ref, ctx.now - self.horizon)
            if record is None:
                return Reply(t("schedule.unknown", ref=ref))
            return settled(record, zone)

    async def _act(self, ctx: Context, verb: str, ref: str) -> Sequence[Reply]:
        if not ref:
            return [Reply(t("schedule.need_ref"))]
        event = await self._find(ctx, ref)
        if isinstance(event, Reply):
            return [event]
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
        # Sent ahead of its time, it is not sent again at that time (a meeting's reminder
        # on the day included): said plainly, so nobody waits for it.
        key = "schedule.sent_early" if event.due_at > ctx.now else "schedule.sent_now"
        return [Reply(t(key, what=what, when=when))]
