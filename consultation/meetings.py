"""协商议事日: the monthly meeting by rule, its agenda, the 7+X invitations, sign-up and 签到.

:class:`MeetingEvents` is the meetings' :class:`~consultation.schedule.TimedEventSource`:
announcements to the community's groups 7 days, 1 day and 2 hours ahead, and a
reminder to everyone signed up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from consultation.config import ConsultationRules
from consultation.ids import meeting_code, topic_ref
from consultation.meeting_rule import next_occurrence, occurrence
from consultation.notices import Notice, Renderer, push_to_residents
from consultation.roles import Role
from consultation.schedule import TimedEvent
from storage.deliberation import (
    AgendaItem,
    Meeting,
    MeetingRepository,
    MeetingSignup,
    PeopleRepository,
    Topic,
    TopicRepository,
)
from storage.models import Resident
from storage.unit_of_work import UnitOfWork

MODE_ZH = {"onsite": "现场", "online": "线上"}


class MeetingError(Exception):
    """A refused meeting action; ``code`` maps to a catalogue sentence."""

    def __init__(self, code: str, /, **values: object) -> None:
        super().__init__(code)
        self.code = code
        self.values = values


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


class MeetingService:
    """Meetings; every state change is audited with who and when."""

    def __init__(
        self, uow: UnitOfWork, rules: ConsultationRules, zone: ZoneInfo, now: datetime
    ) -> None:
        self.uow, self.rules, self.zone, self.now = uow, rules, zone, now
        self.meetings = uow.get(MeetingRepository)
        self.people = uow.get(PeopleRepository)

    async def _audit(self, actor: str, action: str, code: str, **after: object) -> None:
        await self.uow.audit.record(
            actor, action, "meeting", code, None, {"at": self.now.isoformat(), **after}
        )

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

    async def view(self, code: str | None = None) -> MeetingView:
        meeting = await self.get(code)
        assert meeting.id is not None
        signups = await self.meetings.signups(meeting.id)
        onsite = sum(1 for s, _ in signups if s.mode == "onsite")
        return MeetingView(
            meeting, await self.meetings.agenda(meeting.id), onsite, len(signups) - onsite
        )

    async def add_to_agenda(
        self, code: str, topic_id: int, minutes: int, actor: str, position: int | None = None
    ) -> AgendaItem:
        """Put a qualified topic on the agenda; its status becomes ``scheduled``."""
        meeting = await self.get(code)
        topics = self.uow.get(TopicRepository)
        topic = await topics.get(topic_id)
        if topic is None:
            raise MeetingError("topic_not_found", ref=topic_ref(topic_id))
        if topic.status not in ("qualified", "scheduled"):
            raise MeetingError("topic_not_qualified", ref=topic_ref(topic_id))
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
        await topics.save(topic)
        await self.uow.audit.record(
            actor,
            "topic_scheduled",
            "topic",
            topic_ref(topic_id),
            {"status": before},
            {"status": "scheduled", "meeting": meeting.code, "at": self.now.isoformat()},
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
        wanted: list[tuple[Resident, str]] = [
            (r, "committee") for r in await self.people.with_role(Role.COMMITTEE.value)
        ]
        for name in self.rules.committee_members:
            wanted.extend((r, "committee") for r in await self.people.by_name(name))
        for _, topic in await self.meetings.agenda(meeting.id):
            for person in await self.people.in_buildings(topic.buildings):
                wanted.append((person, f"stakeholder:{topic_ref(topic.id or 0)}"))
        invited: list[tuple[Resident, str]] = []
        for person, reason in wanted:
            assert person.id is not None
            if await self.meetings.invite(meeting.id, person.id, reason):
                invited.append((person, reason))
        await self._audit(actor, "invited", meeting.code, count=len(invited))
        return invited

    async def sign_up(
        self, resident: Resident, mode: str, code: str | None, actor: str
    ) -> tuple[Meeting, str]:
        """Sign up (or switch mode): returns the meeting and ``new``/``switched``/``same``."""
        assert resident.id is not None
        meeting = await self.get(code)
        assert meeting.id is not None
        if meeting.starts_at + timedelta(hours=4) <= self.now:
            raise MeetingError("over", code=meeting.code)
        signup = await self.meetings.signup(meeting.id, resident.id)
        if signup is not None and signup.status == "signed" and signup.mode == mode:
            return meeting, "same"
        if mode == "onsite" and await self.meetings.count_onsite(meeting.id) >= meeting.capacity:
            raise MeetingError("full", code=meeting.code, capacity=meeting.capacity)
        outcome = "new" if signup is None or signup.status != "signed" else "switched"
        if signup is None:
            signup = MeetingSignup(meeting_id=meeting.id, resident_id=resident.id)
        signup.mode, signup.status, signup.signed_up_at = mode, "signed", self.now
        await self.meetings.save(signup)
        await self._audit(actor, f"signup_{outcome}", meeting.code, resident=resident.id, mode=mode)
        return meeting, outcome

    async def withdraw(self, resident: Resident, code: str | None, actor: str) -> Meeting:
        assert resident.id is not None
        meeting = await self.get(code)
        assert meeting.id is not None
        signup = await self.meetings.signup(meeting.id, resident.id)
        if signup is None or signup.status != "signed":
            raise MeetingError("not_signed_up", code=meeting.code)
        signup.status = "withdrawn"
        await self.meetings.save(signup)
        await self._audit(actor, "signup_withdrawn", meeting.code, resident=resident.id)
        return meeting

    async def check_in(
        self, resident: Resident, code: str | None, actor: str
    ) -> tuple[Meeting, bool]:
        """签到 on the day; walk-ins are signed up on the spot. False when already signed in."""
        assert resident.id is not None
        meeting = await self.get(code)
        assert meeting.id is not None
        local_day = meeting.starts_at.astimezone(self.zone).date()
        if self.now.astimezone(self.zone).date() != local_day:
            raise MeetingError("not_today", code=meeting.code)
        signup = await self.meetings.signup(meeting.id, resident.id)
        if signup is None:
            signup = MeetingSignup(
                meeting_id=meeting.id, resident_id=resident.id, signed_up_at=self.now
            )
        if signup.checked_in_at is not None:
            return meeting, False
        signup.status, signup.checked_in_at = "signed", self.now
        await self.meetings.save(signup)
        await self._audit(actor, "checked_in", meeting.code, resident=resident.id)
        return meeting, True

    async def note(self, code: str, topic_id: int, text: str, actor: str) -> AgendaItem:
        """The moderator's discussion notes for an agenda item (appended)."""
        meeting = await self.get(code)
        assert meeting.id is not None
        item = await self.meetings.agenda_item(meeting.id, topic_id)
        if item is None:
            raise MeetingError("not_on_agenda", ref=topic_ref(topic_id), code=meeting.code)
        item.notes = (item.notes + "\n" + text.strip()).strip()[:4000]
        await self.meetings.save(item)
        await self._audit(actor, "notes_added", meeting.code, topic=topic_ref(topic_id))
        return item


def _hours_label(hours: int) -> str:
    return f"{hours // 24}d" if hours % 24 == 0 else f"{hours}h"


class MeetingEvents:
    """Announcements to the groups and reminders to those signed up, derived from ``meetings``."""

    kinds: tuple[str, ...] = ("meeting.announce", "meeting.remind")

    def __init__(self, rules: ConsultationRules, zone: ZoneInfo, render: Renderer) -> None:
        self.rules, self.zone, self.render = rules, zone, render

    async def upcoming(
        self, uow: UnitOfWork, now: datetime, horizon: timedelta
    ) -> list[TimedEvent]:
        events: list[TimedEvent] = []
        for meeting in await uow.get(MeetingRepository).upcoming(now, limit=12):
            for hours in self.rules.announce_before_hours:
                due = meeting.starts_at - timedelta(hours=hours)
                if due <= now + horizon:
                    events.append(
                        TimedEvent(
                            key=f"meeting.announce:{meeting.code}:{_hours_label(hours)}",
                            kind="meeting.announce",
                            ref=meeting.code,
                            due_at=due,
                            stale_at=meeting.starts_at,
                            data={"hours": hours},
                        )
                    )
            due = meeting.starts_at - timedelta(hours=self.rules.remind_before_hours)
            if due <= now + horizon:
                events.append(
                    TimedEvent(
                        key=f"meeting.remind:{meeting.code}",
                        kind="meeting.remind",
                        ref=meeting.code,
                        due_at=due,
                        stale_at=meeting.starts_at,
                    )
                )
        return sorted(events, key=lambda e: e.due_at)

    async def fire(self, uow: UnitOfWork, event: TimedEvent, now: datetime, late: bool) -> None:
        service = MeetingService(uow, self.rules, self.zone, now)
        try:
            view = await service.view(event.ref)
        except MeetingError:
            return
        meeting = view.meeting
        local = meeting.starts_at.astimezone(self.zone)
        values: dict[str, object] = {
            "code": meeting.code,
            "when": f"{local:%m月%d日 %H:%M}",
            "place": meeting.place,
            "agenda": "；".join(f"{topic_ref(t.id or 0)} {t.title}" for _, t in view.agenda)
            or "待定",
            "seats": view.seats_left,
            "late": late,
        }
        if event.kind == "meeting.announce":
            payload = self.render(
                Notice(
                    "announce",
                    values,
                    (
                        ("button_onsite", f"报名 {meeting.code}"),
                        ("button_online", f"线上报名 {meeting.code}"),
                    ),
                )
            )
            for platform, chat in self.rules.group_chats():
                await uow.pushes.enqueue(platform, chat, payload, f"{event.key}:{platform}:{chat}")
        else:
            assert meeting.id is not None
            signups = await uow.get(MeetingRepository).signups(meeting.id)
            for signup, person in signups:
                assert person.id is not None
                payload = self.render(Notice("remind", {**values, "mode": MODE_ZH[signup.mode]}))
                await push_to_residents(uow, [person.id], payload, event.key)
        await uow.audit.record(
            "scheduler",
            event.kind,
            "meeting",
            meeting.code,
            None,
            {"key": event.key, "late": late, "at": now.isoformat()},
        )
