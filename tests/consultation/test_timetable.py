"""Calendar arithmetic in the community's zone, and the timetable's exactly-once firing."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from consultation.schedule import TimedEvent
from consultation.timetable import (
    daily_occurrences,
    is_late,
    local_to_utc,
    monthly_occurrences,
    parse_clock,
    parse_offset,
    previous_month,
)
from nlu.slots.when import parse_datetime

ZONE = ZoneInfo("Asia/Shanghai")


def test_offsets_and_clock_times() -> None:
    assert parse_offset("7d") == timedelta(days=7)
    assert parse_offset("2H") == timedelta(hours=2)
    assert parse_offset("30m") == timedelta(minutes=30)
    with pytest.raises(ValueError, match="7d"):
        parse_offset("soon")
    assert parse_clock("08:30") == time(8, 30)


def test_daily_0830_is_0030_utc_and_monthly_on_the_first() -> None:
    start = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)
    days = list(daily_occurrences(time(8, 30), ZONE, start, start + timedelta(days=2)))
    assert days == [date(2026, 11, 23), date(2026, 11, 24)]
    assert local_to_utc(days[0], time(8, 30), ZONE) == datetime(2026, 11, 23, 0, 30, tzinfo=UTC)
    months = list(monthly_occurrences(1, time(9), ZONE, start, start + timedelta(days=70)))
    assert months == [date(2026, 12, 1), date(2027, 1, 1)]
    assert previous_month(date(2027, 1, 1)) == (date(2026, 12, 1), date(2026, 12, 31))


def test_a_moderators_next_saturday_half_past_nine_is_shanghai_time() -> None:
    now = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)  # Sunday 10:00 in Shanghai
    when = datetime.fromisoformat(str(parse_datetime("下周六上午9点半", now, ZONE)["datetime"]))
    assert when.astimezone(UTC) == datetime(2026, 11, 28, 1, 30, tzinfo=UTC)


def test_late_means_past_the_tolerance() -> None:
    due = datetime(2026, 11, 23, 0, 30, tzinfo=UTC)
    event = TimedEvent("k", "digest.grid", "x", due)
    assert not is_late(event, due + timedelta(minutes=5), timedelta(minutes=5))
    assert is_late(event, due + timedelta(minutes=6), timedelta(minutes=5))
