"""表决: residents vote with buttons or words; moderators open, close, remind, enter paper ballots.

Resident words: "赞成" · "投2" · "选A和C" · "投票 P3 反对" · ``投票情况 P3``.
Moderator commands: ``开启投票 …`` (see ``poll.syntax_open``) · ``结束投票 P3`` ·
``录入纸质票 P3 刘大爷 赞成`` · ``提醒投票 P3`` · ``隐藏结果 P3`` / ``公开结果 P3``.

Anonymous polls: the confirmation and the receipt never repeat the choice (the
router stores replies), and nothing is logged about it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from consultation.ballots import VOTE_PATTERN, PollKind, parse_vote
from consultation.config import ConsultationRules
from consultation.ids import find_ref, poll_ref
from consultation.polls import PollError, PollService, parse_poll_command
from consultation.roles import Role
from handlers.meetings import resolve_person
from kernel.context import Context
from kernel.handler import Handler
from kernel.intents import Intent
from kernel.messages import Button, Reply
from kernel.texts import t
from notices.common import refusal
from notices.polls import (
    choice_label,
    example,
    option_label,
    poll_opened,
    poll_result,
    running_count,
)
from storage.polls import Poll

FLOW = "anon_vote"
CONFIRM = frozenset({"确认投票", "确认", "是", "确定"})


def _bad_vote(poll: Poll) -> Reply:
    options = "、".join(option_label(poll, i) for i in range(len(poll.options)))
    return Reply(
        t("poll.bad_vote", ref=poll_ref(poll.id or 0), options=options, example=example(poll))
    )


class VoteHandler(Handler):
    """One vote by words or button; anonymous votes are confirmed first (they are final)."""

    intents = (Intent.VOTE,)
    patterns = (VOTE_PATTERN,)
    flows = (FLOW,)
    expects = {"confirm": "confirm"}  # noqa: RUF012
    required_roles = frozenset({Role.RESIDENT, Role.COMMITTEE, Role.MODERATOR})

    async def handle(self, ctx: Context) -> Sequence[Reply]:
        service = PollService(ctx.uow, ctx.now)
        resident = ctx.user.resident
        assert resident is not None
        try:
            poll = await service.pick_open_poll(ctx.message.chat_id, find_ref(ctx.text, "P"))
            if not service.is_open(poll):
                raise PollError("closed", ref=poll_ref(poll.id or 0))
            parsed = parse_vote(ctx.text, PollKind(poll.kind), poll.options, poll.max_choices)
            if not parsed.ok:
                if parsed.error is not None and parsed.error.value in ("too_many", "one_only"):
                    return [refusal("poll_error", parsed.error.value, {"max": poll.max_choices})]
                return [_bad_vote(poll)]
            ref = poll_ref(poll.id or 0)
            if poll.anonymous:
                await service.voter_key(poll, resident)
                assert poll.id is not None
                if resident.id in await service.polls.voted_resident_ids(poll.id):
                    raise PollError("anonymous_final", ref=ref)
                ctx.conversation.start(FLOW, "confirm", poll=poll.id, mask=parsed.mask)
                return [
                    Reply(
                        t("poll.anonymous_confirm", ref=ref),
                        buttons=(
                            Button(t("poll.confirm_button"), "确认投票"),
                            Button("取消", "取消"),
                        ),
                    )
                ]
            outcome = await service.cast(poll.id or 0, resident, parsed.mask, ctx.user.actor)
        except PollError as exc:
            return [refusal("poll_error", exc.code, exc.values)]
        key = "poll.changed" if outcome.status == "changed" else "poll.cast"
        return [
            Reply(
                t(
                    key,
                    ref=ref,
                    choice=choice_label(poll, parsed.mask),
                    progress=await running_count(service, poll),
                )
            )
        ]

    async def resume(self, ctx: Context) -> Sequence[Reply]:
        data = dict(ctx.conversation.data)
        ctx.conversation.end()
        if ctx.text not in CONFIRM:
            return (
                await self.handle(ctx)
                if re.fullmatch(VOTE_PATTERN, ctx.text)
                else [Reply(t("router.cancelled"))]
            )
        service = PollService(ctx.uow, ctx.now)
        assert ctx.user.resident is not None
        try:
            outcome = await service.cast(
                int(data["poll"]), ctx.user.resident, int(data["mask"]), ctx.user.actor
            )
        except PollError as exc:
            return [refusal("poll_error", exc.code, exc.values)]
        poll = outcome.poll
        return [
            Reply(
                t(
                    "poll.anonymous_cast",
                    ref=poll_ref(poll.id or 0),
                    progress=await running_count(service, poll),
                )
            )
        ]


class PollStatusHandler(Handler):
    """投票情况 P3 (turnout, counts unless hidden) · 参与名单 P3 (anonymous: after close)."""

    patterns = (r"投票情况\s*[Pp]?\s*\d*\s*", r"参与名单\s*[Pp]\s*\d+\s*")

    async def handle(self, ctx: Context) -> Sequence[Reply]:
        service = PollService(ctx.uow, ctx.now)
        try:
            poll = await service.pick_open_poll(ctx.message.chat_id, find_ref(ctx.text, "P"))
            ref = poll_ref(poll.id or 0)
            if ctx.text.startswith("参与名单"):
                names = await service.participants(poll)
                return [Reply(t("poll.participants", ref=ref, names="、".join(names) or "—"))]
        except PollError as exc:
            return [refusal("poll_error", exc.code, exc.values)]
        state = t("poll.state_open" if service.is_open(poll) else "poll.state_closed")
        return [
            Reply(
                t(
                    "poll.status",
                    ref=ref,
                    question=poll.question,
                    state=state,
                    progress=await running_count(service, poll),
                )
            )
        ]


_PAPER = re.compile(r"录入纸质票\s*[Pp]\s*(\d+)\s+(\S+)\s+(.+)", re.DOTALL)


class PollAdminHandler(Handler):
    """开启投票 · 结束投票 · 录入纸质票 · 提醒投票 · 隐藏结果 / 公开结果."""

    patterns = (
        r"(?:开启|发起|开始)投票.*",
        r"结束投票\s*[Pp]\s*\d+\s*",
        r"录入纸质票.*",
        r"提醒投票\s*[Pp]\s*\d+\s*",
        r"(?:隐藏|公开)结果\s*[Pp]\s*\d+\s*",
    )
    required_roles = frozenset({Role.MODERATOR})

    def __init__(self, rules: ConsultationRules) -> None:
        self.rules = rules

    async def handle(self, ctx: Context) -> Sequence[Reply]:
        try:
            return await self._dispatch(ctx)
        except PollError as exc:
            return [refusal("poll_error", exc.code, exc.values)]

    async def _dispatch(self, ctx: Context) -> Sequence[Reply]:
        service, text, zone = PollService(ctx.uow, ctx.now), ctx.text, ctx.community.zone
        msg = ctx.message
        if re.match(r"(?:开启|发起|开始)投票", text):
            if re.fullmatch(r"(?:开启|发起|开始)投票\s*", text):
                return [Reply(t("poll.syntax_open"))]
            spec = parse_poll_command(text, ctx.now, zone)
            poll = await service.open(
                spec,
                ctx.user.resident,
                msg.platform,
                msg.chat_id,
                ctx.user.actor,
                self.rules.default_quorum_pct,
                in_group=msg.is_group,
            )
            return [poll_opened(poll, zone)]
        poll_id = find_ref(text, "P")
        if text.startswith("录入纸质票"):
            found = _PAPER.fullmatch(text)
            if found is None:
                return [Reply(t("poll.syntax_paper"))]
            poll = await service.get(int(found.group(1)))
            person = await resolve_person(ctx, found.group(2))
            if isinstance(person, Reply):
                return [person]
            parsed = parse_vote(found.group(3), PollKind(poll.kind), poll.options, poll.max_choices)
            if not parsed.ok:
                return [_bad_vote(poll)]
            await service.paper(poll.id or 0, person, parsed.mask, ctx.user.actor)
            return [
                Reply(
                    t(
                        "poll.paper_entered",
                        name=person.name,
                        ref=poll_ref(poll.id or 0),
                        progress=await running_count(service, poll),
                    )
                )
            ]
        assert poll_id is not None
        ref = poll_ref(poll_id)
        if text.startswith("结束投票"):
            me = ctx.user.resident.id if ctx.user.resident else None
            closed = await service.close(
                poll_id, ctx.user.actor, closed_in=(msg.platform, msg.chat_id), closed_by=me
            )
            here = (msg.platform, msg.chat_id) == (closed.poll.platform, closed.poll.chat_id)
            result = poll_result(closed, zone)
            return [result] if here else [result, Reply(t("poll.closed_moderator", ref=ref))]
        if text.startswith("提醒投票"):
            reminded = await service.remind(poll_id, ctx.now.strftime("%Y%m%d%H%M"))
            return [Reply(t("poll.reminded", count=len(reminded.residents)))]
        hide = text.startswith("隐藏")
        await service.set_hidden(poll_id, hide, ctx.user.actor)
        return [Reply(t("poll.hidden_on" if hide else "poll.hidden_off", ref=ref))]
