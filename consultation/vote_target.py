"""Which poll words are for when they name none — and when to ask rather than count.

A vote is counted, so a sentence is taken as one only for the poll it clearly means.
"我反对T3" names a topic: it is never a vote on some other poll that happens to be
open, and even on T3's own poll it is asked about first (a tap on the poll's button).
"""

from __future__ import annotations

from consultation.polls import Poll, PollService


class VoteTargets:
    """The polls a message's words could be meant for, read through the poll service."""

    def __init__(self, service: PollService) -> None:
        self.service = service

    async def on_topic(self, topic_id: int) -> list[Poll]:
        """The open polls taken on a topic (usually one), oldest first."""
        return [
            poll
            for poll in await self.service.polls.open_polls()
            if poll.topic_id == topic_id and self.service.is_open(poll)
        ]
