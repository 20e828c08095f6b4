"""How people and dates are written in notices."""

from __future__ import annotations

from notices.common import titled


def test_a_title_is_put_in_front_once() -> None:
    assert titled("网格员", "王小明") == "网格员王小明"
    assert titled("网格员", "王网格员") == "王网格员"
    assert titled("网格员", "") == ""
