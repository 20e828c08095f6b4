"""表决: residents vote with buttons or words; moderators open, close, remind, enter paper ballots.

Resident words: "赞成" · "投2" · "选A和C" · "投票 P3 反对" · ``投票情况 P3``.
Moderator commands: ``开启投票 …`` (see ``poll.syntax_open``) · ``结束投票 P3`` ·
``录入纸质票 P3 刘大爷 赞成`` · ``提醒投票 P3`` · ``隐藏结果 P3`` / ``公开结果 P3``.

Anonymous polls: the receipt never repeats the choice (the router stores replies
for redelivery), no conversation holds it, and nothing is logged about it; the
message is marked a secret ballot (``Context.secret_ballot``), so the web chat's
history keeps no words of it either; a changed vote replaces the voter's own sealed
ballot (consultation.ballot_box).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from consultation.ballots import VOTE_PATTERN, PollKind, parse_vote
from consultation.config import ConsultationRules
from consultation.ids import find_ref, poll_ref
from consultation.meetings import MeetingService
from consultation.polls import (
    PollError,
    PollService,
    parse_poll_command,
)
from consultation.roles import PARTICIPANTS, allowed
from consultation.vote_target import CHANGING, VoteTargets, words_fit
from handlers.meetings import resolve_person
from handlers.staff import MODERATOR, Section
from kernel.commands import Command, ref, rest, word
from kernel.context import Context
from kernel.handler import Handler
from kernel.intents import Intent
from kernel.messages import Button, Reply
from kernel.texts import t
from nlu.dialogue import is_question
from notices.common import refusal
from notices.poll_views import (
    bad_vote,
    change_vote,
    earlier_results,
    own_votes,
    participant_roll,
    poll_state,
    vote_on_topic,
    vote_receipt,
    which_home,
    which_poll,
)
from notices.polls import (
    poll_final,
    poll_opened,
    poll_result,
    running_count,
)

#: The longest message read as an option typed alone ("我还是选地下车库吧").
MAX_CHOICE_CHARS = 20


def poll_service(ctx: Context) -> PollService:
    """The poll service for this message, with the keys anonymous ballots are sealed with."""
    community = ctx.community
    return PollService(ctx.uow, ctx.now, community.ballots, community.anonymous_min_votes)


class VoteHandler(Handler):
    """One vote by words or button; until close a new vote replaces the voter's last."""

    intents = (Intent.VOTE,)
    phrases = (VOTE_PATTERN,)
    required_roles = PARTICIPANTS
    #: What the router records for the message: the word "vote", never the choice.
    record_as = Intent.VOTE.value
    #: The receipt (or why not) is the voter's alone: a vote typed in the group is
    #: answered privately, as a tap on the poll's button is.
    answers_privately = True

    async def handle(self, ctx: Context) -> Sequence[Reply]:
        service = poll_service(ctx)
        resident = ctx.user.resident
        assert resident is not None
        ctx.secret_ballot = True  # until the poll it is for is known to be a named one
        try:
            named, topic = find_ref(ctx.text, "P"), find_ref(ctx.text, "T")
            targets = VoteTargets(service)
            if named is None and topic is not None:  # "我反对T3": never another poll's vote
                return [vote_on_topic(topic, await targets.on_topic(topic))]
            only = None
            if named is None:
                # "投2", "西门": the polls these words answer ("投2" is no poll's number).
                in_play = (await targets.in_play(resident)).meant_by(ctx.text)
                only = in_play.only
                if only is None and CHANGING.search(ctx.text):  # "我改主意了，反对"
                    voted = [p for p in in_play.open if await targets.own_vote(p, resident)]
                    only = voted[0] if len(voted) == 1 else None
                if only is None and (in_play.ended or in_play.open):
                    return [which_poll(in_play.open, in_play.ended)]  # more than one in play
            poll = only or await service.pick_open_poll(ctx.message.chat_id, named)
            if not service.is_open(poll):
                raise PollError("closed", ref=poll_ref(poll.id or 0))
            parsed = parse_vote(ctx.text, PollKind(poll.kind), poll.options, poll.max_choices)
            ctx.secret_ballot = poll.anonymous  # a named poll's vote is on the record
            if not parsed.ok:
                if parsed.error is not None and parsed.error.value in ("too_many", "one_only"):
                    return [refusal("poll_error", parsed.error.value, {"max": poll.max_choices})]
                return [bad_vote(poll)]
            standing = await targets.own_vote(poll, resident) if named is None else None
            if standing is not None and (poll.anonymous or standing.choice_mask != parsed.mask):
                return [change_vote(poll, standing.choice_mask, parsed.mask)]  # ask first
            outcome = await service.cast(poll.id or 0, resident, parsed.mask, ctx.user.actor)
        except PollError as exc:
            return [refusal("poll_error", exc.code, exc.values)]
        progress = await running_count(service, poll)
        return [vote_receipt(poll, parsed.mask, outcome.status, progress)]

    async def recognises(self, ctx: Context) -> bool:
        """An option of a poll of options the sender may vote in, typed alone or nearly
        ("西门", "B", "投西门", "我还是选东门吧"): a vote, not a report about the west gate.
        Only words said to the bot (not a neighbour's chatter in the group) and short."""
        resident = ctx.user.resident
        text = ctx.text
        if not ctx.message.addressed or len(text) > MAX_CHOICE_CHARS or resident is None:
            return False
        if not allowed(ctx.user.roles, PARTICIPANTS) or find_ref(text, "T") is not None:
            return False
        if is_question(text):  # "西门几点关？" asks, it does not choose
            return False
        service = poll_service(ctx)
        for poll in await service.polls.open_copies():  # one cheap SELECT, usually empty
            if poll.kind == PollKind.YESNO.value or not words_fit(text, poll):
                continue
            if await service.may_vote(poll, resident):
                return True
        return False


class OwnVoteHandler(Handler):
    """我投的是什么 · P3我投的是什么 · 我的投票: a named poll's choice as recorded; an anonymous
    poll's only that they took part (it used to be read as a vote choice)."""

    phrases = (
        r"(?:查一?下|请问|想问一?下)?(?:P\s*\d+\s*)?(?:我|俺)(?:在\s*P\s*\d+\s*)?"
        r"(?:上次|刚才|之前)?(?:投|选)(?:的|了)(?:票)?(?:是)?(?:什么|啥|哪个|哪一个|哪项)(?:票)?"
        r"(?:来着)?[？?吗呢啊呀]*",
        # 我的投票 · 查一下我的投票记录: asked as 我投了什么 is (it was read as a vote).
        r"(?:查一?下|看一?下|请问|想问一?下)?(?:P\s*\d+\s*)?(?:我|俺)的(?:投票|选票|票)"
        r"(?:记录|情况)?(?:呢|是什么|是啥)?[？?吗呢啊呀]*",
    )
    required_roles = PARTICIPANTS
    record_as = "own_vote"

    async def handle(self, ctx: Context) -> Sequence[Reply]:
        service = poll_service(ctx)
        resident = ctx.user.resident
        assert resident is not None and resident.id is not None
        try:
            ballots = await VoteTargets(service).ballots_of(resident, find_ref(ctx.text, "P"))
        except PollError as exc:
            return [refusal("poll_error", exc.code, exc.values)]
        return [own_votes(ballots, resident.id, service.is_open)]


class PollStatusHandler(Handler):
    """投票情况 P3: turnout, and the counts unless hidden until close · 参与名单 P3: who took
    part (names, never choices; those voted for by someone else marked 代办), for
    moderators only; never for an anonymous poll (its count only: names beside a
    unanimous or a small result would tell who chose what)."""

    grammar = (
        Command("投票情况", "status", (ref("P", "poll", optional=True),), section="投票"),
        Command("投票结果", "results", (ref("P", "poll", optional=True),), aliases=("表决结果",)),
        Command(
            "参与名单",
            "participants",
            (ref("P", "poll"),),
            roles=MODERATOR,
            listed=False,
            private=True,  # it names residents: typed in the group, never shown to it
        ),
    )
    #: A poll's number alone ("P4", "P4？"): that poll, as the asker may see it.
    phrases = (r"\s*P\s*\d{1,9}\s*[？?。.]?\s*",)

    async def handle(self, ctx: Context) -> Sequence[Reply]:
        """P4 typed alone: an open poll the asker may vote in is shown with its buttons;
        one they may not, with how it stands; a closed one with its result."""
        number = find_ref(ctx.text, "P")
        assert number is not None
        service = poll_service(ctx)
        try:
            found = await service.get(number)
        except PollError as exc:
            return [refusal("poll_error", exc.code, exc.values)]
        if await service.may_vote(found, ctx.user.resident):
            card = poll_opened(found, ctx.community.zone)
            return [replace(card, edit_key=None)]
        return await self.status(ctx, number)

    async def results(self, ctx: Context, poll: int | None) -> Sequence[Reply]:
        """投票结果 [P3]: that poll's result, or the latest closed one's with the others
        named, so a resident finds what was decided without knowing its number."""
        if poll is not None:
            return await self.status(ctx, poll)
        service = poll_service(ctx)
        closed = await service.closed_polls()
        if not closed:
            return [Reply(t("poll.no_results"))]
        latest = closed[0]
        final = await service.final(latest)
        assert final is not None
        replies = [poll_final(latest, *final)]
        if len(closed) > 1:
            replies.append(earlier_results(closed[1:]))
        return replies

    async def status(self, ctx: Context, poll: int | None) -> Sequence[Reply]:
        service = poll_service(ctx)
        try:
            found = await service.pick_open_poll(ctx.message.chat_id, poll)
        except PollError as exc:
            return [refusal("poll_error", exc.code, exc.values)]
        final = await service.final(found)
        if final is not None:
            return [poll_final(found, *final)]
        progress = await running_count(service, found)
        return [poll_state(found, service.is_open(found), progress)]

    async def participants(self, ctx: Context, poll: int) -> Sequence[Reply]:
        service = poll_service(ctx)
        try:
            found = await service.get(poll)
            people = await service.participants(found)
        except PollError as exc:
            return [refusal("poll_error", exc.code, exc.values)]
        return [participant_roll(poll, people)]


_poll_command = Section("投票").command


class PollAdminHandler(Handler):
    """开启投票 · 结束投票 · 录入纸质票 · 提醒投票 · 隐藏结果 / 公开结果."""

    grammar = (
        _poll_command(
            "开启投票",
            "open",
            rest(
                "spec",
                "问题或T12 [M202612|单独表决] [选项:甲/乙] [多选:2] [范围:居民|每户|委员|到会] "
                "[匿名] [法定:60%] [通过:过半|三分之二|全体过半] [截止:12-06 18:00] [隐藏结果]",
            ),
            aliases=("发起投票", "开始投票"),
        ),
        _poll_command("结束投票", "close", ref("P", "poll", bare=True, optional=True)),
        _poll_command(
            "录入纸质票",
            "paper",
            ref("P", "poll"),
            word("who", "刘大爷"),
            rest("choice", "赞成", optional=False),
            private=True,  # it names the voter and, for a while, the choice
        ),
        _poll_command("提醒投票", "remind", ref("P", "poll", bare=True)),
        _poll_command("隐藏结果", "hide", ref("P", "poll", bare=True)),
        _poll_command("公开结果", "show", ref("P", "poll", bare=True)),
    )
    required_roles = MODERATOR

    def __init__(self, rules: ConsultationRules) -> None:
        self.rules = rules

    async def open(self, ctx: Context, spec: str | None) -> Sequence[Reply]:
        if not spec:
            return [Reply(t("poll.syntax_open"))]
        zone, msg = ctx.community.zone, ctx.message
        parsed = parse_poll_command(spec, ctx.now, zone)
        if not parsed.has_home:
            ahead = await MeetingService(ctx.uow, self.rules, zone, ctx.now).next_ahead()
            if ahead is not None:  # a decision belongs to its consultation day: ask
                return [which_home(spec, ahead, zone, ctx.now)]
        poll = await poll_service(ctx).open(
            parsed,
            ctx.user.resident,
            msg.platform,
            msg.chat_id,
            ctx.user.actor,
            self.rules.default_quorum_pct,
            in_group=msg.is_group,
        )
        return [poll_opened(poll, zone)]

    async def paper(self, ctx: Context, poll: int, who: str, choice: str) -> Sequence[Reply]:
        service = poll_service(ctx)
        found = await service.get(poll)
        ctx.secret_ballot = found.anonymous  # the words name the voter and the choice
        person = await resolve_person(ctx, who)
        if isinstance(person, Reply):
            return [person]
        parsed = parse_vote(choice, PollKind(found.kind), found.options, found.max_choices)
        if not parsed.ok:
            return [bad_vote(found)]
        await service.paper(poll, person, parsed.mask, ctx.user.actor)
        progress = await running_count(service, found)
        return [
            Reply(t("poll.paper_entered", name=person.name, ref=poll_ref(poll), progress=progress))
        ]

    async def close(self, ctx: Context, poll: int | None = None) -> Sequence[Reply]:
        if poll is None:  # which one: each open poll a button, never closed unasked
            running = await poll_service(ctx).running()
            if not running:
                return [Reply(t("poll_error.none_open"))]
            listed = "、".join(f"{poll_ref(p.id or 0)}“{p.question}”" for p in running)
            buttons = tuple(
                Button(
                    t("poll.b_close", ref=poll_ref(p.id or 0)), f"结束投票 {poll_ref(p.id or 0)}"
                )
                for p in running
            )
            return [Reply(t("poll.close_which", polls=listed), buttons=buttons)]
        msg = ctx.message
        me = ctx.user.resident.id if ctx.user.resident else None
        closed = await poll_service(ctx).close(
            poll, ctx.user.actor, closed_in=(msg.platform, msg.chat_id), closed_by=me
        )
        here = (msg.platform, msg.chat_id) == (closed.poll.platform, closed.poll.chat_id)
        result = poll_result(closed, ctx.community.zone)
        if here:
            return [result]
        return [result, Reply(t("poll.closed_moderator", ref=poll_ref(poll)))]

    async def remind(self, ctx: Context, poll: int) -> Sequence[Reply]:
        stamp = ctx.now.strftime("%Y%m%d%H%M")
        reminded = await poll_service(ctx).remind(poll, stamp)
        return [Reply(t("poll.reminded", count=len(reminded.residents)))]

    async def hide(self, ctx: Context, poll: int) -> Sequence[Reply]:
        await poll_service(ctx).set_hidden(poll, True, ctx.user.actor)
        return [Reply(t("poll.hidden_on", ref=poll_ref(poll)))]

    async def show(self, ctx: Context, poll: int) -> Sequence[Reply]:
        await poll_service(ctx).set_hidden(poll, False, ctx.user.actor)
        return [Reply(t("poll.hidden_off", ref=poll_ref(poll)))]
