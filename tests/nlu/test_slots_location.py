from __future__ import annotations

import pytest

from nlu.normalize import normalize
from nlu.slots import parse_location


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3号楼2单元301", {"building": "3", "unit": "2", "room": "301"}),
        ("3-2-301漏水", {"building": "3", "unit": "2", "room": "301"}),
        ("3栋", {"building": "3"}),
        ("12幢", {"building": "12"}),
        ("7#楼门口", {"building": "7", "place": "门口"}),
        ("5号搂电梯坏了", {"building": "5"}),
        ("5号娄", {"building": "5"}),
        ("5号Lou门口", {"building": "5", "place": "门口"}),
        ("明天就5号喽", {}),
        ("6号楼门口的路灯坏了", {"building": "6", "place": "门口"}),
        ("三号楼", {"building": "3"}),
        ("十二栋3单元1201", {"building": "12", "unit": "3", "room": "1201"}),
        ("5号楼1502室", {"building": "5", "room": "1502"}),
        ("A座", {"building": "A"}),
        ("３號樓２單元", {"building": "3", "unit": "2"}),
        ("东门那边路灯不亮", {"place": "东门"}),
        ("地下车库积水", {"place": "地下车库"}),
        ("小区广场的健身器材断了", {"place": "小区广场"}),
        ("南门🚗乱停", {"place": "南门"}),
        ("12月5号开会", {}),
        ("R20261122-0007", {}),
    ],
)
def test_parse_location(text: str, expected: dict[str, str]) -> None:
    assert parse_location(normalize(text)) == expected
