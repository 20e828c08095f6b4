"""The schedule rule across month and year ends, in Asia/Shanghai."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from consultation.meeting_rule import MeetingRule, describe_rule, next_occurrence, occurrence

SH = ZoneInfo("Asia/Shanghai")


def test_first_saturday_0930_shanghai_in_utc() -> None:
    assert occurrence(MeetingRule(), 2026, 12, SH) == datetime(2026, 12, 5, 1, 30, tzinfo=UTC)
    assert occurrence(MeetingRule(), 2027, 1, SH) == datetime(2027, 1, 2, 1, 30, tzinfo=UTC)


def test_next_occurrence_rolls_over_the_year_end() -> None:
    after = datetime(2026, 12, 5, 1, 30, tzinfo=UTC)  # the December meeting has begun
    assert next_occurrence(MeetingRule(), after, SH) == datetime(2027, 1, 2, 1, 30, tzinfo=UTC)
    before = datetime(2026, 12, 5, 1, 29, tzinfo=UTC)
    assert next_occurrence(MeetingRule(), before, SH).day == 5


def test_local_date_not_utc_date_decides_the_month() -> None:
    # 2026-11-30 17:00 UTC is already 1 December in Shanghai.
    now = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)
    assert next_occurrence(MeetingRule(), now, SH).astimezone(SH).month == 12


def test_last_weekday_and_early_morning_crossing_midnight_utc() -> None:
    rule = MeetingRule(weekday=6, ordinal=-1, at=time(7, 0))  # last Sunday 07:00
    found = occurrence(rule, 2027, 2, SH)
    assert found == datetime(2027, 2, 27, 23, 0, tzinfo=UTC), "previous UTC day"
    assert describe_rule(MeetingRule()) == "每月第一个周六 09:30"


def test_bad_rules_are_refused() -> None:
    with pytest.raises(ValueError):
        MeetingRule(weekday=7)
    with pytest.raises(ValueError):
        MeetingRule(ordinal=5)
