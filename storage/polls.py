"""Polls, participation and tallies.

Vote integrity is the database's job: one ``poll_voters`` row per (poll, voter
key) — a resident, or a household when the poll counts households — so a second
delivery, a second process or a paper ballot for someone who already voted in
chat can never count twice.

Anonymous polls keep the participation row without a choice or a time, and one
sealed ballot per voter in ``poll_ballots`` (see :mod:`consultation.ballot_box`:
a slot and a ciphertext only the server's secret opens; no id sequence, no
time). Nothing is counted while the poll is open; at close the counts are
written once to ``poll_tallies`` and the sealed ballots deleted, so the rows a
vote wrote (and their transaction ids) carry nothing readable about the choice.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary, UniqueConstraint, func, update
from sqlmodel import Field, SQLModel, col, select

from storage.exports import register
from storage.meetings import ATTENDED_ONSITE, MeetingSignup
from storage.models import Resident, RoleAssignment
from storage.readonly import columns_of, copy_of, fetch_all
from storage.repository import TableRepository, assistance, insert_for, rowcount
from storage.types import Keyed, iso, utc_field
from storage.unit_of_work import UnitOfWork


class Poll(Keyed, table=True):
    """A 表决, ``P3``: kind, options, electorate, secrecy, quorum and pass rule."""

    __tablename__ = "polls"
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


class PollVoter(Keyed, table=True):
    """Who took part, once per (poll, voter key). Named polls also hold the choice and
    its time here (updated in place when changed); anonymous polls leave both empty."""

    __tablename__ = "poll_voters"
    __table_args__ = (
        UniqueConstraint("poll_id", "voter_key"),
        Index("ix_poll_voters_tally", "poll_id", "choice_mask"),
    )
    poll_id: int = Field(foreign_key="polls.id")
    voter_key: str = Field(max_length=80)
    resident_id: int = Field(foreign_key="residents.id")
    channel: str = Field(default="chat", max_length=8)
    choice_mask: int | None = Field(default=None)
    entered_by: int | None = Field(default=None)
    cast_at: datetime | None = utc_field(nullable=True)
    #: 代办 (named polls only): who cast it for the resident, when, and when the resident
    #: confirmed it was their wish (it stays marked assisted).
    assisted_by: int | None = Field(default=None)
    assisted_at: datetime | None = utc_field(nullable=True)
    assist_confirmed_at: datetime | None = utc_field(nullable=True)


class PollBallot(SQLModel, table=True):
    """An open anonymous poll's sealed ballot: a slot only the server can compute from
    the voter, and the sealed choice. No id sequence and no time: nothing to order by."""

    __tablename__ = "poll_ballots"
    slot: str = Field(primary_key=True, max_length=64)
    poll_id: int = Field(foreign_key="polls.id", index=True)
    sealed: bytes = Field(sa_column=Column(LargeBinary(64), nullable=False))


class PollTally(Keyed, table=True):
    """An anonymous poll's published counts, (poll, choice) → votes, written once at close."""

    __tablename__ = "poll_tallies"
    __table_args__ = (UniqueConstraint("poll_id", "choice_mask"),)
    poll_id: int = Field(foreign_key="polls.id")
    choice_mask: int
    votes: int = Field(default=0)


def lives_here_clause(workplace_roles: Collection[str]) -> Any:
    """Residents' polls are for the people who live here: anyone verified, except a
    person holding a workplace role (staff, a department's officer) with no home in
    the register (no room, no household). The rule itself is consultation.polls'."""
    staff = select(RoleAssignment.resident_id).where(
        col(RoleAssignment.role).in_(list(workplace_roles))
    )
    return (
        col(Resident.room).is_not(None)
        | col(Resident.household).is_not(None)
        | col(Resident.id).not_in(staff)
    )


@cache
def _open_copies() -> Any:
    """Open polls as read-only copies; built once (see storage.readonly)."""
    return select(*columns_of(Poll, "p_")).where(col(Poll.status) == "open").order_by(col(Poll.id))


class PollRepository(TableRepository[Poll]):
    """Polls, participation and tallies; the unique keys are the integrity."""

    table = Poll
    #: A changed voter row is saved like any other.
    save_voter = TableRepository.save

    async def open_polls(self) -> Sequence[Poll]:
        return await self._rows(Poll, status="open")

    async def open_copies(self) -> list[Poll]:
        """:meth:`open_polls` as read-only copies, in one cheap SELECT: asked of short
        messages before the classifier ("西门" while a poll offers it)."""
        return [
            copy_of(Poll, row, "p_") for row in await fetch_all(self.session, _open_copies(), {})
        ]

    async def closed_since(self, since: datetime) -> Sequence[Poll]:
        """Polls closed at or after ``since``, in the order they were opened."""
        stmt = (
            select(Poll)
            .where(col(Poll.status) == "closed", col(Poll.closed_at) >= since)
            .order_by(col(Poll.id))
        )
        return (await self.session.exec(stmt)).all()

    async def close_if_open(self, poll_id: int, now: datetime) -> bool:
        """Mark closed; False when someone else closed it first."""
        result = await self.session.execute(
            update(Poll)
            .where(col(Poll.id) == poll_id, col(Poll.status) == "open")
            .values(status="closed", closed_at=now)
        )
        return rowcount(result) == 1

    async def voter(self, poll_id: int, voter_key: str) -> PollVoter | None:
        return await self._first(PollVoter, poll_id=poll_id, voter_key=voter_key)

    async def cast_named(
        self,
        poll_id: int,
        voter_key: str,
        resident_id: int,
        mask: int,
        channel: str,
        now: datetime,
        assisted_by: int | None = None,
    ) -> str:
        """Insert or change a named vote: ``new``, ``changed`` or ``refused`` (paper stands,
        another member of the household cast it, or — for a vote cast for the resident
        (``assisted_by``, 代办) — the resident's own vote stands; also the resident's own
        vote cast again as it already stands, which changes nothing). The resident's own
        change makes an assisted vote theirs; an assisted change needs confirming again."""
        if await self._insert_voter(
            poll_id, voter_key, resident_id, channel, mask, now, assisted_by
        ):
            return "new"
        if channel != "chat":
            return "refused"
        conditions = [
            col(PollVoter.poll_id) == poll_id,
            col(PollVoter.voter_key) == voter_key,
            col(PollVoter.resident_id) == resident_id,
            col(PollVoter.channel) == "chat",
        ]
        if assisted_by is not None:
            conditions.append(col(PollVoter.assisted_by).is_not(None))
        else:  # the resident's own vote again, as it stands: nothing to change
            conditions.append(
                (col(PollVoter.choice_mask) != mask) | col(PollVoter.assisted_by).is_not(None)
            )
        changed = await self.session.execute(
            update(PollVoter)
            .where(*conditions)
            .values(
                choice_mask=mask,
                cast_at=now,
                **assistance(assisted_by, now),
                assist_confirmed_at=None,
            )
        )
        return "changed" if rowcount(changed) == 1 else "refused"

    async def voter_of(self, poll_id: int, resident_id: int) -> PollVoter | None:
        return await self._first(PollVoter, poll_id=poll_id, resident_id=resident_id)

    async def remove_voter(self, poll_id: int, resident_id: int) -> bool:
        """Withdraw a named vote; False when there was none."""
        return await self._delete(PollVoter, poll_id=poll_id, resident_id=resident_id) == 1

    async def assisted_count(self, poll_id: int) -> int:
        """How many of the votes were cast for the resident by someone else (代办)."""
        return await self._count(
            PollVoter, col(PollVoter.assisted_by).is_not(None), poll_id=poll_id
        )

    async def lock_open(self, poll_id: int) -> tuple[str, datetime | None] | None:
        """The poll's status and deadline, read under a share lock (PostgreSQL): a vote
        in flight holds it until it commits, and closing (an UPDATE) waits for it, so
        every vote that was accepted is in the count and none arrives after."""
        stmt = (
            select(Poll.status, Poll.closes_at)
            .where(col(Poll.id) == poll_id)
            .with_for_update(read=True)
        )
        row = (await self.session.exec(stmt)).first()
        return None if row is None else (row[0], row[1])

    async def join_anonymous(
        self, poll_id: int, voter_key: str, resident_id: int, channel: str
    ) -> bool:
        """Record that ``voter_key`` took part (no choice, no time); False if already."""
        return await self._insert_voter(poll_id, voter_key, resident_id, channel, None, None)

    async def _insert_voter(
        self,
        poll_id: int,
        voter_key: str,
        resident_id: int,
        channel: str,
        mask: int | None,
        cast_at: datetime | None,
        assisted_by: int | None = None,
    ) -> bool:
        """One voter row, unless ``voter_key`` has one for this poll: True if inserted."""
        return await self._add_new(
            PollVoter(
                poll_id=poll_id,
                voter_key=voter_key,
                resident_id=resident_id,
                channel=channel,
                choice_mask=mask,
                cast_at=cast_at,
                **assistance(assisted_by, cast_at),
            )
        )

    async def add_ballot(self, poll_id: int, slot: str, sealed: bytes) -> None:
        await self.session.execute(
            insert_for(self.session, PollBallot).values(slot=slot, poll_id=poll_id, sealed=sealed)
        )

    async def replace_ballot(self, poll_id: int, slot: str, sealed: bytes) -> bool:
        """Put a changed vote in the voter's own slot; False when the slot is empty
        (a vote counted before sealed ballots existed: it can't be found to change)."""
        changed = await self.session.execute(
            update(PollBallot)
            .where(col(PollBallot.poll_id) == poll_id, col(PollBallot.slot) == slot)
            .values(sealed=sealed)
        )
        return rowcount(changed) == 1

    async def sealed_ballots(self, poll_id: int) -> list[tuple[str, bytes]]:
        """Every sealed ballot of the poll, in slot order (which says nothing of time)."""
        stmt = (
            select(PollBallot.slot, PollBallot.sealed)
            .where(PollBallot.poll_id == poll_id)
            .order_by(col(PollBallot.slot))
        )
        return [(slot, bytes(sealed)) for slot, sealed in (await self.session.exec(stmt)).all()]

    async def publish_counts(self, poll_id: int, counts: dict[int, int]) -> None:
        """Write the anonymous poll's counts once and delete its sealed ballots."""
        await self._delete(PollTally, poll_id=poll_id)
        for mask in sorted(counts):
            self.session.add(PollTally(poll_id=poll_id, choice_mask=mask, votes=counts[mask]))
        await self.session.flush()
        await self._delete(PollBallot, poll_id=poll_id)

    async def mask_counts(self, poll: Poll) -> dict[int, int]:
        """choice mask → votes: the published (or, from before sealed ballots, running)
        counts of an anonymous poll; a GROUP BY over the voters of a named one."""
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
        return await self._count(PollVoter, poll_id=poll_id)

    async def participants(self, poll_id: int) -> list[tuple[PollVoter, Resident]]:
        return await self._with_residents(PollVoter, order=col(Resident.id), poll_id=poll_id)

    async def voted_resident_ids(self, poll_id: int) -> set[int]:
        stmt = select(PollVoter.resident_id).where(PollVoter.poll_id == poll_id)
        return set((await self.session.exec(stmt)).all())

    async def voted_keys(self, poll_id: int) -> set[str]:
        stmt = select(PollVoter.voter_key).where(PollVoter.poll_id == poll_id)
        return set((await self.session.exec(stmt)).all())

    async def named_votes(self, poll_id: int) -> list[tuple[PollVoter, Resident]]:
        return await self.participants(poll_id)

    def _electorate_query(
        self, electorate: str, meeting_id: int | None, workplace_roles: Collection[str] = ()
    ) -> Any:
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
                        # present in the hall: signed in online is no 到会
                        MeetingSignup.attended_as == ATTENDED_ONSITE,
                    )
                )
            )
        return stmt.where(col(Resident.verified).is_(True), lives_here_clause(workplace_roles))

    async def electorate_size(
        self, electorate: str, meeting_id: int | None, workplace_roles: Collection[str] = ()
    ) -> int:
        """How many may vote: residents, households (distinct), committee or attendees."""
        if electorate == "households":
            verified = col(Resident.verified).is_(True)
            households = select(func.count(func.distinct(Resident.household))).where(
                verified, col(Resident.household).is_not(None)
            )
            singles = (
                select(func.count())
                .select_from(Resident)
                .where(
                    verified, col(Resident.household).is_(None), lives_here_clause(workplace_roles)
                )
            )
            return int((await self.session.exec(households)).one()) + int(
                (await self.session.exec(singles)).one()
            )
        inner = self._electorate_query(electorate, meeting_id, workplace_roles).subquery()
        stmt = select(func.count()).select_from(inner)
        return int((await self.session.exec(stmt)).one())

    async def electorate_people(
        self, electorate: str, meeting_id: int | None, workplace_roles: Collection[str] = ()
    ) -> Sequence[Resident]:
        stmt = self._electorate_query(electorate, meeting_id, workplace_roles).order_by(
            col(Resident.id)
        )
        found: Sequence[Resident] = (await self.session.exec(stmt)).all()
        return found

    async def tallies(self, poll_id: int) -> Sequence[PollTally]:
        return await self._rows(PollTally, order=col(PollTally.choice_mask), poll_id=poll_id)


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
            "opened_at": iso(poll.opened_at),
            "closes_at": iso(poll.closes_at),
            "closed_at": iso(poll.closed_at),
            "result": poll.result,
        }


def _choices(mask: int, options: list[str]) -> str:
    return "、".join(o for i, o in enumerate(options) if mask >> i & 1)


@register("votes")
async def _export_votes(uow: UnitOfWork) -> AsyncIterator[dict[str, Any]]:
    """Named polls: one row per voter. Anonymous polls, once closed: one row per ballot from
    the published counts, no voter column."""
    repo = uow.get(PollRepository)
    for poll in await repo.all():
        assert poll.id is not None
        if poll.anonymous:
            if poll.status != "closed":
                continue  # nothing is counted before close
            for counter in await repo.tallies(poll.id):
                for _ in range(counter.votes):
                    yield {
                        "poll": f"P{poll.id}",
                        "choice": _choices(counter.choice_mask, poll.options),
                    }
            continue
        for vote, resident in await repo.participants(poll.id):
            helper = await uow.residents.get(vote.assisted_by) if vote.assisted_by else None
            yield {
                "poll": f"P{poll.id}",
                "choice": _choices(vote.choice_mask or 0, poll.options),
                "voter": resident.name,
                "voter_id": resident.id,
                "channel": vote.channel,
                "cast_at": iso(vote.cast_at),
                # 代办: cast for the resident by a grid worker or moderator.
                "assisted_by": helper.name if helper is not None else None,
                "assisted_at": iso(vote.assisted_at),
                "assist_confirmed_at": iso(vote.assist_confirmed_at),
            }
