"""The send record and the lease on both backends: the database decides, not process memory."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from storage.engine import create_engine, session_factory
from storage.scheduler import ScheduledSend, ScheduledSendRepository, SchedulerLeaseRepository
from storage.unit_of_work import UnitOfWorkFactory

NOW = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)
TTL = timedelta(seconds=30)


def _uow(url: str) -> UnitOfWorkFactory:
    return UnitOfWorkFactory(session_factory(create_engine(url)))


async def test_a_key_is_claimed_once_even_concurrently(db_url: str) -> None:
    factories = [_uow(db_url) for _ in range(4)]

    async def claim(factory: UnitOfWorkFactory) -> bool:
        async with factory() as uow:
            return await uow.get(ScheduledSendRepository).claim(
                ScheduledSend(
                    key="meeting.announce:M1:7d",
                    kind="meeting.announce",
                    ref="M1",
                    due_at=NOW,
                    status="sent",
                    recorded_at=NOW,
                    actor="t",
                )
            )

    results = await asyncio.gather(*(claim(f) for f in factories))
    assert sorted(results) == [False, False, False, True]
    async with factories[0]() as uow:
        repo = uow.get(ScheduledSendRepository)
        assert await repo.recorded(["meeting.announce:M1:7d", "other"]) == {
            "meeting.announce:M1:7d"
        }


async def test_lease_is_held_renewed_released_and_taken_over_when_expired(db_url: str) -> None:
    uow = _uow(db_url)

    async def acquire(holder: str, now: datetime) -> bool:
        async with uow() as u:
            return await u.get(SchedulerLeaseRepository).acquire("scheduler", holder, now, TTL)

    assert await acquire("a", NOW)
    assert not await acquire("b", NOW + timedelta(seconds=10))
    assert await acquire("a", NOW + timedelta(seconds=20))  # renewed until +50 s
    assert not await acquire("b", NOW + timedelta(seconds=45))
    assert await acquire("b", NOW + timedelta(seconds=50))  # "a" stopped renewing
    assert not await acquire("a", NOW + timedelta(seconds=55))
    async with uow() as u:
        await u.get(SchedulerLeaseRepository).release("scheduler", "b", NOW + timedelta(minutes=1))
    assert await acquire("a", NOW + timedelta(minutes=1))
    async with uow() as u:
        lease = await u.get(SchedulerLeaseRepository).current("scheduler")
    assert lease is not None and lease.holder == "a"
    assert lease.acquired_at == NOW + timedelta(minutes=1)


async def test_concurrent_takeover_has_one_winner(db_url: str) -> None:
    factories = [_uow(db_url) for _ in range(3)]

    async def acquire(i: int) -> bool:
        async with factories[i]() as u:
            return await u.get(SchedulerLeaseRepository).acquire("scheduler", f"h{i}", NOW, TTL)

    assert sorted(await asyncio.gather(*(acquire(i) for i in range(3)))) == [False, False, True]
