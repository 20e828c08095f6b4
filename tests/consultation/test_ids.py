"""Meeting codes from the words people use for a month."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from consultation.ids import meeting_code_for_month_words

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: 1 December 2026, 00:30 in Shanghai (still 30 November in UTC).
NOW = datetime(2026, 11, 30, 16, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("said", "code"),
    [
        ("下个月的议事日是哪天", "M202701"),
        ("上个月的会开了什么", "M202611"),
        ("1月份那个会是几号", "M202701"),  # January has come round again: next year's
        ("一月的议事会我去", "M202701"),
        ("12月的议事日", "M202612"),
        ("十二月的议事日", "M202612"),
        ("11月份的会", "M202711"),
        ("这个月议事日是哪天", None),
        ("下次议事日是什么时候", None),
        ("3.5月", None),
    ],
)
def test_a_month_said_in_words_names_its_meeting(said: str, code: str | None) -> None:
    assert meeting_code_for_month_words(said, NOW, SHANGHAI) == code
