"""The scheduler service on real databases, driven by a controllable clock.

A small meeting-like source (start times held in memory, announcements at
7d/1d/2h to the configured groups) stands in for the domains' sources: what is
tested here is the engine — timers, catch-up, late marking, dropping, moving,
cancelling, leadership and exactly-once.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.app import Yishi
from bot.config import SchedulerSettings
from bot.scheduler import SchedulerService
from consultation.timetable import Outcome, Timetable
from storage.engine import create_engine, session_factory
from storage.models import Push
from storage.scheduler import ScheduledSendRepository, SchedulerLeaseRepository
from storage.unit_of_work import UnitOfWorkFactory
from tests.bot.scheduler_support import START, MeetingsStandIn, group_texts
from tests.conftest import Clock, make_settings

ZONE = ZoneInfo("Asia/Shanghai")


def _settings(**overrides: Any) -> SchedulerSettings:
    return SchedulerSettings(**{"lease_seconds": 30, **overrides})


def service(
    url: str, clock: Clock, source: MeetingsStandIn, holder: str, **settings: Any
) -> tuple[SchedulerService, UnitOfWorkFactory]:
    """A scheduler on its own engine (its own connections), as a separate process would have."""
    engine = create_engine(url)
    uow = UnitOfWorkFactory(session_factory(engine))
    timetable = Timetable([source], late_tolerance=timedelta(minutes=5))
    svc = SchedulerService(
        uow, timetable, _settings(**settings), zone=ZONE, clock=clock, holder=holder
    )
    return svc, uow


async def records(uow: UnitOfWorkFactory, prefix: str = "meeting") -> dict[str, tuple[str, bool]]:
    async with uow() as u:
        rows = await u.get(ScheduledSendRepository).for_key_prefix(prefix)
    return {r.key: (r.status, r.late) for r in rows}


async def test_announcements_fire_at_their_times_to_every_group(
    sqlite_url: str, clock: Clock
) -> None:
    clock.now = START - timedelta(days=8)
    source = MeetingsStandIn({"M202612": START})
    svc, uow = service(sqlite_url, clock, source, "a")
    assert await svc.tick()
    assert await svc.run_due() == {}
    clock.now = START - timedelta(days=7)
    assert await svc.run_due() == {"meeting.announce:M202612:7d": Outcome.SENT}
    assert await svc.run_due() == {}  # a retried job finds the key recorded
    clock.now = START - timedelta(days=1, seconds=-1)
    assert await svc.run_due() == {"meeting.announce:M202612:1d": Outcome.SENT}
    clock.now = START - timedelta(hours=2)
    assert await svc.run_due() == {"meeting.announce:M202612:2h": Outcome.SENT}
    for chat in ("group:main", "group:east"):
        assert await group_texts(uow, chat) == [
            "M202612 议事会通知（提前7d）",
            "M202612 议事会通知（提前1d）",
            "M202612 议事会通知（提前2h）",
        ]
    assert await records(uow) == {
        "meeting.announce:M202612:7d": ("sent", False),
        "meeting.announce:M202612:1d": ("sent", False),
        "meeting.announce:M202612:2h": ("sent", False),
    }


async def test_restart_midway_sends_the_missed_one_once_marked_late(
    sqlite_url: str, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    clock.now = START - timedelta(days=7)
    source = MeetingsStandIn({"M202612": START})
    first, uow = service(sqlite_url, clock, source, "first")
    await first.tick()
    assert source.fired == [("meeting.announce:M202612:7d", False)]
    await first.stop()  # the process goes down before the 1-day announcement

    clock.now = START - timedelta(hours=20)  # back up 4 hours after the 1d slot
    second, _ = service(sqlite_url, clock, source, "second")
    with caplog.at_level(logging.WARNING, logger="yishi.schedule"):
        assert await second.tick()  # start-up catch-up
    assert source.fired[1:] == [("meeting.announce:M202612:1d", True)]
    assert "sent late" in caplog.text
    assert await second.run_due() == {}
    third, _ = service(sqlite_url, clock, source, "third")  # and yet another restart
    await second.stop()
    await third.tick()
    assert len(source.fired) == 2
    assert (await group_texts(uow))[-1] == "【补发】M202612 议事会通知（提前1d）"
    assert (await records(uow))["meeting.announce:M202612:1d"] == ("sent", True)


async def test_an_announcement_for_a_meeting_already_held_is_dropped_and_logged(
    sqlite_url: str, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    clock.now = START + timedelta(hours=1)  # down for over a week, meeting is over
    source = MeetingsStandIn({"M202612": START})
    svc, uow = service(sqlite_url, clock, source, "a")
    with caplog.at_level(logging.WARNING, logger="yishi.schedule"):
        await svc.tick()
    assert source.fired == [] and await group_texts(uow) == []
    assert set((await records(uow)).values()) == {("dropped", False)}
    assert caplog.text.count("dropped") == 3


async def test_moving_a_meeting_moves_its_timers_and_cancelling_removes_them(
    sqlite_url: str, clock: Clock
) -> None:
    clock.now = START - timedelta(days=3)
    source = MeetingsStandIn({"M202612": START})
    svc, uow = service(sqlite_url, clock, source, "a", horizon_hours=24 * 10)
    await svc.start()
    try:
        await svc.tick()
        assert source.fired == [("meeting.announce:M202612:7d", True)]  # catch-up
        assert svc.planned() == [
            (START - timedelta(days=1)).astimezone(svc.zone),
            (START - timedelta(hours=2)).astimezone(svc.zone),
        ]
        moved = START + timedelta(days=7)
        source.starts["M202612"] = moved  # a moderator moved it a week later
        await svc.rebuild()
        assert svc.planned() == [
            (moved - timedelta(days=1)).astimezone(svc.zone),
            (moved - timedelta(hours=2)).astimezone(svc.zone),
        ]
        clock.now = START - timedelta(days=1)  # the old slot passes: nothing
        assert await svc.run_due() == {}
        del source.starts["M202612"]  # cancelled
        await svc.rebuild()
        assert svc.planned() == []
        clock.now = moved
        assert await svc.run_due() == {}
        assert len(await group_texts(uow)) == 1
    finally:
        await svc.stop()


async def test_a_failing_event_is_retried_then_recorded_failed(
    sqlite_url: str, clock: Clock
) -> None:
    clock.now = START - timedelta(days=7)
    source = MeetingsStandIn({"M202612": START}, fail_times=1)
    svc, uow = service(sqlite_url, clock, source, "a", max_attempts=2)
    await svc.tick()
    assert source.fired == [] and await group_texts(uow) == []  # rolled back: no record
    assert await svc.run_due() == {"meeting.announce:M202612:7d": Outcome.SENT}
    source.fail_times = 5
    clock.now = START - timedelta(days=1)
    await svc.run_due()
    await svc.run_due()
    assert (await records(uow))["meeting.announce:M202612:1d"][0] == "failed"
    assert await svc.run_due() == {}


async def test_one_leader_and_a_dead_one_is_taken_over(sqlite_url: str, clock: Clock) -> None:
    clock.now = START - timedelta(days=8)
    source = MeetingsStandIn({"M202612": START})
    a, uow = service(sqlite_url, clock, source, "a")
    b, _ = service(sqlite_url, clock, source, "b")
    assert await a.tick() and not await b.tick()
    clock.advance(seconds=20)
    assert await a.tick() and not await b.tick()  # renewed
    clock.now = START - timedelta(days=7)
    assert await b.run_due() == {}  # not the leader: fires nothing
    # "a" hangs (stops renewing); once its lease runs out "b" takes over, and "a",
    # waking up, finds the lease gone and fires nothing.
    clock.advance(seconds=31)
    assert await b.tick()
    assert await a.run_due() == {}
    assert source.fired == [("meeting.announce:M202612:7d", False)]  # 31 s: within tolerance
    assert not await a.tick()
    async with uow() as u:
        lease = await u.get(SchedulerLeaseRepository).current("scheduler")
    assert lease is not None and lease.holder == "b"


async def test_real_apscheduler_fires_a_timer_a_few_milliseconds_ahead(sqlite_url: str) -> None:
    source = MeetingsStandIn()
    engine = create_engine(sqlite_url)
    uow = UnitOfWorkFactory(session_factory(engine))
    fired = asyncio.Event()
    svc = SchedulerService(
        uow,
        Timetable([source]),
        _settings(),
        zone=ZONE,
        holder="real",
        on_fired=fired.set,
    )
    await svc.start()
    try:
        for _ in range(200):  # the first (immediate) tick makes it leader
            if svc.leader:
                break
            await asyncio.sleep(0.01)
        assert svc.leader
        start = datetime.now(UTC) + timedelta(hours=2, milliseconds=80)
        source.starts["M1"] = start
        source.offsets = ("2h",)
        await svc.rebuild()
        assert len(svc.planned()) == 1
        await asyncio.wait_for(fired.wait(), 5)
        assert source.fired == [("meeting.announce:M1:2h", False)]
        assert svc.planned() == []
    finally:
        await svc.stop()
        await engine.dispose()


async def test_yishi_runs_the_scheduler_and_moderators_refresh_hook(
    sqlite_url: str, clock: Clock
) -> None:
    clock.now = START - timedelta(days=7, minutes=-1)
    source = MeetingsStandIn({"M202612": START})
    bot = Yishi(make_settings(sqlite_url), clock=clock, timed_sources=[source])
    try:
        await bot.scheduler.tick()
        assert source.fired == [("meeting.announce:M202612:7d", False)]
        async with bot.uow() as u:
            pushes = list((await u.session.exec(_all_pushes())).all())
        assert {p.chat_id for p in pushes} == {"group:main", "group:east"}
    finally:
        await bot.stop()


def _all_pushes() -> Any:
    from sqlmodel import select

    return select(Push)


@pytest.mark.postgres
async def test_two_schedulers_on_postgresql_send_each_announcement_once(
    pg_url: str, clock: Clock
) -> None:
    clock.now = START - timedelta(days=8)
    source = MeetingsStandIn({"M202612": START, "M202701": START + timedelta(days=28)})
    a, uow = service(pg_url, clock, source, "a")
    b, _ = service(pg_url, clock, source, "b")
    ticks = await asyncio.gather(a.tick(), b.tick())
    assert sorted(ticks) == [False, True]
    leader, standby = (a, b) if ticks[0] else (b, a)

    clock.now = START - timedelta(days=7)
    await asyncio.gather(leader.run_due(), standby.run_due(), leader.run_due())
    # Even two schedulers that both believe they lead cannot send twice: force it.
    standby.leader, standby._lease_until = True, clock.now + timedelta(seconds=30)
    clock.now = START - timedelta(days=1)
    results = await asyncio.gather(leader.run_due(), standby.run_due())
    assert sum(len(r) for r in results) >= 1
    standby.leader, standby._lease_until = False, None

    await leader.stop()  # the holder stops; the survivor takes over at once
    clock.now = START - timedelta(hours=2)
    assert await standby.tick()
    clock.now = START + timedelta(days=28) - timedelta(days=7)
    await standby.run_due()

    sent = [k for k, _ in source.fired]
    assert sorted(sent) == sorted(set(sent))
    assert set(sent) == {
        "meeting.announce:M202612:7d",
        "meeting.announce:M202612:1d",
        "meeting.announce:M202612:2h",
        "meeting.announce:M202701:7d",
    }
    texts = await group_texts(uow)
    assert len(texts) == len(set(texts)) == 4
    await standby.stop()
