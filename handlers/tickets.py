"""诉求 after filing: residents follow and rate, grid workers act on tasks, moderators oversee.

Buttons send their ``data`` back as text ("接单 R20261122-0007"), so every action
is also a command a person can type. Actions that need a note or a reason ask
for it with a one-step flow.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from consultation.roles import Role
from consultation.ticket_parsing import (
    LOOKS_LIKE_TICKET,
    Catalogue,
    Place,
    default_catalogue,
    find_ticket_number,
    other_place,
    parse_period,
    parse_place,
    rating_word,
)
from consultation.tickets import (
    EXTEND,
    GIVE_BACK,
    HAND_UP,
    PROGRESS,
    REASSIGN,
    RESOLVE,
    Actor,
    Extension,
    Ticket,
    TicketError,
    TicketService,
)
from handlers.staff import MODERATOR, Section
from kernel.commands import Command, rest, ticket
from kernel.context import Context
from kernel.flows import DROPPED, Flow, Step
from kernel.handler import Handler, NotForThisFlow, Reading
from kernel.intents import Intent
from kernel.messages import Button, Reply
from kernel.texts import t
from nlu.comment import AfterRating, after_rating
from nlu.context import residual
from nlu.dialogue import NOTHING_MORE, says_nothing_more, squeeze
from nlu.normalize import normalize
from nlu.slots import parse_rating
from nlu.slots.rating import is_weak
from notices import ticket_views as views
from notices.tickets import RATING_FLOW, rating_buttons

ACTION_FLOW = "ticket_action"
#: The button under "已转派给…" that says no reason follows.
NO_REASON = "不填了"
STAFF = frozenset({Role.GRID_WORKER, Role.MODERATOR})
#: Who may use 处理中, 办结 and 我的任务: the staff, and a department's contacts on the
#: tickets sent to their department (consultation.tickets.DEPARTMENT_MOVES).
WITH_DEPARTMENTS = STAFF | {Role.DEPARTMENT}
#: The flow's action after a 转派 with no reason: the next words are its reason.
REASON_AFTER = "转派原因"
_ticket_command = Section("诉求").command
_worker_command = Section("诉求", STAFF).command
_department_command = Section("诉求", WITH_DEPARTMENTS).command
#: The verbs a department's contact may use, and the move each makes.
_DEPARTMENT_VERBS = {"处理中": PROGRESS, "办结": RESOLVE}
#: Every noted verb's move: a ticket it can no longer make is refused before a note is
#: asked for (a stale button on a closed ticket).
_MOVES = {**_DEPARTMENT_VERBS, "上报": HAND_UP, "退单": GIVE_BACK, "延期": EXTEND}
#: How many open tickets 所有诉求 lists in chat (the 工作台 lists them all).
LISTED = 30
#: The rating a resident's words say (nlu.slots.rating), as the ticket keeps it.
RATINGS = {"satisfied": "满意", "basic": "基本满意", "unsatisfied": "不满意"}
#: The answers to "是对 R… 的补充意见，还是新的问题？" (the buttons' words, and as typed).
AS_COMMENT = ("补充意见", "是补充意见", "是意见", "意见")
AS_NEW = ("新问题", "是新问题", "新的问题", "新建议", "是新的", "新的")


def read_rating(text: str) -> str | None:
    """满意 / 基本满意 / 不满意, from a button's word or the resident's own words
    (挺好的 → 满意, 还行吧 → 基本满意, 没修好 → 不满意: nlu.slots.rating); None when
    the words say no rating."""
    exact = rating_word(text)
    if exact is not None:
        return exact
    found = parse_rating(normalize(text)).get("rating")
    return RATINGS.get(str(found)) if found is not None else None


def comment_in(text: str, number: str, rating: str) -> str | None:
    """What a rating message says besides the rating ("满意 师傅很负责" → 师傅很负责;
    "挺好的 就是慢了点" whole, its reservation being the point), or None when it is only
    the rating (满意, 还行吧, 修好了 谢谢)."""
    said = text.replace(number, "").strip()
    if not residual(normalize(said), "rating"):
        return None
    if said.startswith(rating):
        said = said[len(rating) :]
    return said.strip(" ，,：:。") or None


def actor_of(ctx: Context) -> Actor:
    """The sender as the ticket domain sees them."""
    resident = ctx.user.resident
    return Actor(
        platform=ctx.message.platform,
        user_id=ctx.message.sender_id,
        name=ctx.user.name,
        resident_id=resident.id if resident is not None else None,
        roles=ctx.user.roles,
    )


class TicketHandler(Handler):
    """A handler of tickets: the community's catalogue, and the ticket service of a message."""

    def __init__(self, catalogue: Catalogue | None = None) -> None:
        self.catalogue = catalogue or default_catalogue()

    def service(self, ctx: Context) -> TicketService:
        return TicketService(ctx.uow, self.catalogue, ctx.community.zone)


class TicketStatusHandler(TicketHandler):
    """我的诉求, a ticket number, or "我反映的路灯怎么样了"."""

    intents = (Intent.QUERY_STATUS,)
    grammar = (Command("我的诉求", "handle", aliases=("/tickets", "查诉求"), listed=False),)
    #: A person's tickets and a ticket's details (category, place, what was said) are
    #: theirs: asked in the group, they are answered in the asker's own chat.
    answers_privately = True

    async def handle(self, ctx: Context) -> Sequence[Reply]:
        service, me = self.service(ctx), actor_of(ctx)
        number = find_ticket_number(ctx.text)
        if number is not None:
            return [await self._view(ctx, number)]
        if LOOKS_LIKE_TICKET.search(ctx.text):
            # A number typed wrong is never answered with another ticket (her newest).
            return [Reply(t("ticket.number_unclear"))]
        if ctx.text.startswith(("我的诉求", "/tickets", "查诉求")):
            return [views.my_tickets(await service.mine(me), lambda tk: service.shown(tk, me))]
        found = await service.search_mine(me, ctx.text)
        if found is not None:
            return [await self._view(ctx, found.number)]
        mine = await service.mine(me)
        if len(mine) == 1:
            return [await self._view(ctx, mine[0].number)]
        return [views.my_tickets(mine, lambda tk: service.shown(tk, me))]

    async def _view(self, ctx: Context, number: str) -> Reply:
        try:
            view = await self.service(ctx).view(number, actor_of(ctx))
        except TicketError as exc:
            return views.error_reply(exc)
        return views.ticket_status(view, ctx.community.zone)


class TicketRatingHandler(TicketHandler):
    """满意 / 基本满意 / 不满意: context first (the ticket the bot just asked about)."""

    intents: tuple[Intent, ...] = (Intent.FEEDBACK,)
    #: The rating buttons ("基本满意 R20261122-0007"): a tap rates that ticket whatever
    #: dialogue is open, never a guess of the classifier's.
    phrases = (r"(?:不满意|基本满意|满意)\s*R\s*-?\s*20\d{6}\s*-\s*\d{1,6}(?:\s.*)?",)
    #: Opened by the 办结 notice (notices.tickets); after the rating, one optional comment.
    flow = Flow(
        RATING_FLOW,
        # The comment is optional: a message that is no comment (a ticket number, a thanks)
        # is answered as itself and the flow closed. Saying there is none ("没有", "不用了":
        # not a cancel here) gets a closing word.
        (
            Step("rating", then=("comment",), expects="rating"),
            Step("comment", then=("which",), settled=True, answers=tuple(sorted(NOTHING_MORE))),
            # Not sure the word after the rating is about it: asked, its text kept.
            Step("which", answers=(*AS_COMMENT, *AS_NEW), buttons=(AS_COMMENT[0], AS_NEW[0])),
        ),
        starts=("rating", "comment"),
    )
    #: A rating names the ticket and what the resident thought of it: theirs alone.
    answers_privately = True

    def reads(self, ctx: Context) -> Reading:
        """After the rating, a new problem or proposal is no comment on the archived
        ticket: it is handled as if nothing were open (nobody would read it there)."""
        conv = ctx.conversation
        if conv.step == "which":  # only its answers belong to it (Step.answers)
            return Reading.ELSEWHERE
        if conv.step != "comment" or says_nothing_more(ctx.text):
            return Reading.ANSWER
        complaining = bool(conv.data.get("complaining"))
        elsewhere = _names_other_place(ctx.text, conv.data.get("place"))
        if after_rating(ctx.text, complaining=complaining, elsewhere=elsewhere) is AfterRating.NEW:
            return Reading.ELSEWHERE
        return Reading.ANSWER

    async def handle(self, ctx: Context) -> Sequence[Reply]:
        number = find_ticket_number(ctx.text)
        rating = read_rating(ctx.text)
        if number is None:
            resolved = [
                tk for tk in await self.service(ctx).mine(actor_of(ctx)) if tk.status == "resolved"
            ]
            if not resolved:
                return [Reply(t("ticket.nothing_to_rate"))]
            number = resolved[0].number
        if rating is None:
            return [_rate_hint(number)]
        if _draft_waits(ctx):
            # A tap on a rating button is a one-shot answer about another ticket: the
            # draft the resident is filling in stays as it was (the router says so).
            return await self._rate(ctx, number, rating, draft_waits=True)
        return await self._rate(ctx, number, rating)

    async def resume(self, ctx: Context) -> Sequence[Reply]:
        conv = ctx.conversation
        number = find_ticket_number(ctx.text) or str(conv.data.get("number", ""))
        if conv.step == "which":
            return await self._which(ctx, number)
        if conv.step == "comment":
            unrated = bool(conv.data.get("unrated"))
            complaining = bool(conv.data.get("complaining"))
            if says_nothing_more(ctx.text):
                conv.end()
                return [Reply(t("ticket.comment_skipped"))]
            if unrated:  # archived without a rating: nothing to comment on, a new message
                conv.end()
                raise NotForThisFlow
            if after_rating(ctx.text, complaining=complaining) is AfterRating.UNSURE:
                conv.advance("which", said=ctx.text)
                return [_comment_or_new(ctx.text, number)]
            conv.end()
            return await self._comment(ctx, number, ctx.text)
        rating = read_rating(ctx.text)
        if rating is None:
            return [_rate_hint(number)]
        if await self._new_problem(ctx, number):
            # Routed as a new message (a report draft); the question's buttons still rate.
            raise NotForThisFlow
        return await self._rate(ctx, number, rating)

    async def _new_problem(self, ctx: Context, number: str) -> bool:
        """Words about a fix that name another place than the rated ticket's ("8号楼的下水道
        又堵了" when 5号楼's rubbish heap was asked about): a new problem there, not this
        ticket's 不满意. The same place ("5号楼的下水道又堵了"), or none, is about this
        ticket; a rating said outright (不满意, 差评, stars) is a rating wherever it points."""
        if not is_weak(normalize(ctx.text)):
            return False
        said = parse_place(ctx.text)
        if said.empty:
            return False
        return await self.service(ctx).said_elsewhere(number, actor_of(ctx), said)

    async def _which(self, ctx: Context, number: str) -> Sequence[Reply]:
        """The answer to "补充意见，还是新问题？": the kept words go to the ticket as its
        comment, or are handled as a new message (as if nothing were open)."""
        said = str(ctx.conversation.data.get("said", ""))
        ctx.conversation.end()
        if ctx.text.lower() in AS_COMMENT:
            return await self._comment(ctx, number, said)
        ctx.message = replace(ctx.message, text=said)
        raise NotForThisFlow

    async def _comment(self, ctx: Context, number: str, said: str) -> Sequence[Reply]:
        try:
            await self.service(ctx).comment(number, actor_of(ctx), said, ctx.now)
        except TicketError as exc:
            return [views.error_reply(exc)]
        return [Reply(t("ticket.comment_saved"))]

    async def _rate(
        self, ctx: Context, number: str, rating: str, *, draft_waits: bool = False
    ) -> Sequence[Reply]:
        comment = comment_in(ctx.text, number, rating)
        try:
            rated = await self.service(ctx).rate(number, actor_of(ctx), rating, comment, ctx.now)
        except TicketError as exc:
            if draft_waits:  # the draft is no late button's to close
                return [views.error_reply(exc)]
            ctx.conversation.end()
            if exc.code in ("already_rated", "rating_closed"):
                # A late tap on an old button: its answer invites a word back as a rating
                # does, so "没有" (or a comment, on a rated one) is understood next.
                unrated = exc.code == "rating_closed"
                ctx.conversation.start(RATING_FLOW, "comment", number=number, unrated=unrated)
            return [views.error_reply(exc)]
        if comment:
            if not draft_waits:
                ctx.conversation.end()
            key = "ticket.reopened_noted" if rating == "不满意" else "ticket.rated_noted"
            return [Reply(t(key, number=number, rating=rating, comment=comment))]
        complaining = rating == "不满意"
        if draft_waits:  # no comment invited: the next message is the draft's
            key = "ticket.reopened_draft_waits" if complaining else "ticket.rated_draft_waits"
            return [Reply(t(key, number=number, rating=rating))]
        tk = rated.ticket  # where it is: a problem said next somewhere else is a new one
        place = [tk.building, tk.unit, tk.room, tk.spot]
        ctx.conversation.start(
            RATING_FLOW, "comment", number=number, complaining=complaining, place=place
        )
        key = "ticket.reopened" if complaining else "ticket.rated"
        return [Reply(t(key, number=number, rating=rating))]


def _draft_waits(ctx: Context) -> bool:
    """Whether another dialogue's draft (a report, a topic) is being filled in: one with
    a card, neither filed (its ``filed`` step) nor put down with 取消."""
    conv = ctx.conversation
    return (
        conv.flow not in (None, RATING_FLOW)
        and conv.card is not None
        and conv.step not in ("filed", DROPPED)
    )


def _names_other_place(text: str, kept: object) -> bool:
    """Whether ``text`` names another place than the rated ticket's, ``kept`` with the
    comment's conversation ([building, unit, room, spot]; none kept: no other)."""
    if not isinstance(kept, list) or len(kept) != 4:
        return False
    at = Place(*(str(v) if v else None for v in kept))
    return other_place(parse_place(text), at)


def _rate_hint(number: str) -> Reply:
    """No rating in the words: asked again, with the three buttons to tap."""
    return Reply(t("ticket.rate_hint", number=number), buttons=rating_buttons(number))


def _comment_or_new(said: str, number: str) -> Reply:
    """Not sure a word after the rating is about the ticket: asked, never guessed."""
    buttons = (Button(AS_COMMENT[0], AS_COMMENT[0]), Button(AS_NEW[0], AS_NEW[0]))
    return Reply(t("ticket.comment_or_new", said=said, number=number), buttons=buttons)


#: 延期's amount at the start of what follows the number: 3天, 2个工作日, 8小时, 一周, 24.
_AMOUNT = re.compile(
    r"(?P<count>\d{1,3}|[一二两三四五六七八九十]{1,3})\s*个?\s*"
    r"(?P<unit>小时|钟头|[hH]|工作日|天|日|周|星期|礼拜)?"
)
_UNITS = {
    "小时": "hour",
    "钟头": "hour",
    "h": "hour",
    "H": "hour",
    "天": "day",
    "日": "day",
    "工作日": "workday",
    "周": "week",
    "星期": "week",
    "礼拜": "week",
}
_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
#: Something that looks like an amount anywhere in the words ("等配件要3天"): no reason alone.
_ANY_AMOUNT = re.compile(
    r"\d|[一二两三四五六七八九十]\s*个?\s*(?:小时|钟头|工作日|天|周|星期|礼拜)"
)


def _count(word: str) -> int | None:
    """3, 十, 十二, 二十: a count as a worker types it (None past what people write)."""
    if word.isdigit():
        return int(word)
    if word == "十":
        return 10
    tens, sep, ones = word.partition("十")
    if not sep:
        return _DIGITS.get(word) if len(word) == 1 else None
    high = _DIGITS.get(tens, 0) if tens else 1
    low = _DIGITS.get(ones, 0) if ones else 0
    if (tens and tens not in _DIGITS) or (ones and ones not in _DIGITS):
        return None
    return high * 10 + low


def read_extension(text: str) -> tuple[Extension | None, str] | None:
    """What follows ``延期 R…``: (the amount, or None when none is written; the reason).
    A number alone is hours (延期 R… 24); None when an amount is there but unreadable
    (3x, 0天, 三 without a unit) — never guessed, and its unit never left in the reason."""
    text = text.strip()
    found = _AMOUNT.match(text)
    if found is None:
        return (None, text) if not _ANY_AMOUNT.search(text) else None
    count = _count(found.group("count"))
    unit = found.group("unit")
    after = text[found.end() :]
    if unit is None and (not found.group("count").isdigit() or after[:1] not in ("", " ")):
        return None
    if count is None or count < 1:
        return None
    return Extension(count, _UNITS[unit or "h"]), after.strip(" ，,：:。")


#: A grid worker acknowledging a task pushed to them, as they say it: "收到" · "好的收到" ·
#: "收到，马上去" · "马上到" (read with no spaces or punctuation: :func:`squeeze`).
ON_MY_WAY = re.compile(
    r"(?:好的?|好嘞|行|嗯嗯?|ok)?"
    r"(?:收到(?:了|啦)?(?:(?:我)?(?:马上|立刻|立即|这就|现在就?)(?:就)?(?:去|到|过去|赶过去|去处理|处理|出发))?"
    r"|(?:我)?(?:马上|立刻|立即|这就)(?:就)?(?:去|到|过去|赶过去|去处理|出发))"
    r"(?:了|啦|哈)?",
    re.IGNORECASE,
)


#: A staff member's message that starts with a ticket number ("R20261204-0013 水阀已经关了"
#: · "r20261204-0003 接单"): the number, and what follows it.
NUMBER_FIRST = re.compile(
    r"\s*(R\s*-?\s*20\d{6}\s*[-‐‑‒–—−]\s*\d{1,6})(?![0-9])[\s,，:：、。.]*(.*)",
    re.IGNORECASE | re.DOTALL,
)
#: "R… 办好了 …" is its 办结, what follows the words its result.
DONE = re.compile(
    r"(?:已经?|都)?(?:办好|处理好|处理完|修好|弄好|搞定|办结|办完)(?:了|啦)?"
    r"(?:$|[\s,，:：。.!！]+)"
)
#: "R… 怎么样了" asks about the ticket (its status), it says nothing of its progress.
ASKS = re.compile(r"[?？]|怎么样|怎样了|咋样|进度如何|进展如何|到哪了|了没有?$|吗[。.]?$")
#: The verbs a number-first message may start its words with ("R… 上报 要物业配合").
NUMBER_FIRST_VERBS = ("接单", "处理中", "办结", "上报", "转派", "退单", "延期")


class GridWorkerHandler(TicketHandler):
    """接单 / 处理中 / 办结 / 上报 / 转派 / 退单 / 延期 and 我的任务; "收到，马上去" right after
    a task is pushed takes it (接单), as 接单 with no number does."""

    grammar = (
        *(
            (_department_command if verb in _DEPARTMENT_VERBS else _worker_command)(
                verb, "act", ticket(), rest("note", example)
            )
            for verb, example in (
                ("接单", ""),
                ("处理中", "进展说明"),
                ("办结", "处理结果"),
                ("上报", "原因"),
                ("转派", "王网格员 原因"),
                ("退单", "原因"),
                ("延期", "3天 原因"),
            )
        ),
        # 接单 alone: the one task waiting is taken; of several, which is asked.
        _worker_command("接单", "take_waiting", listed=False),
        _department_command("我的任务", "tasks", aliases=("/tasks",)),
    )
    #: 处理中/办结/上报/退单/延期 without a note: the next message is the note.
    #: After a 转派 with no reason, the reason may follow (or 不填了).
    flow = Flow(ACTION_FLOW, (Step("note", answers=(NO_REASON,)),), starts=("note",))
    required_roles = WITH_DEPARTMENTS
    #: A worker's tasks list residents' places and problems; an action names the ticket:
    #: typed in the group, answered in the worker's own chat.
    answers_privately = True

    async def recognises(self, ctx: Context) -> bool:
        """ "收到，马上去" from a grid worker with a task waiting to be taken (else it is
        read as itself, as before)."""
        if not ctx.user.has(Role.GRID_WORKER) or not ON_MY_WAY.fullmatch(squeeze(ctx.text)):
            return False
        return bool(await self.service(ctx).waiting(actor_of(ctx)))

    async def handle(self, ctx: Context) -> Sequence[Reply]:
        return await self.take_waiting(ctx)

    async def command_meant(self, ctx: Context) -> str | None:
        """A staff member's message that starts with the number of a ticket he can act on
        is about that ticket, never a new report: "R… 接单" (or "收到马上去") is 接单,
        "R… 办好了 阀门换了" 办结 with the rest as its result, "R… 上报 …" and the other
        verbs themselves, anything else a progress note (处理中) the reporter is told. A
        question about it ("R… 怎么样了") and a ticket he can't act on are left alone."""
        found = NUMBER_FIRST.fullmatch(ctx.text)
        if found is None or not ctx.user.has(*WITH_DEPARTMENTS):
            return None
        number, said = find_ticket_number(found.group(1)), found.group(2).strip()
        if number is None or not said:
            return None
        verb = next((v for v in NUMBER_FIRST_VERBS if said.startswith(v)), None)
        if verb is not None:
            said = said[len(verb) :].lstrip(" ，,：:")
        elif ON_MY_WAY.fullmatch(squeeze(said)):
            verb, said = "接单", ""
        elif ASKS.search(said):
            return None
        elif done := DONE.match(said):
            verb, said = "办结", said[done.end() :]
        else:
            verb = "处理中"
        if verb != "接单":
            try:
                await self.service(ctx).may_act(number, actor_of(ctx), _MOVES.get(verb))
            except TicketError:
                return None
        return f"{verb} {number} {said}".strip()

    async def take_waiting(self, ctx: Context) -> Sequence[Reply]:
        """The one task waiting for the sender is taken (接单); several: which, a button
        each; none: said so."""
        service, me = self.service(ctx), actor_of(ctx)
        waiting = await service.waiting(me)
        if len(waiting) == 1:
            return await self._act(ctx, "接单", waiting[0].number, "", None)
        return [views.waiting_tasks([(tk, service.shown(tk, me)) for tk in waiting])]

    async def act(self, ctx: Context, number: str, note: str | None) -> Sequence[Reply]:
        assert ctx.command is not None
        action = ctx.command.command.verb
        return await self._act(ctx, action, number, note or "", ctx.message.image_url)

    async def tasks(self, ctx: Context) -> Sequence[Reply]:
        """A grid worker's (or moderator's) tasks; a department contact's tickets sent to
        the department (both, for someone who is both)."""
        service, me, zone = self.service(ctx), actor_of(ctx), ctx.community.zone
        replies = []
        if ctx.user.has(*STAFF):
            tasks = [(tk, service.shown(tk, me)) for tk in await service.tasks(me)]
            replies.append(views.task_list(tasks, zone))
        if ctx.user.has(Role.DEPARTMENT):
            sent = [(tk, service.shown(tk, me)) for tk in await service.department_tasks(me)]
            replies += views.department_tasks(sent, zone, ctx.now)
        return replies

    async def resume(self, ctx: Context) -> Sequence[Reply]:
        data = dict(ctx.conversation.data)
        ctx.conversation.end()
        return await self._act(
            ctx,
            str(data.get("action")),
            str(data.get("number")),
            ctx.text,
            ctx.message.image_url,
            kept=data,
        )

    async def _act(
        self,
        ctx: Context,
        action: str,
        number: str,
        rest: str,
        photo: str | None,
        kept: dict[str, object] | None = None,
    ) -> Sequence[Reply]:
        service, me, now = self.service(ctx), actor_of(ctx), ctx.now
        try:
            if action == "接单":
                await service.accept(number, me, now)
                return [Reply(t("ticket.accepted", number=number))]
            if action == "转派":
                return await self._reassign(ctx, number, rest)
            if action == REASON_AFTER:
                return await self._reassign_reason(ctx, number, rest)
            if action == "延期":
                return await self._extend(ctx, number, rest, kept)
            if not rest and not (action == "办结" and photo):
                # Refuses unknown or foreign numbers, and a ticket this worker may not
                # act on, before asking for a note it would then refuse.
                await service.may_act(number, me, _MOVES.get(action))
                ctx.conversation.start(ACTION_FLOW, "note", action=action, number=number)
                return [views.note_asked(action)]
            if action == "处理中":
                event = await service.progress(number, me, rest, now)
            elif action == "办结":
                event = await service.resolve(number, me, rest, photo, now)
            elif action == "上报":
                event = await service.hand_up(number, me, rest, now)
            else:
                event = await service.give_back(number, me, rest, now)
        except TicketError as exc:
            return [views.error_reply(exc)]
        due = event.ticket.resolution_due_at
        return [views.action_done(action, number, due, ctx.community.zone)]

    async def _extend(
        self, ctx: Context, number: str, rest: str, kept: dict[str, object] | None
    ) -> Sequence[Reply]:
        """延期 R… 3天 等配件: how long and why, both needed; what is missing is asked for
        (what was given kept), an unreadable amount answered with the usage."""
        read = read_extension(rest)
        if read is None:
            return [Reply(t("ticket.extend_usage", number=number))]
        amount, reason = read
        kept = kept or {}
        if amount is None and isinstance(kept.get("count"), int):
            amount = Extension(int(str(kept["count"])), str(kept.get("unit")))
        reason = reason or str(kept.get("reason") or "")
        service, me = self.service(ctx), actor_of(ctx)
        if amount is None or not reason:
            await service.may_act(number, me, EXTEND)
            held = {"count": amount.count, "unit": amount.unit} if amount else {}
            ctx.conversation.start(
                ACTION_FLOW, "note", action="延期", number=number, reason=reason, **held
            )
            if amount is None:
                key = "ticket.ask_extend_amount" if reason else "ticket.ask_extend"
                return [Reply(t(key, number=number))]
            return [views.note_asked("延期")]
        event = await service.extend(number, me, amount, reason, ctx.now)
        tk = event.ticket
        plain = service.deadlines.plain(tk.category, tk.urgent)
        due, zone = tk.resolution_due_at, ctx.community.zone
        return [views.extension_done(number, amount, plain, due, zone)]

    async def _reassign(self, ctx: Context, number: str, rest: str) -> Sequence[Reply]:
        """转派 R… [网格员 原因]: the worker by the name on the buttons (or the number the
        buttons send), and the reason, which goes with the ticket to its new holder. With
        no worker, an unknown one or several of that name, the buttons are offered and
        each carries the reason, so a tap loses nothing."""
        service, me = self.service(ctx), actor_of(ctx)
        await service.may_act(number, me, REASSIGN)
        parts = rest.split(maxsplit=1)
        if parts and parts[0].isdigit():
            reason = parts[1] if len(parts) > 1 else ""
            return await self._reassign_to(ctx, number, int(parts[0]), reason)
        named, reason, meant = await service.workers_named(rest)
        if len(named) == 1 and named[0].id is not None:
            return await self._reassign_to(ctx, number, named[0].id, reason)
        mine = ctx.user.resident.id if ctx.user.resident else None
        offered = named or [w for w in await service.workers() if w.id != mine]
        name = rest[: len(rest) - len(reason)].strip(" ，,：:") if reason else rest.strip()
        other = None if named else await service.not_a_worker(rest)
        if other is not None:
            text = t("ticket.not_a_worker", number=number, name=other)
            reason = rest.strip()[len(other) :].strip(" ，,：:")
        elif named:
            text = t("ticket.pick_worker_which", number=number, name=name)
        elif meant:
            text = t("ticket.pick_worker_named", number=number, name=name)
        else:
            text = t("ticket.pick_worker", number=number)
        if reason:
            text += t("ticket.pick_worker_reason", reason=reason)
        tail = f" {reason}" if reason else ""
        buttons = tuple(Button(w.name, f"转派 {number} {w.id}{tail}") for w in offered)
        return [Reply(text, buttons=buttons)]

    async def _reassign_to(
        self, ctx: Context, number: str, worker: int, reason: str
    ) -> Sequence[Reply]:
        """Reassigned at once. With no reason (a tap on a name), one may follow in a word
        or be skipped with 不填了: nothing waits for it, so a worker on the move who taps
        and pockets the phone has still handed the ticket on."""
        event = await self.service(ctx).reassign(number, actor_of(ctx), worker, reason, ctx.now)
        holder = event.holder_name or ""
        done = t("ticket.done_reassign", number=number, holder=holder)
        if reason:
            return [Reply(done)]
        ctx.conversation.start(ACTION_FLOW, "note", action=REASON_AFTER, number=number)
        offer = t("ticket.reassign_reason_offer", holder=holder)
        return [Reply(done + offer, buttons=(Button(t("ticket.b_no_reason"), NO_REASON),))]

    async def _reassign_reason(self, ctx: Context, number: str, said: str) -> Sequence[Reply]:
        """The words after a reasonless 转派: its reason, sent on to the new holder."""
        if not said or said == NO_REASON or says_nothing_more(said):
            return [Reply(t("ticket.reassign_reason_skipped"))]
        event = await self.service(ctx).reassign_reason(number, actor_of(ctx), said, ctx.now)
        return [Reply(t("ticket.reassign_reason_sent", holder=event.holder_name or ""))]


class ModeratorTicketHandler(TicketHandler):
    """诉求统计 [period], 超期诉求, 所有诉求, 合并诉求 R… R…."""

    grammar = (
        _ticket_command("诉求统计", "statistics", rest("period", "本月")),
        _ticket_command("超期诉求", "overdue"),
        _ticket_command("所有诉求", "open_tickets", aliases=("全部诉求", "诉求列表", "在办诉求")),
        _ticket_command(
            "合并诉求", "merge", ticket("duplicate", example="R20261122-0009"), ticket("into")
        ),
    )
    required_roles = MODERATOR

    async def overdue(self, ctx: Context) -> Sequence[Reply]:
        service = self.service(ctx)
        tickets = await service.overdue(ctx.now)
        if not tickets:
            return [Reply(t("ticket.overdue_empty"))]
        header = t("ticket.overdue_header", count=len(tickets))
        return [replace(await self._listing(ctx, header, tickets), private=True)]

    async def open_tickets(self, ctx: Context) -> Sequence[Reply]:
        tickets = await self.service(ctx).open_tickets(LISTED)
        if not tickets:
            return [Reply(t("ticket.open_empty"))]
        header = t("ticket.open_header", count=len(tickets))
        listing = replace(await self._listing(ctx, header, tickets), private=True)
        if len(tickets) == LISTED:
            return [listing, Reply(t("ticket.open_more", count=LISTED), private=True)]
        return [listing]

    async def _listing(self, ctx: Context, header: str, tickets: list[Ticket]) -> Reply:
        """One line per ticket, with who holds it. It names residents' places and
        problems: its callers mark it for the moderator alone (asked in the group, it is
        answered in their own chat); 诉求统计's counts and 合并诉求 stay where asked."""
        service, me = self.service(ctx), actor_of(ctx)
        held = [await service.view(tk.number, me) for tk in tickets]
        return views.ticket_listing(header, held, ctx.community.zone)

    async def merge(self, ctx: Context, duplicate: str, into: str) -> Sequence[Reply]:
        try:
            await self.service(ctx).merge(duplicate, into, actor_of(ctx), ctx.now)
        except TicketError as exc:
            return [views.error_reply(exc)]
        return [Reply(t("ticket.merged", duplicate=duplicate, into=into))]

    async def statistics(self, ctx: Context, period: str | None) -> Sequence[Reply]:
        today = ctx.now.astimezone(ctx.community.zone).date()
        start, end, label = parse_period(period or "", today)
        stats = await self.service(ctx).statistics(start, end, ctx.now)
        return [views.statistics_table(stats, ctx.community.name, label)]
