"""Decisions (结果), their implementation progress and residents' evaluations (评议)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import UniqueConstraint, func
from sqlmodel import Field, col, select

from storage.polls import Poll
from storage.repository import TableRepository
from storage.types import Keyed, utc_field, utcnow


class Decision(Keyed, table=True):
    """A 决议 on a topic, followed until carried out and evaluated (评议)."""

    __tablename__ = "decisions"
    meeting_id: int | None = Field(default=None, foreign_key="meetings.id", index=True)
    topic_id: int | None = Field(default=None, foreign_key="topics.id")
    poll_id: int | None = Field(default=None, foreign_key="polls.id")
    text: str = Field(max_length=1000)
    passed: bool = Field(default=False)
    owner: str | None = Field(default=None, max_length=64)
    #: The owner as a resident, when the register has exactly one of that name: they are
    #: told, and may report progress (进展) on this decision.
    owner_id: int | None = Field(default=None)
    due_date: str | None = Field(default=None, max_length=10)
    status: str = Field(default="decided", max_length=16)
    created_at: datetime = utc_field()
    done_at: datetime | None = utc_field(nullable=True)


class DecisionUpdate(Keyed, table=True):
    """A progress note on a decision."""

    __tablename__ = "decision_updates"
    decision_id: int = Field(foreign_key="decisions.id", index=True)
    note: str = Field(max_length=1000)
    actor: str = Field(max_length=128)
    at: datetime = utc_field()


class DecisionEvaluation(Keyed, table=True):
    """A resident's 评议 of a carried-out decision: 满意 / 不满意, once (last stands)."""

    __tablename__ = "decision_evaluations"
    __table_args__ = (UniqueConstraint("decision_id", "resident_id"),)
    decision_id: int = Field(foreign_key="decisions.id", index=True)
    resident_id: int = Field(foreign_key="residents.id")
    satisfied: bool
    at: datetime = utc_field()


@dataclass(slots=True)
class DecisionPage:
    """A page of the outcomes export: the decisions and what each row needs."""

    decisions: list[Decision]
    notes: dict[int, list[str]]
    evaluations: dict[tuple[int, bool], int]
    polls: dict[int, Poll]


class DecisionRepository(TableRepository[Decision]):
    """Decisions, their progress and their evaluations."""

    table = Decision

    async def for_poll(self, poll_id: int) -> Decision | None:
        return await self._first(Decision, poll_id=poll_id)

    async def for_meeting(self, meeting_id: int) -> Sequence[Decision]:
        return await self._rows(Decision, meeting_id=meeting_id)

    async def newest(self, limit: int) -> Sequence[Decision]:
        """The latest ``limit`` decisions, newest first (居务公开's index)."""
        stmt = select(Decision).order_by(col(Decision.id).desc()).limit(limit)
        return (await self.session.exec(stmt)).all()

    async def undecided_polls(
        self, meeting_id: int | None = None, limit: int | None = None
    ) -> Sequence[Poll]:
        """Closed polls that recorded no decision (void: nobody voted, too few, a tie),
        newest first; only one meeting's when ``meeting_id`` is given."""
        decided = select(Decision.poll_id).where(col(Decision.poll_id).is_not(None))
        stmt = select(Poll).where(col(Poll.status) == "closed", col(Poll.id).not_in(decided))
        if meeting_id is not None:
            stmt = stmt.where(col(Poll.meeting_id) == meeting_id)
        stmt = stmt.order_by(col(Poll.id).desc())
        if limit is not None:
            stmt = stmt.limit(limit)
        return (await self.session.exec(stmt)).all()

    async def export_page(self, after: int, size: int) -> DecisionPage:
        """A page of decisions with their progress notes, evaluation counts and polls:
        four queries, whatever the page holds."""
        stmt = select(Decision).where(col(Decision.id) > after).order_by(col(Decision.id))
        decisions = list((await self.session.exec(stmt.limit(size))).all())
        ids = [d.id for d in decisions if d.id is not None]
        page = DecisionPage(decisions, {i: [] for i in ids}, {}, {})
        if not ids:
            return page
        updates = (
            select(DecisionUpdate)
            .where(col(DecisionUpdate.decision_id).in_(ids))
            .order_by(col(DecisionUpdate.id))
        )
        for update in (await self.session.exec(updates)).all():
            page.notes[update.decision_id].append(update.note)
        tally = (
            select(DecisionEvaluation.decision_id, DecisionEvaluation.satisfied, func.count())
            .where(col(DecisionEvaluation.decision_id).in_(ids))
            .group_by(col(DecisionEvaluation.decision_id), col(DecisionEvaluation.satisfied))
        )
        for decision_id, satisfied, n in (await self.session.exec(tally)).all():
            page.evaluations[(decision_id, bool(satisfied))] = int(n)
        poll_ids = [d.poll_id for d in decisions if d.poll_id is not None]
        if poll_ids:
            polls = select(Poll).where(col(Poll.id).in_(poll_ids))
            page.polls.update({p.id: p for p in (await self.session.exec(polls)).all() if p.id})
        return page

    async def updates(self, decision_id: int) -> Sequence[DecisionUpdate]:
        return await self._rows(DecisionUpdate, decision_id=decision_id)

    async def evaluate(self, decision_id: int, resident_id: int, satisfied: bool) -> None:
        await self._upsert(
            DecisionEvaluation,
            {"decision_id": decision_id, "resident_id": resident_id},
            satisfied=satisfied,
            at=utcnow(),
        )

    async def evaluation_counts(self, decision_id: int) -> tuple[int, int]:
        stmt = (
            select(DecisionEvaluation.satisfied, func.count())
            .where(DecisionEvaluation.decision_id == decision_id)
            .group_by(col(DecisionEvaluation.satisfied))
        )
        counts = {bool(s): int(n) for s, n in (await self.session.exec(stmt)).all()}
        return counts.get(True, 0), counts.get(False, 0)
