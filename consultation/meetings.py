"""协商议事日: the monthly meeting by rule, its agenda, the 7+X invitations, sign-up and 签到.

:class:`MeetingEvents` is the meetings' :class:`~consultation.schedule.TimedEventSource`:
announcements to the community's groups 7 days, 1 day and 2 hours ahead, and a
reminder to everyone signed up — all derived from the meeting row, so moving a
meeting (:meth:`MeetingService.move`) moves them and cancelling it
(:meth:`MeetingService.cancel`) drops them. Each move or cancellation is
announced once, to the groups, to those signed up and to those invited (7+X).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from consultation import events as ev
from consultation.audit import audit_change
from consultation.confidentiality import for_the_record
from consultation.config import ConsultationRules
from consultation.errors import DomainError
from consultation.ids import meeting_code, topic_ref
from consultation.meeting_rule import next_occurrence, occurrence
from consultation.participation import Participant, participants
from consultation.roles import Role
from consultation.schedule import TimedEvent
from storage.meeting_changes import MeetingChange, MeetingChangeRepository
from storage.meetings import (
    ATTENDED_ONLINE,
    ATTENDED_ONSITE,
    AgendaItem,
    Meeting,
    MeetingRepository,
    MeetingSignup,
    MeetingTimes,
)
from storage.models import Resident
from storage.people import PeopleRepository
from storage.throttle import Limit, ThrottleRepository
from storage.topics import Topic, TopicRepository
from storage.unit_of_work import UnitOfWork

MODE_ZH = {"onsite": "现场", "online": "线上"}
#: A sign-up's status as the 工作台 says it: a walk-in (签到 only) is no sign-up.
SIGNUP_STATUS_ZH = {"signed": "已报名", "withdrawn": "已取消", "walk_in": "未报名"}
#: Where someone attended, once signed in.
ATTENDED_ZH = {ATTENDED_ONSITE: "现场", ATTENDED_ONLINE: "线上"}
#: The hall's sign-in code (签到码): six digits, working from an hour before the start.
HALL_CODE_DIGITS = 6
HALL_CODE_EARLY = timedelta(hours=1)
#: Wrong sign-in codes a resident may try per meeting: 5, then one every two minutes
#: (a guesser gets a few hundred of the million codes while the meeting lasts).
HALL_CODE_TRIES = "hallcode:"
HALL_CODE_LIMITS: dict[str, Limit] = {HALL_CODE_TRIES: Limit(5, 10 * 60)}


class MeetingError(DomainError):
    """A refused meeting action (``meeting_error.<code>`` in the catalogue)."""

    section = "meeting_error"


@dataclass(frozen=True, slots=True)
class MeetingView:
    """A meeting as residents see it: when, where, agenda, how many signed up."""

    meeting: Meeting
    agenda: list[tuple[AgendaItem, Topic]]
    onsite: int
    online: int

    @property
    def seats_left(self) -> int:
        return max(0, self.meeting.capacity - self.onsite)


@dataclass(frozen=True, slots=True)
class Skipped:
    """A meeting cancelled this month (or since), before the next one: 议事日是哪天
    says so first, with why, instead of silently naming the next one."""

    code: str
    starts_at: datetime
    reason: str


@dataclass(frozen=True, slots=True)
class Ahead:
    """What 议事日是哪天 answers: the next meeting (None when none is scheduled) and the
    one cancelled before it, if any."""

    view: MeetingView | None
    skipped: Skipped | None


@dataclass(frozen=True, slots=True)
class ChangePreview:
    """What 改期 or 取消议事日 will send, and to how many, shown before the moderator
    confirms: both reach every group chat at once."""

    meeting: Meeting
    starts_at: datetime
    place: str
    groups: int
    signed_up: int
    #: Those invited (邀请, 7+X) and not signed up: told privately too.
    invited: int = 0
    #: The month the meeting moves into when it is not the month its code names
    #: (M202701 moved into December), and another meeting already in that month.
    new_month: str | None = None
    clash: str | None = None
    #: Another meeting (not cancelled) that starts at the very same time, and whether
    #: it is at the same place too: the preview warns before anyone is told.
    same_time: str | None = None
    same_place: bool = False

    @property
    def stamp(self) -> str:
        """The meeting as the preview saw it (time, place, how many told): a confirmation
        made on an older preview is asked again instead of carried out."""
        seen = f"{self.meeting.starts_at.isoformat()}|{self.meeting.place}|{self.signed_up}"
        return "v" + hashlib.sha256(seen.encode()).hexdigest()[:6]


def cancel_reason(text: str) -> str:
    """The reason residents read: "原因：台风预警" and "台风预警" alike give 台风预警."""
    return re.sub(r"^(?:原因|因为)\s*[:：]?\s*", "", text.strip())[:500]


#: A meeting's status as the 工作台 and the 台账 say it.
MEETING_STATUS_ZH = {"scheduled": "待召开", "held": "已召开", "cancelled": "已取消"}


def meeting_status_zh(meeting: Meeting, now: datetime) -> str:
    """待召开 / 已召开 / 已取消: a scheduled meeting whose start has passed was held."""
    if meeting.status == "scheduled" and meeting.starts_at <= now:
        return MEETING_STATUS_ZH["held"]
    return MEETING_STATUS_ZH.get(meeting.status, meeting.status)


#: Sign-up (and the hall's sign-in code) stays open this long after the start.
SIGN_UP_LATE = timedelta(hours=4)


def sign_up_open(meeting: Meeting, now: datetime) -> bool:
    """Sign-up stays open until four hours after the start (latecomers), never for a
    cancelled meeting."""
    return meeting.status != "cancelled" and now < meeting.starts_at + SIGN_UP_LATE


class MeetingService:
    """Meetings; every state change is audited with who and when."""

    def __init__(
        self, uow: UnitOfWork, rules: ConsultationRules, zone: ZoneInfo, now: datetime
    ) -> None:
        self.uow, self.rules, self.zone, self.now = uow, rules, zone, now
        self.meetings = uow.get(MeetingRepository)
        self.people = uow.get(PeopleRepository)

    async def _audit(
        self,
        actor: str,
        action: str,
        code: str,
        before: dict[str, Any] | None = None,
        /,
        **after: object,
    ) -> None:
        await audit_change(self.uow, self.now, actor, action, "meeting", code, before, **after)

    async def create(self, year: int, month: int, actor: str) -> Meeting:
        """This month's meeting by the rule; refused when it exists."""
        starts = occurrence(self.rules.meeting, year, month, self.zone)
        code = meeting_code(starts, self.zone)
        if await self.meetings.by_code(code) is not None:
            raise MeetingError("exists", code=code)
        if starts <= self.now:
            raise MeetingError("in_past", code=code)
        meeting = await self.meetings.add(
            Meeting(
                code=code,
                starts_at=starts,
                place=self.rules.place,
                capacity=self.rules.capacity,
                created_at=self.now,
            )
        )
        await self._audit(actor, "meeting_created", code, starts_at=starts.isoformat())
        return meeting

    async def create_next(self, actor: str) -> Meeting:
        """The next meeting the rule gives after now."""
        starts = next_occurrence(self.rules.meeting, self.now, self.zone)
        local = starts.astimezone(self.zone)
        return await self.create(local.year, local.month, actor)

    async def get(self, code: str | None) -> Meeting:
        """By code, or the next one ahead (today's included) when ``code`` is None."""
        meeting = (
            await self.meetings.by_code(code) if code else await self.meetings.current(self.now)
        )
        if meeting is None:
            raise MeetingError("not_found" if code else "none_scheduled", code=code or "")
        return meeting

    async def next_ahead(self) -> Meeting | None:
        """Today's meeting or the next one, unless it was cancelled."""
        found = await self.meetings.current(self.now)
        return found if found is not None and found.status != "cancelled" else None

    async def view(self, code: str | None = None) -> MeetingView:
        """What 议事日是哪天 shows (read-only: the meeting may be a copy)."""
        meeting = await self.meetings.current_copy(self.now) if code is None else None
        if meeting is None:
            meeting = await self.get(code)
        assert meeting.id is not None
        counts = await self.meetings.signup_counts(meeting.id)
        onsite = counts.get("onsite", 0)
        return MeetingView(
            meeting, await self.meetings.agenda(meeting.id), onsite, sum(counts.values()) - onsite
        )

    async def ahead(self) -> Ahead:
        """The next meeting, and the meeting cancelled before it since this month began
        (12月的议事日已取消, 下一次是…)."""
        try:
            view: MeetingView | None = await self.view()
        except MeetingError as exc:
            if exc.code != "none_scheduled":
                raise
            view = None
        local = self.now.astimezone(self.zone)
        month_start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        until = view.meeting.starts_at if view is not None else None
        cancelled = await self.meetings.cancelled_between(month_start, until)
        if cancelled is None or cancelled.id is None:
            return Ahead(view, None)
        changes = await self.uow.get(MeetingChangeRepository).of_meeting(cancelled.id)
        reasons = [c.reason for c in changes if c.kind == "cancelled" and c.reason]
        skipped = Skipped(cancelled.code, cancelled.starts_at, reasons[-1] if reasons else "")
        return Ahead(view, skipped)

    async def add_to_agenda(
        self, code: str, topic_id: int, minutes: int, actor: str, position: int | None = None
    ) -> AgendaItem:
        """Put a qualified topic on the agenda of a meeting still ahead; its status becomes
        ``scheduled``. A topic sits on one agenda at a time; once the meeting has begun
        (its day, after its start) the agenda is fixed."""
        found = await self.get(code)
        if (
            found.status == "scheduled"
            and found.starts_at <= self.now
            and self._local_day(self.now) == self._local_day(found.starts_at)
        ):
            raise MeetingError("agenda_started", code=found.code, ref=topic_ref(topic_id))
        meeting = await self._changeable(code)
        topics = self.uow.get(TopicRepository)
        topic = await topics.get(topic_id)
        if topic is None:
            raise MeetingError("topic_not_found", ref=topic_ref(topic_id))
        if topic.status not in ("qualified", "scheduled"):
            raise MeetingError("topic_not_qualified", ref=topic_ref(topic_id))
        if topic.status == "scheduled" and topic.meeting_id not in (None, meeting.id):
            other = await self.meetings.get(topic.meeting_id or 0)
            if other is not None and other.status != "cancelled":
                raise MeetingError(
                    "topic_on_other_agenda", ref=topic_ref(topic_id), other=other.code
                )
        if not 1 <= minutes <= 240:
            raise MeetingError("bad_minutes")
        assert meeting.id is not None
        item = await self.meetings.agenda_item(meeting.id, topic_id)
        agenda = await self.meetings.agenda(meeting.id)
        if item is None:
            item = AgendaItem(meeting_id=meeting.id, topic_id=topic_id, position=len(agenda) + 1)
        item.minutes_alloc = minutes
        if position is not None:
            item.position = position
        await self.meetings.save(item)
        before = topic.status
        topic.status, topic.meeting_id, topic.updated_at = "scheduled", meeting.id, self.now
        if before == "qualified":  # why it waited (a void vote) is past once it is on one
            topic.reason = None
        await topics.save(topic)
        await audit_change(
            self.uow,
            self.now,
            actor,
            "topic_scheduled",
            "topic",
            topic_ref(topic_id),
            {"status": before},
            status="scheduled",
            meeting=meeting.code,
        )
        await self._audit(
            actor,
            "agenda_set",
            meeting.code,
            topic=topic_ref(topic_id),
            minutes=minutes,
            position=item.position,
        )
        return item

    async def invite(self, code: str, actor: str) -> list[tuple[Resident, str]]:
        """Invite the 7+X: committee (role or configured names) and each topic's stakeholders.

        Returns only the newly invited, so a second call tells no one twice.
        """
        meeting = await self.get(code)
        assert meeting.id is not None
        if meeting.status == "cancelled":
            raise MeetingError("cancelled", code=meeting.code)
        wanted: list[tuple[Resident, str]] = [
            (r, "committee") for r in await self.uow.residents.with_role(Role.COMMITTEE.value)
        ]
        for name in self.rules.committee_members:
            wanted.extend((r, "committee") for r in await self.people.by_name(name))
        for _, topic in await self.meetings.agenda(meeting.id):
            ref = topic_ref(topic.id or 0)
            proposer = await self.uow.residents.get(topic.proposer_id)
            if proposer is not None:  # first, so that is the reason they read
                wanted.append((proposer, f"proposer:{ref}"))
            for person in await self.people.in_buildings(topic.buildings):
                wanted.append((person, f"stakeholder:{ref}"))
        invited: list[tuple[Resident, str]] = []
        for person, reason in wanted:
            assert person.id is not None
            if await self.meetings.invite(meeting.id, person.id, reason):
                invited.append((person, reason))
        await self._audit(actor, "invited", meeting.code, count=len(invited))
        invitees = [(p.id, p.name, reason) for p, reason in invited if p.id is not None]
        self.uow.record(ev.MeetingInvited(meeting=meeting, invitees=invitees))
        return invited

    async def sign_up(
        self,
        resident: Resident,
        mode: str,
        code: str | None,
        actor: str,
        switch: bool = False,
        assisted_by: Resident | None = None,
    ) -> tuple[Meeting, str]:
        """Sign up, or switch mode when ``switch`` says the resident agreed to: returns the
        meeting and ``new``/``switched``/``same``, or ``ask_switch`` (signed up the other
        way; nothing changed). ``assisted_by``: a grid worker or moderator signs the
        resident up for them (代办); the resident's own sign-up makes it theirs."""
        assert resident.id is not None
        meeting = await self.get(code)
        assert meeting.id is not None
        if meeting.status == "cancelled":
            raise MeetingError("cancelled", code=meeting.code)
        if not sign_up_open(meeting, self.now):
            raise MeetingError("over", code=meeting.code)
        signup = await self.meetings.signup(meeting.id, resident.id)
        if signup is not None and signup.status == "signed" and signup.mode == mode:
            return meeting, "same"
        if signup is not None and signup.status == "signed" and not switch:
            return meeting, "ask_switch"
        if mode == "onsite":
            signed = await self.meetings.signup_counts(meeting.id)
            if signed.get("onsite", 0) >= meeting.capacity:
                raise MeetingError("full", code=meeting.code, capacity=meeting.capacity)
        outcome = "new" if signup is None or signup.status != "signed" else "switched"
        if signup is None:
            signup = MeetingSignup(meeting_id=meeting.id, resident_id=resident.id)
        signup.mode, signup.status, signup.signed_up_at = mode, "signed", self.now
        signup.assisted_by = assisted_by.id if assisted_by is not None else None
        signup.assisted_at = self.now if assisted_by is not None else None
        signup.assist_confirmed_at = None
        await self.meetings.save(signup)
        extra = {"assisted_by": signup.assisted_by} if assisted_by is not None else {}
        await self._audit(
            actor, f"signup_{outcome}", meeting.code, resident=resident.id, mode=mode, **extra
        )
        return meeting, outcome

    async def withdraw(self, resident: Resident, code: str | None, actor: str) -> Meeting:
        """取消报名. Without a code and with sign-ups for more than one meeting ahead,
        :class:`MeetingError` ``which_signup`` names them (nothing is cancelled)."""
        assert resident.id is not None
        if code is None:
            ahead = await self.meetings.signed_up_ahead(resident.id, self.now)
            if len(ahead) > 1:
                raise MeetingError("which_signup", codes="、".join(m.code for m in ahead))
            if ahead:
                code = ahead[0].code
        meeting = await self.get(code)
        assert meeting.id is not None
        signup = await self.meetings.signup(meeting.id, resident.id)
        if signup is None or signup.status != "signed":
            raise MeetingError("not_signed_up", code=meeting.code)
        signup.status = "withdrawn"
        await self.meetings.save(signup)
        await self._audit(actor, "signup_withdrawn", meeting.code, resident=resident.id)
        return meeting

    async def signups_ahead(self, resident: Resident) -> list[tuple[Meeting, str]]:
        """The meetings ahead ``resident`` is signed up for, each with how (onsite/online)."""
        assert resident.id is not None
        found = []
        for meeting in await self.meetings.signed_up_ahead(resident.id, self.now):
            signup = await self.meetings.signup(meeting.id or 0, resident.id)
            found.append((meeting, signup.mode if signup is not None else "onsite"))
        return found

    async def signup_list(self, code: str | None) -> tuple[Meeting, list[tuple[Participant, str]]]:
        """报名名单: who is signed up and how (onsite/online), those signed up by someone
        else marked."""
        meeting = await self.get(code)
        assert meeting.id is not None
        rows = await self.meetings.signups(meeting.id)
        people = await participants(self.uow, rows)
        return meeting, [(p, s.mode) for p, (s, _) in zip(people, rows, strict=True)]

    def checkin_today(self, meeting: Meeting) -> bool:
        """签到 and its code belong to the meeting's day, and to no other."""
        return self._local_day(self.now) == self._local_day(meeting.starts_at)

    def _checkin_day(self, meeting: Meeting) -> None:
        if not self.checkin_today(meeting):
            raise MeetingError("not_today", code=meeting.code)

    async def check_in(
        self, resident: Resident, code: str | None, actor: str
    ) -> tuple[Meeting, bool]:
        """签到 by the staff (the moderator's ``签到 刘大爷``, the 工作台): present in the
        hall. Walk-ins are recorded as attending, not as signed up. False when already
        signed in there."""
        assert resident.id is not None
        meeting = await self.get(code)
        assert meeting.id is not None
        self._checkin_day(meeting)
        return meeting, await self._attend(meeting, resident, ATTENDED_ONSITE, actor)

    async def check_in_self(
        self, resident: Resident, code: str | None, pin: str | None, actor: str
    ) -> tuple[Meeting, str]:
        """A resident's own 签到: with the hall's sign-in code, present in the hall
        (``onsite``); bare, signed up 线上, attending online (``online``); otherwise
        ``how`` (told how to sign in), or ``already``. A wrong or closed code raises."""
        assert resident.id is not None
        meeting = await self.get(code)
        assert meeting.id is not None
        self._checkin_day(meeting)
        if pin is not None:
            if not self.hall_code_open(meeting):
                raise MeetingError("code_closed", code=meeting.code)
            throttle = self.uow.get(ThrottleRepository)
            key = f"{HALL_CODE_TRIES}{meeting.code}:{resident.id}"
            limit = HALL_CODE_LIMITS[HALL_CODE_TRIES]
            if await throttle.take(key, limit, self.now.timestamp()) is None:
                raise MeetingError("code_tries", code=meeting.code)
            kept = meeting.checkin_code or ""
            if not kept or not hmac.compare_digest(pin.encode(), kept.encode()):
                raise MeetingError("wrong_code", code=meeting.code)
            await throttle.give_back(key, limit)  # only wrong guesses count
            fresh = await self._attend(meeting, resident, ATTENDED_ONSITE, actor)
            return meeting, ATTENDED_ONSITE if fresh else "already"
        signup = await self.meetings.signup(meeting.id, resident.id)
        if signup is not None and signup.checked_in_at is not None:
            return meeting, "already"
        if signup is None or signup.status != "signed" or signup.mode != "online":
            return meeting, "how"
        await self._attend(meeting, resident, ATTENDED_ONLINE, actor)
        return meeting, ATTENDED_ONLINE

    async def _attend(self, meeting: Meeting, resident: Resident, where: str, actor: str) -> bool:
        """Record ``resident`` attending ``where``; present in the hall outranks online.
        False when nothing changed."""
        assert meeting.id is not None and resident.id is not None
        signup = await self.meetings.signup(meeting.id, resident.id)
        if signup is None:
            signup = MeetingSignup(
                meeting_id=meeting.id, resident_id=resident.id, signed_up_at=self.now
            )
            signup.status = "walk_in"
        elif signup.status != "signed":
            signup.status = "walk_in"  # withdrawn, then came after all: no sign-up now
        if signup.checked_in_at is not None and (signup.attended_as or ATTENDED_ONSITE) in (
            where,
            ATTENDED_ONSITE,
        ):
            return False
        signup.checked_in_at, signup.attended_as = self.now, where
        await self.meetings.save(signup)
        await self._audit(actor, "checked_in", meeting.code, resident=resident.id, where=where)
        return True

    def hall_code_open(self, meeting: Meeting) -> bool:
        """The sign-in code works during the meeting only: from an hour before its start
        until sign-up closes (four hours after it)."""
        return (
            meeting.status != "cancelled"
            and meeting.starts_at - HALL_CODE_EARLY <= self.now
            and sign_up_open(meeting, self.now)
        )

    async def hall_code(self, code: str | None, actor: str) -> Meeting:
        """签到码 M202612: the code to show in the hall, made when first asked for on the
        meeting's day (the audit says it was made, never what it is)."""
        meeting = await self.get(code)
        if meeting.status == "cancelled":
            raise MeetingError("cancelled", code=meeting.code)
        self._checkin_day(meeting)
        if meeting.checkin_code is None:
            meeting.checkin_code = f"{secrets.randbelow(10**HALL_CODE_DIGITS):0{HALL_CODE_DIGITS}d}"
            await self.meetings.save(meeting)
            await self._audit(actor, "checkin_code_made", meeting.code)
        return meeting

    async def _changeable(self, code: str) -> Meeting:
        meeting = await self.get(code)
        if meeting.status == "cancelled":
            raise MeetingError("cancelled", code=meeting.code)
        if meeting.status != "scheduled" or meeting.starts_at <= self.now:
            raise MeetingError("over", code=meeting.code)
        return meeting

    async def _movable(
        self, code: str, starts_at: datetime, place: str | None
    ) -> tuple[Meeting, str]:
        meeting = await self._changeable(code)
        new_place = (place or "").strip()[:120] or meeting.place
        if starts_at <= self.now:
            raise MeetingError("move_in_past", code=meeting.code)
        if starts_at == meeting.starts_at and new_place == meeting.place:
            raise MeetingError("move_same", code=meeting.code)
        return meeting, new_place

    async def told_privately(self, meeting_id: int) -> tuple[list[int], list[int]]:
        """Who hears of a move or a cancellation in private: those signed up, and those
        invited (7+X) who are not — nobody twice."""
        signed = [p.id for _, p in await self.meetings.signups(meeting_id) if p.id is not None]
        invited = [
            p.id
            for _, p in await self.meetings.invites(meeting_id)
            if p.id is not None and p.id not in signed
        ]
        return signed, invited

    async def _preview(self, meeting: Meeting, starts_at: datetime, place: str) -> ChangePreview:
        assert meeting.id is not None
        signed, invited = await self.told_privately(meeting.id)
        signed_up = len(signed)
        groups = len(self.rules.group_chats())
        local = starts_at.astimezone(self.zone)
        together = await self.meetings.at_time(starts_at, besides=meeting.id)
        same_place = [m for m in together if m.place == place]
        others = same_place or list(together)
        same_time = others[0].code if others else None
        new_month = clash = None
        if meeting_code(starts_at, self.zone) != meeting.code:  # it leaves its own month
            new_month = f"{local.year}年{local.month}月"
            there = await self.meetings.by_code(meeting_code(starts_at, self.zone))
            clash = there.code if there is not None and there.status != "cancelled" else None
        return ChangePreview(
            meeting,
            starts_at,
            place,
            groups,
            signed_up,
            invited=len(invited),
            new_month=new_month,
            clash=clash,
            same_time=same_time,
            same_place=bool(same_place),
        )

    async def preview_move(
        self, code: str, starts_at: datetime, place: str | None
    ) -> ChangePreview:
        """What :meth:`move` would announce, checked as it would be, changing nothing."""
        meeting, new_place = await self._movable(code, starts_at, place)
        return await self._preview(meeting, starts_at, new_place)

    async def preview_cancel(self, code: str, reason: str) -> ChangePreview:
        """What :meth:`cancel` would announce, checked as it would be, changing nothing."""
        meeting = await self._changeable(code)
        if not cancel_reason(reason):
            raise MeetingError("reason_required", code=meeting.code)
        return await self._preview(meeting, meeting.starts_at, meeting.place)

    async def move(
        self, code: str, starts_at: datetime, place: str | None, actor: str
    ) -> tuple[Meeting, MeetingChange]:
        """改期: a new time (and/or place). Its announcements follow; the change is announced."""
        meeting, new_place = await self._movable(code, starts_at, place)
        assert meeting.id is not None
        change = await self._record_change(meeting, "moved", actor, starts_at, new_place)
        before = {"starts_at": meeting.starts_at.isoformat(), "place": meeting.place}
        meeting.starts_at, meeting.place = starts_at, new_place
        await self.meetings.save(meeting)
        await self._audit(
            actor,
            "meeting_moved",
            meeting.code,
            before,
            starts_at=starts_at.isoformat(),
            place=new_place,
        )
        return meeting, change

    async def _record_change(
        self,
        meeting: Meeting,
        kind: str,
        actor: str,
        new_starts_at: datetime,
        new_place: str,
        reason: str | None = None,
    ) -> MeetingChange:
        """The change from the meeting as it stands; residents hear of it until it starts."""
        assert meeting.id is not None
        return await self.uow.get(MeetingChangeRepository).add(
            MeetingChange(
                meeting_id=meeting.id,
                kind=kind,
                at=self.now,
                actor=actor,
                old_starts_at=meeting.starts_at,
                new_starts_at=new_starts_at,
                old_place=meeting.place,
                new_place=new_place,
                reason=reason,
                notice_until=new_starts_at,
            )
        )

    async def cancel(self, code: str, reason: str, actor: str) -> tuple[Meeting, MeetingChange]:
        """取消: with a reason residents are told; announcements stop, the cancellation goes out."""
        meeting = await self._changeable(code)
        assert meeting.id is not None
        reason = cancel_reason(reason)
        if not reason:
            raise MeetingError("reason_required", code=meeting.code)
        change = await self._record_change(
            meeting, "cancelled", actor, meeting.starts_at, meeting.place, reason
        )
        meeting.status = "cancelled"
        await self.meetings.save(meeting)
        await self._audit(
            actor,
            "meeting_cancelled",
            meeting.code,
            {"status": "scheduled"},
            status="cancelled",
            reason=reason,
        )
        return meeting, change

    def _local_day(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()

    def day_come(self, meeting: Meeting) -> bool:
        """Whether what happens at a meeting may be done yet: its day has come on the
        community's clock. 签到 and 记录 follow it (记录 also after the day, for notes
        written up later); 发布纪要, the last of them, waits for the start itself."""
        return self._local_day(self.now) >= self._local_day(meeting.starts_at)

    async def note(self, code: str, topic_id: int, text: str, actor: str) -> AgendaItem:
        """The moderator's discussion notes for an agenda item (appended), from the
        meeting's day on — not ahead of it, when there is nothing discussed to note. Kept
        with phone and ID numbers masked: they are published (:func:`for_the_record`)."""
        meeting = await self.get(code)
        assert meeting.id is not None
        if meeting.status == "cancelled":
            raise MeetingError("cancelled", code=meeting.code)
        if not self.day_come(meeting):
            raise MeetingError("notes_too_early", code=meeting.code)
        item = await self.meetings.agenda_item(meeting.id, topic_id)
        if item is None:
            raise MeetingError("not_on_agenda", ref=topic_ref(topic_id), code=meeting.code)
        item.notes = (item.notes + "\n" + for_the_record(text.strip())).strip()[:4000]
        await self.meetings.save(item)
        await self._audit(actor, "notes_added", meeting.code, topic=topic_ref(topic_id))
        return item


def _hours_label(hours: int) -> str:
    return f"{hours // 24}d" if hours % 24 == 0 else f"{hours}h"


class MeetingEvents:
    """Announcements to the groups and reminders to those signed up, derived from ``meetings``.

    Keys carry the meeting's local date (``meeting.announce:M202612:20261205:7d``):
    moving it within the day keeps them, so what was sent is not sent again and
    what is still ahead goes out at the new time; moving it to another day gives
    new keys, so the 7d/1d/2h rhythm starts again for the new date. Either way,
    slots already past when the meeting was moved are left out — the one change
    notice (``meeting.moved:M202612:<change>``) tells everyone instead.
    """

    kinds: tuple[str, ...] = (
        "meeting.announce",
        "meeting.remind",
        "meeting.moved",
        "meeting.cancelled",
    )

    def __init__(self, rules: ConsultationRules, zone: ZoneInfo) -> None:
        self.rules, self.zone = rules, zone

    def slots(
        self, meeting: Meeting | MeetingTimes, moved_at: datetime | None = None
    ) -> list[TimedEvent]:
        """Every announcement and the reminder of one meeting at its current time."""
        day = f"{meeting.starts_at.astimezone(self.zone):%Y%m%d}"
        events = [
            TimedEvent(
                key=f"meeting.announce:{meeting.code}:{day}:{_hours_label(hours)}",
                kind="meeting.announce",
                ref=meeting.code,
                due_at=meeting.starts_at - timedelta(hours=hours),
                stale_at=meeting.starts_at,
                data={"hours": hours, "starts_at": meeting.starts_at.isoformat()},
            )
            for hours in self.rules.announce_before_hours
        ]
        events.append(
            TimedEvent(
                key=f"meeting.remind:{meeting.code}:{day}",
                kind="meeting.remind",
                ref=meeting.code,
                due_at=meeting.starts_at - timedelta(hours=self.rules.remind_before_hours),
                stale_at=meeting.starts_at,
                data={"starts_at": meeting.starts_at.isoformat()},
            )
        )
        if moved_at is not None:
            return [e for e in events if e.due_at >= moved_at]
        return self._from_creation(events, meeting.created_at)

    @staticmethod
    def _from_creation(events: list[TimedEvent], created_at: datetime) -> list[TimedEvent]:
        """A meeting set up after some of its slots had passed (three days ahead: past its
        7-day announcement) was not missed: the latest of those announcements goes out
        when it is created, on time, and the earlier slots are left out."""
        ahead = [e for e in events if e.due_at >= created_at]
        passed = [e for e in events if e.due_at < created_at and e.kind == "meeting.announce"]
        if passed:
            latest = max(passed, key=lambda e: e.due_at)
            ahead.insert(0, replace(latest, due_at=created_at))
        return ahead

    @staticmethod
    def change_event(change: MeetingChange, meeting: Meeting) -> TimedEvent:
        return TimedEvent(
            key=f"meeting.{change.kind}:{meeting.code}:{change.id}",
            kind=f"meeting.{change.kind}",
            ref=meeting.code,
            due_at=change.at,
            stale_at=change.notice_until,
            data={"change": change.id},
        )

    async def upcoming(
        self, uow: UnitOfWork, now: datetime, horizon: timedelta
    ) -> list[TimedEvent]:
        # Every meeting whose earliest slot can fall in the horizon, however many there are.
        ahead = timedelta(
            hours=max((*self.rules.announce_before_hours, self.rules.remind_before_hours))
        )
        changes = uow.get(MeetingChangeRepository)
        events: list[TimedEvent] = []
        pages = uow.get(MeetingRepository).starting_between(now, now + horizon + ahead)
        async for meetings in pages:  # a page at a time: the event loop answers in between
            latest = await changes.latest([m.id for m in meetings])
            for times in meetings:
                change = latest.get(times.id)
                moved_at = change.at if change is not None and change.kind == "moved" else None
                events.extend(e for e in self.slots(times, moved_at) if e.due_at <= now + horizon)
            await uow.between_pages()
        for change, meeting in await changes.to_announce(now):
            events.append(self.change_event(change, meeting))
        return sorted(events, key=lambda e: e.due_at)

    async def fire(self, uow: UnitOfWork, event: TimedEvent, now: datetime, late: bool) -> None:
        service = MeetingService(uow, self.rules, self.zone, now)
        try:
            view = await service.view(event.ref)
        except MeetingError:
            return
        meeting = view.meeting
        if event.kind in ("meeting.announce", "meeting.remind") and (
            meeting.status != "scheduled"
            or event.data.get("starts_at") != meeting.starts_at.isoformat()
        ):
            return  # moved or cancelled since this event was read: its successor speaks
        if event.kind == "meeting.announce":
            uow.record(ev.MeetingAnnounced(view=view, timed_key=event.key, late=late))
        elif event.kind == "meeting.remind":
            assert meeting.id is not None
            signups = await uow.get(MeetingRepository).signups(meeting.id)
            modes = {p.id: MODE_ZH[s.mode] for s, p in signups if p.id is not None}
            uow.record(
                ev.MeetingReminderDue(view=view, modes=modes, timed_key=event.key, late=late)
            )
        else:
            change = next(
                (
                    c
                    for c in await uow.get(MeetingChangeRepository).of_meeting(meeting.id or 0)
                    if c.id == event.data.get("change")
                ),
                None,
            )
            if change is None or change.id is None:
                return
            assert meeting.id is not None
            signed_up, invited = await service.told_privately(meeting.id)
            if change.kind == "cancelled":
                uow.record(
                    ev.MeetingCancelled(
                        view=view,
                        change_id=change.id,
                        reason=change.reason or "",
                        signed_up=signed_up,
                        invited=invited,
                        late=late,
                    )
                )
            else:
                uow.record(
                    ev.MeetingMoved(
                        view=view,
                        change_id=change.id,
                        old_when=change.old_starts_at,
                        old_place=change.old_place,
                        signed_up=signed_up,
                        invited=invited,
                        late=late,
                    )
                )
        await audit_change(
            uow, now, "scheduler", event.kind, "meeting", meeting.code, key=event.key, late=late
        )
