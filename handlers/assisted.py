"""代办: a grid worker or moderator records a co-sign, sign-up or named vote for a resident
who asked by phone or in person; the resident confirms (确认代办 T3) or undoes it (撤销代办 T3).

Staff commands: ``代办 附议 T3 刘大爷`` · ``代办 报名 [M202612] 刘大爷 [线上]`` ·
``代办 投票 P2 赞成 刘大爷`` (``代办`` alone shows all three). The resident's buttons send
``确认代办 T3 v3f2a1c`` / ``撤销代办 T3 v3f2a1c``: each acts on the sender's own record
only, and only on the 代办 its card was sent for (the stamp; typed without one, on the
current 代办).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from consultation.assisted import AssistError, AssistService, OnBehalf, card_stamp
from consultation.ballots import PollKind, parse_vote
from consultation.config import ConsultationRules
from consultation.ids import CARD_STAMP
from consultation.roles import ASSISTANTS
from handlers.meetings import resolve_person
from handlers.staff import Section
from handlers.votes import poll_service
from kernel.commands import Command, meeting, ref, word
from kernel.context import Context
from kernel.handler import Handler
from kernel.messages import Reply
from kernel.texts import t
from nlu.dialogue import squeeze
from notices.assisted import (
    cosign_recorded,
    not_mine,
    signup_recorded,
    vote_recorded,
    which_of,
)
from notices.polls import choice_label, running_count

#: A reference the answer buttons carry: a topic, a poll or a meeting.
_REF = r"(?i)[TP]\d{1,9}|M\d{6}"
_ONLINE = ("线上", "在线", "网上")
#: The stamp of the 代办 a card was sent for (consultation.assisted.card_stamp).
_CARD = rf"(?i){CARD_STAMP}"


_assist_command = Section("代办", ASSISTANTS).command


def _assist_service(ctx: Context, rules: ConsultationRules) -> AssistService:
    zone, ballots = ctx.community.zone, ctx.community.ballots
    return AssistService(ctx.uow, rules, zone, ctx.now, ballots)


async def _on_behalf(ctx: Context, who: str) -> OnBehalf | Reply:
    """The sender acting for the resident ``who`` names (a reply when nobody fits)."""
    person = await resolve_person(ctx, who)
    if isinstance(person, Reply):
        return person
    me = ctx.user.resident
    assert me is not None
    return OnBehalf(person, me, ctx.user.roles, ctx.user.actor)


class AssistHandler(Handler):
    """代办 附议 · 代办 报名 · 代办 投票 (grid workers and moderators)."""

    grammar = (
        Command("代办", "usage", roles=ASSISTANTS, listed=False),
        _assist_command(
            "代办 附议",
            "cosign",
            ref("T", "topic", bare=True),
            word("who", "刘大爷"),
            aliases=("代办附议",),
        ),
        _assist_command(
            "代办 报名",
            "sign_up",
            meeting(optional=True),
            word("who", "刘大爷"),
            word("mode", "线上", optional=True, pattern="线上|在线|网上|现场"),
            aliases=("代办报名", "代办 线上报名", "代办线上报名", "代办 现场报名", "代办现场报名"),
        ),
        _assist_command(
            "代办 投票",
            "vote",
            ref("P", "poll"),
            word("choice", "赞成"),
            word("who", "刘大爷"),
            aliases=("代办投票",),
        ),
    )
    required_roles = ASSISTANTS
    #: It names the resident and, for a vote, their choice: never for the group.
    answers_privately = True

    def __init__(self, rules: ConsultationRules) -> None:
        self.rules = rules

    def _service(self, ctx: Context) -> AssistService:
        return _assist_service(ctx, self.rules)

    async def usage(self, ctx: Context) -> Sequence[Reply]:
        return [Reply(t("assist.usage"))]

    async def cosign(self, ctx: Context, topic: int, who: str) -> Sequence[Reply]:
        act = await _on_behalf(ctx, who)
        if isinstance(act, Reply):
            return [act]
        return [cosign_recorded(await self._service(ctx).cosign(topic, act))]

    async def sign_up(
        self, ctx: Context, code: str | None, who: str, mode: str | None
    ) -> Sequence[Reply]:
        act = await _on_behalf(ctx, who)
        if isinstance(act, Reply):
            return [act]
        verb = ctx.command.verb if ctx.command is not None else ""
        online = (mode or "") in _ONLINE or any(w in verb for w in _ONLINE)
        kind = "online" if online else "onsite"
        done = await self._service(ctx).sign_up(code, kind, act)
        return [signup_recorded(done, kind, ctx.community.zone, ctx.now)]

    async def vote(self, ctx: Context, poll: int, choice: str, who: str) -> Sequence[Reply]:
        service = poll_service(ctx)
        found = await service.get(poll)
        ctx.secret_ballot = found.anonymous  # refused below, but the words name a choice
        kind = PollKind(found.kind)
        parsed = parse_vote(choice, kind, found.options, found.max_choices)
        if not parsed.ok and parse_vote(who, kind, found.options, found.max_choices).ok:
            choice, who = who, choice  # 代办 投票 P2 刘大爷 赞成: the order 录入纸质票 takes
            parsed = parse_vote(choice, kind, found.options, found.max_choices)
        act = await _on_behalf(ctx, who)
        if isinstance(act, Reply):
            return [act]
        if not parsed.ok:
            raise AssistError("bad_choice", choice=choice)
        done = await self._service(ctx).vote(poll, parsed.mask, act)
        progress = await running_count(service, found)
        return [vote_recorded(done, choice_label(found, parsed.mask), progress)]


#: "Someone did this for me, and it wasn't my wish", as people say it (squeezed: no spaces
#: or punctuation): 我没让他帮我投 · 我没让他附议 · 这不是我让办的啊 · 不是我的意思 · 不是.
_NOT_MINE = re.compile(
    r"(?:没|没有|并没有|从没|从来没)(?:让|叫|请|要|找|托)(?:他|她|人|别人|谁|网格员|你们|他们)?"
    r"(?:帮|替|给|代)?(?:我)?(?:投|投票|代投|代办|办|选|附议|报名|报)"
    r"|不是我(?:本人|自己)?(?:投|选|要投|要选|让办|让他办|叫他办|让|叫|办)的"
    r"|不是我(?:本人|自己)?的意思"
    r"|^(?:这|那)?(?:不是|没有|不对|没让)(?:我|的)?(?:啊|呀|吧|哦|的)?$"
    r"|^我没让(?:他|她)?$|^没让(?:他|她)(?:办)?$"
)
#: The card's own words typed, or "yes, it was my wish": 撤销 undoes, these confirm (one
#: 代办 waiting; with several, which one is asked).
_UNDO = re.compile(r"^(?:撤销|撤消|撤回|取消)(?:代办)?(?:吧|了)?$")
_CONFIRM = re.compile(
    r"^(?:确认|确定|是的|是|对|对的|对啊|没错|是我让的|是我让他办的|是我的意思|是我叫他办的)"
    r"(?:啊|呀|吧|的)?$"
)
#: The longest message read so (a longer one says more than that, and is read as itself).
_NOT_MINE_CHARS = 30


class AssistAnswerHandler(Handler):
    """确认代办 T3 · 撤销代办 T3: the resident's answer, on their own record only; and, in
    their private chat while a 代办 made for them waits for their word, that word in their
    own: "不是我的意思" (the card's 确认/撤销 offered again, nothing undone unasked), a
    typed 撤销 (undone) or 确认 · 是的 · 是我让的 (confirmed); with several waiting, which."""

    grammar = (
        Command(
            "确认代办",
            "confirm",
            (word("ref", "T3", pattern=_REF), word("card", "", optional=True, pattern=_CARD)),
            listed=False,
        ),
        Command(
            "撤销代办",
            "undo",
            (word("ref", "T3", pattern=_REF), word("card", "", optional=True, pattern=_CARD)),
            listed=False,
        ),
    )

    def __init__(self, rules: ConsultationRules) -> None:
        self.rules = rules

    def _service(self, ctx: Context) -> AssistService:
        return _assist_service(ctx, self.rules)

    @staticmethod
    def _word(ctx: Context) -> str | None:
        """``undo``, ``confirm`` or ``not_mine`` for a short private message that answers a
        代办 in words (None: it says something else)."""
        body = squeeze(ctx.text)
        if ctx.message.is_group or not body or len(body) > _NOT_MINE_CHARS:
            return None
        if _UNDO.match(body):
            return "undo"
        if _CONFIRM.match(body):
            return "confirm"
        return "not_mine" if _NOT_MINE.search(body) else None

    async def recognises(self, ctx: Context) -> bool:
        """Those words are about a 代办 only while one waits for the sender's word (else
        they are read as themselves, as before)."""
        resident = ctx.user.resident
        if resident is None or self._word(ctx) is None:
            return False
        return bool(await self._service(ctx).pending(resident))

    async def handle(self, ctx: Context) -> Sequence[Reply]:
        resident = ctx.user.resident
        assert resident is not None
        word = self._word(ctx)
        pending = await self._service(ctx).pending(resident)
        zone = ctx.community.zone
        if word == "not_mine" or not pending:
            return [not_mine(pending, zone, ctx.now)]
        if len(pending) > 1:
            return [which_of(pending, zone, ctx.now, undo=word == "undo")]
        [item] = pending
        stamp = card_stamp(item.assisted_at)
        if word == "undo":
            return await self.undo(ctx, item.ref, stamp)
        return await self.confirm(ctx, item.ref, stamp)

    async def confirm(self, ctx: Context, ref: str, card: str | None) -> Sequence[Reply]:
        me = ctx.user.resident
        if me is None:
            raise AssistError("nothing", ref=ref.upper())
        done = await self._service(ctx).confirm(ref, me, ctx.user.actor, card)
        key = f"assist.confirmed_{done.kind}"
        return [Reply(t(key, ref=done.ref, assistant=done.assistant_name))]

    async def undo(self, ctx: Context, ref: str, card: str | None) -> Sequence[Reply]:
        me = ctx.user.resident
        if me is None:
            raise AssistError("nothing", ref=ref.upper())
        done = await self._service(ctx).undo(ref, me, ctx.user.actor, card)
        return [Reply(t(f"assist.undone_{done.kind}", ref=done.ref, assistant=done.assistant_name))]
