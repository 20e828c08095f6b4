"""When is the consultation day? "The first Saturday of each month, 09:30" as a pure function.

Computed in the community's zone (Asia/Shanghai) and returned in UTC, so month
and year ends and the date line never surprise anyone.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

WEEKDAYS_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


@dataclass(frozen=True, slots=True)
class MeetingRule:
    """``ordinal`` 1–4 counts from the month's start, -1 means the last such weekday.

    ``weekday`` is 0 = Monday … 5 = Saturday, 6 = Sunday.
    """

    weekday: int = 5
    ordinal: int = 1
    at: time = time(9, 30)

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError("weekday must be 0 (Monday) … 6 (Sunday)")
        if self.ordinal not in (1, 2, 3, 4, -1):
            raise ValueError("ordinal must be 1, 2, 3, 4 or -1 (last)")


def day_in_month(rule: MeetingRule, year: int, month: int) -> date:
    """The rule's date in ``year``-``month``."""
    days = calendar.monthrange(year, month)[1]
    matching = [d for d in range(1, days + 1) if date(year, month, d).weekday() == rule.weekday]
    return date(year, month, matching[rule.ordinal - 1 if rule.ordinal > 0 else -1])


def occurrence(rule: MeetingRule, year: int, month: int, zone: ZoneInfo) -> datetime:
    """The meeting of ``year``-``month`` as an aware UTC datetime."""
    local = datetime.combine(day_in_month(rule, year, month), rule.at, tzinfo=zone)
    return local.astimezone(UTC)


def next_occurrence(rule: MeetingRule, now: datetime, zone: ZoneInfo) -> datetime:
    """The first meeting strictly after ``now`` (this month's if still ahead, else next month's)."""
    local = now.astimezone(zone)
    year, month = local.year, local.month
    for _ in range(3):
        found = occurrence(rule, year, month, zone)
        if found > now:
            return found
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    raise AssertionError("unreachable: a rule always matches within two months")


def following_month(now: datetime, zone: ZoneInfo) -> tuple[int, int]:
    """(year, month) of the month after ``now``'s local month."""
    local = now.astimezone(zone)
    return (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)


def describe_rule(rule: MeetingRule) -> str:
    """每月第一个周六 09:30"""
    which = "最后一个" if rule.ordinal == -1 else f"第{'一二三四'[rule.ordinal - 1]}个"
    return f"每月{which}{WEEKDAYS_ZH[rule.weekday]} {rule.at:%H:%M}"
