"""Forgetting what the bot needed only for a while.

Tables that grow with messages and are only useful for a short time: the
delivery record (``inbound_messages``: de-duplication and the reply a retry gets
again), whom the bot's cards in a group answered (``platform_card_owners``: a card
that old is no longer pressed), kept WeChat/WeCom callbacks (``platform_callbacks``:
messages acknowledged before they were handled, normally deleted once handled; an old
one is a leftover) and conversation state whose time ran out (``conversation_states``:
a report draft left half-way holds what the resident typed). Keeping them for ever
costs disk and holds residents' words longer than the bot needs them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import aliased
from sqlmodel import col

from storage.models import ConversationState, InboundMessage
from storage.platforms import CallbackRecord, CardOwner
from storage.repository import Repository, rowcount


@dataclass(frozen=True, slots=True)
class PurgeCounts:
    """Rows removed by one purge, per table."""

    messages: int
    callbacks: int
    conversations: int
    cards: int

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


class HousekeepingRepository(Repository):
    """The purge's SQL: one DELETE per table, the same on SQLite and PostgreSQL."""

    async def purge(
        self, *, messages_before: datetime, now: datetime, limit: int = 20_000
    ) -> PurgeCounts:
        """Delivery and callback records received before ``messages_before`` and the
        owners of cards sent before then (at most ``limit`` of each, oldest first), and
        conversations expired by ``now``.

        Each sender's latest delivery record is kept whatever its age: it is how
        the push service knows the platform a resident last wrote on. The limit
        bounds how long the purge holds SQLite's write lock (measured here: 0.16 s
        from a log of 100,000, 0.64 s from one of 1,000,000); a larger backlog goes
        over the following nights.
        """
        newer = aliased(InboundMessage)
        has_newer = (
            exists()
            .where(col(newer.platform) == col(InboundMessage.platform))
            .where(col(newer.sender_id) == col(InboundMessage.sender_id))
            .where(col(newer.id) > col(InboundMessage.id))
        )
        old_messages = (
            select(col(InboundMessage.id))
            .where(col(InboundMessage.received_at) < messages_before, has_newer)
            .order_by(col(InboundMessage.received_at))  # the index's order: no sort
            .limit(limit)
        )
        old_callbacks = (
            select(col(CallbackRecord.id))
            .where(col(CallbackRecord.created_at) < messages_before)
            .order_by(col(CallbackRecord.created_at))
            .limit(limit)
        )
        old_cards = (
            select(col(CardOwner.id))
            .where(col(CardOwner.sent_at) < messages_before)
            .order_by(col(CardOwner.sent_at))
            .limit(limit)
        )
        messages = delete(InboundMessage).where(col(InboundMessage.id).in_(old_messages))
        callbacks = delete(CallbackRecord).where(col(CallbackRecord.id).in_(old_callbacks))
        cards = delete(CardOwner).where(col(CardOwner.id).in_(old_cards))
        conversations = delete(ConversationState).where(col(ConversationState.expires_at) <= now)
        return PurgeCounts(
            messages=await self._count(messages),
            callbacks=await self._count(callbacks),
            conversations=await self._count(conversations),
            cards=await self._count(cards),
        )

    async def _count(self, statement: Any) -> int:
        result: Any = await self.session.execute(statement)
        return rowcount(result)
