"""What a platform callback adds to its message's transaction: nonces and the contact."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from storage.callbacks import CallbackRepository
from storage.engine import create_engine, session_factory
from storage.platforms import PlatformContact, PlatformRepository, SignatureNonce
from storage.unit_of_work import UnitOfWorkFactory

NOW = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


@pytest.fixture
async def factory(db_url: str) -> AsyncIterator[UnitOfWorkFactory]:
    engine = create_engine(db_url)
    made = UnitOfWorkFactory(session_factory(engine))
    yield made
    made.close()
    await engine.dispose()


async def contact(factory: UnitOfWorkFactory) -> PlatformContact | None:
    async with factory() as uow:
        return await uow.get(PlatformRepository).contact("wechat", "oA")


async def touch(factory: UnitOfWorkFactory, at: datetime) -> None:
    async with factory() as uow:
        await uow.get(CallbackRepository).touch_contact("wechat", "oA", at, at - MINUTE)


async def test_a_nonce_is_spent_once_and_forgotten_past_the_window(
    factory: UnitOfWorkFactory,
) -> None:
    async with factory() as uow:
        repo = uow.get(CallbackRepository)
        assert await repo.spend_nonce("wechat", 1000, "n1")
        assert await repo.spend_nonce("wechat", 1001, "n1")  # another timestamp
        assert await repo.spend_nonce("wecom", 1000, "n1")  # another platform
    async with factory() as uow:
        assert not await uow.get(CallbackRepository).spend_nonce("wechat", 1000, "n1")
    async with factory() as uow:
        await uow.get(CallbackRepository).prune_nonces("wechat", 1001)
    async with factory() as uow:
        left = (await uow.session.exec(select(SignatureNonce))).all()
    assert sorted((n.platform, n.stamp) for n in left) == [("wechat", 1001), ("wecom", 1000)]


async def test_spending_a_nonce_can_touch_the_contact_in_the_same_statement(
    factory: UnitOfWorkFactory,
) -> None:
    async with factory() as uow:
        repo = uow.get(CallbackRepository)
        assert await repo.spend_nonce("wechat", 1000, "n1", touch=("oA", NOW, NOW - MINUTE))
    assert (await contact(factory)).last_inbound_at == NOW  # type: ignore[union-attr]
    later = NOW + timedelta(minutes=2)
    async with factory() as uow:
        repo = uow.get(CallbackRepository)
        assert not await repo.spend_nonce("wechat", 1000, "n1", touch=("oA", later, NOW))
        assert await repo.spend_nonce("wechat", 1000, "n2", touch=("oA", later, later - MINUTE))
    assert (await contact(factory)).last_inbound_at == later  # type: ignore[union-attr]


async def test_the_contact_is_written_only_when_its_window_changes(
    factory: UnitOfWorkFactory,
) -> None:
    await touch(factory, NOW)
    first = await contact(factory)
    assert first is not None and first.last_inbound_at == NOW and first.subscribed
    await touch(factory, NOW + timedelta(seconds=30))  # within the minute: unchanged
    assert (await contact(factory)).last_inbound_at == NOW  # type: ignore[union-attr]
    async with factory() as uow:  # two pushes counted in the window
        repo = uow.get(PlatformRepository)
        for _ in range(2):
            assert await repo.take_window_slot("wechat", "oA", NOW, timedelta(hours=48), 5)
    await touch(factory, NOW + timedelta(seconds=40))  # the user wrote: the count restarts
    again = await contact(factory)
    assert again is not None and again.sent_in_window == 0
    assert again.last_inbound_at == NOW + timedelta(seconds=40)
    async with factory() as uow:
        await uow.get(PlatformRepository).touch_contact("wechat", "oA", NOW, subscribed=False)
    await touch(factory, NOW + timedelta(seconds=50))  # back after unsubscribing
    back = await contact(factory)
    assert back is not None and back.subscribed
    await touch(factory, NOW + timedelta(minutes=5))  # a minute on: the time moves
    assert (await contact(factory)).last_inbound_at == NOW + timedelta(minutes=5)  # type: ignore[union-attr]


async def test_touching_a_fresh_contact_takes_no_lock(factory: UnitOfWorkFactory) -> None:
    """Two transactions of one person (two messages at once) do not wait for each other."""
    await touch(factory, NOW)
    entered, release = asyncio.Event(), asyncio.Event()

    async def holder() -> None:
        async with factory() as uow:
            repo = uow.get(CallbackRepository)
            await repo.touch_contact("wechat", "oA", NOW + MINUTE / 2, NOW - MINUTE / 2)
            entered.set()
            await release.wait()

    held = asyncio.create_task(holder())
    await entered.wait()
    try:
        if factory.lane is None:  # PostgreSQL: a second connection, row locks
            await asyncio.wait_for(touch(factory, NOW + MINUTE / 2), 5)
    finally:
        release.set()
        await held
