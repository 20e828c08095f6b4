"""协商议事日: when and where, sign-up (现场/线上), withdrawal and 签到; the moderator's set-up.

Resident words: ``议事日安排`` / "这个月议事日是哪天" · ``报名`` · ``线上报名`` ·
``取消报名`` · ``签到``. Moderator commands: ``创建议事日 [2026-12]`` ·
``议程 M202612 T12 20分钟`` · ``邀请 M202612`` · ``签到 M202612 刘大爷`` ·
``记录 M202612 T12 讨论要点…`` · ``发布纪要 M202612`` ·
``改期 M202612 12月12日 09:30 [地点：…]`` · ``取消议事日 M202612 原因``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from consultation.config import ConsultationRules
from consultation.ids import find_meeting_code, topic_ref
from consultation.meeting_rule import describe
from consultation.meetings import MODE_ZH, MeetingError, MeetingService
from consultation.outcomes import OutcomeService
from consultation.roles import Role
from kernel.context import Context
from kernel.handler import Handler
from kernel.intents import Intent
from kernel.messages import Reply
from kernel.texts import t
from nlu.slots import parse_date, parse_time
from notices.common import date_text, refusal
from notices.meetings import PUBLIC_PATH, meeting_info
from storage.models import Resident
from storage.people import PeopleRepository
from storage.topics import TopicRepository


async def resolve_person(ctx: Context, token: str) -> Resident | Reply:
    """``刘大爷`` or ``#12`` → the resident, or a reply saying what is wrong."""
    token = token.strip()
    if token.startswith(("#", "＃")) and token[1:].isdigit():
        found = await ctx.uow.residents.get(int(token[1:]))
        return found if found is not None else Reply(t("meeting.no_person", name=token))
    people = await ctx.uow.get(PeopleRepository).by_name(token)
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
    commands = ("议事日安排", "议事日", "议程", "这个月议事日是哪天")

    def __init__(self, rules: ConsultationRules) -> None:
        self.rules = rules

    async def handle(self, ctx: Context) -> Sequence[Reply]:
        try:
            view = await _service(ctx, self.rules).view(find_meeting_code(ctx.text))
        except MeetingError as exc:
            if exc.code == "none_scheduled":
                return [Reply(t("meeting.none_scheduled", rule=describe(self.rules.meeting)))]
            return [refusal("meeting_error", exc.code, exc.values)]
        return [meeting_info(view, ctx.community.zone)]


class JoinMeetingHandler(Handler):
    """报名 (现场) · 线上报名 (微协商) · 取消报名 · 签到 on the day."""

    intents = (Intent.JOIN_MEETING,)
    commands = ("签到", "取消报名", "线上报名", "报名")
    patterns = (r"(?:线上|在线|现场)?报名\s*[Mm]\d{6}", r"取消报名\s*[Mm]\d{6}")
    required_roles = frozenset({Role.RESIDENT, Role.COMMITTEE, Role.MODERATOR})

    def __init__(self, rules: ConsultationRules) -> None:
        self.rules = rules

    async def handle(self, ctx: Context) -> Sequence[Reply]:
        resident = ctx.user.resident
        assert resident is not None
        service = _service(ctx, self.rules)
        code, text, actor = find_meeting_code(ctx.text), ctx.text, ctx.user.actor
        zone = ctx.community.zone
        try:
            if text.startswith("取消报名") or "不去了" in text:
                meeting = await service.withdraw(resident, code, actor)
                return [Reply(t("meeting.withdrawn", code=meeting.code))]
            if text == "签到":
                meeting, fresh = await service.check_in(resident, code, actor)
                key = "meeting.checked_in" if fresh else "meeting.already_checked_in"
                return [Reply(t(key, code=meeting.code))]
            mode = "online" if ("线上" in text or "在线" in text or "网上" in text) else "onsite"
            meeting, outcome = await service.sign_up(resident, mode, code, actor)
        except MeetingError as exc:
            return [refusal("meeting_error", exc.code, exc.values)]
        values = {
            "code": meeting.code,
            "when": date_text(meeting.starts_at, zone),
            "place": meeting.place,
            "mode": MODE_ZH[mode],
        }
        if outcome == "same":
            return [Reply(t("meeting.same", **values))]
        if outcome == "switched":
            return [Reply(t("meeting.switched", **values))]
        return [
            Reply(
                t("meeting.signed_up_online" if mode == "online" else "meeting.signed_up", **values)
            )
        ]


_AGENDA = re.compile(
    r"议程\s*([Mm]\d{6})\s*[Tt]\s*(\d+)\s*(?:(\d+)\s*分钟?)?\s*(?:第\s*(\d+)\s*项)?"
)
_NOTE = re.compile(r"记录\s*([Mm]\d{6})\s*[Tt]\s*(\d+)\s*(.+)", re.DOTALL)
_CHECKIN = re.compile(r"签到\s*([Mm]\d{6})?\s*(\S+)")
_CREATE = re.compile(r"创建议事日\s*(?:(\d{4})\s*[-年/]\s*(\d{1,2})月?)?")
_MOVE = re.compile(r"改期\s*([Mm]\d{6})\s*(.*)", re.DOTALL)
_PLACE = re.compile(r"(?:地点|改在|地址)\s*[:：]?\s*(.+)$", re.DOTALL)
_CANCEL = re.compile(r"取消议事日\s*([Mm]\d{6})\s*(?:原因\s*[:：]?)?\s*(.*)", re.DOTALL)


def new_start(text: str, current: datetime, now: datetime, zone: ZoneInfo) -> datetime | None:
    """ "12月12日 09:30" / "12月12日" / "下午3点" → the new start; what is not said stays."""
    local_start = current.astimezone(zone)
    day = parse_date(text, now.astimezone(zone).date())
    clock = parse_time(text)
    if day is None and clock is None:
        return None
    return datetime.combine(
        day or local_start.date(), clock or local_start.time(), tzinfo=zone
    ).astimezone(UTC)


class MeetingAdminHandler(Handler):
    """The moderator's side: create by rule, agenda, 7+X invitations, 签到, notes, minutes."""

    commands = ("创建议事日",)
    patterns = (
        r"创建议事日.*",
        r"议程\s*[Mm]\d{6}.*",
        r"邀请\s*[Mm]\d{6}\s*",
        r"签到\s+\S+.*",
        r"记录\s*[Mm]\d{6}.*",
        r"发布纪要.*",
        r"改期\s*[Mm]\d{6}.*",
        r"取消议事日.*",
    )
    required_roles = frozenset({Role.MODERATOR})

    def __init__(self, rules: ConsultationRules) -> None:
        self.rules = rules

    async def handle(self, ctx: Context) -> Sequence[Reply]:
        try:
            return await self._dispatch(ctx)
        except MeetingError as exc:
            return [refusal("meeting_error", exc.code, exc.values)]

    async def _dispatch(self, ctx: Context) -> Sequence[Reply]:
        service, text, actor, zone = (
            _service(ctx, self.rules),
            ctx.text,
            ctx.user.actor,
            ctx.community.zone,
        )
        if text.startswith("创建议事日"):
            found = _CREATE.fullmatch(text.strip())
            if found is None:
                return [Reply(t("meeting.syntax_create"))]
            if found.group(1):
                meeting = await service.create(int(found.group(1)), int(found.group(2)), actor)
            else:
                meeting = await service.create_next(actor)
            return [
                Reply(
                    t(
                        "meeting.created",
                        code=meeting.code,
                        when=date_text(meeting.starts_at, zone),
                        place=meeting.place,
                        capacity=meeting.capacity,
                    )
                )
            ]
        if text.startswith("议程"):
            found = _AGENDA.fullmatch(text.strip())
            if found is None:
                return [Reply(t("meeting.syntax_agenda"))]
            code, topic_id = found.group(1).upper(), int(found.group(2))
            minutes = int(found.group(3) or 20)
            position = int(found.group(4)) if found.group(4) else None
            item = await service.add_to_agenda(code, topic_id, minutes, actor, position)
            topic = await ctx.uow.get(TopicRepository).get(topic_id)
            return [
                Reply(
                    t(
                        "meeting.agenda_set",
                        ref=topic_ref(topic_id),
                        title=topic.title if topic else "",
                        code=code,
                        position=item.position,
                        minutes=minutes,
                    )
                )
            ]
        if text.startswith("邀请"):
            code = find_meeting_code(text) or ""
            meeting = await service.get(code)
            invited = await service.invite(code, actor)
            committee = sum(1 for _, r in invited if r == "committee")
            return [
                Reply(
                    t(
                        "meeting.invited",
                        code=meeting.code,
                        count=len(invited),
                        committee=committee,
                        stakeholders=len(invited) - committee,
                    )
                )
            ]
        if text.startswith("签到"):
            found = _CHECKIN.fullmatch(text.strip())
            if found is None:
                return [Reply(t("meeting.syntax_checkin"))]
            who = await resolve_person(ctx, found.group(2))
            if isinstance(who, Reply):
                return [who]
            meeting, fresh = await service.check_in(
                who, found.group(1).upper() if found.group(1) else None, actor
            )
            if not fresh:
                return [Reply(t("meeting.already_checked_in"))]
            return [Reply(t("meeting.checked_in_other", name=who.name, code=meeting.code))]
        if text.startswith("记录"):
            found = _NOTE.fullmatch(text.strip())
            if found is None:
                return [Reply(t("meeting.syntax_note"))]
            await service.note(found.group(1).upper(), int(found.group(2)), found.group(3), actor)
            return [Reply(t("meeting.noted", ref=topic_ref(int(found.group(2)))))]
        if text.startswith("改期"):
            return await self._move(ctx, service)
        if text.startswith("取消议事日"):
            found = _CANCEL.fullmatch(text.strip())
            if found is None:
                return [Reply(t("meeting.syntax_cancel"))]
            meeting, _ = await service.cancel(found.group(1).upper(), found.group(2), actor)
            view = await service.view(meeting.code)
            return [
                Reply(
                    t(
                        "meeting.cancelled",
                        code=meeting.code,
                        when=date_text(meeting.starts_at, zone),
                        count=view.onsite + view.online,
                    )
                )
            ]
        # 发布纪要 M202612
        meeting = await service.get(find_meeting_code(text))
        await OutcomeService(ctx.uow, ctx.now).publish_minutes(meeting, actor)
        url = PUBLIC_PATH.format(code=meeting.code)
        return [Reply(t("meeting.minutes_published", url=url))]

    async def _move(self, ctx: Context, service: MeetingService) -> Sequence[Reply]:
        """改期 M202612 12月12日 09:30 [地点：…]: day and time as people write them."""
        found = _MOVE.fullmatch(ctx.text.strip())
        if found is None:
            return [Reply(t("meeting.syntax_move"))]
        code, rest = found.group(1).upper(), found.group(2)
        place_match = _PLACE.search(rest)
        place = place_match.group(1).strip() if place_match else None
        when_text = rest[: place_match.start()] if place_match else rest
        meeting = await service.get(code)
        zone = ctx.community.zone
        starts = new_start(when_text, meeting.starts_at, ctx.now, zone)
        if starts is None and not place:
            return [Reply(t("meeting.syntax_move"))]
        moved, _ = await service.move(code, starts or meeting.starts_at, place, ctx.user.actor)
        return [
            Reply(
                t(
                    "meeting.moved",
                    code=moved.code,
                    when=date_text(moved.starts_at, zone),
                    place=moved.place,
                )
            )
        ]
