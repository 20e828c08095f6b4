"""The port between timed domain behaviour and the scheduler.

The schedule's truth lives in the domain's own tables (meetings, polls, tickets
with deadlines). Each domain offers a :class:`TimedEventSource` that derives the
upcoming :class:`TimedEvent` s from those tables and knows how to fire one. The
scheduler (APScheduler, one leader per database) rebuilds its jobs from the
sources at start-up and whenever told the schedule changed, and fires each event
inside a transaction that first records the event's unique ``key``: a second
scheduler, a restart or a retried job can therefore never send it twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from storage.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class TimedEvent:
    """One thing to do at one time, named uniquely.

    ``key`` is what/for which object/for which slot, e.g.
    ``meeting.announce:M202612:7d`` or ``ticket.escalate:R20261122-0007:response``.
    ``stale_at``: past this moment the event is no longer useful (an announcement
    for a meeting that has begun) and is dropped and logged instead of fired late.
    ``notice``: someone is told something when it fires; False for the framework's own
    chores (the nightly purge), which the moderators' list of notices leaves out.
    """

    key: str
    kind: str
    ref: str
    due_at: datetime
    stale_at: datetime | None = None
    data: dict[str, Any] = field(default_factory=dict)
    notice: bool = True


class TimedEventSource(Protocol):
    """A domain's timed behaviour, as seen by the scheduler."""

    #: The ``kind`` prefixes this source fires (e.g. ``("meeting.announce", "meeting.remind")``).
    kinds: tuple[str, ...]

    async def upcoming(
        self, uow: UnitOfWork, now: datetime, horizon: timedelta
    ) -> list[TimedEvent]:
        """Events due before ``now + horizon`` (including overdue ones not yet fired)."""
        ...

    async def fire(self, uow: UnitOfWork, event: TimedEvent, now: datetime, late: bool) -> None:
        """Do it (queue pushes, change state, record history) inside ``uow``'s transaction.

        ``late`` is True when ``now`` is noticeably past ``event.due_at`` (the process
        was down): the message must say so.
        """
        ...
