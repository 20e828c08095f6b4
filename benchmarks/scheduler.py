"""Benchmark the scheduler: rebuilding at a restart, and one announcement to 1,000 groups.

Run: ``python benchmarks/scheduler.py [--url URL] [--groups 1000] [--pin-database]``

1. Restart: 10,000 meetings (announcements at 7d/1d/2h, a reminder at 1d) and
   100,000 open tickets (response and resolution warnings and escalations),
   inserted in bulk through SQLAlchemy core into the real ``meetings`` and
   ``tickets`` tables, starts and deadlines spread over the next 30 days, the
   process down for the last hour. A fresh scheduler wired exactly as ``yishi
   run`` wires it (:class:`bot.app.Yishi`: the real meeting, poll, ticket,
   digest and report sources) takes the lease, fires what it missed (late:
   real pushes, ticket history and escalations), and sets its timers for the
   horizon.
2. Under load: the same tables (times from the real clock), ``yishi``'s scheduler
   running for real (lease, APScheduler timer, the periodic rebuild and the rebuild
   after every writing commit) while 100 messages a second (``帮助``) go through the
   router and the schedule changes every half second (a ticket filed, a ticket
   accepted, a meeting moved by a day). A probe task sleeps 1 ms in a loop and
   records how late it wakes: the largest event-loop stall.
3. One announcement to N groups through the real outbox and PushService under the
   platform's configured rate limit (a loopback sender that records each message).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import random
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
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
from bot.serve import tune_garbage_collector  # noqa: E402
from consultation.schedule import TimedEvent  # noqa: E402
from consultation.timetable import Timetable  # noqa: E402
from kernel.messages import ChatType, Inbound, Reply  # noqa: E402
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
            f"events at {timers:,} wake-up times, one APScheduler job); "
            f"a periodic rebuild then takes {again:.2f} s"
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


async def probe(stop: asyncio.Event, lags: list[float], busy: list[float]) -> None:
    """Sleep 1 ms over and over; how late each wake-up is, is how long the loop was held.

    ``busy`` is the loop thread's own CPU time over the same stretch: on a shared
    machine the wall-clock lag also counts time the OS gave to other processes.
    """
    while not stop.is_set():
        t0, c0 = time.perf_counter(), time.thread_time()
        await asyncio.sleep(0.001)
        lags.append(time.perf_counter() - t0 - 0.001)
        busy.append(time.thread_time() - c0)


async def change_schedule(yishi: Yishi, step: int, now: datetime) -> str:
    """One change a moderator or a resident makes: file, accept, move a meeting."""
    async with yishi.uow() as u:
        if step % 3 == 0:
            row = _ticket_row(900_000 + step, random.Random(step), yishi)
            row.update(received_at=now, response_warned_at=None, response_escalated_at=None)
            row.update(resolution_warned_at=None, resolution_escalated_at=None)
            row.update(status="received", level="grid")
            await u.session.execute(insert(Ticket.__table__), [row])  # type: ignore[attr-defined]
            what = "ticket filed"
        elif step % 3 == 1:
            ticket = (
                await u.session.execute(
                    select(Ticket).where(col(Ticket.status) == "received").limit(1)
                )
            ).scalar()
            if ticket is not None:
                ticket.status, ticket.accepted_at = "assigned", now
                u.session.add(ticket)
            what = "ticket accepted"
        else:
            meeting = (
                await u.session.execute(
                    select(Meeting).where(col(Meeting.code) == f"M{step % 500:07d}")
                )
            ).scalar()
            if meeting is not None:
                meeting.starts_at = meeting.starts_at + timedelta(days=1)
                u.session.add(meeting)
            what = "meeting moved"
    yishi.committed()
    return what


async def under_load(url: str, n_meetings: int, n_tickets: int, seconds: float) -> None:
    global NOW
    NOW = datetime.now(UTC).replace(microsecond=0)
    settings = Settings(storage={"url": url}, log={"format": "text"})
    yishi = Yishi(settings)
    await yishi.prepare_database()
    await seed(yishi, n_meetings, n_tickets)
    if yishi.uow.lane is not None:  # the bulk load's WAL written back before the clock starts
        yishi.uow.lane.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    yishi.push.register("web", Loopback())
    tune_garbage_collector()  # as `yishi run` does before serving
    await yishi.start()
    for _ in range(3000):  # the first tick takes the lease and catches up the missed hour
        if yishi.scheduler.leader and yishi.scheduler.planned():
            break
        await asyncio.sleep(0.01)
    print(
        f"under load: leader with {len(yishi.scheduler.planned()):,} wake-up times "
        f"in the {yishi.settings.scheduler.horizon_hours:.0f} h horizon"
    )
    stop, lags, busy, replies = asyncio.Event(), list[float](), list[float](), list[float]()
    cpu0 = time.process_time()
    probing = asyncio.create_task(probe(stop, lags, busy))

    async def one(i: int) -> None:
        t0 = time.perf_counter()
        await yishi.router.handle(
            Inbound(
                platform="web",
                chat_id=f"bench{i % 50}",
                chat_type=ChatType.PRIVATE,
                sender_id=f"bench{i % 50}",
                message_id=f"load-{i}",
                text="帮助",
                sent_at=datetime.now(UTC),
            )
        )
        replies.append(time.perf_counter() - t0)

    changes: dict[str, int] = {}
    tasks: set[asyncio.Task[None]] = set()
    start = time.perf_counter()
    i = 0
    while (elapsed := time.perf_counter() - start) < seconds:
        task = asyncio.create_task(one(i))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        if i % 50 == 25:
            what = await change_schedule(yishi, i // 50, datetime.now(UTC))
            changes[what] = changes.get(what, 0) + 1
        i += 1
        await asyncio.sleep(max(0.0, start + i / 100 - time.perf_counter()))
    await asyncio.gather(*tasks)
    stop.set()
    await probing
    fired = await _sent_since(yishi, NOW)
    await yishi.stop()
    print(
        f"under load for {elapsed:.0f} s: {len(replies):,} messages at 100/s, "
        + ", ".join(f"{n} {what}" for what, n in changes.items())
        + f", {fired:,} scheduled events fired"
    )
    cpu = time.process_time() - cpu0
    lags.sort()
    replies.sort()
    print(f"largest event-loop stall: {lags[-1] * 1000:.0f} ms")
    print(
        f"largest stretch of the loop thread's own CPU between two probe wake-ups: "
        f"{max(busy) * 1000:.0f} ms (the rest of a stall is the OS running other work; "
        f"this process used {cpu / elapsed:.0%} of a core)"
    )
    print(
        f"loop lag p50 {lags[len(lags) // 2] * 1000:.1f} ms, p99 "
        f"{lags[int(len(lags) * 0.99)] * 1000:.1f} ms; reply time p50 "
        f"{replies[len(replies) // 2] * 1000:.1f} ms, p99 "
        f"{replies[int(len(replies) * 0.99)] * 1000:.1f} ms, slowest {replies[-1] * 1000:.0f} ms"
    )


async def _sent_since(yishi: Yishi, since: datetime) -> int:
    async with yishi.uow() as u:
        found = await u.session.execute(
            select(func.count()).where(col(ScheduledSend.recorded_at) >= since)
        )
        return int(found.scalar_one())


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


@contextlib.contextmanager
def database_on_its_own_core(pin: bool) -> Iterator[str]:
    """With ``pin``: this process on the last core and PostgreSQL's processes (the
    postmaster, so its new backends too) on the others, as a database on its own machine
    would be; otherwise they share both cores and the OS preempts the loop for the
    database. Needs permission to set PostgreSQL's affinity (root); restored after."""
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if not pin or len(cores) < 2:
        yield "unpinned"
        return
    found = subprocess.run(["pgrep", "-u", "postgres"], capture_output=True, text=True)
    database = [int(p) for p in found.stdout.split()]
    before = {pid: os.sched_getaffinity(pid) for pid in database}
    try:
        for pid in database:
            os.sched_setaffinity(pid, set(cores[:-1]))
        os.sched_setaffinity(0, {cores[-1]})
        yield f"this process on core {cores[-1]}, PostgreSQL's {len(database)} on the others"
    except PermissionError:
        yield "unpinned (no permission to move PostgreSQL)"
    finally:
        for pid, mask in before.items():
            with contextlib.suppress(OSError):
                os.sched_setaffinity(pid, mask)
        os.sched_setaffinity(0, set(cores))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="database URL (default: a fresh SQLite file)")
    parser.add_argument("--meetings", type=int, default=10_000)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--groups", type=int, default=1_000)
    parser.add_argument("--platform", default="web", choices=["web", "wechat", "telegram"])
    parser.add_argument("--seconds", type=float, default=30.0, help="how long the load runs")
    parser.add_argument(
        "--pin-database",
        action="store_true",
        help="under load on PostgreSQL: the database on its own core(s), the bot on another",
    )
    parser.add_argument(
        "--only", choices=["restart", "load", "broadcast"], help="run one part (default: all)"
    )
    args = parser.parse_args()
    logging.getLogger("yishi").setLevel(logging.ERROR)
    # The lease job still running when a timed restart stops is cancelled: expected here.
    logging.getLogger("apscheduler").setLevel(logging.CRITICAL)
    warnings.filterwarnings(
        "ignore", category=DeprecationWarning
    )  # SQLModel on execute()  # one warning per late event otherwise
    with tempfile.TemporaryDirectory() as tmp:
        if args.only in (None, "restart"):
            url = args.url or f"sqlite:///{tmp}/restart.db"
            asyncio.run(restart(url, args.meetings, args.tickets))
        if args.only in (None, "load"):
            # A database of its own (on PostgreSQL: pass a fresh one with --only load).
            url = args.url or f"sqlite:///{tmp}/load.db"
            pin = args.pin_database and url.startswith("postgresql")
            with database_on_its_own_core(pin) as placement:
                print(f"under load: {placement}")
                asyncio.run(under_load(url, args.meetings, args.tickets, args.seconds))
        if args.only in (None, "broadcast"):
            url = args.url or f"sqlite:///{tmp}/broadcast.db"
            asyncio.run(broadcast(url, args.groups, args.platform))


if __name__ == "__main__":
    main()
