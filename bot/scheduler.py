"""The scheduler service: APScheduler timers over the timetable, one leader per database.

The truth is in the domains' tables, so APScheduler only keeps an in-memory
job store of wake-up times derived from them; nothing is lost when the process
dies, and the jobs are rebuilt at start-up, on :meth:`SchedulerService.refresh`
(after a commit that may have changed the schedule) and every
``refresh_seconds`` (which also picks up other processes' changes).

APScheduler 3.x is configured explicitly: ``misfire_grace_time=None`` and
``coalesce=True`` (its defaults of 1 s and per-run firing would silently skip a
timer the event loop was late for), and our own catch-up at start-up fires what
was missed while the process was down, marked late, or drops it when it is no
longer useful. APScheduler's rule that a job store must not be shared between
schedulers is kept by never sharing one: each process has its own memory store,
and a lease row (``scheduler_leases``) lets exactly one of them run the jobs; a
holder that stops renewing is taken over. The unique send record in
``scheduled_sends`` still guards every message if two ever overlap.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import itertools
import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass, field
from datetime import datetime, timedelta
from operator import attrgetter
from zoneinfo import ZoneInfo

from apscheduler.executors.asyncio import AsyncIOExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.config import SchedulerSettings
from bot.tasks import cancel_and_wait
from consultation.schedule import TimedEvent
from consultation.timetable import Outcome, Timetable
from storage.scheduler import SchedulerLeaseRepository
from storage.types import utcnow
from storage.unit_of_work import UnitOfWork

log = logging.getLogger("yishi.scheduler")

LEASE_NAME = "scheduler"
_WAKE = "yishi:wake"


def default_holder() -> str:
    """A name for this process that tells an operator where the leader runs."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass(eq=False)
class SchedulerService:
    """Leader election, timers and firing; drivable by a controllable clock in tests.

    Tests call :meth:`tick` (lease + catch-up) and :meth:`run_due` after moving
    the clock; in production APScheduler calls the same methods.
    """

    uow_factory: Callable[[], UnitOfWork]
    timetable: Timetable
    settings: SchedulerSettings
    _: KW_ONLY
    zone: ZoneInfo
    clock: Callable[[], datetime] = utcnow
    #: This process's name on the lease.
    holder: str = field(default_factory=default_holder)
    on_fired: Callable[[], None] | None = None
    debounce_seconds: float = 1.0

    def __post_init__(self) -> None:
        """Its working state: the lease, the plan ahead, the failures and the locks."""
        self.lease_ttl = timedelta(seconds=self.settings.lease_seconds)
        self.horizon = timedelta(hours=self.settings.horizon_hours)
        self.leader = False
        self._lease_until: datetime | None = None
        self._failures: dict[str, int] = {}
        self._fire_lock = asyncio.Lock()
        self._aps: AsyncIOScheduler | None = None
        #: The events ahead within the horizon, by key; one APScheduler job wakes the
        #: service at the soonest of them (thousands of jobs cost seconds to add).
        self._plan: dict[str, TimedEvent] = {}
        self._refresh_task: asyncio.Task[None] | None = None
        self._again = False
        self._rebuild_lock = asyncio.Lock()

    # -- life cycle -------------------------------------------------------

    async def start(self, *, tick_now: bool = True) -> None:
        """Start APScheduler with the lease and rebuild jobs; the first tick runs at once.

        ``tick_now=False`` leaves the first tick to the caller (benchmarks time it).
        """
        if self._aps is not None:
            return
        aps = AsyncIOScheduler(
            timezone=self.zone,
            jobstores={"default": MemoryJobStore()},
            executors={"default": AsyncIOExecutor()},
            job_defaults={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
        )
        every = max(1.0, self.settings.lease_seconds / 3)
        first = datetime.now(self.zone) + timedelta(seconds=0 if tick_now else every)
        aps.add_job(self.tick, "interval", seconds=every, id="yishi:lease", next_run_time=first)
        aps.add_job(
            self.rebuild,
            "interval",
            seconds=self.settings.refresh_seconds,
            id="yishi:rebuild",
        )
        aps.start()
        self._aps = aps
        log.info("scheduler started", extra={"holder": self.holder})

    async def stop(self) -> None:
        """Stop timers and hand the lease back so a standby takes over without waiting."""
        if self._aps is not None:
            self._aps.shutdown(wait=False)
            self._aps = None
        self._plan.clear()
        await cancel_and_wait(self._refresh_task)
        self._refresh_task = None
        if self.leader:
            try:
                async with self.uow_factory() as uow:
                    await uow.get(SchedulerLeaseRepository).release(
                        LEASE_NAME, self.holder, self.clock()
                    )
            except Exception:
                log.exception("could not release the scheduler lease")
        self.leader = False
        self._lease_until = None

    # -- leadership -------------------------------------------------------

    async def tick(self, now: datetime | None = None) -> bool:
        """Take or renew the lease; a process that just became leader catches up at once."""
        now = now or self.clock()
        was = self.leader
        held = await self._acquire(now)
        if held and not was:
            log.info("scheduler leader", extra={"holder": self.holder})
            await self.rebuild(now)
        elif was and not held:
            log.warning("scheduler leadership lost", extra={"holder": self.holder})
            self._clear_timers()
        return held

    async def _acquire(self, now: datetime) -> bool:
        try:
            async with self.uow_factory() as uow:
                held = await uow.get(SchedulerLeaseRepository).acquire(
                    LEASE_NAME, self.holder, now, self.lease_ttl
                )
        except Exception:
            log.exception("scheduler lease check failed")
            held = False
        self.leader = held
        self._lease_until = now + self.lease_ttl if held else None
        return held

    def _leading(self, now: datetime) -> bool:
        return self.leader and self._lease_until is not None and now < self._lease_until

    # -- the schedule -----------------------------------------------------

    def refresh(self) -> None:
        """Hook for after a commit that may have changed the schedule: rebuild soon (debounced).

        A change that lands while a rebuild is reading makes it read once more.
        """
        if self._aps is None or not self.leader:
            return
        if self._refresh_task is None or self._refresh_task.done():
            self._refresh_task = asyncio.get_running_loop().create_task(self._debounced())
        else:
            self._again = True

    async def _debounced(self) -> None:
        self._again = True
        while self._again:
            await asyncio.sleep(self.debounce_seconds)
            self._again = False
            await self.rebuild()

    async def rebuild(self, now: datetime | None = None) -> list[TimedEvent]:
        """Fire what is due (late if need be), then plan the rest of the horizon.

        The sources read their tables a page at a time and the event loop runs between
        pages (and, on SQLite, messages get the connection), so no rebuild holds up
        replies however many meetings and tickets there are.
        """
        now = now or self.clock()
        if not self._leading(now):
            return []
        async with self._rebuild_lock:
            try:
                async with self.uow_factory() as uow:
                    uow.reads_in_pages = True
                    events = await self.timetable.upcoming(uow, now, self.horizon)
            except Exception:
                log.exception("scheduler rebuild failed")
                return []
            split = bisect.bisect_right(events, now, key=attrgetter("due_at"))  # soonest first
            await self._fire_all(events[:split], now)
            ahead = events[split:]
            self._plan = {e.key: e for e in ahead}  # kept in due order: the first is next
            self._wake()
            return ahead

    def _wake(self) -> None:
        """Point the one timer at the soonest planned event (or remove it)."""
        if self._aps is None:
            return
        if not self._plan:
            with contextlib.suppress(JobLookupError):
                self._aps.remove_job(_WAKE)
            return
        soonest = next(iter(self._plan.values())).due_at
        self._aps.add_job(self._on_timer, "date", run_date=soonest, id=_WAKE, replace_existing=True)

    def _clear_timers(self) -> None:
        self._plan.clear()
        self._wake()

    async def _on_timer(self) -> None:
        """Fire the planned events whose time has come (read at the last rebuild; each
        source checks its row again when it fires), then wait for the next."""
        now = self.clock()
        due = list(itertools.takewhile(lambda e: e.due_at <= now, self._plan.values()))
        for event in due:  # the plan is in due order: what is due is at its head
            self._plan.pop(event.key, None)
        if due and (self._leading(now) or await self._acquire(now)):
            await self._fire_all(due, now)
        self._wake()

    def planned(self) -> list[datetime]:
        """The wake-up times ahead (for the health page and tests)."""
        if self._aps is None:
            return []
        return sorted({e.due_at.astimezone(self.zone) for e in self._plan.values()})

    # -- firing -----------------------------------------------------------

    async def run_due(self, now: datetime | None = None) -> dict[str, Outcome]:
        """Fire every event due at ``now``, each in its own transaction, once.

        Only the leader fires; what a non-leader or a retried call finds already
        recorded is left alone.
        """
        now = now or self.clock()
        if not self._leading(now) and not (self.leader and await self._acquire(now)):
            return {}
        try:
            async with self.uow_factory() as uow:
                uow.reads_in_pages = True
                due = await self.timetable.due(uow, now)
        except Exception:
            log.exception("could not read the due events")
            return {}
        return await self._fire_all(due, now)

    async def _fire_all(self, due: list[TimedEvent], now: datetime) -> dict[str, Outcome]:
        """Fire ``due`` one transaction each; tell ``on_fired`` when something went out."""
        outcomes: dict[str, Outcome] = {}
        async with self._fire_lock:
            for event in due:
                outcome = await self._fire_one(event, now)
                if outcome is not None:
                    outcomes[event.key] = outcome
        if self.on_fired is not None and any(
            o in (Outcome.SENT, Outcome.LATE) for o in outcomes.values()
        ):
            self.on_fired()
        return outcomes

    async def _fire_one(self, event: TimedEvent, now: datetime) -> Outcome | None:
        try:
            async with self.uow_factory() as uow:
                outcome = await self.timetable.fire(uow, event, now)
        except Exception as exc:
            count = self._failures.get(event.key, 0) + 1
            self._failures[event.key] = count
            log.exception("scheduled event failed", extra={"key": event.key, "attempt": count})
            if count >= self.settings.max_attempts:
                with contextlib.suppress(Exception):
                    async with self.uow_factory() as uow:
                        await self.timetable.fail(uow, event, now, repr(exc))
                self._failures.pop(event.key, None)
            return None
        self._failures.pop(event.key, None)
        if outcome in (Outcome.SENT, Outcome.LATE):
            log.info(
                "scheduled event sent",
                extra={"key": event.key, "late": outcome is Outcome.LATE},
            )
        return outcome
