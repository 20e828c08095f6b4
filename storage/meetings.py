"""Meetings of the consultation day: agendas, invitations (7+X), sign-ups and attendance."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import UniqueConstraint, bindparam, func
from sqlalchemy import select as sa_select
from sqlmodel import Field, col, select

from storage.exports import Row, Rules, Units, in_pages, last_id, register_paged
from storage.models import Resident
from storage.readonly import columns_of, copy_of, fetch_all
from storage.repository import TableRepository
from storage.topics import Topic
from storage.types import Keyed, iso, utc_field, utcnow
from storage.unit_of_work import UnitOfWork


class Meeting(Keyed, table=True):
    """A 协商议事日, ``code`` like M202612."""

    __tablename__ = "meetings"
    code: str = Field(unique=True, max_length=16)
    starts_at: datetime = utc_field(index=True)
    place: str = Field(max_length=120)
    capacity: int = Field(default=60)
    status: str = Field(default="scheduled", max_length=16)
    minutes_published_at: datetime | None = utc_field(nullable=True)
    created_at: datetime = utc_field()
    #: The sign-in code shown in the hall (签到码): a resident's own 签到 with it counts as
    #: present. Made on the meeting's day when first asked for; never logged.
    checkin_code: str | None = Field(default=None, max_length=8)


@dataclass(frozen=True, slots=True)
class MeetingTimes:
    """What a meeting's timed slots are computed from, as the scheduler reads them: plain
    values, no ORM state (whose reference cycles kept the garbage collector busy)."""

    id: int
    code: str
    starts_at: datetime
    created_at: datetime


class AgendaItem(Keyed, table=True):
    """A topic on a meeting's agenda, with its slot and the moderator's discussion notes."""

    __tablename__ = "agenda_items"
    __table_args__ = (UniqueConstraint("meeting_id", "topic_id"),)
    meeting_id: int = Field(foreign_key="meetings.id", index=True)
    topic_id: int = Field(foreign_key="topics.id")
    position: int = Field(default=1)
    minutes_alloc: int = Field(default=20)
    notes: str = Field(default="", max_length=4000)


class MeetingInvite(Keyed, table=True):
    """An invitation of the 7+X: ``reason`` is ``committee`` or ``stakeholder:T12``."""

    __tablename__ = "meeting_invites"
    __table_args__ = (UniqueConstraint("meeting_id", "resident_id"),)
    meeting_id: int = Field(foreign_key="meetings.id", index=True)
    resident_id: int = Field(foreign_key="residents.id")
    reason: str = Field(max_length=40)
    created_at: datetime = utc_field()


#: How someone took part, once signed in: in the hall (confirmed by the staff or the
#: hall's sign-in code) or online (signed up 线上, signed in from wherever they are).
ATTENDED_ONSITE, ATTENDED_ONLINE = "onsite", "online"


class MeetingSignup(Keyed, table=True):
    """A resident's sign-up (现场 onsite / 线上 online), withdrawal and 签到.

    ``status`` is ``signed``, ``withdrawn``, or ``walk_in``: signed in without being
    signed up (the row exists for the attendance only; it is no sign-up)."""

    __tablename__ = "meeting_signups"
    __table_args__ = (UniqueConstraint("meeting_id", "resident_id"),)
    meeting_id: int = Field(foreign_key="meetings.id", index=True)
    resident_id: int = Field(foreign_key="residents.id")
    mode: str = Field(default="onsite", max_length=8)
    status: str = Field(default="signed", max_length=12)
    signed_up_at: datetime = utc_field()
    checked_in_at: datetime | None = utc_field(nullable=True)
    #: Where they attended (:data:`ATTENDED_ONSITE` / :data:`ATTENDED_ONLINE`), with
    #: ``checked_in_at``.
    attended_as: str | None = Field(default=None, max_length=8)
    #: 代办: who signed the resident up for them, when, and when the resident confirmed.
    assisted_by: int | None = Field(default=None)
    assisted_at: datetime | None = utc_field(nullable=True)
    assist_confirmed_at: datetime | None = utc_field(nullable=True)


# The consultation-day view (议事日是哪天) is among the most asked questions; its
# statements are built once (building a SELECT costs more than SQLite running it).


@cache
def _current_meeting(copy: bool = False) -> Any:
    columns = columns_of(Meeting, "m_") if copy else [Meeting]
    return (
        select(*columns)
        # A meeting whose minutes are out (held) is over, however recent: 下次 is the next.
        .where(
            col(Meeting.starts_at) >= bindparam("since"),
            col(Meeting.status) != "cancelled",
            col(Meeting.status) != "held",
        )
        .order_by(col(Meeting.starts_at))
        .limit(1)
    )


@cache
def _agenda() -> Any:
    return (
        sa_select(*columns_of(AgendaItem, "a_"), *columns_of(Topic, "t_"))
        .join_from(AgendaItem, Topic, col(Topic.id) == col(AgendaItem.topic_id))
        .where(col(AgendaItem.meeting_id) == bindparam("meeting_id"))
        .order_by(col(AgendaItem.position), col(AgendaItem.id))
    )


@cache
def _signups(by_status: bool) -> Any:
    stmt = (
        select(MeetingSignup, Resident)
        .join(Resident, col(Resident.id) == col(MeetingSignup.resident_id))
        .where(col(MeetingSignup.meeting_id) == bindparam("meeting_id"))
        .order_by(col(MeetingSignup.id))
    )
    return stmt.where(col(MeetingSignup.status) == bindparam("status")) if by_status else stmt


@cache
def _signup_counts() -> Any:
    return (
        sa_select(col(MeetingSignup.mode).label("mode"), func.count().label("n"))
        .where(
            col(MeetingSignup.meeting_id) == bindparam("meeting_id"),
            col(MeetingSignup.status) == "signed",
        )
        .group_by(col(MeetingSignup.mode))
    )


class MeetingRepository(TableRepository[Meeting]):
    """Meetings, agendas, invitations, sign-ups and attendance."""

    table = Meeting

    async def by_code(self, code: str) -> Meeting | None:
        return await self._first(Meeting, code=code)

    async def upcoming(self, now: datetime, limit: int = 3) -> Sequence[Meeting]:
        stmt = (
            select(Meeting)
            .where(col(Meeting.starts_at) >= now, Meeting.status == "scheduled")
            .order_by(col(Meeting.starts_at))
            .limit(limit)
        )
        return (await self.session.exec(stmt)).all()

    async def cancelled_between(self, start: datetime, end: datetime | None) -> Meeting | None:
        """The latest cancelled meeting that was to start in [start, end) (no end: any
        time from ``start``)."""
        stmt = select(Meeting).where(col(Meeting.starts_at) >= start, Meeting.status == "cancelled")
        if end is not None:
            stmt = stmt.where(col(Meeting.starts_at) < end)
        stmt = stmt.order_by(col(Meeting.starts_at).desc()).limit(1)
        found: Meeting | None = (await self.session.exec(stmt)).first()
        return found

    async def at_time(self, starts_at: datetime, besides: int) -> Sequence[Meeting]:
        """Meetings not cancelled that start exactly at ``starts_at``, other than ``besides``."""
        stmt = select(Meeting).where(
            col(Meeting.starts_at) == starts_at,
            Meeting.status != "cancelled",
            col(Meeting.id) != besides,
        )
        return (await self.session.exec(stmt.order_by(col(Meeting.id)))).all()

    async def starting_between(
        self, start: datetime, end: datetime, *, page: int = 40
    ) -> AsyncIterator[Sequence[MeetingTimes]]:
        """Scheduled meetings starting in [start, end), ``page`` at a time (the
        scheduler's rebuild lets the event loop run between pages), as
        :class:`MeetingTimes`."""
        after = 0
        while True:
            stmt = (
                sa_select(*(getattr(Meeting, name) for name in MeetingTimes.__slots__))
                .where(
                    col(Meeting.starts_at) >= start,
                    col(Meeting.starts_at) < end,
                    col(Meeting.status) == "scheduled",
                    col(Meeting.id) > after,
                )
                .order_by(col(Meeting.id))
                .limit(page)
            )
            rows = [MeetingTimes(*row) for row in (await self.session.execute(stmt)).all()]
            if rows:
                yield rows
            if len(rows) < page:
                return
            after = rows[-1].id

    async def current(self, now: datetime, window_hours: float = 12) -> Meeting | None:
        """The meeting today (started within ``window_hours`` or the next one coming)."""
        since = now - timedelta(hours=window_hours)
        found: Meeting | None = (
            await self.session.exec(_current_meeting(), params={"since": since})
        ).first()
        return found

    async def current_copy(self, now: datetime, window_hours: float = 12) -> Meeting | None:
        """:meth:`current` as a read-only copy (see storage.readonly), for display."""
        since = now - timedelta(hours=window_hours)
        rows = await fetch_all(self.session, _current_meeting(copy=True), {"since": since})
        return copy_of(Meeting, rows[0], "m_") if rows else None

    async def all(self) -> Sequence[Meeting]:
        """Every meeting, the earliest first."""
        return await self._rows(Meeting, order=col(Meeting.starts_at))

    async def agenda(self, meeting_id: int) -> list[tuple[AgendaItem, Topic]]:
        """The agenda in order, as read-only copies (see storage.readonly)."""
        rows = await fetch_all(self.session, _agenda(), {"meeting_id": meeting_id})
        return [(copy_of(AgendaItem, r, "a_"), copy_of(Topic, r, "t_")) for r in rows]

    async def agenda_item(self, meeting_id: int, topic_id: int) -> AgendaItem | None:
        return await self._first(AgendaItem, meeting_id=meeting_id, topic_id=topic_id)

    async def invite(self, meeting_id: int, resident_id: int, reason: str) -> bool:
        return await self._add_new(
            MeetingInvite(
                meeting_id=meeting_id, resident_id=resident_id, reason=reason, created_at=utcnow()
            )
        )

    async def invites(self, meeting_id: int) -> list[tuple[MeetingInvite, Resident]]:
        return await self._with_residents(MeetingInvite, meeting_id=meeting_id)

    async def signup(self, meeting_id: int, resident_id: int) -> MeetingSignup | None:
        return await self._first(MeetingSignup, meeting_id=meeting_id, resident_id=resident_id)

    async def awaiting_word_of(
        self, resident_id: int, now: datetime
    ) -> list[tuple[MeetingSignup, Meeting]]:
        """The 代办 sign-ups made for this resident, for meetings not yet begun (nor
        cancelled), that they have not confirmed, oldest 代办 first."""
        stmt = (
            select(MeetingSignup, Meeting)
            .join(Meeting, col(Meeting.id) == col(MeetingSignup.meeting_id))
            .where(
                MeetingSignup.resident_id == resident_id,
                MeetingSignup.status == "signed",
                col(MeetingSignup.assisted_by).is_not(None),
                col(MeetingSignup.assist_confirmed_at).is_(None),
                col(Meeting.starts_at) > now,
                Meeting.status != "cancelled",
            )
            .order_by(col(MeetingSignup.assisted_at), col(MeetingSignup.id))
        )
        return [(s, m) for s, m in (await self.session.exec(stmt)).all()]

    async def signed_up_ahead(self, resident_id: int, now: datetime) -> Sequence[Meeting]:
        """The meetings not yet begun (nor cancelled) this resident is signed up for."""
        stmt = (
            select(Meeting)
            .join(MeetingSignup, col(MeetingSignup.meeting_id) == col(Meeting.id))
            .where(
                MeetingSignup.resident_id == resident_id,
                MeetingSignup.status == "signed",
                col(Meeting.starts_at) > now,
                Meeting.status != "cancelled",
            )
            .order_by(col(Meeting.starts_at))
        )
        return (await self.session.exec(stmt)).all()

    async def signups(
        self, meeting_id: int, status: str | None = "signed"
    ) -> list[tuple[MeetingSignup, Resident]]:
        params = {"meeting_id": meeting_id, "status": status}
        rows = await self.session.exec(_signups(status is not None), params=params)
        return [(s, r) for s, r in rows.all()]

    async def signup_counts(self, meeting_id: int) -> dict[str, int]:
        """Signed-up people by mode ({"onsite": n, "online": m}): one aggregate, no rows."""
        rows = await fetch_all(self.session, _signup_counts(), {"meeting_id": meeting_id})
        return {str(r["mode"]): int(r["n"]) for r in rows}

    async def attendees(self, meeting_id: int, *, hall_only: bool = False) -> list[int]:
        """Those signed in at the meeting; ``hall_only``: those present in the hall."""
        stmt = select(MeetingSignup.resident_id).where(
            MeetingSignup.meeting_id == meeting_id, col(MeetingSignup.checked_in_at).is_not(None)
        )
        if hall_only:
            stmt = stmt.where(MeetingSignup.attended_as == ATTENDED_ONSITE)
        return list((await self.session.exec(stmt)).all())


async def _meeting_page(uow: UnitOfWork, after: int, size: int) -> tuple[list[Row], int | None]:
    """A page of meetings with their agendas and sign-up counts: three queries."""
    stmt = select(Meeting).where(col(Meeting.id) > after).order_by(col(Meeting.id)).limit(size)
    meetings = (await uow.session.exec(stmt)).all()
    ids = [m.id for m in meetings if m.id is not None]
    agendas: dict[int, list[str]] = {i: [] for i in ids}
    counts: dict[int, dict[str, int]] = {
        i: {"onsite": 0, "online": 0, "attended": 0, "attended_online": 0, "assisted": 0}
        for i in ids
    }
    if ids:
        items = (
            select(AgendaItem.meeting_id, AgendaItem.topic_id)
            .where(col(AgendaItem.meeting_id).in_(ids))
            .order_by(col(AgendaItem.meeting_id), col(AgendaItem.position), col(AgendaItem.id))
        )
        for meeting_id, topic_id in (await uow.session.exec(items)).all():
            agendas[meeting_id].append(f"T{topic_id}")
        where = col(MeetingSignup.attended_as)
        assisted = col(MeetingSignup.assisted_by).is_not(None)
        tally = (
            sa_select(
                col(MeetingSignup.meeting_id),
                col(MeetingSignup.mode),
                col(MeetingSignup.status),
                where,
                assisted,
                func.count(),
            )
            .where(col(MeetingSignup.meeting_id).in_(ids))
            .group_by(
                col(MeetingSignup.meeting_id),
                col(MeetingSignup.mode),
                col(MeetingSignup.status),
                where,
                assisted,
            )
        )
        grouped = (await uow.session.execute(tally)).all()
        for meeting_id, mode, status, attended, by_other, n in grouped:
            if status == "signed" and mode in ("onsite", "online"):
                counts[meeting_id][mode] += int(n)
                if by_other:
                    counts[meeting_id]["assisted"] += int(n)
            if attended == ATTENDED_ONSITE:
                counts[meeting_id]["attended"] += int(n)
            elif attended == ATTENDED_ONLINE:
                counts[meeting_id]["attended_online"] += int(n)
    rows = [
        {
            "meeting": meeting.code,
            "starts_at": iso(meeting.starts_at),
            "place": meeting.place,
            "capacity": meeting.capacity,
            "status": meeting.status,
            "agenda": agendas.get(meeting.id or -1, []),
            **counts.get(meeting.id or -1, {}),
            "minutes_published_at": iso(meeting.minutes_published_at),
        }
        for meeting in meetings
    ]
    return rows, last_id(ids, size)


@register_paged("meetings")
def _export_meetings(units: Units, _rules: Rules) -> AsyncIterator[Row]:
    return in_pages(units, _meeting_page)
