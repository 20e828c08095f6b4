"""Ticket category by keywords. The table is data so that it can be made configurable."""

from __future__ import annotations

from collections.abc import Mapping

OTHER_CATEGORY = "其他"

# Category → keywords. Order breaks ties (earlier wins).
CATEGORY_KEYWORDS: dict[str, tuple[str, ...]] = {
    "环境卫生": (
        "垃圾",
        "卫生",
        "臭",
        "异味",
        "脏",
        "清扫",
        "保洁",
        "化粪池",
        "下水道",
        "排水沟",
        "绿化带",
        "杂草",
        "蚊虫",
        "老鼠",
        "蟑螂",
        "狗屎",
        "粪便",
        "污水",
        "小广告",
        "反味",
    ),
    "公共设施": (
        "路灯",
        "电梯",
        "楼道灯",
        "门禁",
        "单元门",
        "水管",
        "漏水",
        "渗水",
        "漏雨",
        "墙皮",
        "井盖",
        "健身器材",
        "扶手",
        "台阶",
        "路面",
        "充电桩",
        "监控",
        "屋顶",
        "外墙",
        "瓷砖",
        "玻璃",
        "座椅",
        "自来水",
        "停水",
        "停电",
        "雨水管",
        "积水",
        "坑",
    ),
    "治安消防": (
        "消防",
        "灭火器",
        "高空抛物",
        "飞线充电",
        "电瓶车推进电梯",
        "小偷",
        "被盗",
        "偷",
        "陌生人",
        "火灾",
        "着火",
        "燃气",
        "天然气",
        "煤气",
        "电线",
        "安全隐患",
        "烟头",
    ),
    "邻里纠纷": (
        "邻居",
        "楼上",
        "隔壁",
        "对门",
        "吵架",
        "纠纷",
        "矛盾",
        "堆杂物",
        "晾",
        "养鸡",
        "遛狗",
        "私搭乱建",
        "种菜",
        "占用公共",
    ),
    "物业服务": ("物业", "物业费", "保安", "管家", "收费", "服务态度"),
    "停车交通": (
        "停车",
        "车位",
        "乱停",
        "堵车",
        "道闸",
        "出口",
        "车辆",
        "电动车",
        "非机动车",
        "占道",
        "地锁",
        "上锁",
        "栏杆",
    ),
    "噪音扰民": (
        "噪音",
        "吵",
        "扰民",
        "装修",
        "广场舞",
        "音响",
        "麻将",
        "ktv",
        "半夜",
        "喇叭",
        "狗叫",
    ),
}


def parse_category(
    text: str, table: Mapping[str, tuple[str, ...]] = CATEGORY_KEYWORDS
) -> str | None:
    """The category whose keywords cover most characters of the text, or None."""
    best: str | None = None
    best_score = 0
    for category, words in table.items():
        score = sum(len(w) for w in words if w in text)
        if score > best_score:
            best, best_score = category, score
    return best
