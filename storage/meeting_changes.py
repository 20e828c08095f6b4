"""A meeting's moves and cancellation: the history row, and what the scheduler derives from it.

The meeting row holds the current time, place and status; each change also
leaves a :class:`MeetingChange` (who, when, before, after, why). The scheduler
reads the latest change of each meeting to announce it once (``meeting.moved`` /
``meeting.cancelled``) and to leave out announcements whose time had already
passed when the meeting was moved.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Field, col, select

from storage.meetings import Meeting
from storage.repository import TableRepository
from storage.types import Keyed, UTCDateTime


class MeetingChange(Keyed, table=True):
    """One 改期 (``moved``) or 取消 (``cancelled``) of a meeting.

    ``notice_until``: the change is worth announcing until then (the new start of
    a moved meeting, the old start of a cancelled one).
    """

    __tablename__ = "meeting_changes"
    meeting_id: int = Field(foreign_key="meetings.id", index=True)
    kind: str = Field(max_length=16)
    at: datetime = Field(sa_type=UTCDateTime)
    actor: str = Field(max_length=128)
    old_starts_at: datetime = Field(sa_type=UTCDateTime)
    new_starts_at: datetime = Field(sa_type=UTCDateTime)
    old_place: str = Field(max_length=120)
    new_place: str = Field(max_length=120)
    reason: str | None = Field(default=None, max_length=500)
    notice_until: datetime = Field(sa_type=UTCDateTime, index=True)


class MeetingChangeRepository(TableRepository[MeetingChange]):
    """History of moves and cancellations, and the latest change per meeting."""

    table = MeetingChange

    async def of_meeting(self, meeting_id: int) -> Sequence[MeetingChange]:
        return await self._rows(MeetingChange, meeting_id=meeting_id)

    async def latest(self, meeting_ids: Sequence[int]) -> dict[int, MeetingChange]:
        """Each meeting's most recent change (one query for all of them)."""
        if not meeting_ids:
            return {}
        newest = (
            select(func.max(col(MeetingChange.id)))
            .where(col(MeetingChange.meeting_id).in_(list(meeting_ids)))
            .group_by(col(MeetingChange.meeting_id))
        )
        stmt = select(MeetingChange).where(col(MeetingChange.id).in_(newest))
        return {c.meeting_id: c for c in (await self.session.exec(stmt)).all()}

    async def to_announce(self, now: datetime) -> list[tuple[MeetingChange, Meeting]]:
        """Changes still worth announcing, each meeting's latest only (a later change
        supersedes an earlier one nobody was told about yet)."""
        newest = select(func.max(col(MeetingChange.id))).group_by(col(MeetingChange.meeting_id))
        stmt = (
            select(MeetingChange, Meeting)
            .join(Meeting, col(Meeting.id) == col(MeetingChange.meeting_id))
            .where(col(MeetingChange.notice_until) > now, col(MeetingChange.id).in_(newest))
            .order_by(col(MeetingChange.id))
        )
        return [(c, m) for c, m in (await self.session.exec(stmt)).all()]
