from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from nlu.normalize import normalize
from nlu.slots import WhenError, parse_datetime, written_when

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 28, 10, 0, tzinfo=SH)  # Monday


@pytest.mark.parametrize(
    ("text", "iso", "date_only"),
    [
        ("下周六上午9点半", "2027-01-09T09:30:00+08:00", False),  # across the year end
        ("下周六", "2027-01-09T00:00:00+08:00", True),
        ("周六", "2027-01-02T00:00:00+08:00", True),
        ("这周日", "2027-01-03T00:00:00+08:00", True),
        ("下下周一", "2027-01-11T00:00:00+08:00", True),
        ("周五", "2027-01-01T00:00:00+08:00", True),
        ("星期一", "2026-12-28T00:00:00+08:00", True),  # today counts
        ("明天", "2026-12-29T00:00:00+08:00", True),
        ("后天下午3点", "2026-12-30T15:00:00+08:00", False),
        ("大后天", "2026-12-31T00:00:00+08:00", True),
        ("月底前", "2026-12-31T00:00:00+08:00", True),
        ("下个月初", "2027-01-01T00:00:00+08:00", True),
        ("下月底", "2027-01-31T00:00:00+08:00", True),
        ("12月5日", "2026-12-05T00:00:00+08:00", True),  # nearest: just past
        ("1月3号", "2027-01-03T00:00:00+08:00", True),  # nearest: next year
        ("2号", "2027-01-02T00:00:00+08:00", True),  # nearest: next month
        ("十二月五号", "2026-12-05T00:00:00+08:00", True),
        ("今晚8点", "2026-12-28T20:00:00+08:00", False),
        ("晚上七点一刻", "2026-12-28T19:15:00+08:00", False),
        ("14:30", "2026-12-28T14:30:00+08:00", False),
        ("中午12点", "2026-12-28T12:00:00+08:00", False),
        ("年底", "2026-12-31T00:00:00+08:00", True),
        ("2027年2月3日", "2027-02-03T00:00:00+08:00", True),
        ("下週六上午9點半", "2027-01-09T09:30:00+08:00", False),  # traditional
    ],
)
def test_parse_datetime(text: str, iso: str, date_only: bool) -> None:
    assert parse_datetime(normalize(text), NOW, SH) == {"datetime": iso, "date_only": date_only}


@pytest.mark.parametrize(
    ("now", "iso"),
    [
        (datetime(2027, 1, 31, 9, 0, tzinfo=SH), "2027-01-31T00:00:00+08:00"),  # on the day
        (datetime(2027, 2, 10, 9, 0, tzinfo=SH), "2027-02-28T00:00:00+08:00"),
        (datetime(2028, 2, 10, 9, 0, tzinfo=SH), "2028-02-29T00:00:00+08:00"),  # leap year
    ],
)
def test_month_end_in_short_months(now: datetime, iso: str) -> None:
    assert parse_datetime("月底前", now, SH)["datetime"] == iso


def test_time_zone_is_applied_to_utc_now() -> None:
    utc_now = datetime(2026, 12, 28, 20, 0, tzinfo=ZoneInfo("UTC"))  # already 29th in Shanghai
    assert parse_datetime("明天", utc_now, "Asia/Shanghai")["datetime"] == (
        "2026-12-30T00:00:00+08:00"
    )


def test_other_zone() -> None:
    assert str(parse_datetime("明天上午9点", NOW, "Europe/Berlin")["datetime"]).endswith("+01:00")


@pytest.mark.parametrize("text", ["3号楼漏水", "麻烦快一点处理", "提三点建议", "你好"])
def test_no_false_dates(text: str) -> None:
    assert parse_datetime(text, NOW, SH) == {}


@pytest.mark.parametrize(
    ("text", "day", "clock"),
    [
        ("12/12 9:30", (2027, 12, 12), (9, 30)),  # 12月12日 is past on 12月28日: next year's
        ("1/9 9:30", (2027, 1, 9), (9, 30)),
        ("2027-01-09 14:30", (2027, 1, 9), (14, 30)),
        ("明年12月5日", (2027, 12, 5), None),
        ("12月30日 下午3点", (2026, 12, 30), (15, 0)),
        ("下周六上午9点半", (2027, 1, 9), (9, 30)),
    ],
)
def test_a_written_day_and_time_for_a_meeting(
    text: str, day: tuple[int, int, int], clock: tuple[int, int] | None
) -> None:
    found = written_when(text, NOW.date())
    assert found == (date(*day), time(*clock) if clock else None)


@pytest.mark.parametrize(
    ("text", "code", "written", "why"),
    [
        ("12月32日 09:30", "date", "12月32日", "12月只有31天"),
        ("明年2月30日", "date", "明年2月30日", "2027年2月只有28天"),
        ("13月1日", "date", "13月1日", "一年只有12个月，没有13月"),
        ("12/12 25:00", "time", "25:00", ""),
        ("12月30日 9点70分", "time", "9点70分", ""),
    ],
)
def test_a_day_or_time_that_does_not_exist_is_an_error(
    text: str, code: str, written: str, why: str
) -> None:
    with pytest.raises(WhenError) as raised:
        written_when(text, NOW.date())
    assert (raised.value.code, raised.value.written, raised.value.why) == (code, written, why)
