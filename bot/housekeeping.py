"""The nightly purge of the framework's short-lived records, as a timed event.

What is removed and why is :mod:`storage.housekeeping`'s; this module decides
when (every night at ``[scheduler] housekeeping_time``, local) and how far back
(``[storage] message_log_days``), and records each purge in the audit log with
its counts, so that an auditor can see that records were removed, when and how
many.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from consultation.schedule import TimedEvent
from consultation.timetable import daily_occurrences, local_to_utc
from storage.housekeeping import HousekeepingRepository
from storage.unit_of_work import UnitOfWork

log = logging.getLogger("yishi.housekeeping")

PURGE_KIND = "housekeeping.purge"


@dataclass
class HousekeepingSource:
    """Every night at ``at`` (local), records older than ``keep`` are purged.

    One event per day (``housekeeping.purge:2026-11-23``). A purge missed by
    more than ``useful_for`` (the process was down) is not caught up at start-up:
    daytime is when residents write, and the next night's purge does the same work.
    """

    zone: ZoneInfo
    keep: timedelta
    at: time = time(3, 30)
    useful_for: timedelta = timedelta(hours=2)
    kinds: tuple[str, ...] = field(default=(PURGE_KIND,))

    async def upcoming(
        self, uow: UnitOfWork, now: datetime, horizon: timedelta
    ) -> list[TimedEvent]:
        return [
            self.event_for(day)
            for day in daily_occurrences(self.at, self.zone, now - self.useful_for, now + horizon)
        ]

    def event_for(self, day: date) -> TimedEvent:
        due = local_to_utc(day, self.at, self.zone)
        return TimedEvent(
            key=f"{PURGE_KIND}:{day.isoformat()}",
            kind=PURGE_KIND,
            ref=day.isoformat(),
            due_at=due,
            stale_at=due + self.useful_for,
        )

    async def fire(self, uow: UnitOfWork, event: TimedEvent, now: datetime, late: bool) -> None:
        before = now - self.keep
        counts = await uow.get(HousekeepingRepository).purge(messages_before=before, now=now)
        await uow.audit.record(
            "scheduler",
            "records_purged",
            "housekeeping",
            event.ref,
            after={**counts.as_dict(), "before": before.isoformat()},
        )
        log.info("purged", extra={"event": event.key, **counts.as_dict()})
