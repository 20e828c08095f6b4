"""协商议事日: when and where, sign-up (现场/线上), withdrawal and 签到; the moderator's set-up.

Resident words: ``议事日安排`` / "这个月议事日是哪天" · ``报名`` · ``线上报名`` ·
``取消报名`` · ``签到`` · ``签到 123456`` (the code shown in the hall). Moderator
commands: ``创建议事日 [2026-12]`` · ``议程 M202612 T12 20分钟`` · ``邀请 M202612`` ·
``签到 M202612 刘大爷`` · ``签到码 M202612`` · ``记录 M202612 T12 讨论要点…`` ·
``发布纪要 M202612`` · ``改期 M202612 12月12日 09:30 [地点：…]`` · ``取消议事日 M202612 原因``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from consultation.confidentiality import for_the_record, has_numbers
from consultation.config import ConsultationRules
from consultation.ids import find_meeting_code, meeting_code_for_month_words, topic_ref
from consultation.meeting_rule import describe_rule
from consultation.meetings import (
    HALL_CODE_EARLY,
    SIGN_UP_LATE,
    MeetingError,
    MeetingService,
    cancel_reason,
)
from consultation.outcomes import OutcomeService
from consultation.residents import Resident, people_named
from consultation.roles import PARTICIPANTS, Role
from consultation.topics import TopicService
from handlers.staff import MODERATOR, Section
from kernel.commands import Command, meeting, ref, rest, word
from kernel.context import Context
from kernel.flows import card_flow
from kernel.handler import Handler, Reading
from kernel.intents import Intent
from kernel.messages import Reply
from kernel.texts import t
from nlu.slots import WhenError, written_when
from nlu.slots.numerals import NUM, to_int
from notices.common import refusal
from notices.meeting_views import (
    agenda_set,
    cancel_preview,
    cancelled,
    invitations,
    leave_offer,
    meeting_created,
    move_preview,
    moved,
    signup_reply,
    signup_roll,
    signup_status,
    which_signup,
)
from notices.meetings import PUBLIC_PATH, meeting_ahead, meeting_info

_MONTH = r"\d{4}\s*[-年/]\s*\d{1,2}月?"


async def resolve_person(ctx: Context, token: str) -> Resident | Reply:
    """``刘大爷`` or ``#12`` → the resident, or a reply saying what is wrong."""
    token = token.strip()
    people = await people_named(ctx.uow, token)
    if not people:
        return Reply(t("meeting.no_person", name=token))
    if len(people) > 1:
        return Reply(t("meeting.ambiguous_person", name=token, count=len(people)))
    return people[0]


def _service(ctx: Context, rules: ConsultationRules) -> MeetingService:
    return MeetingService(ctx.uow, rules, ctx.community.zone, ctx.now)


class MeetingInfoHandler(Handler):
    """When, where and what: the next meeting with its agenda and seats."""

    intents = (Intent.MEETING_INFO,)
    # "这个月议事日是哪天" is the menu's 议事日安排 button: a tap is always this.
    grammar = (
        Command(
            "议事日安排",
            "handle",
            (meeting(optional=True),),
            aliases=("议事日", "议程", "这个月议事日是哪天"),
            listed=False,
        ),
    )

    def __init__(self, rules: ConsultationRules) -> None:
        self.rules = rules

    async def handle(self, ctx: Context, code: str | None = None) -> Sequence[Reply]:
        zone = ctx.community.zone
        month = None if code else meeting_code_for_month_words(ctx.text, ctx.now, zone)
        code = code or find_meeting_code(ctx.text) or month
        service = _service(ctx, self.rules)
        if code is None:  # the next one ahead, after any cancelled before it
            ahead = await service.ahead()
            return [meeting_ahead(ahead, describe_rule(self.rules.meeting), zone, ctx.now)]
        try:
            view = await service.view(code)
        except MeetingError as exc:
            if exc.code != "not_found" or code != month:
                return [refusal("meeting_error", exc.code, exc.values)]
            # "下个月的议事日是哪天" before it is set: said so, and the next one ahead.
            nearest = meeting_ahead(
                await service.ahead(), describe_rule(self.rules.meeting), zone, ctx.now
            )
            unset = t("meeting.month_unset", month=int(code[-2:]))
            return [replace(nearest, text=f"{unset}\n{nearest.text}")]
        return [meeting_info(view, zone, ctx.now)]


#: The meeting a "not coming" names by its day: "12号的会" · "5日的议事日".
_DAY = r"(?P<day>\d{1,2})\s*[号日]"
#: Not coming after all, as people say it: "我不去了" · "我去不了了，取消吧" · "那天来不了了" ·
#: "12号的会我去不了了".
NOT_COMING = re.compile(
    rf"(?:{_DAY}的?)?(?:议事日|议事会|协商会|会议|会|那天|这次|开会)?(?:我|俺)?(?:就|还是|可能|恐怕|临时)?(?:有事)?[，,]?"
    r"(?:不去了|去不了了?|不能去了|来不了了?|不来了|参加不了了?|不参加了|不能参加了)"
    r"(?:[，,。！!\s]*(?:那就|就)?(?:取消吧|取消报名吧?|帮我取消(?:报名)?吧?|取消掉吧?|退了吧?))?"
    r"[。！!~～]*"
)


async def offer_to_withdraw(ctx: Context, rules: ConsultationRules) -> Reply:
    """Someone not coming: the sign-up to cancel, with a button (asked, never done); of
    several, the one on the day they name ("12号的会我去不了了"), if one is."""
    resident = ctx.user.resident
    signups = await _service(ctx, rules).signups_ahead(resident) if resident else []
    zone = ctx.community.zone
    named = NOT_COMING.fullmatch(ctx.text.strip())
    if named is not None and named.group("day"):
        day = int(named.group("day"))
        on_day = [(m, w) for m, w in signups if m.starts_at.astimezone(zone).day == day]
        signups = on_day or signups
    return leave_offer(signups, zone)


class LeaveMeetingHandler(Handler):
    """ "我不去了" from someone signed up: offers 取消报名 for that meeting (it used to be
    read as a vote or the start of a report)."""

    phrases = (NOT_COMING.pattern,)

    def __init__(self, rules: ConsultationRules) -> None:
        self.rules = rules

    async def handle(self, ctx: Context) -> Sequence[Reply]:
        return [await offer_to_withdraw(ctx, self.rules)]


#: The hall's sign-in code as typed after 签到 (never a resident's name).
_PIN = r"\d{4,8}"
#: What a resident's own 签到 came to, and what they are told.
_CHECKED_IN = {
    "onsite": "meeting.checked_in",
    "online": "meeting.checked_in_online",
    "already": "meeting.already_checked_in",
    "how": "meeting.checkin_how",
}


class JoinMeetingHandler(Handler):
    """报名 (现场) · 线上报名 (微协商) · 取消报名 · 签到 on the day."""

    intents = (Intent.JOIN_MEETING,)
    grammar = (
        *(
            Command(verb, "handle", (meeting(optional=True),), aliases=aliases, listed=False)
            for verb, aliases in (
                ("报名", ("现场报名",)),
                ("线上报名", ("在线报名", "网上报名")),
                ("取消报名", ()),
                ("改为现场", ("改成现场", "改为现场参加")),
                ("改为线上", ("改成线上", "改为线上参加")),
            )
        ),
        # 签到 alone, or with the sign-in code shown in the hall (签到 123456).
        Command(
            "签到",
            "check_in",
            (meeting(optional=True), word("pin", "签到码", optional=True, pattern=_PIN)),
            listed=False,
        ),
        Command(
            "我报名了吗",
            "status",
            aliases=(
                "我报名了没有",
                "我报名了没",
                "我报名了么",
                "我报上名了吗",
                "我报上名了没有",
                "我有没有报名",
                "我报没报名",
                "我报名成功了吗",
                "我报名成功了没有",
            ),
            listed=False,
        ),
    )
    required_roles = PARTICIPANTS

    def __init__(self, rules: ConsultationRules) -> None:
        self.rules = rules

    async def status(self, ctx: Context) -> Sequence[Reply]:
        """我报名了吗: whether (and how) the sender is signed up, and for which meeting."""
        resident = ctx.user.resident
        assert resident is not None
        service = _service(ctx, self.rules)
        signups = await service.signups_ahead(resident)
        ahead = None if signups else (await service.ahead()).view
        upcoming = ahead.meeting if ahead is not None else None
        return [signup_status(signups, upcoming, ctx.community.zone)]

    async def check_in(
        self, ctx: Context, code: str | None = None, pin: str | None = None
    ) -> Sequence[Reply]:
        """A resident's own 签到: with the hall's code, present in the hall; bare, online
        when signed up 线上; otherwise told how to sign in."""
        resident = ctx.user.resident
        assert resident is not None
        service = _service(ctx, self.rules)
        try:
            meeting, outcome = await service.check_in_self(
                resident, code or find_meeting_code(ctx.text), pin, ctx.user.actor
            )
        except MeetingError as exc:
            return [refusal("meeting_error", exc.code, exc.values)]
        return [Reply(t(_CHECKED_IN[outcome], code=meeting.code))]

    async def handle(self, ctx: Context, code: str | None = None) -> Sequence[Reply]:
        resident = ctx.user.resident
        assert resident is not None
        service = _service(ctx, self.rules)
        zone = ctx.community.zone
        code = (
            code
            or find_meeting_code(ctx.text)
            or meeting_code_for_month_words(ctx.text, ctx.now, zone)
        )
        text, actor = ctx.text, ctx.user.actor
        if ctx.command is None and "名单" in text:
            # "报名名单给我看看", read as a sign-up by its words: a list asked for, never
            # a sign-up; the moderator's own (报名名单 is :attr:`Command.private`).
            if not ctx.user.has(Role.MODERATOR):
                return [Reply(t("meeting.roll_is_staff"))]
            found, people = await service.signup_list(code)
            return [replace(signup_roll(found, people), private=True)]
        try:
            if text.startswith("取消报名"):
                meeting = await service.withdraw(resident, code, actor)
                return [Reply(t("meeting.withdrawn", code=meeting.code))]
            if "不去" in text or NOT_COMING.search(text):  # a sentence: asked first
                return [await offer_to_withdraw(ctx, self.rules)]
            if text.startswith("签到"):
                return await self.check_in(ctx, code)
            mode = "online" if ("线上" in text or "在线" in text or "网上" in text) else "onsite"
            switch = text.startswith(("改为", "改成"))
            meeting, outcome = await service.sign_up(resident, mode, code, actor, switch=switch)
        except MeetingError as exc:
            if exc.code == "which_signup":
                return [which_signup(exc.values)]
            return [refusal("meeting_error", exc.code, exc.values)]
        return [signup_reply(meeting, mode, outcome, zone, ctx.now)]


_PLACE = re.compile(r"(?:地点|改在|地址)\s*[:：]?\s*(.+)$", re.DOTALL)


def new_start(text: str, current: datetime, now: datetime, zone: ZoneInfo) -> datetime | None:
    """ "12月12日 09:30" / "12/12 9:30" / "12月12日" / "下午3点" → the new start; what is
    not said stays. A day or time that does not exist (12月32日, 25:00) raises
    :class:`WhenError`: it is not said, but it is not "the same" either."""
    local_start = current.astimezone(zone)
    day, clock = written_when(text, now.astimezone(zone).date())
    if day is None and clock is None:
        return None
    return datetime.combine(
        day or local_start.date(), clock or local_start.time(), tzinfo=zone
    ).astimezone(UTC)


#: An agenda item's length as moderators write it: 20 · 20分钟 · 二十分钟 · 半小时 · 1个半小时.
_LENGTH = re.compile(
    rf"(?:(?P<minutes>{NUM})(?:分钟?)?)|(?:(?P<hours>{NUM}|半)个?(?P<half>半)?(?:小时|钟头))"
)


def agenda_minutes(said: str) -> int | None:
    """The minutes ``said`` (matched by ``_LENGTH``) stands for; None when it is none."""
    found = _LENGTH.fullmatch(said)
    if found is None:
        return None
    if found.group("minutes"):
        return to_int(found.group("minutes"))
    hours = found.group("hours")
    whole = 0 if hours == "半" else to_int(hours)
    if whole is None:
        return None
    return whole * 60 + (30 if hours == "半" or found.group("half") else 0)


_meeting_command = Section("议事日").command


class MeetingAdminHandler(Handler):
    """The moderator's side: create by rule, agenda, 7+X invitations, 签到, notes, minutes,
    moving and cancelling."""

    grammar = (
        _meeting_command(
            "创建议事日", "create", word("month", "2026-12", optional=True, pattern=_MONTH)
        ),
        _meeting_command(
            "议程",
            "agenda",
            meeting(),
            ref("T", "topic", example="T12"),
            word("minutes", "20分钟", optional=True, pattern=_LENGTH.pattern),
            word("position", "第1项", optional=True, pattern=r"第\d+项"),
        ),
        _meeting_command("邀请", "invite", meeting()),
        _meeting_command("报名名单", "signups", meeting(optional=True), private=True),
        _meeting_command(
            "签到",
            "check_in_for",
            meeting(optional=True),
            word("who", "刘大爷", pattern=rf"(?!{_PIN}$)\S+"),  # 签到 123456 is the code
        ),
        _meeting_command("签到码", "hall_code", meeting(optional=True), private=True),
        _meeting_command(
            "记录",
            "note",
            meeting(),
            ref("T", "topic", example="T12"),
            rest("text", "讨论要点…", optional=False),
        ),
        _meeting_command("发布纪要", "minutes", meeting(optional=True)),
        _meeting_command(
            "改期", "move", meeting(), rest("when", "12月12日 09:30 [地点：…]", optional=False)
        ),
        _meeting_command("取消议事日", "cancel", meeting(), rest("reason", "原因")),
        # The buttons under the previews: 改期 and 取消议事日 reach every group at once.
        _meeting_command(
            "确认改期", "confirm_move", meeting(), rest("when", "…", optional=False), listed=False
        ),
        _meeting_command(
            "确认取消议事日", "confirm_cancel", meeting(), rest("reason", "原因"), listed=False
        ),
        # Typed alone with no preview open (said after something else, or expired).
        _meeting_command("确认改期", "nothing_open", listed=False),
        _meeting_command("确认取消议事日", "nothing_open", aliases=("确认取消",), listed=False),
    )
    required_roles = MODERATOR
    #: The previews of 改期 and 取消议事日: their 确认 button typed does what the tap does
    #: while the preview is the moderator's latest open card.
    flow = card_flow("meeting.preview", "确认改期", "确认取消议事日", "确认取消")

    def __init__(self, rules: ConsultationRules) -> None:
        self.rules = rules

    def _service(self, ctx: Context) -> MeetingService:
        return _service(ctx, self.rules)

    def reads(self, ctx: Context) -> Reading:
        """Under a preview, anything but its button's words is a message of its own (and
        closes the preview: its button still works when tapped)."""
        return Reading.ELSEWHERE

    async def resume(self, ctx: Context) -> Sequence[Reply]:
        return await self.typed_tap(ctx)

    async def create(self, ctx: Context, month: str | None) -> Sequence[Reply]:
        service, actor = self._service(ctx), ctx.user.actor
        if month:
            year, number = (int(x) for x in re.findall(r"\d+", month)[:2])
            created = await service.create(year, number, actor)
        else:
            created = await service.create_next(actor)
        return [meeting_created(created, ctx.community.zone)]

    async def agenda(
        self, ctx: Context, code: str, topic: int, minutes: str | None, position: str | None
    ) -> Sequence[Reply]:
        length = agenda_minutes(minutes) if minutes else 20
        if length is None:
            usage = ctx.command.command.usage if ctx.command is not None else "议程"
            return [Reply(t("router.usage_not_understood", usage=usage))]
        at = int(re.sub(r"\D", "", position)) if position else None
        item = await self._service(ctx).add_to_agenda(code, topic, length, ctx.user.actor, at)
        found = await TopicService(ctx.uow, self.rules, ctx.now).get(topic)
        return [agenda_set(code, topic, found.title, item.position, length)]

    async def invite(self, ctx: Context, code: str) -> Sequence[Reply]:
        invited = await self._service(ctx).invite(code, ctx.user.actor)
        return [invitations(code, [role for _, role in invited])]

    async def signups(self, ctx: Context, code: str | None) -> Sequence[Reply]:
        """报名名单 M202612: who comes and how, those signed up by a grid worker marked 代办."""
        found, people = await self._service(ctx).signup_list(code)
        return [signup_roll(found, people)]

    async def check_in_for(self, ctx: Context, code: str | None, who: str) -> Sequence[Reply]:
        person = await resolve_person(ctx, who)
        if isinstance(person, Reply):
            return [person]
        meeting_, fresh = await self._service(ctx).check_in(person, code, ctx.user.actor)
        if not fresh:
            return [Reply(t("meeting.already_checked_in_other", name=person.name))]
        return [Reply(t("meeting.checked_in_other", name=person.name, code=meeting_.code))]

    async def hall_code(self, ctx: Context, code: str | None) -> Sequence[Reply]:
        """签到码 M202612: the code to show in the hall, and when it works."""
        service = self._service(ctx)
        found = await service.hall_code(code, ctx.user.actor)
        zone = ctx.community.zone
        opens = (found.starts_at - HALL_CODE_EARLY).astimezone(zone)
        closes = (found.starts_at + SIGN_UP_LATE).astimezone(zone)
        said = t(
            "meeting.hall_code",
            code=found.code,
            pin=found.checkin_code or "",
            opens=f"{opens:%H:%M}",
            closes=f"{closes:%H:%M}",
        )
        return [Reply(said, private=True)]

    async def note(self, ctx: Context, code: str, topic: int, text: str) -> Sequence[Reply]:
        await self._service(ctx).note(code, topic, text, ctx.user.actor)
        said = t("meeting.noted", ref=topic_ref(topic))
        if has_numbers(text):  # the minutes are published: say how they will read
            said += t("record.numbers_masked", text=for_the_record(text.strip()))
        return [Reply(said)]

    async def minutes(self, ctx: Context, code: str | None) -> Sequence[Reply]:
        found = await self._service(ctx).get(code)
        await OutcomeService(ctx.uow, ctx.now).publish_minutes(found, ctx.user.actor)
        return [Reply(t("meeting.minutes_published", url=PUBLIC_PATH.format(code=found.code)))]

    async def cancel(
        self, ctx: Context, code: str, reason: str | None, changed: bool = False
    ) -> Sequence[Reply]:
        """取消议事日 M202612 原因: what will be sent to how many, and a button to confirm."""
        why = cancel_reason(reason or "")
        preview = await self._service(ctx).preview_cancel(code, why)
        shown = cancel_preview(preview, why, ctx.community.zone, ctx.now, changed)
        return self.open_card(ctx, [shown])

    async def nothing_open(self, ctx: Context) -> Sequence[Reply]:
        """确认改期 / 确认取消 typed with no preview open: which to send first."""
        assert ctx.command is not None
        key = "move" if ctx.command.command.verb == "确认改期" else "cancel"
        return [Reply(t(f"meeting.confirm_nothing_{key}"))]

    async def confirm_cancel(self, ctx: Context, code: str, reason: str | None) -> Sequence[Reply]:
        service = self._service(ctx)
        stamp, why = _stamped(reason or "")
        if stamp and stamp != (await service.preview_cancel(code, why)).stamp:
            return await self.cancel(ctx, code, why, changed=True)
        done, _ = await service.cancel(code, why, ctx.user.actor)
        assert done.id is not None
        signed, invited = await service.told_privately(done.id)
        return [cancelled(done, len(signed), len(invited), ctx.community.zone, ctx.now)]

    async def _new_place_and_time(
        self, ctx: Context, code: str, when: str
    ) -> tuple[datetime, str | None] | Reply:
        """改期's words (12月12日 09:30, 下周六上午9点半, 地点：…) → the new start and place,
        or the reply that says what is wrong with them."""
        place_match = _PLACE.search(when)
        place = place_match.group(1).strip() if place_match else None
        when_text = when[: place_match.start()] if place_match else when
        current = await self._service(ctx).get(code)
        try:
            starts = new_start(when_text, current.starts_at, ctx.now, ctx.community.zone)
        except WhenError as exc:
            return Reply(t(f"meeting.bad_{exc.code}", written=exc.written, why=exc.why, code=code))
        if starts is None and not place:
            return Reply(t("meeting.syntax_move"))
        return starts or current.starts_at, place

    async def move(
        self, ctx: Context, code: str, when: str, changed: bool = False
    ) -> Sequence[Reply]:
        """改期 M202612 12月12日 09:30 [地点：…]: day and time as people write them; the
        preview says the new time in full, what goes to how many, and waits for 确认改期."""
        wanted = await self._new_place_and_time(ctx, code, when)
        if isinstance(wanted, Reply):
            return [wanted]
        preview = await self._service(ctx).preview_move(code, *wanted)
        return self.open_card(ctx, [move_preview(preview, ctx.community.zone, ctx.now, changed)])

    async def confirm_move(self, ctx: Context, code: str, when: str) -> Sequence[Reply]:
        stamp, when = _stamped(when)
        wanted = await self._new_place_and_time(ctx, code, when)
        if isinstance(wanted, Reply):
            return [wanted]
        service = self._service(ctx)
        try:
            if stamp and stamp != (await service.preview_move(code, *wanted)).stamp:
                return await self.move(ctx, code, when, changed=True)
            done, change = await service.move(code, *wanted, ctx.user.actor)
        except MeetingError as exc:
            if exc.code != "move_same":
                raise
            return [Reply(t("meeting.already_moved", code=code))]  # 确认改期 tapped twice
        return [moved(done, change.old_starts_at, ctx.community.zone, ctx.now)]


_STAMP = re.compile(r"^(v[0-9a-f]{6})\s*")


def _stamped(text: str) -> tuple[str | None, str]:
    """A confirmation's words: the preview's stamp (see ChangePreview.stamp), if the
    button carried one, and the rest."""
    found = _STAMP.match(text.strip())
    return (found.group(1), text.strip()[found.end() :]) if found else (None, text)
