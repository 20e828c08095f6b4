"""Benchmark the scheduler: rebuilding at a restart, and one announcement to 1,000 groups.

Run: ``python benchmarks/scheduler.py [--url URL] [--groups 1000] [--platform web]``.

1. Restart: 10,000 meetings (announcements at 7d/1d/2h, a reminder at 1d) and
   100,000 open tickets (response and resolution warnings and escalations),
   inserted in bulk through SQLAlchemy core into the real ``meetings`` and
   ``tickets`` tables, starts and deadlines spread over the next 30 days, the
   process down for the last hour. A fresh scheduler wired exactly as ``yishi
   run`` wires it (:class:`bot.app.Yishi`: the real meeting, poll, ticket,
   digest and report sources) takes the lease, fires what it missed (late:
   real pushes, ticket history and escalations), and sets its timers for the
   horizon.
2. One announcement to N groups through the real outbox and PushService under the
   platform's configured rate limit (a loopback sender that records each message).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import sys
import tempfile
import time
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select  # noqa: E402
from sqlmodel import col  # noqa: E402

from bot.app import Yishi  # noqa: E402
from bot.config import PushSettings, SchedulerSettings, Settings  # noqa: E402
from bot.push import PushService  # noqa: E402
from bot.scheduler import SchedulerService  # noqa: E402
from consultation.schedule import TimedEvent  # noqa: E402
from consultation.timetable import Timetable  # noqa: E402
from kernel.messages import Reply  # noqa: E402
from storage.engine import create_engine, session_factory  # noqa: E402
from storage.meetings import Meeting  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.scheduler import ScheduledSend  # noqa: E402
from storage.tickets import Ticket  # noqa: E402
from storage.unit_of_work import UnitOfWork, UnitOfWorkFactory  # noqa: E402

ZONE = ZoneInfo("Asia/Shanghai")
# A day ahead of the real clock, so APScheduler's real timers all lie in the future.
NOW = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
DOWN_FOR = timedelta(hours=1)
SPAN = 30 * 24 * 3600
BATCH = 10_000


def _payload(text: str) -> dict[str, object]:
    return Reply(text).as_json()


def _meeting_rows(n: int, rng: random.Random) -> list[dict[str, object]]:
    return [
        {
            "code": f"M{i:07d}",
            "starts_at": NOW + timedelta(seconds=rng.randrange(SPAN)),
            "place": "社区议事厅",
            "capacity": 60,
            "status": "scheduled",
            "created_at": NOW - timedelta(days=40),
        }
        for i in range(n)
    ]


def _ticket_row(i: int, rng: random.Random, yishi: Yishi) -> dict[str, object]:
    """An open 公共设施 ticket whose steps due before the process went down were done."""
    response, resolution = yishi.tickets.limits("公共设施", False)
    warn_response = yishi.tickets.warn_ahead(response)
    warn_resolution = yishi.tickets.warn_ahead(resolution)
    resolution_due = NOW - DOWN_FOR + timedelta(seconds=rng.randrange(SPAN))
    received = resolution_due - resolution
    response_due = received + response
    went_down = NOW - DOWN_FOR

    def done(at: datetime) -> datetime | None:
        return at if at <= went_down else None

    escalated = response_due <= went_down
    return {
        "number": f"R{i:07d}",
        "draft_id": f"bench-{i}",
        "category": "公共设施",
        "urgent": False,
        "status": "escalated" if escalated else "received",
        "level": "community" if escalated else "grid",
        "description": "楼道灯坏了",
        "building": f"{i % 40 + 1}号楼",
        "details": {},
        "photos": [],
        "reporter_platform": "web",
        "reporter_user_id": f"resident{i % 5000}",
        "wants_updates": True,
        "dispatched": False,
        "received_at": received,
        "response_due_at": response_due,
        "resolution_due_at": resolution_due,
        "response_warned_at": done(response_due - warn_response),
        "response_escalated_at": done(response_due),
        "resolution_warned_at": done(resolution_due - warn_resolution),
        "resolution_escalated_at": done(resolution_due),
        "deadline_round": 0,
        "reopen_count": 0,
        "extensions": 0,
        "updated_at": received,
    }


async def seed(yishi: Yishi, n_meetings: int, n_tickets: int) -> None:
    """Bulk rows into the real tables; what fell due before the process went down is done."""
    rng = random.Random(7)
    uow = yishi.uow
    for start in range(0, n_meetings, BATCH):
        async with uow() as u:
            rows = _meeting_rows(min(BATCH, n_meetings - start), rng)
            for offset, row in enumerate(rows):
                row["code"] = f"M{start + offset:07d}"
            await u.session.execute(insert(Meeting.__table__), rows)  # type: ignore[attr-defined]
    for start in range(0, n_tickets, BATCH):
        async with uow() as u:
            await u.session.execute(
                insert(Ticket.__table__),  # type: ignore[attr-defined]
                [_ticket_row(i, rng, yishi) for i in range(start, min(n_tickets, start + BATCH))],
            )
    # The announcements due before the process went down were sent while it was up.
    async with uow() as u:
        before = await yishi.timetable.due(u, NOW - DOWN_FOR)
        if before:
            await u.session.execute(
                insert(ScheduledSend),
                [
                    {
                        "key": e.key,
                        "kind": e.kind,
                        "ref": e.ref,
                        "status": "sent",
                        "due_at": e.due_at,
                        "recorded_at": e.due_at,
                        "late": False,
                        "actor": "scheduler",
                    }
                    for e in before
                ],
            )
    print(f"recorded {len(before):,} events as sent before the process went down")


async def restart(url: str, n_meetings: int, n_tickets: int) -> None:
    settings = Settings(storage={"url": url}, log={"format": "text"})
    yishi = Yishi(settings, clock=lambda: NOW)
    await yishi.prepare_database()
    t0 = time.perf_counter()
    await seed(yishi, n_meetings, n_tickets)
    print(
        f"seeded {n_meetings:,} meetings and {n_tickets:,} open tickets into the real tables "
        f"in {time.perf_counter() - t0:.1f} s"
    )
    timetable = yishi.timetable
    print("sources: " + ", ".join(type(s).__name__ for s in timetable.sources))
    for hours in (24.0, 24.0 * 7):
        settings_ = SchedulerSettings(horizon_hours=hours)
        svc = SchedulerService(yishi.uow, timetable, settings_, zone=ZONE, clock=lambda: NOW)
        async with yishi.uow() as u:
            missed = len(await timetable.due(u, NOW))
        await svc.start(tick_now=False)
        t0 = time.perf_counter()
        await svc.tick(NOW)  # lease, catch-up of the missed hour, timers for the horizon
        took = time.perf_counter() - t0
        timers = len(svc.planned())
        async with yishi.uow() as u:
            events = len(await timetable.upcoming(u, NOW, timedelta(hours=hours)))
        t1 = time.perf_counter()
        await svc.rebuild(NOW)
        again = time.perf_counter() - t1
        await svc.stop()
        print(
            f"restart, horizon {hours:>5.0f} h: {took:6.2f} s "
            f"(caught up {missed:,} missed events, marked late or dropped; {events:,} upcoming "
            f"events, {timers:,} APScheduler timers); a periodic rebuild then takes {again:.2f} s"
        )
    async with yishi.uow() as u:
        rows = await u.session.execute(
            select(col(ScheduledSend.status), col(ScheduledSend.late), func.count())
            .where(col(ScheduledSend.recorded_at) >= NOW)
            .group_by(col(ScheduledSend.status), col(ScheduledSend.late))
        )
        summary = ", ".join(
            f"{status}{' late' if late else ''}: {count:,}" for status, late, count in rows.all()
        )
    print(f"what the catch-up recorded: {summary}")
    await yishi.stop()


class Loopback:
    """A platform that accepts every message at once (the rate limiter is what is timed)."""

    def __init__(self) -> None:
        self.sent = 0

    async def send(self, chat_id: str, reply: Reply) -> None:
        self.sent += 1


class Broadcast:
    kinds: tuple[str, ...] = ("meeting.announce",)

    def __init__(self, groups: int, platform: str) -> None:
        self.groups = groups
        self.platform = platform

    async def upcoming(
        self, uow: UnitOfWork, now: datetime, horizon: timedelta
    ) -> list[TimedEvent]:
        return [TimedEvent("meeting.announce:M202612:1d", "meeting.announce", "M202612", now)]

    async def fire(self, uow: UnitOfWork, event: TimedEvent, now: datetime, late: bool) -> None:
        reply = _payload(
            "【议事会通知】12月5日（周六）上午9:30 社区议事厅，议程见下。回复“报名”参加。"
        )
        for i in range(self.groups):
            chat = f"group:{i:04d}"
            await uow.pushes.enqueue(self.platform, chat, reply, f"{event.key}:{chat}", now=now)


async def broadcast(url: str, groups: int, platform: str) -> None:
    engine = create_engine(url)
    await upgrade(engine)
    uow = UnitOfWorkFactory(session_factory(engine))
    push_settings = PushSettings()
    rate = float(getattr(push_settings, f"{platform}_per_second"))
    sender = Loopback()
    push = PushService(uow, {platform: sender}, push_settings)
    timetable = Timetable([Broadcast(groups, platform)])
    svc = SchedulerService(uow, timetable, SchedulerSettings(), zone=ZONE, holder="bench")
    await svc._acquire(datetime.now(UTC))
    t0 = time.perf_counter()
    await svc.run_due()
    queued = time.perf_counter() - t0
    while sender.sent < groups:
        if await push.deliver_due() == 0:
            break
    total = time.perf_counter() - t0
    print(
        f"one announcement to {groups:,} {platform} groups at {rate:.0f} msg/s: queued in "
        f"{queued:.2f} s, all {sender.sent:,} delivered in {total:.1f} s "
        f"(the limit alone allows {max(0.0, (groups - rate) / rate):.1f} s)"
    )
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="database URL (default: a fresh SQLite file)")
    parser.add_argument("--meetings", type=int, default=10_000)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--groups", type=int, default=1_000)
    parser.add_argument("--platform", default="web", choices=["web", "wechat", "telegram"])
    args = parser.parse_args()
    logging.getLogger("yishi").setLevel(logging.ERROR)
    # The lease job still running when a timed restart stops is cancelled: expected here.
    logging.getLogger("apscheduler").setLevel(logging.CRITICAL)
    warnings.filterwarnings(
        "ignore", category=DeprecationWarning
    )  # SQLModel on execute()  # one warning per late event otherwise
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{tmp}/restart.db"
        asyncio.run(restart(url, args.meetings, args.tickets))
        url = args.url or f"sqlite:///{tmp}/broadcast.db"
        asyncio.run(broadcast(url, args.groups, args.platform))


if __name__ == "__main__":
    main()
