"""Time limits people can keep: working hours, China's statutory holidays and make-up days.

A ticket filed at 23:30 with a 4-hour limit was due at 03:30, when nobody works.
Here a limit counts only working time: the configured working periods of each
working day, where a working day is what the State Council's holiday notice says
(weekends are off, 国庆/春节 are off, 调休 Saturdays are on), as kept by the
``chinese-calendar`` package; for a year it does not know yet, Monday to Friday.

A limit is configured in hours (``[tickets]``); every whole 24 hours of it is one
working day (its working length), the rest working hours: 4 h → four working
hours, 72 h → three working days, 30 h → one working day and six working hours.
Urgent tickets (and categories configured so) run on the plain clock.

:class:`Deadlines` is the one rule that the ticket service (deadlines when filed,
reopened or extended), the timers (warnings and escalations), the workbench's
lights and the statistics (which compare against the stored deadlines) all use.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from consultation.ticket_parsing import Catalogue

DAY = timedelta(hours=24)
#: How far ahead (or back) a walk may look for working time before giving up.
_MAX_DAYS = 400


def is_china_workday(day: date) -> bool:
    """China's working days, holidays and make-up days (chinese-calendar); Mon–Fri beyond
    the years it knows."""
    import chinese_calendar

    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return day.weekday() < 5


def parse_periods(lines: Sequence[str]) -> tuple[tuple[time, time], ...]:
    """``["08:30-12:00", "13:30-17:30"]`` → ordered (start, end) pairs; ValueError if bad."""
    periods = []
    for line in lines:
        start, sep, end = line.replace("–", "-").partition("-")
        if not sep:
            raise ValueError(f"{line!r} must look like 08:30-12:00")
        begin, finish = time.fromisoformat(start.strip()), time.fromisoformat(end.strip())
        if finish <= begin:
            raise ValueError(f"{line!r} ends before it starts")
        periods.append((begin, finish))
    periods.sort()
    for (_, earlier_end), (later_start, _) in itertools.pairwise(periods):
        if later_start < earlier_end:
            raise ValueError("working periods overlap")
    return tuple(periods)


@dataclass(frozen=True)
class WorkCalendar:
    """Working time in one zone: the periods of each working day."""

    zone: tzinfo
    periods: tuple[tuple[time, time], ...]
    workday: Callable[[date], bool] = is_china_workday

    @property
    def day_length(self) -> timedelta:
        """How much working time one working day holds."""
        return sum(
            (
                datetime.combine(date.min, e) - datetime.combine(date.min, s)
                for s, e in self.periods
            ),
            timedelta(),
        )

    def working(self, limit: timedelta) -> timedelta:
        """A configured limit as working time: each whole 24 h is one working day."""
        days, rest = divmod(limit, DAY)
        return self.day_length * days + rest

    def _spans(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        return _day_spans(self, day)

    def _forward(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        day = start.astimezone(self.zone).date()
        for offset in range(_MAX_DAYS):
            for lo, hi in self._spans(day + timedelta(days=offset)):
                if hi > start:
                    yield max(lo, start), hi

    def _backward(self, end: datetime) -> Iterator[tuple[datetime, datetime]]:
        day = end.astimezone(self.zone).date()
        for offset in range(_MAX_DAYS):
            for lo, hi in reversed(self._spans(day - timedelta(days=offset))):
                if lo < end:
                    yield lo, min(hi, end)

    def add(self, start: datetime, amount: timedelta) -> datetime:
        """The moment ``amount`` of working time after ``start`` is used up."""
        if not self.periods or amount <= timedelta(0):
            return start + max(amount, timedelta(0))
        left = amount
        for lo, hi in self._forward(start):
            if hi - lo >= left:
                return (lo + left).astimezone(start.tzinfo)
            left -= hi - lo
        return start + amount  # no working day in sight: the plain clock

    def subtract(self, end: datetime, amount: timedelta) -> datetime:
        """The moment ``amount`` of working time before ``end``."""
        if not self.periods or amount <= timedelta(0):
            return end - max(amount, timedelta(0))
        left = amount
        for lo, hi in self._backward(end):
            if hi - lo >= left:
                return (hi - left).astimezone(end.tzinfo)
            left -= hi - lo
        return end - amount

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Working time from ``start`` to ``end`` (negative when ``end`` is earlier)."""
        if end < start:
            return -self.between(end, start)
        if not self.periods:
            return end - start
        total = timedelta(0)
        for lo, hi in self._forward(start):
            if lo >= end:
                break
            total += min(hi, end) - lo
        return total


@functools.lru_cache(maxsize=4096)
def _day_spans(calendar: WorkCalendar, day: date) -> tuple[tuple[datetime, datetime], ...]:
    """One day's working spans, remembered: the scheduler's rebuild asks for the same
    few days for every one of thousands of open tickets' warnings."""
    if not calendar.workday(day):
        return ()
    return tuple(
        (datetime.combine(day, s, calendar.zone), datetime.combine(day, e, calendar.zone))
        for s, e in calendar.periods
    )


#: Light colours, as 数字城管 systems show them.
GREEN, YELLOW, RED = "green", "yellow", "red"
LIGHT_ZH = {GREEN: "正常", YELLOW: "临期", RED: "超期"}
#: A deadline is "near" (yellow) once this share of its limit is used up.
YELLOW_AT = 0.8

_OPEN = ("received", "assigned", "in_progress", "escalated", "reopened")
_UNACCEPTED = ("received", "reopened", "escalated")


class Deadlines:
    """The one rule for a ticket's time limits: due times, warnings and lights."""

    def __init__(
        self, catalogue: Catalogue, zone: tzinfo, workday: Callable[[date], bool] = is_china_workday
    ) -> None:
        self.catalogue = catalogue
        self.calendar = WorkCalendar(zone, tuple(catalogue.working_hours), workday)
        #: Categories configured to run on the plain clock.
        self.natural = frozenset(c.name for c in catalogue.categories if c.plain_clock)

    def plain(self, category: str, urgent: bool) -> bool:
        """Urgent tickets, and categories so configured, run on the plain clock."""
        return urgent or not self.calendar.periods or category in self.natural

    def after(self, category: str, urgent: bool, start: datetime, limit: timedelta) -> datetime:
        """``start`` plus ``limit`` the way this ticket's time counts."""
        if self.plain(category, urgent):
            return start + limit
        return self.calendar.add(start, self.calendar.working(limit))

    def due(self, category: str, urgent: bool, start: datetime) -> tuple[datetime, datetime]:
        """(response due, resolution due) for a ticket starting its clock at ``start``."""
        response, resolution = self.catalogue.limits(category, urgent)
        return (
            self.after(category, urgent, start, response),
            self.after(category, urgent, start, resolution),
        )

    def _limit(self, category: str, urgent: bool, step: str) -> timedelta:
        response, resolution = self.catalogue.limits(category, urgent)
        return response if step == "response" else resolution

    def warn_at(self, category: str, urgent: bool, step: str, due: datetime) -> datetime:
        """When the holder is warned ahead of the ``step`` deadline ``due``."""
        ahead = self.catalogue.warn_ahead(self._limit(category, urgent, step))
        if self.plain(category, urgent):
            return due - ahead
        return self.calendar.subtract(due, ahead)

    def left(self, category: str, urgent: bool, due: datetime, now: datetime) -> timedelta:
        """Time still left before ``due`` (negative past it), counted like the limit."""
        if self.plain(category, urgent):
            return due - now
        return self.calendar.between(now, due)

    def share_used(
        self, category: str, urgent: bool, step: str, due: datetime, now: datetime
    ) -> float:
        """How much of the step's limit is used up at ``now`` (above 1 past the deadline)."""
        limit = self._limit(category, urgent, step)
        if not self.plain(category, urgent):
            limit = self.calendar.working(limit)
        if limit <= timedelta(0):
            return 1.0
        return 1.0 - self.left(category, urgent, due, now) / limit

    def light(self, ticket: Any, now: datetime) -> str | None:
        """green under 80 % of the limit used, yellow 80–100 %, red past it; None once
        resolved or closed. An unaccepted ticket counts its response limit too."""
        if ticket.status not in _OPEN:
            return None
        steps = [("resolution", ticket.resolution_due_at)]
        if ticket.status in _UNACCEPTED and ticket.holder_id is None:
            steps.append(("response", ticket.response_due_at))
        if any(now >= due for _, due in steps):
            return RED
        worst = max(
            self.share_used(ticket.category, ticket.urgent, step, due, now) for step, due in steps
        )
        if worst >= YELLOW_AT:
            return YELLOW
        return GREEN
