from __future__ import annotations

import pytest

from nlu.normalize import normalize
from nlu.slots import CATEGORY_KEYWORDS, parse_category


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("垃圾好几天没人收，臭死了", "环境卫生"),
        ("电梯又坏了", "公共设施"),
        ("路灯不亮", "公共设施"),
        ("消防通道被车堵死了", "治安消防"),
        ("有人高空抛物", "治安消防"),
        ("隔壁邻居在楼道堆杂物", "邻里纠纷"),
        ("物业态度太差", "物业服务"),
        ("乱停车把出口堵了", "停车交通"),
        ("楼上半夜装修吵得睡不着", "噪音扰民"),
        ("廣場舞音響太大聲", "噪音扰民"),
        ("你好", None),
    ],
)
def test_parse_category(text: str, category: str | None) -> None:
    assert parse_category(normalize(text)) == category


def test_category_table_is_replaceable() -> None:
    assert set(CATEGORY_KEYWORDS) >= {"环境卫生", "公共设施", "治安消防", "邻里纠纷"}
    assert parse_category("鸽子太多", {"宠物动物": ("鸽子",)}) == "宠物动物"
