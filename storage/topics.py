"""Topics for the consultation day and their co-signatures (附议)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint, func, update
from sqlmodel import Field, col, select

from storage.exports import Row, Rules, Units, in_pages, last_id, register_paged
from storage.models import PlatformIdentity, Resident
from storage.repository import TableRepository, assistance
from storage.types import Keyed, iso, utc_field, utcnow
from storage.unit_of_work import UnitOfWork


class Topic(Keyed, table=True):
    """A 议题 proposed by a resident, screened by a moderator, co-signed by neighbours."""

    __tablename__ = "topics"
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


class TopicCosign(Keyed, table=True):
    """One 附议: per resident, or per household when so configured (``signer_key``)."""

    __tablename__ = "topic_cosigns"
    __table_args__ = (UniqueConstraint("topic_id", "signer_key"),)
    topic_id: int = Field(foreign_key="topics.id", index=True)
    resident_id: int = Field(foreign_key="residents.id")
    signer_key: str = Field(max_length=80)
    created_at: datetime = utc_field()
    #: 代办: who recorded it for the resident (a grid worker or moderator), when, and
    #: when the resident confirmed it was their wish (it stays marked assisted).
    assisted_by: int | None = Field(default=None)
    assisted_at: datetime | None = utc_field(nullable=True)
    assist_confirmed_at: datetime | None = utc_field(nullable=True)


class TopicRepository(TableRepository[Topic]):
    """Topics and their co-signatures."""

    table = Topic
    #: A changed co-signature is saved like any other row.
    save_cosign = TableRepository.save

    async def get_for_update(self, topic_id: int) -> Topic | None:
        stmt = select(Topic).where(Topic.id == topic_id).with_for_update()
        return (await self.session.exec(stmt)).first()

    async def with_status(self, *statuses: str) -> Sequence[Topic]:
        stmt = select(Topic).where(col(Topic.status).in_(statuses)).order_by(col(Topic.id))
        return (await self.session.exec(stmt)).all()

    async def proposed_by(self, resident_id: int, limit: int) -> Sequence[Topic]:
        """A resident's own topics, newest first."""
        stmt = (
            select(Topic)
            .where(Topic.proposer_id == resident_id)
            .order_by(col(Topic.id).desc())
            .limit(limit)
        )
        return (await self.session.exec(stmt)).all()

    async def cosign(
        self,
        topic_id: int,
        resident_id: int,
        signer_key: str,
        assisted_by: int | None = None,
        at: datetime | None = None,
    ) -> bool:
        """Record a co-signature (``assisted_by`` someone for the resident, 代办); False
        when this signer (or household) already signed."""
        now = at or utcnow()
        added = await self._add_new(
            TopicCosign(
                topic_id=topic_id,
                resident_id=resident_id,
                signer_key=signer_key,
                created_at=now,
                **assistance(assisted_by, now),
            )
        )
        if added:
            await self.session.execute(
                update(Topic)
                .where(col(Topic.id) == topic_id)
                .values(cosign_count=Topic.cosign_count + 1)
            )
        return added

    async def cosign_of(self, topic_id: int, resident_id: int) -> TopicCosign | None:
        return await self._first(TopicCosign, topic_id=topic_id, resident_id=resident_id)

    async def remove_cosign(self, topic_id: int, resident_id: int) -> bool:
        """Withdraw a resident's co-signature; False when there was none."""
        if await self._delete(TopicCosign, topic_id=topic_id, resident_id=resident_id) != 1:
            return False
        await self.session.execute(
            update(Topic)
            .where(col(Topic.id) == topic_id)
            .values(cosign_count=Topic.cosign_count - 1)
        )
        return True

    async def cosign_list(self, topic_id: int) -> list[tuple[TopicCosign, Resident]]:
        """Who co-signed, in order of signing (附议名单)."""
        return await self._with_residents(TopicCosign, topic_id=topic_id)

    async def cosigners(self, topic_id: int) -> list[int]:
        stmt = select(TopicCosign.resident_id).where(TopicCosign.topic_id == topic_id)
        return list((await self.session.exec(stmt)).all())

    async def awaiting_word_of(self, resident_id: int) -> list[tuple[TopicCosign, Topic]]:
        """The 代办 co-signs made for this resident that they have not confirmed, on
        topics still collecting or counting them, oldest 代办 first."""
        stmt = (
            select(TopicCosign, Topic)
            .join(Topic, col(Topic.id) == col(TopicCosign.topic_id))
            .where(
                TopicCosign.resident_id == resident_id,
                col(TopicCosign.assisted_by).is_not(None),
                col(TopicCosign.assist_confirmed_at).is_(None),
                col(Topic.status).in_(("accepted", "qualified", "scheduled")),
            )
            .order_by(col(TopicCosign.assisted_at), col(TopicCosign.id))
        )
        return [(c, t) for c, t in (await self.session.exec(stmt)).all()]

    async def awaiting_word(self, topic_id: int) -> int:
        """How many of the topic's co-signs are 代办 that their resident, who has a chat
        account to answer from, has not confirmed yet (README, "代办 and the threshold")."""
        reachable = select(PlatformIdentity.id).where(
            col(PlatformIdentity.resident_id) == col(TopicCosign.resident_id)
        )
        stmt = select(func.count()).where(
            TopicCosign.topic_id == topic_id,
            col(TopicCosign.assisted_by).is_not(None),
            col(TopicCosign.assist_confirmed_at).is_(None),
            reachable.exists(),
        )
        return int((await self.session.exec(stmt)).one())

    async def accepted_reaching(self, threshold: int) -> Sequence[Topic]:
        """Topics still collecting co-signatures that already have ``threshold`` of them
        (after the threshold was lowered in the configuration)."""
        stmt = select(Topic).where(
            col(Topic.status) == "accepted", col(Topic.cosign_count) >= threshold
        )
        return (await self.session.exec(stmt.order_by(col(Topic.id)))).all()

    async def signer_of(self, topic_id: int, signer_key: str) -> int | None:
        return await self._value(TopicCosign.resident_id, topic_id=topic_id, signer_key=signer_key)


#: Topic statuses that mean a moderator accepted it (it may have moved on since).
ACCEPTED_TOPIC_STATUSES = ("accepted", "qualified", "scheduled", "decided")


# ---------------------------------------------------------------- exports (yishi export KIND)


async def _topic_page(uow: UnitOfWork, after: int, size: int) -> tuple[list[Row], int | None]:
    stmt = select(Topic).where(col(Topic.id) > after).order_by(col(Topic.id)).limit(size)
    topics = (await uow.session.exec(stmt)).all()
    assisted: dict[int, int] = {}
    if topics:
        counted = (
            select(TopicCosign.topic_id, func.count())
            .where(
                col(TopicCosign.topic_id).in_([t.id for t in topics]),
                col(TopicCosign.assisted_by).is_not(None),
            )
            .group_by(col(TopicCosign.topic_id))
        )
        assisted = {int(i): int(n) for i, n in (await uow.session.exec(counted)).all()}
    rows = [
        {
            "topic": f"T{topic.id}",
            "title": topic.title,
            "description": topic.description,
            "status": topic.status,
            "proposer_id": topic.proposer_id,
            "cosigns": topic.cosign_count,
            "cosigns_assisted": assisted.get(topic.id or 0, 0),
            "buildings": topic.buildings,
            "screen_hint": topic.screen_hint.get("verdict") if topic.screen_hint else None,
            "reason": topic.reason,
            "merged_into": f"T{topic.merged_into_id}" if topic.merged_into_id else None,
            "created_at": iso(topic.created_at),
            "updated_at": iso(topic.updated_at),
        }
        for topic in topics
    ]
    return rows, last_id([t.id for t in topics], size)


@register_paged("topics")
def _export_topics(units: Units, _rules: Rules) -> AsyncIterator[Row]:
    return in_pages(units, _topic_page)
