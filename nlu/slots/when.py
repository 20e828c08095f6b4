"""Dates and times as residents say them, resolved against an injectable ``now``.

Covers 今天/明天/后天, 周五/这周六/下周六/下下周日, 12月5日/5号, 月底(前)/月初/月中/
年底, and times 上午9点半/下午3点/晚上七点一刻/14:30. Without a year, 12月5日 is
the nearest such day (so it works for "since Dec 5" and "on Jan 3" alike); a
time with no day is today. Everything is computed in the configured zone.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from nlu.slots.numerals import CN_NUM, to_int

DEFAULT_TZ = "Asia/Shanghai"

_N = rf"(\d{{1,2}}|{CN_NUM})"
_ABSOLUTE = re.compile(rf"(?:(\d{{4}})\s*年\s*)?{_N}\s*月\s*{_N}\s*(?:日|号)?")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_RELATIVE = {
    "大后天": 3,
    "后天": 2,
    "明天": 1,
    "明日": 1,
    "明儿": 1,
    "明早": 1,
    "明晚": 1,
    "今天": 0,
    "今日": 0,
    "今儿": 0,
    "今晚": 0,
    "今早": 0,
    "昨天": -1,
    "前天": -2,
}
_WEEKDAYS = {
    "一": 0,
    "二": 1,
    "三": 2,
    "四": 3,
    "五": 4,
    "六": 5,
    "日": 6,
    "天": 6,
    "末": 5,
    "1": 0,
    "2": 1,
    "3": 2,
    "4": 3,
    "5": 4,
    "6": 5,
    "7": 6,
}
_WEEK = re.compile(r"(下下|下|这|本|上)?\s*个?\s*(?:周|星期|礼拜)\s*([一二三四五六日天末1-7])")
_MONTH_PART = re.compile(r"(下个?月|本月|这个?月|当月)?\s*(月底|月末|月初|月中|底|初)")
_YEAR_END = re.compile(r"(年底|年末)")
_DAY_ONLY = re.compile(
    rf"(?<![\d月])(?:本月|这个月)?{_N}\s*(?:号|日)(?!\s*(?:楼|院|单元|门|线|房|议题|投票))"
)
_PERIOD = r"(凌晨|早上|早晨|上午|中午|下午|傍晚|晚上|今晚|明晚|明早|今早|夜里|晚)?"
_CLOCK = re.compile(rf"{_PERIOD}\s*{_N}\s*(?:点|时)\s*(半|一刻|三刻|{_N}\s*分?)?")
_COLON = re.compile(rf"{_PERIOD}\s*(\d{{1,2}}):(\d{{2}})")
_AFTERNOON = ("下午", "傍晚", "晚上", "今晚", "明晚", "夜里", "晚")


def _zone(tz: ZoneInfo | str) -> ZoneInfo:
    return tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _nearest(candidates: list[date | None], today: date) -> date | None:
    valid = [d for d in candidates if d is not None]
    return min(valid, key=lambda d: (abs((d - today).days), d)) if valid else None


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def parse_date(text: str, today: date) -> date | None:
    """The calendar day a text names, or None."""
    if m := _ISO.search(text):
        return _safe_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if m := _ABSOLUTE.search(text):
        month, day = to_int(m.group(2)), to_int(m.group(3))
        if month and day:
            if m.group(1):
                return _safe_date(int(m.group(1)), month, day)
            years = (today.year - 1, today.year, today.year + 1)
            return _nearest([_safe_date(y, month, day) for y in years], today)
    for word in sorted(_RELATIVE, key=len, reverse=True):
        if word in text:
            return today + timedelta(days=_RELATIVE[word])
    if m := _WEEK.search(text):
        target = _WEEKDAYS[m.group(2)]
        monday = today - timedelta(days=today.weekday())
        offset = {"下下": 14, "下": 7, "这": 0, "本": 0, "上": -7}.get(m.group(1) or "")
        if offset is None:  # bare 周五: the next one, today included
            return today + timedelta(days=(target - today.weekday()) % 7)
        return monday + timedelta(days=offset + target)
    if m := _MONTH_PART.search(text):
        part = m.group(2)
        if part in ("底", "初") and not m.group(1):
            part = ""
        if part:
            first = _add_months(today, 1 if m.group(1) and "下" in m.group(1) else 0)
            if part in ("月底", "月末", "底"):
                return _month_end(first)
            if part in ("月初", "初"):
                return first if m.group(1) else _add_months(today, 1)
            return first.replace(day=15)
    if _YEAR_END.search(text):
        return date(today.year, 12, 31)
    if m := _DAY_ONLY.search(text):
        day = to_int(m.group(1))
        if day:
            this = today.replace(day=1)
            months = [_add_months(this, k) for k in (-1, 0, 1)]
            return _nearest([_safe_date(d.year, d.month, day) for d in months], today)
    return None


def parse_time(text: str, *, strict: bool = False) -> time | None:
    """The clock time a text names (上午9点半, 下午3点, 14:30), or None.

    ``strict`` refuses a bare Chinese-numeral hour (快一点, 三点建议) unless a
    period (上午…) or minutes (半, 十分) make it clearly a time.
    """
    period: str | None
    if m := _COLON.search(text):
        period, hour, minute = m.group(1), int(m.group(2)), int(m.group(3))
    elif m := _CLOCK.search(text):
        period, hour_value = m.group(1), to_int(m.group(2))
        if hour_value is None:
            return None
        hour, tail = hour_value, m.group(3) or ""
        if strict and not period and not tail and not m.group(2).isdigit():
            return None
        minute = {"半": 30, "一刻": 15, "三刻": 45}.get(tail, 0)
        if m.group(4):
            minute = to_int(m.group(4)) or 0
    else:
        return None
    if (period in _AFTERNOON and hour < 12) or (period == "中午" and hour < 3):
        hour += 12
    elif period == "凌晨" and hour == 12:
        hour = 0
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return time(hour, minute)


def parse_datetime(
    text: str, now: datetime | None = None, tz: ZoneInfo | str = DEFAULT_TZ
) -> dict[str, object]:
    """{"datetime": ISO 8601 with offset, "date_only": bool} or {} when no date or time."""
    zone = _zone(tz)
    current = (
        (now or datetime.now(zone)).astimezone(zone)
        if (now is None or now.tzinfo)
        else (now.replace(tzinfo=zone))
    )
    day = parse_date(text, current.date())
    clock = parse_time(text, strict=day is None)
    if day is None and clock is None:
        return {}
    when = datetime.combine(day or current.date(), clock or time(0, 0), tzinfo=zone)
    return {"datetime": when.isoformat(), "date_only": clock is None}


class WhenError(ValueError):
    """A day or time written out that does not exist (12月32日, 明年2月30日, 25:00):
    ``written`` as it was written, ``code`` ``date`` or ``time``, ``why`` in words
    (12月只有31天) for a day."""

    def __init__(self, code: str, written: str, why: str = "") -> None:
        super().__init__(f"{code}: {written}")
        self.code, self.written, self.why = code, written, why


_YEAR_WORDS = {"今年": 0, "明年": 1, "后年": 2, "去年": -1}
_WRITTEN_DAY = re.compile(
    rf"(?:(\d{{4}})\s*年\s*|(今年|明年|后年|去年)\s*)?{_N}\s*月\s*{_N}\s*(?:日|号)?"
)
_NUMBER_DAY = re.compile(
    r"(?<![\d:：])(?:(\d{4})\s*[-/.]\s*)?(\d{1,2})\s*[-/]\s*(\d{1,2})(?![\d:：])"
)
_WRITTEN_CLOCK = re.compile(rf"{_PERIOD}\s*(\d{{1,2}})\s*[:：]\s*(\d{{2}})|{_CLOCK.pattern}")


def _written_day(text: str, today: date) -> date | None:
    """A day written with its month (12月12日, 明年2月3日, 12/12, 2026-12-12); one
    without a year is the next such day from ``today``. :class:`WhenError` when it
    does not exist."""
    found = _WRITTEN_DAY.search(text)
    if found:
        year_digits, year_word, month_text, day_text = found.groups()
        month, day = to_int(month_text), to_int(day_text)
    elif found := _NUMBER_DAY.search(text):
        year_digits, year_word = found.group(1), None
        month, day = int(found.group(2)), int(found.group(3))
    else:
        return None
    written = found.group(0).strip()
    if not month or not 1 <= month <= 12:
        raise WhenError("date", written, f"一年只有12个月，没有{month}月")
    if year_digits:
        year = int(year_digits)
    elif year_word:
        year = today.year + _YEAR_WORDS[year_word]
    else:
        year = today.year if (month, day or 0) >= (today.month, today.day) else today.year + 1
    last = calendar.monthrange(year, month)[1]
    if not day or not 1 <= day <= last:
        said = f"{year}年{month}月" if (year_digits or year_word or month == 2) else f"{month}月"
        raise WhenError("date", written, f"{said}只有{last}天")
    return date(year, month, day)


def written_when(text: str, today: date) -> tuple[date | None, time | None]:
    """The day and the time a moderator writes for a meeting (改期): 12月12日 09:30,
    12/12 9:30, 明年1月9日, 下周六上午9点半. Unlike :func:`parse_date` and
    :func:`parse_time`, which read what a resident may mean and pass over the rest, a
    day or time written out that does not exist is refused (:class:`WhenError`)
    instead of being left out — else the meeting's own day or time would silently
    stand in for it."""
    day = _written_day(text, today) or parse_date(text, today)
    clock = None
    if found := _WRITTEN_CLOCK.search(text):
        clock = parse_time(found.group(0))
        if clock is None:
            raise WhenError("time", found.group(0).strip())
    return day, clock
