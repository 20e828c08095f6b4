"""Locations inside the community: 3号楼2单元301, 3-2-301, 3栋, 东门, 地下车库."""

from __future__ import annotations

import re

from consultation.ticket_parsing import BUILDING_WORD, BY_BUILDING
from nlu.slots.numerals import CN_NUM, to_int

# Longest first, so that 地下车库 wins over 车库.
PLACES: tuple[str, ...] = tuple(
    sorted(
        (
            "东门",
            "南门",
            "西门",
            "北门",
            "后门",
            "正门",
            "大门",
            "侧门",
            "地下车库",
            "地下室",
            "车库",
            "停车场",
            "小区广场",
            "广场",
            "中心花园",
            "花园",
            "垃圾站",
            "幼儿园",
            "健身区",
            "篮球场",
            "自行车棚",
            "车棚",
            "楼顶",
            "天台",
            "物业办公室",
            "快递驿站",
            "快递柜",
            "消防通道",
            "老年活动室",
            "儿童游乐场",
            "游乐场",
            "社区卫生站",
            "菜市场",
            "主干道",
            "门岗",
            "绿化带",
            "配电房",
            "水泵房",
            "居委会",
            "社区服务中心",
            "党群服务中心",
        ),
        key=len,
        reverse=True,
    )
)
_N = rf"(\d{{1,3}}|{CN_NUM})"
_DASHED = re.compile(r"(?<![\d\-])(\d{1,3})-(\d{1,2})-(\d{3,4})(?![\d\-])")
_BUILDING = re.compile(rf"{_N}\s*(?:号院|{BUILDING_WORD})|([a-h])\s*座")
_UNIT = re.compile(rf"{_N}\s*单元")
_ROOM_AFTER_UNIT = re.compile(r"单元\s*(\d{3,4})(?!\d)")
_ROOM = re.compile(r"(?<!\d)(\d{3,4})\s*(?:室|房|号房)")


def _num(token: str) -> str | None:
    value = to_int(token)
    return None if value is None else str(value)


def parse_location(text: str) -> dict[str, str]:
    """{"building", "unit", "room", "place"} — whichever the text names; the place may be
    where by the building it is (6号楼门口 → building 6, place 门口)."""
    found: dict[str, str] = {}
    if m := _DASHED.search(text):
        found.update(building=str(int(m.group(1))), unit=str(int(m.group(2))), room=m.group(3))
    else:
        if m := _BUILDING.search(text):
            value = m.group(2).upper() if m.group(2) else _num(m.group(1))
            if value:
                found["building"] = value
            if by := BY_BUILDING.match(text, m.end()):
                found["place"] = by.group(1)
        if (m := _UNIT.search(text)) and (value := _num(m.group(1))):
            found["unit"] = value
        if m := _ROOM_AFTER_UNIT.search(text) or _ROOM.search(text):
            found["room"] = m.group(1)
    for place in PLACES:
        if "place" not in found and place in text:
            found["place"] = place
            break
    return found


# What a location answer consists of, for the context-first residual check.
LOCATION_PATTERNS: tuple[re.Pattern[str], ...] = (
    _DASHED,
    _BUILDING,
    _UNIT,
    _ROOM_AFTER_UNIT,
    _ROOM,
    re.compile(r"\d{3,4}"),
    re.compile("|".join(map(re.escape, PLACES))),
)
