"""Filing 10,000 tickets, then period statistics over 100,000 tickets (SQLite file).

Run: ``.venv/bin/python benchmarks/tickets.py [--file N] [--stats N]``. Filing goes
through the real service (counter row, routing, history, pushes) in batches of
one transaction per ticket; the statistics set is bulk-inserted and then
summarised by the same one-GROUP-BY query moderators get.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import insert

from bot.demo import seed_demo
from consultation.ticket_parsing import Place, default_catalogue
from consultation.tickets import Actor, Draft, TicketService
from storage.engine import create_engine, session_factory
from storage.migrate import upgrade
from storage.tickets import Ticket
from storage.unit_of_work import UnitOfWorkFactory

ZONE = ZoneInfo("Asia/Shanghai")
CAT = default_catalogue()


async def main(files: int, stats: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        await upgrade(engine)
        uow = UnitOfWorkFactory(session_factory(engine))
        await seed_demo(uow)
        reporter = Actor("web", "zhang", "张阿姨", 1)
        now = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)
        started = time.perf_counter()
        for i in range(files):
            async with uow() as u:
                draft = Draft(
                    draft_id=uuid.uuid4().hex,
                    description=f"{i % 8 + 1}号楼楼道灯坏了",
                    category="公共设施",
                    place=Place(f"{i % 8 + 1}号楼"),
                )
                await TicketService(u, CAT, ZONE).file(draft, reporter, now)
        elapsed = time.perf_counter() - started
        print(
            f"filed {files} tickets in {elapsed:.2f} s ({files / elapsed:.0f}/s, "
            f"{elapsed / files * 1000:.2f} ms each, one transaction each)"
        )

        rng = random.Random(7)
        rows = []
        base = datetime(2026, 1, 1, tzinfo=UTC)
        for i in range(stats - files):
            received = base + timedelta(minutes=rng.randrange(0, 365 * 24 * 60))
            resolved = received + timedelta(hours=rng.randrange(1, 100))
            rated = rng.random()
            rows.append(
                {
                    "number": f"B{i:09d}",
                    "draft_id": f"b{i}",
                    "category": rng.choice(CAT.names),
                    "status": "closed",
                    "level": "grid",
                    "description": "x",
                    "details": {},
                    "photos": [],
                    "reporter_platform": "web",
                    "reporter_user_id": "zhang",
                    "grid_id": rng.choice((1, 2)),
                    "received_at": received,
                    "response_due_at": received + timedelta(hours=4),
                    "resolution_due_at": received + timedelta(hours=72),
                    "accepted_at": received + timedelta(hours=rng.randrange(0, 6)),
                    "resolved_at": resolved,
                    "rating": "满意" if rated < 0.7 else ("不满意" if rated < 0.8 else None),
                    "urgent": False,
                    "wants_updates": True,
                    "dispatched": rated > 0.95,
                    "deadline_round": 0,
                    "reopen_count": 0,
                    "extensions": 0,
                    "updated_at": received,
                }
            )
        async with uow() as u:
            for chunk in range(0, len(rows), 5000):
                await u.session.execute(insert(Ticket), rows[chunk : chunk + 5000])
        async with uow() as u:
            service = TicketService(u, CAT, ZONE)
            timings = []
            for _ in range(5):
                t0 = time.perf_counter()
                year = await service.statistics(date(2025, 12, 1), date(2027, 2, 1), now)
                timings.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            month = await service.statistics(date(2026, 11, 1), date(2026, 12, 1), now)
            month_ms = (time.perf_counter() - t0) * 1000
        total = year.total
        print(
            f"statistics over {total.received} tickets (all of them): "
            f"best {min(timings) * 1000:.1f} ms, worst {max(timings) * 1000:.1f} ms "
            f"(target < 200 ms)"
        )
        print(
            f"  收集 {total.received} 分理 {total.dispatched} 办结 {total.resolved} "
            f"反馈 {total.rated}; on-time response {total.response_rate:.1%}, "
            f"resolution {total.resolution_rate:.1%}, satisfaction "
            f"{total.satisfaction_rate:.1%}; {len(year.by_grid)} grids, "
            f"{len(year.by_category)} categories"
        )
        print(f"statistics for one month ({month.total.received} tickets): {month_ms:.1f} ms")
        await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--file", type=int, default=10_000)
    parser.add_argument("--stats", type=int, default=100_000)
    args = parser.parse_args()
    asyncio.run(main(args.file, args.stats))
