"""Filing 10,000 tickets, then period statistics over 100,000 tickets (SQLite file).

Run: ``.venv/bin/python benchmarks/tickets.py [--file N] [--stats N] [--tasks K]``.

Filing goes through the real service (counter row, routing, history, derived
statistics columns) three ways: one transaction per ticket in a row; batches of
50 tickets per transaction; and K concurrent tasks each filing one ticket per
transaction (what several residents at once look like). The statistics set is
bulk-inserted, restamped in one UPDATE, and summarised by the same service call
moderators get (total, by grid, by category), repeated to give median and p95.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import insert

from bot.demo import seed_demo
from consultation.ticket_parsing import Place, default_catalogue
from consultation.tickets import Actor, Statistics, TicketDraft, TicketService
from storage.engine import create_engine, session_factory
from storage.migrate import upgrade
from storage.tickets import Ticket, TicketRepository
from storage.unit_of_work import UnitOfWork, UnitOfWorkFactory

ZONE = ZoneInfo("Asia/Shanghai")
CAT = default_catalogue()
REPORTER = Actor("web", "zhang", "张阿姨", 1)
NOW = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)


def _draft(i: int) -> TicketDraft:
    return TicketDraft(
        draft_id=uuid.uuid4().hex,
        description=f"{i % 8 + 1}号楼楼道灯坏了",
        category="公共设施",
        place=Place(f"{i % 8 + 1}号楼"),
    )


async def _file(uow: UnitOfWorkFactory, count: int, batch: int, tasks: int) -> float:
    """Tickets per second for ``count`` tickets, ``batch`` per transaction, ``tasks`` at once."""
    queue = iter(range(count))

    async def worker() -> None:
        while True:
            chunk = [i for _, i in zip(range(batch), queue, strict=False)]
            if not chunk:
                return
            async with uow() as u:
                service = TicketService(u, CAT, ZONE)
                for i in chunk:
                    await service.file(_draft(i), REPORTER, NOW)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(tasks)))
    return count / (time.perf_counter() - started)


def _stat_rows(count: int) -> list[dict[str, object]]:
    rng = random.Random(7)
    base = datetime(2026, 1, 1, tzinfo=UTC)
    rows: list[dict[str, object]] = []
    for i in range(count):
        received = base + timedelta(minutes=rng.randrange(0, 365 * 24 * 60))
        state = rng.random()
        accepted = received + timedelta(hours=rng.randrange(0, 6)) if state > 0.02 else None
        resolved = received + timedelta(hours=rng.randrange(1, 100)) if state > 0.05 else None
        rated = rng.random()
        rows.append(
            {
                "number": f"B{i:09d}",
                "draft_id": f"b{i}",
                "category": rng.choice(CAT.names),
                "status": "closed" if resolved else "in_progress",
                "level": "grid",
                "description": "x",
                "details": {},
                "photos": [],
                "reporter_platform": "web",
                "reporter_user_id": "zhang",
                "grid_id": rng.choice((1, 2, None)),
                "received_at": received,
                "response_due_at": received + timedelta(hours=4),
                "resolution_due_at": received + timedelta(hours=72),
                "accepted_at": accepted,
                "resolved_at": resolved,
                "rating": None
                if resolved is None
                else ("满意" if rated < 0.6 else "基本满意" if rated < 0.7 else "不满意"),
                "urgent": False,
                "wants_updates": True,
                "dispatched": rated > 0.95,
                "deadline_round": 0,
                "reopen_count": 0,
                "extensions": 0,
                "updated_at": received,
            }
        )
    return rows


async def _timed(runs: int, call: Callable[[], Awaitable[Statistics]]) -> tuple[float, float]:
    """Median and p95 in milliseconds."""
    timings = []
    for _ in range(runs):
        t0 = time.perf_counter()
        await call()
        timings.append((time.perf_counter() - t0) * 1000)
    timings.sort()
    return statistics.median(timings), timings[min(len(timings) - 1, int(len(timings) * 0.95))]


async def main(files: int, stats: int, tasks: int, runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        await upgrade(engine)
        uow = UnitOfWorkFactory(session_factory(engine))
        await seed_demo(uow)

        part = max(1, files // 3)
        one = await _file(uow, part, batch=1, tasks=1)
        batched = await _file(uow, part, batch=50, tasks=1)
        concurrent = await _file(uow, files - 2 * part, batch=1, tasks=tasks)
        print(f"filing {files} tickets through TicketService (SQLite file, WAL):")
        print(f"  one transaction per ticket, one after another: {one:.0f}/s ({1000 / one:.2f} ms)")
        print(f"  50 tickets per transaction:                    {batched:.0f}/s")
        print(f"  {tasks} concurrent tasks, one transaction each:   {concurrent:.0f}/s")

        rows = _stat_rows(stats - files)
        async with uow() as u:
            table = Ticket.__table__  # type: ignore[attr-defined]
            for chunk in range(0, len(rows), 5000):  # Core executemany through the session
                await u.session.execute(insert(table), rows[chunk : chunk + 5000])
            await u.get(TicketRepository).restamp()

        async def period(start: date, end: date) -> Statistics:
            u: UnitOfWork
            async with uow() as u:
                return await TicketService(u, CAT, ZONE).statistics(start, end, NOW)

        year = await period(date(2025, 12, 1), date(2027, 2, 1))
        month = await period(date(2026, 11, 1), date(2026, 12, 1))
        y_med, y_p95 = await _timed(runs, lambda: period(date(2025, 12, 1), date(2027, 2, 1)))
        m_med, m_p95 = await _timed(runs, lambda: period(date(2026, 11, 1), date(2026, 12, 1)))
        print(f"statistics ({runs} runs each; total + by grid + by category in one query):")
        print(
            f"  a year, {year.total.received} tickets ({len(year.by_grid)} grids, "
            f"{len(year.by_category)} categories): median {y_med:.1f} ms, p95 {y_p95:.1f} ms"
        )
        print(
            f"  a month, {month.total.received} tickets: "
            f"median {m_med:.1f} ms, p95 {m_p95:.1f} ms  (target < 200 ms)"
        )
        total = year.total
        print(
            f"  收集 {total.received} 分理 {total.dispatched} 办结 {total.resolved} "
            f"反馈 {total.rated}; on-time response {total.response_rate:.1%}, "
            f"resolution {total.resolution_rate:.1%}, satisfaction {total.satisfaction_rate:.1%}"
        )
        for row in year.by_grid:
            print(f"    {row.grid}: 收集 {row.received} 办结 {row.resolved}")
        for row in year.by_category:
            print(f"    {row.category}: 收集 {row.received} 满意 {row.satisfied}")
        await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--file", type=int, default=10_000)
    parser.add_argument("--stats", type=int, default=100_000)
    parser.add_argument("--tasks", type=int, default=8)
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    asyncio.run(main(args.file, args.stats, args.tasks, args.runs))
