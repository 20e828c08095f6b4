"""Recurring problems offered to the moderators as topics: one row per offer.

An offer is open until a moderator turns it into a topic or declines it. While it
is open its ``open_key`` holds the cluster it is about (a category in a building, or
one ticket reopened again and again), and ``open_key`` is unique: two processes
filing the third and fourth ticket of one cluster at once make one offer, and a
fourth ticket makes none while the first offer waits. Deciding clears ``open_key``
with a conditional UPDATE, so of two taps on the same button exactly one decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, update
from sqlmodel import Field, col, select

from storage.repository import Repository, insert_for, rowcount
from storage.tickets import Ticket
from storage.types import Keyed, UTCDateTime


class RecurringOffer(Keyed, table=True):
    """A recurring problem put to the moderators: which tickets, and what became of it.

    ``kind``: ``place`` (one category in one building, several times) or ``reopened``
    (one ticket reopened again and again). ``status``: ``open``, ``accepted`` (turned
    into ``topic_id``) or ``declined``.
    """

    __tablename__ = "recurring_offers"
    cluster: str = Field(max_length=160, index=True)
    open_key: str | None = Field(default=None, max_length=160, unique=True)
    kind: str = Field(max_length=16)
    category: str = Field(max_length=32)
    building: str | None = Field(default=None, max_length=64)
    tickets: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="open", max_length=16)
    offered_at: datetime = Field(sa_type=UTCDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    decided_by: str | None = Field(default=None, max_length=128)
    decided_by_name: str | None = Field(default=None, max_length=64)
    topic_id: int | None = Field(default=None, foreign_key="topics.id")


class RecurringOfferRepository(Repository):
    """Offers, and the tickets a cluster counts."""

    async def offer_once(self, offer: RecurringOffer) -> RecurringOffer | None:
        """Insert ``offer`` unless its cluster already has an open one (then None)."""
        values: dict[str, Any] = offer.model_dump(exclude={"id"})
        values["open_key"] = offer.cluster
        stmt = (
            insert_for(self.session, RecurringOffer)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["open_key"])
            .returning(col(RecurringOffer.id))
        )
        new_id = (await self.session.execute(stmt)).scalar_one_or_none()
        return None if new_id is None else await self.get(int(new_id))

    async def get(self, offer_id: int) -> RecurringOffer | None:
        return await self.session.get(RecurringOffer, offer_id, populate_existing=True)

    async def of_clusters(self, clusters: Sequence[str]) -> Sequence[RecurringOffer]:
        """Every offer about ``clusters``, newest first."""
        stmt = (
            select(RecurringOffer)
            .where(col(RecurringOffer.cluster).in_(list(clusters)))
            .order_by(col(RecurringOffer.id).desc())
            .execution_options(populate_existing=True)
        )
        return (await self.session.exec(stmt)).all()

    async def decide(
        self,
        offer_id: int,
        status: str,
        by: str,
        by_name: str,
        at: datetime,
        topic_id: int | None = None,
    ) -> bool:
        """Close an open offer; False when it was no longer open (someone decided first)."""
        result = await self.session.execute(
            update(RecurringOffer)
            .where(col(RecurringOffer.id) == offer_id, col(RecurringOffer.status) == "open")
            .values(
                status=status,
                open_key=None,
                decided_at=at,
                decided_by=by,
                decided_by_name=by_name,
                topic_id=topic_id,
            )
        )
        return rowcount(result) == 1

    async def of_topic(self, topic_id: int) -> Sequence[RecurringOffer]:
        """The offers turned into topic ``topic_id`` (its source tickets), oldest first."""
        stmt = (
            select(RecurringOffer)
            .where(col(RecurringOffer.topic_id) == topic_id)
            .order_by(col(RecurringOffer.id))
        )
        return (await self.session.exec(stmt)).all()

    async def link_topic(self, offer_id: int, topic_id: int) -> None:
        await self.session.execute(
            update(RecurringOffer)
            .where(col(RecurringOffer.id) == offer_id)
            .values(topic_id=topic_id)
        )

    async def tickets_at(self, category: str, building: str, since: datetime) -> Sequence[Ticket]:
        """Tickets of ``category`` in ``building`` received since ``since``, oldest first;
        a ticket closed as another's duplicate is the same problem and isn't counted."""
        stmt = (
            select(Ticket)
            .where(
                Ticket.category == category,
                Ticket.building == building,
                col(Ticket.received_at) >= since,
                col(Ticket.duplicate_of).is_(None),
            )
            .order_by(col(Ticket.received_at), col(Ticket.id))
        )
        return (await self.session.exec(stmt)).all()

    async def tickets(self, numbers: Sequence[str]) -> Sequence[Ticket]:
        """The tickets numbered ``numbers``, in that order."""
        stmt = select(Ticket).where(col(Ticket.number).in_(list(numbers)))
        found = {t.number: t for t in (await self.session.exec(stmt)).all()}
        return [found[n] for n in numbers if n in found]
