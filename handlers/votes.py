"""表决: residents vote with buttons or words; moderators open, close, remind, enter paper ballots.

Resident words: "赞成" · "投2" · "选A和C" · "投票 P3 反对" · ``投票情况 P3``.
Moderator commands: ``开启投票 …`` (see ``poll.syntax_open``) · ``结束投票 P3`` ·
``录入纸质票 P3 刘大爷 赞成`` · ``提醒投票 P3`` · ``隐藏结果 P3`` / ``公开结果 P3``.

Anonymous polls: the receipt never repeats the choice (the router stores replies
for redelivery), no conversation holds it, and nothing is logged about it; a
changed vote replaces the voter's own sealed ballot (consultation.ballot_box).
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
from kernel.messages import Reply
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


def poll_service(ctx: Context) -> PollService:
    """The poll service for this message, with the keys anonymous ballots are sealed with."""
    return PollService(ctx.uow, ctx.now, ctx.community.ballots)


def _bad_vote(poll: Poll) -> Reply:
    options = "、".join(option_label(poll, i) for i in range(len(poll.options)))
    return Reply(
        t("poll.bad_vote", ref=poll_ref(poll.id or 0), options=options, example=example(poll))
    )


class VoteHandler(Handler):
    """One vote by words or button; until close a new vote replaces the voter's last."""

    intents = (Intent.VOTE,)
    patterns = (VOTE_PATTERN,)
    required_roles = frozenset({Role.RESIDENT, Role.COMMITTEE, Role.MODERATOR})
    #: What the router records for the message: the word "vote", never the choice.
    record_as = Intent.VOTE.value

    async def handle(self, ctx: Context) -> Sequence[Reply]:
        service = poll_service(ctx)
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
            outcome = await service.cast(poll.id or 0, resident, parsed.mask, ctx.user.actor)
        except PollError as exc:
            return [refusal("poll_error", exc.code, exc.values)]
        ref, progress = poll_ref(poll.id or 0), await running_count(service, poll)
        changed = outcome.status == "changed"
        if poll.anonymous:  # the receipt is stored for redelivery: no choice in it
            key = "poll.anonymous_changed" if changed else "poll.anonymous_cast"
            return [Reply(t(key, ref=ref, progress=progress))]
        key = "poll.changed" if changed else "poll.cast"
        choice = choice_label(poll, parsed.mask)
        return [Reply(t(key, ref=ref, choice=choice, progress=progress))]


class PollStatusHandler(Handler):
    """投票情况 P3: turnout, and the counts unless they are hidden until close."""

    patterns = (r"投票情况\s*[Pp]?\s*\d*\s*",)

    async def handle(self, ctx: Context) -> Sequence[Reply]:
        service = poll_service(ctx)
        try:
            poll = await service.pick_open_poll(ctx.message.chat_id, find_ref(ctx.text, "P"))
            ref = poll_ref(poll.id or 0)
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


class ParticipantsHandler(Handler):
    """参与名单 P3: who took part (names, never choices), for moderators only; for an
    anonymous poll only after close, so turnout can't be watched vote by vote."""

    patterns = (r"参与名单\s*[Pp]\s*\d+\s*",)
    required_roles = frozenset({Role.MODERATOR})

    async def handle(self, ctx: Context) -> Sequence[Reply]:
        service = poll_service(ctx)
        try:
            poll = await service.get(find_ref(ctx.text, "P") or 0)
            names = await service.participants(poll)
        except PollError as exc:
            return [refusal("poll_error", exc.code, exc.values)]
        ref = poll_ref(poll.id or 0)
        return [Reply(t("poll.participants", ref=ref, names="、".join(names) or "—"))]


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
        service, text, zone = poll_service(ctx), ctx.text, ctx.community.zone
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
