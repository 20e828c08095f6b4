"""The grid workers' morning digest and the moderators' monthly report.

The ticket and consultation domains answer the query ports; here small
stand-ins answer them, over the demo community's real residents and bindings,
and the scheduler fires the digest and the report at their local times.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.app import Yishi, default_timed_sources
from consultation.digests import (
    ConsultationFigures,
    GridDigestSource,
    MonthlyReportSource,
    OpenTask,
    TicketFigures,
    WorkerTasks,
)
from notices.digests import digest_text
from storage.unit_of_work import UnitOfWork
from tests.conftest import Clock, make_settings

ZONE = ZoneInfo("Asia/Shanghai")


@dataclass
class Tasks:
    """Stand-in for the ticket domain: 王网格员 has three open tasks, 赵网格员 none."""

    async def open_tasks_by_worker(self, uow: UnitOfWork, now: datetime) -> list[WorkerTasks]:
        wang = (await uow.residents.with_role("grid_worker"))[0]
        assert wang.id is not None and wang.name == "王网格员"
        tasks = [
            OpenTask("R20261121-0002", "5号楼门口垃圾没清", now - timedelta(days=1), "5号楼"),
            OpenTask("R20261118-0001", "3号楼楼道灯坏了", now - timedelta(days=4), "3号楼2单元"),
            OpenTask(
                "R20261123-0001",
                "东门积水",
                now - timedelta(hours=1),
                due_at=datetime(2026, 11, 24, 10, 0, tzinfo=UTC),
            ),
        ]
        return [WorkerTasks(wang.id, wang.name, tasks), WorkerTasks(999, "空", [])]


@dataclass
class Figures:
    async def ticket_figures(
        self, uow: UnitOfWork, start: datetime, end: datetime
    ) -> TicketFigures:
        assert (start, end) == (
            datetime(2026, 10, 31, 16, 0, tzinfo=UTC),  # 1 Nov 00:00 Shanghai
            datetime(2026, 11, 30, 16, 0, tzinfo=UTC),
        )
        return TicketFigures(657, 36, 621, 621, 5, 36, satisfied_percent=96.4)

    async def consultation_figures(
        self, uow: UnitOfWork, start: datetime, end: datetime
    ) -> ConsultationFigures:
        return ConsultationFigures(1, 6, 4, 3, 2)


def test_digest_lists_tasks_oldest_first_with_age_and_deadline() -> None:
    now = datetime(2026, 11, 23, 0, 30, tzinfo=UTC)
    worker = WorkerTasks(
        1,
        "王网格员",
        [
            OpenTask("R2", "东门积水", now - timedelta(hours=2)),
            OpenTask("R1", "楼道灯坏了", now - timedelta(days=3), "3号楼", now + timedelta(days=1)),
        ],
    )
    text = digest_text(worker, now, ZONE, None)
    assert text.splitlines() == [
        "王网格员，早上好！您目前有2件待办任务（先受理的在前）：",
        "1. R1 楼道灯坏了（3号楼），已3天，请于11月24日 08:30前办结",
        "2. R2 东门积水，今天受理",
    ]


def test_digest_and_report_times_are_shanghai_wall_clock() -> None:
    digest = GridDigestSource(Tasks(), ZONE, at=time(8, 30))
    report = MonthlyReportSource(ZONE, day=1, at=time(9, 0))
    assert digest.event_for(date(2026, 11, 23)).due_at == datetime(2026, 11, 23, 0, 30, tzinfo=UTC)
    event = report.event_for(date(2026, 12, 1))
    assert event.due_at == datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    assert event.key == "report.monthly:2026-11"  # the month it reports on
    january = report.event_for(date(2027, 1, 1))
    assert january.key == "report.monthly:2026-12"


async def test_digest_goes_to_each_grid_worker_at_0830_once(yishi: Yishi, clock: Clock) -> None:
    sources = default_timed_sources(yishi.settings, open_tasks=Tasks())
    bot = Yishi(yishi.settings, clock=clock, timed_sources=sources)
    try:
        clock.now = datetime(2026, 11, 23, 0, 29, tzinfo=UTC)  # 08:29 Shanghai
        assert await bot.scheduler.tick()
        assert await _texts(bot, "wang") == []
        clock.advance(minutes=1)
        assert list(await bot.scheduler.run_due()) == ["digest.grid:2026-11-23"]
        clock.advance(minutes=1)
        assert await bot.scheduler.run_due() == {}
        [text] = await _texts(bot, "wang")
        lines = text.splitlines()
        assert lines[0] == "王网格员，早上好！您目前有3件待办任务（先受理的在前）："
        assert [line.split()[1] for line in lines[1:]] == [
            "R20261118-0001",
            "R20261121-0002",
            "R20261123-0001",
        ]
        assert await _texts(bot, "zhao") == []  # nothing open, no message
    finally:
        await bot.stop()


async def test_digest_missed_in_the_morning_is_sent_once_marked_late(
    yishi: Yishi, clock: Clock
) -> None:
    sources = default_timed_sources(yishi.settings, open_tasks=Tasks())
    bot = Yishi(yishi.settings, clock=clock, timed_sources=sources)
    try:
        clock.now = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # back up at 10:00
        await bot.scheduler.tick()  # start-up catch-up
        clock.advance(minutes=5)
        await bot.scheduler.tick()
        assert await bot.scheduler.run_due() == {}
        [text] = await _texts(bot, "wang")
        assert text.startswith("【补发】本条原定11月23日 08:30发出")
    finally:
        await bot.stop()


async def test_monthly_report_reaches_moderators_on_the_first_at_0900(
    sqlite_url: str, clock: Clock
) -> None:
    from bot.demo import seed_demo

    settings = make_settings(sqlite_url)
    sources = default_timed_sources(
        settings, ticket_figures=Figures(), consultation_figures=Figures()
    )
    bot = Yishi(settings, clock=clock, timed_sources=sources)
    await seed_demo(bot.uow, clock())  # on 22 November: the community lived November
    try:
        clock.now = datetime(2026, 12, 1, 0, 59, tzinfo=UTC)
        await bot.scheduler.tick()
        clock.advance(minutes=1)
        assert list(await bot.scheduler.run_due()) == ["report.monthly:2026-11"]
        [text] = await _texts(bot, "li")
        assert text.splitlines() == [
            "【2026年11月工作月报】",
            "诉求：收集657件，分理36件，办结621件，反馈621件，上报5件；月底未办结36件，满意率96%。",
            "议事：召开议事会1次，收到议题6个、受理4个，结束表决3项，形成决议2项。",
        ]
        for other in ("zhang", "wang", "chen"):
            assert await _texts(bot, other) == []
    finally:
        await bot.stop()


async def _texts(bot: Yishi, user: str) -> list[str]:
    async with bot.uow() as uow:
        return [str(p.payload["text"]) for p in await uow.pushes.for_chat("web", user)]
