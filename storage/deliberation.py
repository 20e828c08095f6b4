"""Tables and repositories of the consultation day: topics, meetings, polls, decisions.

Vote integrity is the database's job: one ``poll_voters`` row per (poll, voter
key) — a resident, or a household when the poll counts households — so a second
delivery, a second process or a paper ballot for someone who already voted in
chat can never count twice. Anonymous polls keep no ballot rows at all: the
choice only increments a per-(poll, choice) counter in ``poll_tallies``, so
nothing (no id, no order, no timestamp) can be joined back to a voter.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint, bindparam, func, update
from sqlalchemy import select as sa_select
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.exports import register
from storage.models import PlatformIdentity, Resident, RoleAssignment
from storage.readonly import columns_of, copy_of, fetch_all
from storage.repositories import insert_for
from storage.types import utc_field, utcnow
from storage.unit_of_work import UnitOfWork


class Topic(SQLModel, table=True):
    """A 议题 proposed by a resident, screened by a moderator, co-signed by neighbours."""

    __tablename__ = "topics"
    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=120)
    description: str = Field(max_length=2000)
    proposer_id: int = Field(foreign_key="residents.id", index=True)
    status: str = Field(default="proposed", max_length=16, index=True)
    screen_hint: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    reason: str | None = Field(default=None, max_length=500)
    merged_into_id: int | None = Field(default=None)
    buildings: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    cosign_count: int = Field(default=0)
    meeting_id: int | None = Field(default=None, index=True)
    created_at: datetime = utc_field()
    updated_at: datetime = utc_field()


class TopicCosign(SQLModel, table=True):
    """One 附议: per resident, or per household when so configured (``signer_key``)."""

    __tablename__ = "topic_cosigns"
    __table_args__ = (UniqueConstraint("topic_id", "signer_key"),)
    id: int | None = Field(default=None, primary_key=True)
    topic_id: int = Field(foreign_key="topics.id", index=True)
    resident_id: int = Field(foreign_key="residents.id")
    signer_key: str = Field(max_length=80)
    created_at: datetime = utc_field()


class Meeting(SQLModel, table=True):
    """A 协商议事日, ``code`` like M202612."""

    __tablename__ = "meetings"
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, max_length=16)
    starts_at: datetime = utc_field(index=True)
    place: str = Field(max_length=120)
    capacity: int = Field(default=60)
    status: str = Field(default="scheduled", max_length=16)
    minutes_published_at: datetime | None = utc_field(nullable=True)
    created_at: datetime = utc_field()


class AgendaItem(SQLModel, table=True):
    """A topic on a meeting's agenda, with its slot and the moderator's discussion notes."""

    __tablename__ = "agenda_items"
    __table_args__ = (UniqueConstraint("meeting_id", "topic_id"),)
    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meetings.id", index=True)
    topic_id: int = Field(foreign_key="topics.id")
    position: int = Field(default=1)
    minutes_alloc: int = Field(default=20)
    notes: str = Field(default="", max_length=4000)


class MeetingInvite(SQLModel, table=True):
    """An invitation of the 7+X: ``reason`` is ``committee`` or ``stakeholder:T12``."""

    __tablename__ = "meeting_invites"
    __table_args__ = (UniqueConstraint("meeting_id", "resident_id"),)
    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meetings.id", index=True)
    resident_id: int = Field(foreign_key="residents.id")
    reason: str = Field(max_length=40)
    created_at: datetime = utc_field()


class MeetingSignup(SQLModel, table=True):
    """A resident's sign-up (现场 onsite / 线上 online), withdrawal and 签到."""

    __tablename__ = "meeting_signups"
    __table_args__ = (UniqueConstraint("meeting_id", "resident_id"),)
    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meetings.id", index=True)
    resident_id: int = Field(foreign_key="residents.id")
    mode: str = Field(default="onsite", max_length=8)
    status: str = Field(default="signed", max_length=12)
    signed_up_at: datetime = utc_field()
    checked_in_at: datetime | None = utc_field(nullable=True)


class Poll(SQLModel, table=True):
    """A 表决, ``P3``: kind, options, electorate, secrecy, quorum and pass rule."""

    __tablename__ = "polls"
    id: int | None = Field(default=None, primary_key=True)
    question: str = Field(max_length=300)
    kind: str = Field(default="yesno", max_length=8)
    options: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    max_choices: int = Field(default=1)
    electorate: str = Field(default="residents", max_length=16)
    anonymous: bool = Field(default=False)
    quorum_pct: int = Field(default=50)
    pass_rule: str = Field(default="majority", max_length=16)
    hide_results: bool = Field(default=False)
    status: str = Field(default="open", max_length=8, index=True)
    opened_by: int | None = Field(default=None, foreign_key="residents.id")
    platform: str = Field(default="web", max_length=16)
    chat_id: str = Field(default="group:main", max_length=128)
    meeting_id: int | None = Field(default=None, foreign_key="meetings.id")
    topic_id: int | None = Field(default=None, foreign_key="topics.id")
    electorate_size: int = Field(default=0)
    opened_at: datetime = utc_field()
    closes_at: datetime | None = utc_field(nullable=True, index=True)
    closed_at: datetime | None = utc_field(nullable=True)
    result: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))


class PollVoter(SQLModel, table=True):
    """Who took part, once per (poll, voter key). Named polls also hold the choice here
    (updated in place when changed); anonymous polls leave ``choice_mask`` empty."""

    __tablename__ = "poll_voters"
    __table_args__ = (
        UniqueConstraint("poll_id", "voter_key"),
        Index("ix_poll_voters_tally", "poll_id", "choice_mask"),
    )
    id: int | None = Field(default=None, primary_key=True)
    poll_id: int = Field(foreign_key="polls.id")
    voter_key: str = Field(max_length=80)
    resident_id: int = Field(foreign_key="residents.id")
    channel: str = Field(default="chat", max_length=8)
    choice_mask: int | None = Field(default=None)
    entered_by: int | None = Field(default=None)
    cast_at: datetime = utc_field()


class PollTally(SQLModel, table=True):
    """Anonymous polls' ballots, as counters only: (poll, choice) → votes."""

    __tablename__ = "poll_tallies"
    __table_args__ = (UniqueConstraint("poll_id", "choice_mask"),)
    id: int | None = Field(default=None, primary_key=True)
    poll_id: int = Field(foreign_key="polls.id")
    choice_mask: int
    votes: int = Field(default=0)


class Decision(SQLModel, table=True):
    """A 决议 on a topic, followed until carried out and evaluated (评议)."""

    __tablename__ = "decisions"
    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int | None = Field(default=None, foreign_key="meetings.id", index=True)
    topic_id: int | None = Field(default=None, foreign_key="topics.id")
    poll_id: int | None = Field(default=None, foreign_key="polls.id")
    text: str = Field(max_length=1000)
    passed: bool = Field(default=False)
    owner: str | None = Field(default=None, max_length=64)
    due_date: str | None = Field(default=None, max_length=10)
    status: str = Field(default="decided", max_length=16)
    created_at: datetime = utc_field()
    done_at: datetime | None = utc_field(nullable=True)


class DecisionUpdate(SQLModel, table=True):
    """A progress note on a decision."""

    __tablename__ = "decision_updates"
    id: int | None = Field(default=None, primary_key=True)
    decision_id: int = Field(foreign_key="decisions.id", index=True)
    note: str = Field(max_length=1000)
    actor: str = Field(max_length=128)
    at: datetime = utc_field()


class DecisionEvaluation(SQLModel, table=True):
    """A resident's 评议 of a carried-out decision: 满意 / 不满意, once (last stands)."""

    __tablename__ = "decision_evaluations"
    __table_args__ = (UniqueConstraint("decision_id", "resident_id"),)
    id: int | None = Field(default=None, primary_key=True)
    decision_id: int = Field(foreign_key="decisions.id", index=True)
    resident_id: int = Field(foreign_key="residents.id")
    satisfied: bool
    at: datetime = utc_field()


class _Repo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session


class TopicRepository(_Repo):
    """Topics and their co-signatures."""

    async def add(self, topic: Topic) -> Topic:
        self.session.add(topic)
        await self.session.flush()
        return topic

    async def get(self, topic_id: int) -> Topic | None:
        return await self.session.get(Topic, topic_id)

    async def get_for_update(self, topic_id: int) -> Topic | None:
        stmt = select(Topic).where(Topic.id == topic_id).with_for_update()
        return (await self.session.exec(stmt)).first()

    async def save(self, topic: Topic) -> None:
        self.session.add(topic)
        await self.session.flush()

    async def with_status(self, *statuses: str) -> Sequence[Topic]:
        stmt = select(Topic).where(col(Topic.status).in_(statuses)).order_by(col(Topic.id))
        return (await self.session.exec(stmt)).all()

    async def all(self) -> Sequence[Topic]:
        return (await self.session.exec(select(Topic).order_by(col(Topic.id)))).all()

    async def cosign(self, topic_id: int, resident_id: int, signer_key: str) -> bool:
        """Record a co-signature; False when this signer (or household) already signed."""
        stmt = (
            insert_for(self.session, TopicCosign)
            .values(
                topic_id=topic_id,
                resident_id=resident_id,
                signer_key=signer_key,
                created_at=utcnow(),
            )
            .on_conflict_do_nothing(index_elements=["topic_id", "signer_key"])
            .returning(TopicCosign.id)
        )
        added = (await self.session.execute(stmt)).scalar_one_or_none() is not None
        if added:
            await self.session.execute(
                update(Topic)
                .where(col(Topic.id) == topic_id)
                .values(cosign_count=Topic.cosign_count + 1)
            )
        return added

    async def cosigners(self, topic_id: int) -> list[int]:
        stmt = select(TopicCosign.resident_id).where(TopicCosign.topic_id == topic_id)
        return list((await self.session.exec(stmt)).all())

    async def signer_of(self, topic_id: int, signer_key: str) -> int | None:
        stmt = select(TopicCosign.resident_id).where(
            TopicCosign.topic_id == topic_id, TopicCosign.signer_key == signer_key
        )
        return (await self.session.exec(stmt)).first()


# The consultation-day view (议事日是哪天) is among the most asked questions; its
# statements are built once (building a SELECT costs more than SQLite running it).


@cache
def _current_meeting(copy: bool = False) -> Any:
    columns = columns_of(Meeting, "m_") if copy else [Meeting]
    return (
        select(*columns)
        .where(col(Meeting.starts_at) >= bindparam("since"), col(Meeting.status) != "cancelled")
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


class MeetingRepository(_Repo):
    """Meetings, agendas, invitations, sign-ups and attendance."""

    async def add(self, meeting: Meeting) -> Meeting:
        self.session.add(meeting)
        await self.session.flush()
        return meeting

    async def by_code(self, code: str) -> Meeting | None:
        return (await self.session.exec(select(Meeting).where(Meeting.code == code))).first()

    async def get(self, meeting_id: int) -> Meeting | None:
        return await self.session.get(Meeting, meeting_id)

    async def save(self, obj: Any) -> None:
        self.session.add(obj)
        await self.session.flush()

    async def upcoming(self, now: datetime, limit: int = 3) -> Sequence[Meeting]:
        stmt = (
            select(Meeting)
            .where(col(Meeting.starts_at) >= now, Meeting.status == "scheduled")
            .order_by(col(Meeting.starts_at))
            .limit(limit)
        )
        return (await self.session.exec(stmt)).all()

    async def starting_between(self, start: datetime, end: datetime) -> Sequence[Meeting]:
        """Scheduled meetings starting in [start, end): an indexed range on ``starts_at``."""
        stmt = (
            select(Meeting)
            .where(
                col(Meeting.starts_at) >= start,
                col(Meeting.starts_at) < end,
                Meeting.status == "scheduled",
            )
            .order_by(col(Meeting.starts_at))
        )
        return (await self.session.exec(stmt)).all()

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
        return (await self.session.exec(select(Meeting).order_by(col(Meeting.starts_at)))).all()

    async def agenda(self, meeting_id: int) -> list[tuple[AgendaItem, Topic]]:
        """The agenda in order, as read-only copies (see storage.readonly)."""
        rows = await fetch_all(self.session, _agenda(), {"meeting_id": meeting_id})
        return [(copy_of(AgendaItem, r, "a_"), copy_of(Topic, r, "t_")) for r in rows]

    async def agenda_item(self, meeting_id: int, topic_id: int) -> AgendaItem | None:
        stmt = select(AgendaItem).where(
            AgendaItem.meeting_id == meeting_id, AgendaItem.topic_id == topic_id
        )
        return (await self.session.exec(stmt)).first()

    async def invite(self, meeting_id: int, resident_id: int, reason: str) -> bool:
        stmt = (
            insert_for(self.session, MeetingInvite)
            .values(
                meeting_id=meeting_id, resident_id=resident_id, reason=reason, created_at=utcnow()
            )
            .on_conflict_do_nothing(index_elements=["meeting_id", "resident_id"])
            .returning(MeetingInvite.id)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none() is not None

    async def invites(self, meeting_id: int) -> list[tuple[MeetingInvite, Resident]]:
        stmt = (
            select(MeetingInvite, Resident)
            .join(Resident, col(Resident.id) == col(MeetingInvite.resident_id))
            .where(MeetingInvite.meeting_id == meeting_id)
            .order_by(col(MeetingInvite.id))
        )
        return [(i, r) for i, r in (await self.session.exec(stmt)).all()]

    async def signup(self, meeting_id: int, resident_id: int) -> MeetingSignup | None:
        stmt = select(MeetingSignup).where(
            MeetingSignup.meeting_id == meeting_id, MeetingSignup.resident_id == resident_id
        )
        return (await self.session.exec(stmt)).first()

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

    async def attendees(self, meeting_id: int) -> list[int]:
        stmt = select(MeetingSignup.resident_id).where(
            MeetingSignup.meeting_id == meeting_id, col(MeetingSignup.checked_in_at).is_not(None)
        )
        return list((await self.session.exec(stmt)).all())


class PollRepository(_Repo):
    """Polls, participation and tallies; the unique keys are the integrity."""

    async def add(self, poll: Poll) -> Poll:
        self.session.add(poll)
        await self.session.flush()
        return poll

    async def get(self, poll_id: int) -> Poll | None:
        return await self.session.get(Poll, poll_id)

    async def save(self, poll: Poll) -> None:
        self.session.add(poll)
        await self.session.flush()

    async def all(self) -> Sequence[Poll]:
        return (await self.session.exec(select(Poll).order_by(col(Poll.id)))).all()

    async def open_polls(self) -> Sequence[Poll]:
        stmt = select(Poll).where(Poll.status == "open").order_by(col(Poll.id))
        return (await self.session.exec(stmt)).all()

    async def close_if_open(self, poll_id: int, now: datetime) -> bool:
        """Mark closed; False when someone else closed it first."""
        result = await self.session.execute(
            update(Poll)
            .where(col(Poll.id) == poll_id, col(Poll.status) == "open")
            .values(status="closed", closed_at=now)
        )
        return int(getattr(result, "rowcount", 0) or 0) == 1

    async def voter(self, poll_id: int, voter_key: str) -> PollVoter | None:
        stmt = select(PollVoter).where(
            PollVoter.poll_id == poll_id, PollVoter.voter_key == voter_key
        )
        return (await self.session.exec(stmt)).first()

    async def cast_named(
        self, poll_id: int, voter_key: str, resident_id: int, mask: int, channel: str, now: datetime
    ) -> str:
        """Insert or change a named vote: ``new``, ``changed`` or ``refused`` (paper stands,
        or another member of the household cast it)."""
        inserted = await self.session.execute(
            insert_for(self.session, PollVoter)
            .values(
                poll_id=poll_id,
                voter_key=voter_key,
                resident_id=resident_id,
                channel=channel,
                choice_mask=mask,
                cast_at=now,
            )
            .on_conflict_do_nothing(index_elements=["poll_id", "voter_key"])
            .returning(PollVoter.id)
        )
        if inserted.scalar_one_or_none() is not None:
            return "new"
        if channel != "chat":
            return "refused"
        changed = await self.session.execute(
            update(PollVoter)
            .where(
                col(PollVoter.poll_id) == poll_id,
                col(PollVoter.voter_key) == voter_key,
                col(PollVoter.resident_id) == resident_id,
                col(PollVoter.channel) == "chat",
            )
            .values(choice_mask=mask, cast_at=now)
        )
        return "changed" if int(getattr(changed, "rowcount", 0) or 0) == 1 else "refused"

    async def cast_anonymous(
        self, poll_id: int, voter_key: str, resident_id: int, mask: int, channel: str, now: datetime
    ) -> bool:
        """Record participation (unique) and bump the counter; False when already voted."""
        inserted = await self.session.execute(
            insert_for(self.session, PollVoter)
            .values(
                poll_id=poll_id,
                voter_key=voter_key,
                resident_id=resident_id,
                channel=channel,
                choice_mask=None,
                cast_at=now,
            )
            .on_conflict_do_nothing(index_elements=["poll_id", "voter_key"])
            .returning(PollVoter.id)
        )
        if inserted.scalar_one_or_none() is None:
            return False
        stmt = insert_for(self.session, PollTally).values(
            poll_id=poll_id, choice_mask=mask, votes=1
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["poll_id", "choice_mask"],
            set_={"votes": PollTally.__table__.c.votes + 1},  # type: ignore[attr-defined]
        )
        await self.session.execute(stmt)
        return True

    async def mask_counts(self, poll: Poll) -> dict[int, int]:
        """choice mask → votes: counters for anonymous polls, a GROUP BY for named ones."""
        if poll.anonymous:
            stmt: Any = select(PollTally.choice_mask, PollTally.votes).where(
                PollTally.poll_id == poll.id
            )
        else:
            stmt = (
                select(PollVoter.choice_mask, func.count())
                .where(PollVoter.poll_id == poll.id)
                .group_by(col(PollVoter.choice_mask))
            )
        return {int(m): int(n) for m, n in (await self.session.exec(stmt)).all() if m is not None}

    async def turnout(self, poll_id: int) -> int:
        stmt = select(func.count()).select_from(PollVoter).where(PollVoter.poll_id == poll_id)
        return int((await self.session.exec(stmt)).one())

    async def participants(self, poll_id: int) -> list[tuple[PollVoter, Resident]]:
        stmt = (
            select(PollVoter, Resident)
            .join(Resident, col(Resident.id) == col(PollVoter.resident_id))
            .where(PollVoter.poll_id == poll_id)
            .order_by(col(Resident.id))
        )
        return [(v, r) for v, r in (await self.session.exec(stmt)).all()]

    async def voted_resident_ids(self, poll_id: int) -> set[int]:
        stmt = select(PollVoter.resident_id).where(PollVoter.poll_id == poll_id)
        return set((await self.session.exec(stmt)).all())

    async def voted_keys(self, poll_id: int) -> set[str]:
        stmt = select(PollVoter.voter_key).where(PollVoter.poll_id == poll_id)
        return set((await self.session.exec(stmt)).all())

    async def named_votes(self, poll_id: int) -> list[tuple[PollVoter, Resident]]:
        return await self.participants(poll_id)

    def _electorate_query(self, electorate: str, meeting_id: int | None) -> Any:
        stmt = select(Resident)
        if electorate == "committee":
            return stmt.where(
                col(Resident.id).in_(
                    select(RoleAssignment.resident_id).where(RoleAssignment.role == "committee")
                )
            )
        if electorate == "attendees":
            return stmt.where(
                col(Resident.id).in_(
                    select(MeetingSignup.resident_id).where(
                        MeetingSignup.meeting_id == (meeting_id or 0),
                        col(MeetingSignup.checked_in_at).is_not(None),
                    )
                )
            )
        return stmt.where(col(Resident.verified).is_(True))

    async def electorate_size(self, electorate: str, meeting_id: int | None) -> int:
        """How many may vote: residents, households (distinct), committee or attendees."""
        if electorate == "households":
            verified = col(Resident.verified).is_(True)
            households = select(func.count(func.distinct(Resident.household))).where(
                verified, col(Resident.household).is_not(None)
            )
            singles = (
                select(func.count())
                .select_from(Resident)
                .where(verified, col(Resident.household).is_(None))
            )
            return int((await self.session.exec(households)).one()) + int(
                (await self.session.exec(singles)).one()
            )
        inner = self._electorate_query(electorate, meeting_id).subquery()
        stmt = select(func.count()).select_from(inner)
        return int((await self.session.exec(stmt)).one())

    async def electorate_people(
        self, electorate: str, meeting_id: int | None
    ) -> Sequence[Resident]:
        stmt = self._electorate_query(electorate, meeting_id).order_by(col(Resident.id))
        found: Sequence[Resident] = (await self.session.exec(stmt)).all()
        return found

    async def tallies(self, poll_id: int) -> Sequence[PollTally]:
        stmt = (
            select(PollTally)
            .where(PollTally.poll_id == poll_id)
            .order_by(col(PollTally.choice_mask))
        )
        return (await self.session.exec(stmt)).all()


class PeopleRepository(_Repo):
    """The electorates and audiences the consultation day needs."""

    async def verified(self) -> Sequence[Resident]:
        stmt = select(Resident).where(col(Resident.verified).is_(True)).order_by(col(Resident.id))
        return (await self.session.exec(stmt)).all()

    async def by_ids(self, ids: Sequence[int]) -> Sequence[Resident]:
        if not ids:
            return []
        stmt = select(Resident).where(col(Resident.id).in_(ids)).order_by(col(Resident.id))
        return (await self.session.exec(stmt)).all()

    async def by_name(self, name: str) -> Sequence[Resident]:
        stmt = select(Resident).where(Resident.name == name).order_by(col(Resident.id))
        return (await self.session.exec(stmt)).all()

    async def with_role(self, role: str) -> Sequence[Resident]:
        stmt = (
            select(Resident)
            .join(RoleAssignment, col(RoleAssignment.resident_id) == col(Resident.id))
            .where(RoleAssignment.role == role)
            .distinct()
            .order_by(col(Resident.id))
        )
        return (await self.session.exec(stmt)).all()

    async def in_buildings(self, names: Sequence[str]) -> Sequence[Resident]:
        from storage.models import Building

        if not names:
            return []
        stmt = (
            select(Resident)
            .join(Building, col(Building.id) == col(Resident.building_id))
            .where(col(Building.name).in_(names), col(Resident.verified).is_(True))
            .order_by(col(Resident.id))
        )
        return (await self.session.exec(stmt)).all()

    async def building_names(self) -> list[str]:
        from storage.models import Building

        return list((await self.session.exec(select(Building.name))).all())

    async def chats_of(self, resident_id: int) -> Sequence[PlatformIdentity]:
        stmt = select(PlatformIdentity).where(PlatformIdentity.resident_id == resident_id)
        return (await self.session.exec(stmt)).all()


class DecisionRepository(_Repo):
    """Decisions, their progress and their evaluations."""

    async def add(self, decision: Decision) -> Decision:
        self.session.add(decision)
        await self.session.flush()
        return decision

    async def get(self, decision_id: int) -> Decision | None:
        return await self.session.get(Decision, decision_id)

    async def save(self, obj: Any) -> None:
        self.session.add(obj)
        await self.session.flush()

    async def for_poll(self, poll_id: int) -> Decision | None:
        return (
            await self.session.exec(select(Decision).where(Decision.poll_id == poll_id))
        ).first()

    async def for_meeting(self, meeting_id: int) -> Sequence[Decision]:
        stmt = select(Decision).where(Decision.meeting_id == meeting_id).order_by(col(Decision.id))
        return (await self.session.exec(stmt)).all()

    async def all(self) -> Sequence[Decision]:
        return (await self.session.exec(select(Decision).order_by(col(Decision.id)))).all()

    async def updates(self, decision_id: int) -> Sequence[DecisionUpdate]:
        stmt = (
            select(DecisionUpdate)
            .where(DecisionUpdate.decision_id == decision_id)
            .order_by(col(DecisionUpdate.id))
        )
        return (await self.session.exec(stmt)).all()

    async def evaluate(self, decision_id: int, resident_id: int, satisfied: bool) -> None:
        stmt = insert_for(self.session, DecisionEvaluation).values(
            decision_id=decision_id, resident_id=resident_id, satisfied=satisfied, at=utcnow()
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["decision_id", "resident_id"],
            set_={"satisfied": satisfied, "at": utcnow()},
        )
        await self.session.execute(stmt)

    async def evaluation_counts(self, decision_id: int) -> tuple[int, int]:
        stmt = (
            select(DecisionEvaluation.satisfied, func.count())
            .where(DecisionEvaluation.decision_id == decision_id)
            .group_by(col(DecisionEvaluation.satisfied))
        )
        counts = {bool(s): int(n) for s, n in (await self.session.exec(stmt)).all()}
        return counts.get(True, 0), counts.get(False, 0)


#: Topic statuses that mean a moderator accepted it (it may have moved on since).
ACCEPTED_TOPIC_STATUSES = ("accepted", "qualified", "scheduled", "decided")


class FiguresRepository(_Repo):
    """Period counts for the moderators' monthly report: one COUNT per figure."""

    async def _count(self, stmt: Any) -> int:
        return int((await self.session.exec(stmt)).one() or 0)

    async def meetings_held(self, start: datetime, end: datetime) -> int:
        """Meetings that started in [start, end) and were not cancelled."""
        return await self._count(
            select(func.count(col(Meeting.id))).where(
                col(Meeting.starts_at) >= start,
                col(Meeting.starts_at) < end,
                col(Meeting.status) != "cancelled",
            )
        )

    async def topics_proposed(self, start: datetime, end: datetime) -> tuple[int, int]:
        """Topics proposed in [start, end), and how many of those were accepted."""
        in_period = (col(Topic.created_at) >= start, col(Topic.created_at) < end)
        proposed = await self._count(select(func.count(col(Topic.id))).where(*in_period))
        accepted = await self._count(
            select(func.count(col(Topic.id))).where(
                *in_period, col(Topic.status).in_(ACCEPTED_TOPIC_STATUSES)
            )
        )
        return proposed, accepted

    async def polls_closed(self, start: datetime, end: datetime) -> int:
        return await self._count(
            select(func.count(col(Poll.id))).where(
                col(Poll.closed_at) >= start, col(Poll.closed_at) < end
            )
        )

    async def decisions_recorded(self, start: datetime, end: datetime) -> int:
        return await self._count(
            select(func.count(col(Decision.id))).where(
                col(Decision.created_at) >= start, col(Decision.created_at) < end
            )
        )


# ---------------------------------------------------------------- exports (yishi export KIND)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


@register("topics")
async def _export_topics(uow: UnitOfWork) -> AsyncIterator[dict[str, Any]]:
    for topic in await uow.get(TopicRepository).all():
        yield {
            "topic": f"T{topic.id}",
            "title": topic.title,
            "description": topic.description,
            "status": topic.status,
            "proposer_id": topic.proposer_id,
            "cosigns": topic.cosign_count,
            "buildings": topic.buildings,
            "screen_hint": topic.screen_hint.get("verdict") if topic.screen_hint else None,
            "reason": topic.reason,
            "merged_into": f"T{topic.merged_into_id}" if topic.merged_into_id else None,
            "created_at": _iso(topic.created_at),
            "updated_at": _iso(topic.updated_at),
        }


@register("meetings")
async def _export_meetings(uow: UnitOfWork) -> AsyncIterator[dict[str, Any]]:
    repo = uow.get(MeetingRepository)
    for meeting in await repo.all():
        assert meeting.id is not None
        signups = await repo.signups(meeting.id, status=None)
        signed = [s for s, _ in signups if s.status == "signed"]
        yield {
            "meeting": meeting.code,
            "starts_at": _iso(meeting.starts_at),
            "place": meeting.place,
            "capacity": meeting.capacity,
            "status": meeting.status,
            "agenda": [f"T{t.id}" for _, t in await repo.agenda(meeting.id)],
            "onsite": sum(1 for s in signed if s.mode == "onsite"),
            "online": sum(1 for s in signed if s.mode == "online"),
            "attended": sum(1 for s, _ in signups if s.checked_in_at is not None),
            "minutes_published_at": _iso(meeting.minutes_published_at),
        }


@register("polls")
async def _export_polls(uow: UnitOfWork) -> AsyncIterator[dict[str, Any]]:
    for poll in await uow.get(PollRepository).all():
        yield {
            "poll": f"P{poll.id}",
            "question": poll.question,
            "kind": poll.kind,
            "options": poll.options,
            "max_choices": poll.max_choices,
            "electorate": poll.electorate,
            "anonymous": poll.anonymous,
            "quorum_pct": poll.quorum_pct,
            "pass_rule": poll.pass_rule,
            "status": poll.status,
            "topic": f"T{poll.topic_id}" if poll.topic_id else None,
            "opened_at": _iso(poll.opened_at),
            "closes_at": _iso(poll.closes_at),
            "closed_at": _iso(poll.closed_at),
            "result": poll.result,
        }


def _choices(mask: int, options: list[str]) -> str:
    return "、".join(o for i, o in enumerate(options) if mask >> i & 1)


@register("votes")
async def _export_votes(uow: UnitOfWork) -> AsyncIterator[dict[str, Any]]:
    """Named polls: one row per voter. Anonymous polls: one row per ballot, no voter column."""
    repo = uow.get(PollRepository)
    for poll in await repo.all():
        assert poll.id is not None
        if poll.anonymous:
            for counter in await repo.tallies(poll.id):
                for _ in range(counter.votes):
                    yield {
                        "poll": f"P{poll.id}",
                        "choice": _choices(counter.choice_mask, poll.options),
                    }
            continue
        for vote, resident in await repo.participants(poll.id):
            yield {
                "poll": f"P{poll.id}",
                "choice": _choices(vote.choice_mask or 0, poll.options),
                "voter": resident.name,
                "voter_id": resident.id,
                "channel": vote.channel,
                "cast_at": _iso(vote.cast_at),
            }


@register("outcomes")
async def _export_outcomes(uow: UnitOfWork) -> AsyncIterator[dict[str, Any]]:
    repo = uow.get(DecisionRepository)
    for decision in await repo.all():
        assert decision.id is not None
        satisfied, unsatisfied = await repo.evaluation_counts(decision.id)
        yield {
            "decision": f"D{decision.id}",
            "topic": f"T{decision.topic_id}" if decision.topic_id else None,
            "poll": f"P{decision.poll_id}" if decision.poll_id else None,
            "text": decision.text,
            "passed": decision.passed,
            "owner": decision.owner,
            "due_date": decision.due_date,
            "status": decision.status,
            "done_at": _iso(decision.done_at),
            "progress": [u.note for u in await repo.updates(decision.id)],
            "satisfied": satisfied,
            "unsatisfied": unsatisfied,
        }
