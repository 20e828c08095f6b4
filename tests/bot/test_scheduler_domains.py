"""The real meeting and poll sources through the scheduler: on time, late once, tally once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.app import Yishi
from consultation.meetings import MeetingService
from consultation.polls import PollService, PollSpec
from storage.tickets import Ticket
from tests.conftest import Clock

NOW = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)


async def _group(bot: Yishi) -> list[str]:
    async with bot.uow() as uow:
        return [str(p.payload["text"]) for p in await uow.pushes.for_chat("web", "group:main")]


async def test_meeting_announcements_on_time_then_late_once_after_a_restart(
    yishi: Yishi, clock: Clock
) -> None:
    clock.now = NOW
    async with yishi.uow() as uow:
        meeting = await MeetingService(
            uow, yishi.settings.consultation.rules(), yishi.settings.zone, NOW
        ).create_next("test")
    start = meeting.starts_at  # 2026-12-05 09:30 Shanghai
    first = Yishi(yishi.settings, clock=clock)
    clock.now = start - timedelta(days=7)
    await first.scheduler.tick()
    assert len(await _group(first)) == 1
    assert "M202612" in (await _group(first))[0]
    await first.stop()  # down across the 1-day announcement

    clock.now = start - timedelta(hours=20)
    second = Yishi(yishi.settings, clock=clock)
    await second.scheduler.tick()
    await second.scheduler.run_due()
    texts = await _group(second)
    assert len(texts) == 2 and "系统恢复后补发" in texts[1] and "系统恢复后补发" not in texts[0]
    clock.now = start - timedelta(hours=2)
    await second.scheduler.tick()
    await second.scheduler.run_due()
    assert len(await _group(second)) == 3
    clock.now = start + timedelta(minutes=1)
    await second.scheduler.tick()
    assert len(await _group(second)) == 3
    await second.stop()


async def test_a_poll_closed_by_the_scheduler_posts_its_tally_once(
    yishi: Yishi, clock: Clock
) -> None:
    clock.now = NOW
    async with yishi.uow() as uow:
        poll = await PollService(uow, NOW).open(
            PollSpec("是否加装电梯", closes_at=NOW + timedelta(hours=1)),
            None,
            "web",
            "group:main",
            "test",
        )
    bot = Yishi(yishi.settings, clock=clock)
    other = Yishi(yishi.settings, clock=clock)  # a second process on the same database
    await bot.scheduler.tick()
    clock.advance(hours=1)
    await bot.scheduler.tick()
    other.scheduler.leader, other.scheduler._lease_until = True, clock.now + timedelta(seconds=9)
    await other.scheduler.run_due()
    await bot.scheduler.run_due()
    texts = await _group(bot)
    assert len(texts) == 1 and "是否加装电梯" in texts[0]
    async with bot.uow() as uow:
        assert (await PollService(uow, clock.now).get(poll.id or 0)).status == "closed"
    await bot.stop()
    await other.stop()


async def test_messages_go_through_while_a_rebuild_reads_a_thousand_tickets(
    yishi: Yishi, clock: Clock
) -> None:
    clock.now = NOW
    async with yishi.uow() as uow:
        uow.session.add_all(
            Ticket(
                number=f"R20261122-{i:04d}",
                draft_id=f"d{i}",
                category="公共设施",
                description="楼道灯坏了",
                reporter_platform="web",
                reporter_user_id="zhang",
                received_at=NOW,
                response_due_at=NOW + timedelta(hours=4),
                resolution_due_at=NOW + timedelta(hours=20),
                updated_at=NOW,
            )
            for i in range(1000)
        )
    yishi.scheduler.horizon = timedelta(hours=24)  # a plan reaching every ticket's steps
    assert await yishi.scheduler.tick()  # the lease (and a first rebuild)
    rebuilding = asyncio.ensure_future(yishi.scheduler.rebuild())
    written = 0
    while not rebuilding.done():  # a resident's messages, one transaction each
        async with yishi.uow() as uow:
            await uow.audit.record("web:li", "said_hello", "resident", "li")
        written += 1
    ahead = await rebuilding
    # Forty pages of tickets: the rebuild gave the database back between them.
    assert written >= 5
    # Every ticket's two warnings and two escalations, all within the day.
    assert len([e for e in ahead if e.kind.startswith("ticket.")]) == 4000
