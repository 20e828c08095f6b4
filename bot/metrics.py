"""What an operator watches: Prometheus metrics (``GET /metrics``) and the facts ``/healthz`` shows.

Counted as it happens: messages by platform and intent, the time each took
(router, handler and database), push attempts and failures by platform, and
database errors by error class. Read when asked (at most every few seconds,
however often a probe asks): the push backlog and how long its oldest push has
been due, whether this process leads the scheduler, who does, and how late the
latest scheduled send went out.

Ballot secrecy: no label carries a choice, a person, a chat or anything a
resident typed. Labels are the platform, an intent from a fixed list
(:func:`intent_label`) and an error's class name.

Counters and histograms belong to the process (one bot per process in
production); each bot's registry shows them with its own gauges. Several worker
processes behind one port (``yishi run --workers N``, to come) would each count
their own share: prometheus-client's multiprocess mode (``PROMETHEUS_MULTIPROC_DIR``)
adds them up without changing the code here, while the gauges read from the
database are the same whichever worker answers; the leadership gauge would then
need ``multiprocess_mode="max"``.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from sqlalchemy import event
from sqlalchemy.engine import Engine, ExceptionContext

from bot.scheduler import LEASE_NAME
from kernel.intents import Intent
from kernel.messages import Reply
from storage.scheduler import ScheduledSendRepository, SchedulerLeaseRepository
from storage.unit_of_work import UnitOfWork, UnitOfWorkFactory

if TYPE_CHECKING:
    from bot.push import Sender

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

MESSAGES = Counter(
    "yishi_messages",
    "Messages handled, by platform and intent (duplicate: a redelivery; error: the handler failed)",
    ["platform", "intent"],
    registry=None,
)
MESSAGE_SECONDS = Histogram(
    "yishi_message_seconds",
    "Time to handle one message: router, handler and database, by intent",
    ["intent"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
    registry=None,
)
PUSH_ATTEMPTS = Counter(
    "yishi_push_attempts", "Pushes handed to a platform, by platform", ["platform"], registry=None
)
PUSH_FAILURES = Counter(
    "yishi_push_failures",
    "Push attempts the platform did not take (retried or handed on), by platform",
    ["platform"],
    registry=None,
)
DATABASE_ERRORS = Counter(
    "yishi_database_errors", "Database errors, by error class", ["error"], registry=None
)
_PROCESS_METRICS = (MESSAGES, MESSAGE_SECONDS, PUSH_ATTEMPTS, PUSH_FAILURES, DATABASE_ERRORS)

#: Labels an intent may have; anything else a router reports is folded into these.
_INTENTS = frozenset(i.value for i in Intent) | {"cancel", "duplicate", "error"}
_PREFIXED = ("command", "ask", "clarify")


def intent_label(intent: str | None) -> str:
    """A bounded label: the intent, or what kind of answer it was (a command, a question
    back, a flow's next step), never the words of the message ("绑定483920")."""
    if intent is None:
        return "none"
    head = intent.split(":", 1)[0]
    if head in _INTENTS or head in _PREFIXED:
        return head
    return "flow"


def observe_message(platform: str, intent: str | None, seconds: float) -> None:
    """The router's ``on_handled`` hook."""
    label = intent_label(intent)
    MESSAGES.labels(platform, label).inc()
    MESSAGE_SECONDS.labels(label).observe(seconds)


class CountedSender:
    """A platform's push sender, counted: one attempt per call, one failure per raise."""

    def __init__(self, platform: str, sender: Sender) -> None:
        self.sender = sender
        self._attempts = PUSH_ATTEMPTS.labels(platform)
        self._failures = PUSH_FAILURES.labels(platform)

    @property
    def records_deliveries(self) -> bool:
        return bool(getattr(self.sender, "records_deliveries", False))

    async def send(self, chat_id: str, reply: Reply) -> None:
        self._attempts.inc()
        try:
            await self.sender.send(chat_id, reply)
        except asyncio.CancelledError:
            raise
        except BaseException:
            self._failures.inc()
            raise


def _statement_failed(context: ExceptionContext) -> None:
    """Every statement SQLAlchemy runs that the database refuses, on every engine."""
    DATABASE_ERRORS.labels(type(context.original_exception).__name__).inc()


if not event.contains(Engine, "handle_error", _statement_failed):
    event.listen(Engine, "handle_error", _statement_failed)


class CountingUnitOfWork(UnitOfWork):
    """Also counts what the SQLite driver raised directly (the router's own statements,
    BEGIN IMMEDIATE, the group COMMIT), which SQLAlchemy never saw (what it saw reaches
    here wrapped in its own exception classes, already counted)."""

    def failed(self, exc: BaseException) -> None:
        if isinstance(exc, sqlite3.Error) and not getattr(exc, "_yishi_counted", False):
            setattr(exc, "_yishi_counted", True)  # noqa: B010
            DATABASE_ERRORS.labels(type(exc).__name__).inc()


class CountingUnitOfWorkFactory(UnitOfWorkFactory):
    def __call__(self) -> UnitOfWork:
        return CountingUnitOfWork(self.sessions, self.lane, self.publisher)


@dataclass(frozen=True, slots=True)
class HealthReading:
    """What was read from the database for the health page and the gauges."""

    at: float
    backlog: int
    oldest_due: datetime | None
    leader: str | None
    last_lag: float | None


class Watch:
    """One bot's metrics registry and the database facts behind its gauges.

    ``read()`` asks the database at most every ``ttl`` seconds (three indexed
    queries); health probes and scrapes in between get the same reading.
    """

    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        clock: Callable[[], datetime],
        is_leader: Callable[[], bool],
        *,
        ttl: float = 5.0,
    ) -> None:
        self.uow_factory = uow_factory
        self.clock = clock
        self.is_leader = is_leader
        self.ttl = ttl
        self._reading: HealthReading | None = None
        self._lock = asyncio.Lock()
        self.registry = CollectorRegistry(auto_describe=True)
        for metric in _PROCESS_METRICS:
            self.registry.register(metric)
        gauge = partial(Gauge, registry=self.registry)
        self.backlog = gauge(
            "yishi_push_backlog", "Pushes waiting to be delivered (counted up to 10,000)"
        )
        self.oldest = gauge(
            "yishi_push_oldest_due_seconds", "How long the longest-waiting push has been due"
        )
        self.leader = gauge(
            "yishi_scheduler_leader", "1 when this process runs the scheduler (holds its lease)"
        )
        self.lag = gauge(
            "yishi_scheduler_lag_seconds",
            "How late the latest scheduled send went out, after its due time",
        )

    async def read(self) -> HealthReading:
        reading = self._reading
        if reading is not None and time.monotonic() - reading.at < self.ttl:
            return reading
        async with self._lock:
            reading = self._reading
            if reading is None or time.monotonic() - reading.at >= self.ttl:
                reading = self._reading = await self._read()
        return reading

    async def _read(self) -> HealthReading:
        async with self.uow_factory() as uow:
            backlog, oldest = await uow.pushes.backlog()
            lease = await uow.get(SchedulerLeaseRepository).current(LEASE_NAME)
            recent = await uow.get(ScheduledSendRepository).recent(20)
        now = self.clock()
        leader = lease.holder if lease is not None and lease.expires_at > now else None
        sent = next((s for s in recent if s.status == "sent"), None)
        lag = (sent.recorded_at - sent.due_at).total_seconds() if sent is not None else None
        return HealthReading(time.monotonic(), backlog, oldest, leader, lag)

    async def exposition(self) -> bytes:
        """The Prometheus text for a scrape."""
        reading = await self.read()
        self.backlog.set(reading.backlog)
        due = reading.oldest_due
        self.oldest.set(max(0.0, (self.clock() - due).total_seconds()) if due else 0.0)
        self.leader.set(1 if self.is_leader() else 0)
        self.lag.set(max(0.0, reading.last_lag) if reading.last_lag is not None else 0.0)
        return generate_latest(self.registry)
