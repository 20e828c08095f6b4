"""The nightly purge of the framework's short-lived records, as a timed event.

What is removed and why is :mod:`storage.housekeeping`'s; this module decides
when (every night at ``[scheduler] housekeeping_time``, local) and how far back
(``[storage] message_log_days``; messages kept for labelling go with them, labelled
ones after ``[nlu] labels_keep_days``), and records each purge in the audit log with
its counts, so that an auditor can see that records were removed, when and how
many.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from consultation.binding import LIMITS
from consultation.meetings import HALL_CODE_LIMITS
from consultation.schedule import TimedEvent
from consultation.timetable import DailySource
from storage.housekeeping import HousekeepingRepository
from storage.nlu_samples import NluSampleRepository
from storage.throttle import Limit, ThrottleRepository
from storage.unit_of_work import UnitOfWork

log = logging.getLogger("yishi.housekeeping")

PURGE_KIND = "housekeeping.purge"


@dataclass
class HousekeepingSource(DailySource):
    """Every night at ``at`` (local), records older than ``keep`` are purged.

    One event per day (``housekeeping.purge:2026-11-23``). A purge missed by
    more than ``useful_for`` (the process was down) is not caught up at start-up:
    daytime is when residents write, and the next night's purge does the same work.
    """

    zone: ZoneInfo
    keep: timedelta
    labels_keep: timedelta = timedelta(days=365)
    at: time = time(3, 30)
    useful_for: timedelta = timedelta(hours=2)
    #: The rate buckets (by key prefix) whose refilled ones are forgotten: the bind
    #: throttle's and any other limit's (an unbound reporter's filings).
    limits: dict[str, Limit] = field(default_factory=lambda: {**LIMITS, **HALL_CODE_LIMITS})
    kinds: tuple[str, ...] = field(default=(PURGE_KIND,))

    async def upcoming(
        self, uow: UnitOfWork, now: datetime, horizon: timedelta
    ) -> list[TimedEvent]:
        """Each night's purge: a chore nobody is told of, not one of the moderators'
        notices (接下来的通知 neither lists it nor lets it be cancelled)."""
        events = await super().upcoming(uow, now, horizon)
        return [replace(e, notice=False) for e in events]

    async def fire(self, uow: UnitOfWork, event: TimedEvent, now: datetime, late: bool) -> None:
        before = now - self.keep
        counts = await uow.get(HousekeepingRepository).purge(messages_before=before, now=now)
        buckets = await uow.get(ThrottleRepository).purge_full(now.timestamp(), self.limits)

        samples = await uow.get(NluSampleRepository).purge(
            unlabelled_before=before, labelled_before=now - self.labels_keep
        )
        purged = {**counts.as_dict(), "rate_buckets": buckets, "nlu_samples": samples}
        await uow.audit.record(
            "scheduler",
            "records_purged",
            "housekeeping",
            event.ref,
            after={**purged, "before": before.isoformat()},
        )
        log.info("purged", extra={"event": event.key, **purged})
