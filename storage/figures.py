"""Period counts for the moderators' monthly report: one COUNT per figure."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select

from storage.meetings import Meeting
from storage.outcomes import Decision
from storage.polls import Poll
from storage.repository import Repository
from storage.topics import ACCEPTED_TOPIC_STATUSES, Topic


class FiguresRepository(Repository):
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
