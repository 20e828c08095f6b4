"""Proof of notice (居务公开): how many of the households that could take part were
actually reached by a meeting's notices, or by a poll's result — from the outbox's
delivery records, never from what was merely queued.

Which notices count is the domain's word: for a meeting, every notice about it before
it is held (the announcements, the reminder, a move, a cancellation, the 7+X
invitations); for a poll, its result. Minutes are a report afterwards, not a notice.
Households are the register's, counted as a households poll counts them (verified,
living here: staff with no home here are not a household). A post to a group chat is
counted as a group, not as households: who is in a group is not in the register.
"""

from __future__ import annotations

from consultation.ballots import Electorate
from consultation.meetings import MeetingEvents
from consultation.polls import WORKPLACE_ROLES
from storage.notice_reach import NoticeReachRepository, Reach
from storage.polls import Poll
from storage.unit_of_work import UnitOfWork

__all__ = ["MEETING_NOTICES", "NoticeReach", "Reach", "meeting_causes", "poll_result_causes"]

#: The kinds of notice about a meeting (each push's key starts ``<kind>:<code>:``).
MEETING_NOTICES: tuple[str, ...] = (*MeetingEvents.kinds, "meeting.invite")


def meeting_causes(code: str) -> tuple[str, ...]:
    """The key prefixes of every notice about meeting ``code``."""
    return tuple(f"{kind}:{code}:" for kind in MEETING_NOTICES)


def poll_result_causes(poll_id: int) -> tuple[str, ...]:
    """The key prefix of a poll's result (consultation.events.PollClosed)."""
    return (f"poll.close:P{poll_id}:",)


class NoticeReach:
    """Counts only: the public pages show them, and nothing here names anyone."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.repo = uow.get(NoticeReachRepository)

    async def meeting(self, code: str) -> Reach:
        return await self._of(meeting_causes(code))

    async def poll_result(self, poll: Poll) -> Reach | None:
        """A residents' or households' poll's result; None for the committee's or the
        attendees' (households are not who those polls ask) and for a poll still open."""
        if poll.id is None or poll.status != "closed":
            return None
        if poll.electorate not in (Electorate.RESIDENTS.value, Electorate.HOUSEHOLDS.value):
            return None
        return await self._of(poll_result_causes(poll.id))

    async def _of(self, causes: tuple[str, ...]) -> Reach:
        return await self.repo.counts(causes, WORKPLACE_ROLES)
