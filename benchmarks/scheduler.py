"""Benchmark the scheduler: rebuilding at a restart, and one announcement to 1,000 groups.

Run: ``python benchmarks/scheduler.py [--url URL] [--groups 1000] [--platform web]``.

1. Restart: 10,000 meetings (announcements at 7d/1d/2h) and 100,000 open tickets
   (a warning 2 h ahead of each deadline and the escalation at it), deadlines
   spread over the next 30 days, the process down for the last hour. A fresh
   scheduler takes the lease, fires what it missed (late), and sets its timers
   for the horizon. Until the meeting and ticket tables land on main, the rows
   live in two benchmark tables read by two synthetic sources whose queries have
   the same shape (an indexed range scan on the due time); the engine under test
   — lease, catch-up, send records, APScheduler timers — is the real one.
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

from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select  # noqa: E402

from bot.config import PushSettings, SchedulerSettings  # noqa: E402
from bot.messages import Reply  # noqa: E402
from bot.push import PushService  # noqa: E402
from bot.scheduler import SchedulerService  # noqa: E402
from consultation.schedule import TimedEvent  # noqa: E402
from consultation.timetable import Timetable, parse_offset  # noqa: E402
from storage.engine import create_engine, session_factory  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.scheduler import ScheduledSend  # noqa: E402
from storage.types import UTCDateTime  # noqa: E402
from storage.unit_of_work import UnitOfWork, UnitOfWorkFactory  # noqa: E402

ZONE = ZoneInfo("Asia/Shanghai")
# A day ahead of the real clock, so APScheduler's real timers all lie in the future.
NOW = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
DOWN_FOR = timedelta(hours=1)

bench = MetaData()
meetings = Table(
    "bench_meetings",
    bench,
    Column("id", Integer, primary_key=True),
    Column("ref", String(32), nullable=False),
    Column("starts_at", UTCDateTime, nullable=False, index=True),
)
tickets = Table(
    "bench_tickets",
    bench,
    Column("id", Integer, primary_key=True),
    Column("number", String(32), nullable=False),
    Column("due_at", UTCDateTime, nullable=False, index=True),
)


def _payload(text: str) -> dict[str, object]:
    return Reply(text).as_json()


class BenchMeetings:
    """Announcements 7d/1d/2h before each meeting, to one group."""

    kinds = ("meeting.announce",)
    offsets = ("7d", "1d", "2h")

    async def upcoming(
        self, uow: UnitOfWork, now: datetime, horizon: timedelta
    ) -> list[TimedEvent]:
        longest = max(parse_offset(o) for o in self.offsets)
        rows = await uow.session.execute(
            select(meetings.c.ref, meetings.c.starts_at).where(
                meetings.c.starts_at > now - DOWN_FOR * 2,
                meetings.c.starts_at < now + horizon + longest,
            )
        )
        events = []
        for ref, start in rows.all():
            for offset in self.offsets:
                due = start - parse_offset(offset)
                if due < now + horizon:
                    key = f"meeting.announce:{ref}:{offset}"
                    events.append(TimedEvent(key, "meeting.announce", ref, due, stale_at=start))
        return events

    async def fire(self, uow: UnitOfWork, event: TimedEvent, now: datetime, late: bool) -> None:
        text = f"{'【补发】' if late else ''}{event.ref} 议事会通知"
        await uow.pushes.enqueue("web", "group:main", _payload(text), event.key, now=now)


class BenchTickets:
    """A warning 2 h before each open ticket's deadline, the escalation at it."""

    kinds = ("ticket.warn", "ticket.escalate")

    async def upcoming(
        self, uow: UnitOfWork, now: datetime, horizon: timedelta
    ) -> list[TimedEvent]:
        rows = await uow.session.execute(
            select(tickets.c.number, tickets.c.due_at).where(
                tickets.c.due_at > now - DOWN_FOR * 2,
                tickets.c.due_at < now + horizon + timedelta(hours=2),
            )
        )
        events = []
        for number, due in rows.all():
            for kind, at in (("ticket.warn", due - timedelta(hours=2)), ("ticket.escalate", due)):
                if at < now + horizon:
                    events.append(TimedEvent(f"{kind}:{number}", kind, number, at))
        return events

    async def fire(self, uow: UnitOfWork, event: TimedEvent, now: datetime, late: bool) -> None:
        await uow.pushes.enqueue("web", "moderators", _payload(event.key), event.key, now=now)


async def seed(uow: UnitOfWorkFactory, n_meetings: int, n_tickets: int) -> None:
    rng = random.Random(7)
    span = 30 * 24 * 3600
    async with uow() as u:
        conn = await u.session.connection()
        await conn.run_sync(bench.create_all)
        await u.session.execute(
            insert(meetings),
            [
                {"ref": f"M{i:05d}", "starts_at": NOW + timedelta(seconds=rng.randrange(span))}
                for i in range(n_meetings)
            ],
        )
    for start in range(0, n_tickets, 20_000):
        async with uow() as u:
            await u.session.execute(
                insert(tickets),
                [
                    {
                        "number": f"R{i:07d}",
                        "due_at": NOW - DOWN_FOR + timedelta(seconds=rng.randrange(span)),
                    }
                    for i in range(start, min(n_tickets, start + 20_000))
                ],
            )
    # Everything due before the process went down was sent while it was up.
    async with uow() as u:
        before = await Timetable([BenchMeetings(), BenchTickets()]).due(u, NOW - DOWN_FOR)
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
    engine = create_engine(url)
    await upgrade(engine)
    uow = UnitOfWorkFactory(session_factory(engine))
    t0 = time.perf_counter()
    await seed(uow, n_meetings, n_tickets)
    print(
        f"seeded {n_meetings:,} meetings and {n_tickets:,} open tickets "
        f"in {time.perf_counter() - t0:.1f} s"
    )
    timetable = Timetable([BenchMeetings(), BenchTickets()])
    for hours in (24.0, 24.0 * 7):
        settings = SchedulerSettings(horizon_hours=hours)
        svc = SchedulerService(uow, timetable, settings, zone=ZONE, clock=lambda: NOW)
        async with uow() as u:
            missed = len(await timetable.due(u, NOW))
        await svc.start(tick_now=False)
        t0 = time.perf_counter()
        await svc.tick(NOW)  # lease, catch-up of the missed hour, timers for the horizon
        took = time.perf_counter() - t0
        timers = len(svc.planned())
        async with uow() as u:
            events = len(await timetable.upcoming(u, NOW, timedelta(hours=hours)))
        t1 = time.perf_counter()
        await svc.rebuild(NOW)
        again = time.perf_counter() - t1
        await svc.stop()
        print(
            f"restart, horizon {hours:>5.0f} h: {took:6.2f} s "
            f"(caught up {missed:,} missed events, marked late; {events:,} upcoming events, "
            f"{timers:,} APScheduler timers); a periodic rebuild then takes {again:.2f} s"
        )
    await engine.dispose()


class Loopback:
    """A platform that accepts every message at once (the rate limiter is what is timed)."""

    def __init__(self) -> None:
        self.sent = 0

    async def send(self, chat_id: str, reply: Reply) -> None:
        self.sent += 1


class Broadcast:
    kinds = ("meeting.announce",)

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
