"""UTC timestamps: the text SQLite stores is SQLAlchemy's own, and reads back as UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import DateTime
from sqlalchemy.dialects import sqlite

from storage.types import UTCDateTime

SHANGHAI = ZoneInfo("Asia/Shanghai")
MOMENTS = [
    datetime(2026, 11, 22, 2, 0, tzinfo=UTC),
    datetime(2026, 11, 22, 10, 0, 0, 123, tzinfo=SHANGHAI),
    datetime(2028, 2, 29, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(2027, 1, 1, 0, 30, tzinfo=SHANGHAI),  # another day and year in UTC
]


@pytest.mark.parametrize("moment", MOMENTS)
def test_sqlite_text_is_what_sqlalchemy_writes_and_reads_back_as_utc(moment: datetime) -> None:
    dialect = sqlite.dialect()
    ours = UTCDateTime().dialect_impl(dialect)
    theirs = DateTime().dialect_impl(dialect)
    bind, read = ours.bind_processor(dialect), ours.result_processor(dialect, None)
    theirs_bind = theirs.bind_processor(dialect)
    assert bind is not None and read is not None and theirs_bind is not None
    text = bind(moment)
    assert text == theirs_bind(moment.astimezone(UTC).replace(tzinfo=None))
    back = read(text)
    assert back == moment and back.tzinfo is UTC
    assert bind(None) is None and read(None) is None


def test_text_order_is_time_order() -> None:
    dialect = sqlite.dialect()
    bind = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
    assert bind is not None
    start = datetime(2026, 11, 22, 15, 59, 59, 999999, tzinfo=UTC)
    moments = [start + timedelta(microseconds=n) for n in (0, 1, 2)]
    assert sorted(bind(m) for m in moments) == [bind(m) for m in moments]


def test_a_naive_datetime_is_refused() -> None:
    dialect = sqlite.dialect()
    bind = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
    assert bind is not None
    with pytest.raises(ValueError, match="naive"):
        bind(datetime(2026, 11, 22, 2, 0))
