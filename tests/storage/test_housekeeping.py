"""The purge removes old delivery records and dead drafts, and nothing else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import col, select

from storage.housekeeping import HousekeepingRepository, PurgeCounts
from storage.models import ConversationState, InboundMessage
from storage.platforms import CallbackRecord, CardOwner
from storage.unit_of_work import UnitOfWork, UnitOfWorkFactory

NOW = datetime(2026, 11, 23, 19, 30, tzinfo=UTC)
CUTOFF = NOW - timedelta(days=30)


async def _deliver(uow: UnitOfWork, platform: str, sender: str, ident: str, days_ago: int) -> None:
    reply = [{"text": "好的"}]
    at = NOW - timedelta(days=days_ago)
    await uow.inbound.record(platform, ident, "c1", sender, "help", reply, at)


async def _message_ids(uow: UnitOfWork) -> set[str]:
    rows = await uow.session.exec(select(InboundMessage.platform_message_id))
    return set(rows.all())


async def test_purge_keeps_recent_messages_and_each_senders_latest(
    seeded: UnitOfWorkFactory,
) -> None:
    async with seeded() as uow:
        await _deliver(uow, "web", "zhang", "z-old-1", 90)
        await _deliver(uow, "web", "zhang", "z-old-2", 40)
        await _deliver(uow, "web", "zhang", "z-new", 2)
        await _deliver(uow, "wechat", "zhang", "zw-old", 60)  # his latest on WeChat
        await _deliver(uow, "web", "li", "l-old-1", 50)
        await _deliver(uow, "web", "li", "l-old-2", 31)  # her latest, though old
    async with seeded() as uow:
        counts = await uow.get(HousekeepingRepository).purge(messages_before=CUTOFF, now=NOW)
    async with seeded() as uow:
        left = await _message_ids(uow)
    assert left == {"z-new", "zw-old", "l-old-2"}
    assert counts.messages == 3


async def test_purge_removes_expired_conversations_old_callbacks_and_card_owners(
    seeded: UnitOfWorkFactory,
) -> None:
    async with seeded() as uow:
        await uow.conversations.save(
            "web", "c1", "zhang", "report", "describe", {"text": "3号楼 138"}, NOW - timedelta(1)
        )
        await uow.conversations.save(
            "web", "c1", "li", "report", "describe", {}, NOW + timedelta(1)
        )
        for key, at in (("old", CUTOFF - timedelta(1)), ("new", NOW)):
            uow.session.add(
                CallbackRecord(platform="wechat", sender_id="o1", key=key, created_at=at)
            )
            uow.session.add(
                CardOwner(
                    platform="telegram", chat_id="-1", message_id=key, owner_id="42", sent_at=at
                )
            )
    async with seeded() as uow:
        counts = await uow.get(HousekeepingRepository).purge(messages_before=CUTOFF, now=NOW)
    async with seeded() as uow:
        users = (await uow.session.exec(select(ConversationState.user_id))).all()
        keys = (await uow.session.exec(select(CallbackRecord.key))).all()
        cards = (await uow.session.exec(select(CardOwner.message_id))).all()
    assert counts == PurgeCounts(messages=0, callbacks=1, conversations=1, cards=1)
    assert users == ["li"]
    assert keys == ["new"]
    assert cards == ["new"]


async def test_purge_leaves_a_redelivered_recent_message_a_duplicate(
    seeded: UnitOfWorkFactory,
) -> None:
    async with seeded() as uow:
        await _deliver(uow, "web", "zhang", "m-1", 1)
    async with seeded() as uow:
        await uow.get(HousekeepingRepository).purge(messages_before=CUTOFF, now=NOW)
    async with seeded() as uow:
        recorded_again = await uow.inbound.record("web", "m-1", "c1", "zhang", None, [], NOW)
        count = len(
            (
                await uow.session.exec(
                    select(InboundMessage.id).where(
                        col(InboundMessage.platform_message_id) == "m-1"
                    )
                )
            ).all()
        )
    assert recorded_again is False
    assert count == 1


async def test_purge_takes_the_oldest_first_up_to_its_limit(seeded: UnitOfWorkFactory) -> None:
    async with seeded() as uow:
        for days_ago in (70, 60, 50, 40):
            await _deliver(uow, "web", "zhang", f"z-{days_ago}", days_ago)
        await _deliver(uow, "web", "zhang", "z-latest", 1)
    async with seeded() as uow:
        purge = uow.get(HousekeepingRepository).purge
        first = await purge(messages_before=CUTOFF, now=NOW, limit=2)
    async with seeded() as uow:
        after_first = await _message_ids(uow)
        second = await uow.get(HousekeepingRepository).purge(
            messages_before=CUTOFF, now=NOW, limit=2
        )
    async with seeded() as uow:
        after_second = await _message_ids(uow)
    assert first.messages == second.messages == 2
    assert after_first == {"z-50", "z-40", "z-latest"}
    assert after_second == {"z-latest"}
