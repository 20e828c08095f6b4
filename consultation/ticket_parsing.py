"""What a resident's words say about a ticket: category, urgency, place, ticket numbers, period.

Pure functions over a configurable :class:`Catalogue`, so the domain owns its own
categories and the rules can be tested without a database or a bot.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo

from consultation.confidentiality import Confidentiality
from storage.nlu_samples import without_personal

#: Ticket statuses (the export contract) and how residents see them.
STATUS_ZH: dict[str, str] = {
    "received": "已受理",
    "assigned": "已分派",
    "in_progress": "处理中",
    "escalated": "已上报",
    "resolved": "已办结",
    "closed": "已评价",
    "reopened": "重新处理",
}
RATINGS: tuple[str, ...] = ("满意", "基本满意", "不满意")
#: The working periods of a working day (see :mod:`consultation.worktime`).
WORKING_HOURS: tuple[tuple[time, time], ...] = (
    (time(8, 30), time(12, 0)),
    (time(13, 30), time(17, 30)),
)


@dataclass(frozen=True, slots=True)
class Category:
    """One kind of problem: the words that name it, its time limits, its own questions."""

    name: str
    keywords: tuple[str, ...] = ()
    response_hours: float = 4.0
    resolution_hours: float = 72.0
    questions: tuple[str, ...] = ()
    department: str = "街道综合执法队"
    #: Its limits run on the plain clock instead of working time.
    plain_clock: bool = False


def distance_metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine), plenty for a community's few hundred metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(a))


@dataclass(frozen=True, slots=True)
class Catalogue:
    """The community's ticket rules, built from the ``[tickets]`` configuration."""

    categories: tuple[Category, ...]
    urgent_words: tuple[str, ...] = ()
    urgent_response_minutes: float = 30.0
    urgent_resolution_hours: float = 24.0
    warn_before_minutes: float = 60.0
    duplicate_window_hours: float = 72.0
    rating_timeout_hours: float = 72.0
    confidentiality: Confidentiality = field(default_factory=Confidentiality)
    fallback: str = "其他"
    #: Limits count these periods of each working day (empty: the plain clock for all).
    working_hours: tuple[tuple[time, time], ...] = WORKING_HOURS
    #: Where each building stands (name → latitude, longitude), for shared locations.
    building_coordinates: tuple[tuple[str, float, float], ...] = ()
    #: A shared location farther than this from every building names no building.
    nearest_within_metres: float = 150.0
    #: Reports a reporter with no resident identity may file a day, from one account and
    #: from one address (0: no cap); emergencies are never counted.
    unbound_reports_per_day: int = 3
    unbound_reports_per_address_per_day: int = 10

    def nearest_building(self, latitude: float, longitude: float) -> str | None:
        """The configured building nearest to a shared location, if one is close enough
        (a resident who sends their location means where they stand)."""
        best: tuple[float, str] | None = None
        for name, lat, lon in self.building_coordinates:
            metres = distance_metres(latitude, longitude, lat, lon)
            if metres <= self.nearest_within_metres and (best is None or metres < best[0]):
                best = (metres, name)
        return None if best is None else best[1]

    def get(self, name: str) -> Category:
        for category in self.categories:
            if category.name == name:
                return category
        for category in self.categories:
            if category.name == self.fallback:
                return category
        return self.categories[-1]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.categories)

    def limits(self, name: str, urgent: bool) -> tuple[timedelta, timedelta]:
        """(response limit, resolution limit) for a category and severity."""
        cat = self.get(name)
        response = timedelta(hours=cat.response_hours)
        resolution = timedelta(hours=cat.resolution_hours)
        if urgent:
            response = min(response, timedelta(minutes=self.urgent_response_minutes))
            resolution = min(resolution, timedelta(hours=self.urgent_resolution_hours))
        return response, resolution

    def warn_ahead(self, limit: timedelta) -> timedelta:
        """How long before a deadline its holder is warned (never more than a quarter of it)."""
        return min(timedelta(minutes=self.warn_before_minutes), limit / 4)


DEFAULT_CATEGORIES: tuple[Category, ...] = (
    Category(
        "环境卫生",
        ("垃圾", "卫生", "脏", "臭", "清运", "污水", "狗屎", "杂物", "小广告"),
        4,
        48,
        department="街道环卫所",
    ),
    Category(
        "公共设施",
        ("灯", "电梯", "路面", "井盖", "水管", "漏水", "坏了", "健身器材", "门禁", "破损"),
        4,
        72,
        department="街道城建办",
    ),
    Category(
        "治安消防",
        ("消防", "偷", "盗", "可疑", "通道堵", "灭火器", "电动车充电", "飞线"),
        2,
        24,
        department="派出所",
    ),
    Category(
        "邻里纠纷",
        ("邻居", "纠纷", "吵架", "矛盾", "占用", "漏到我家"),
        8,
        120,
        ("对方是几号楼几室？（我们会为您保密）",),
        department="司法所",
    ),
    Category(
        "物业服务",
        ("物业", "保安", "保洁", "绿化", "维修基金", "物业费"),
        4,
        72,
        department="街道物业办",
    ),
    Category(
        "停车交通",
        ("停车", "车位", "乱停", "占道", "堵车", "僵尸车", "充电桩"),
        4,
        72,
        department="交警中队",
    ),
    Category(
        "噪音扰民",
        ("噪音", "吵", "装修", "广场舞", "施工", "扰民", "音响"),
        2,
        48,
        ("这个声音持续多久了？一般在什么时段？",),
        department="街道综合执法队",
    ),
    Category("其他", (), 8, 120, department="街道综合执法队"),
)

DEFAULT_URGENT_WORDS: tuple[str, ...] = (
    "困人",
    "被困",
    "煤气",
    "燃气",
    "起火",
    "着火",
    "冒烟",
    "漏电",
    "触电",
    "高空抛物",
    "坠落",
    "晕倒",
)


def default_catalogue() -> Catalogue:
    """The catalogue used when the configuration names none."""
    return Catalogue(categories=DEFAULT_CATEGORIES, urgent_words=DEFAULT_URGENT_WORDS)


def classify_category(text: str, catalogue: Catalogue) -> str | None:
    """The category whose keywords best match ``text`` (most, then longest hits), or None."""
    best: tuple[int, int, int] | None = None
    chosen: str | None = None
    for order, category in enumerate(catalogue.categories):
        if category.name in text:
            return category.name
        hits = [k for k in category.keywords if k and k in text]
        if not hits:
            continue
        score = (len(hits), max(len(k) for k in hits), -order)
        if best is None or score > best:
            best, chosen = score, category.name
    return chosen


#: Characters that say how a thing is, not what it is (坏了, 不亮了, 的): left out when two
#: reports are compared for what they are about.
_FILLER = frozenset("了的吗呢啊吧呀么还又也很太都有是在好几天")
_PLACE_WORDS = re.compile(r"\d+|号楼|单元|楼层|室|号")


def same_subject(one: str, other: str, keywords: Sequence[str] = ()) -> bool:
    """Do two reports speak of the same thing? They name the same thing of their
    category's ``keywords`` (灯, 电梯: not 坏了, which says how it is), or share a pair of
    adjacent characters that is neither a place nor filler ("楼道灯坏了" and "楼道灯不亮"
    share 楼道; "路灯坏了" and "电梯里有人被困住了" share nothing; "门口的井盖" and "门口的
    路灯杆" share only where they are). A report with too few characters to tell is taken
    to match, as before this check."""
    if any(k in one and k in other for k in keywords if k and not _FILLER & set(k)):
        return True
    a, b = _subject_pairs(one), _subject_pairs(other)
    return not a or not b or bool(a & b)


def _subject_pairs(text: str) -> set[str]:
    body = _SPOT_WORDS.sub(" ", _PLACE_WORDS.sub(" ", text))
    return {
        body[i : i + 2]
        for i in range(len(body) - 1)
        if "\u4e00" <= body[i] <= "\u9fff"
        and "\u4e00" <= body[i + 1] <= "\u9fff"
        and body[i] not in _FILLER
        and body[i + 1] not in _FILLER
    }


def is_urgent(text: str, catalogue: Catalogue) -> bool:
    """True when ``text`` names a danger to life or safety."""
    return any(w in text for w in catalogue.urgent_words)


_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
_CN_DIGITS.update({"六": 6, "七": 7, "八": 8, "九": 9, "十": 10})
_NUM = r"(\d{1,4}|[一二两三四五六七八九十]{1,3})"
#: How people write a building's number: 5号楼, 5栋, 5幢, 5#楼, 5#, 5号 before a unit
#: (5号2单元); and 楼 as pinyin input often gives it — 5号搂, 5号娄, 5号篓, 5号喽 (not at the
#: end of a clause: "明天就5号喽" is a date), 5号lou.
BUILDING_WORD = (
    r"(?:号\s*(?:楼|搂|娄|篓|(?i:lou)|喽(?![\s，,。.!！?？~～…]|$))|栋|幢|[#＃]\s*楼?"
    r"|号(?=\s*\d{1,2}\s*单元))"
)
_BUILDING = re.compile(_NUM + r"\s*" + BUILDING_WORD + r"|(?<![A-Za-z])([A-Ha-h])\s*座")
_UNIT = re.compile(_NUM + r"\s*单元")
_ROOM = re.compile(r"(?<![\d.:：])(\d{3,4})\s*(?:室|房|号房)?(?!\d)")
_PLACES = (
    "东门",
    "西门",
    "南门",
    "北门",
    "正门",
    "后门",
    "大门",
    "小区门口",
    "广场",
    "花园",
    "停车场",
    "地下车库",
    "车库",
    "健身区",
    "垃圾站",
    "活动中心",
    "服务中心",
    "篮球场",
    "幼儿园",
    "菜场",
    "主干道",
    "围墙",
)
_NEAR_PLACE = re.compile(r"([\u4e00-\u9fff]{1,6}(门口|旁边|附近|路口|路|街|巷))")
#: What ends a place's name read backwards from 门口/旁边: a pronoun, a verb of the
#: sentence, a word of time ("他家狗天天在我门口": no place, only 我门口 and a clause).
_NOT_A_NAME = re.compile(r".*[我你他她它们家在的了是有把被往到从就都也还又老总天过停堆放拉抽]")


def _near_place(text: str) -> str | None:
    """ "超市门口", "幸福路路口": a named place a problem is by. The words before 门口 must
    name something (a shop, a road), not be the rest of a sentence: "在我家门口" and
    "他家狗天天在我门口" name no place (the draft asks, or takes the home)."""
    for near in _NEAR_PLACE.finditer(text):
        found = near.group(1)
        suffix = near.group(2)
        name = _NOT_A_NAME.sub("", found[: -len(suffix)])
        if len(name) >= (1 if suffix in ("路", "街", "巷") else 2):
            return name + suffix
    return None


#: Where by a building (or its unit) a problem is, said right after it: 6号楼门口,
#: 3号楼2单元的楼下, 5栋后面. Kept as the ticket's spot, so the worker knows where to look.
_BY_WORDS = (
    "门口|门前|大门口|楼下|楼前|楼后|楼顶|天台|后面|前面|旁边|附近|对面|侧面|拐角"
    "|东侧|西侧|南侧|北侧|东边|西边|南边|北边"
)
BY_BUILDING = re.compile(rf"\s*的?\s*({_BY_WORDS})")
#: Where a thing is, not what it is: left out when two reports are compared for what
#: they are about (4号楼门口的井盖 and 6号楼门口的路灯杆 share 门口, and nothing else).
_SPOT_WORDS = re.compile("|".join((_BY_WORDS, *_PLACES, "路口")))


def _number(raw: str) -> int:
    if raw.isdigit():
        return int(raw)
    if raw == "十":
        return 10
    if raw.startswith("十"):
        return 10 + _CN_DIGITS.get(raw[1], 0)
    if len(raw) >= 2 and raw[1] == "十":
        tail = _CN_DIGITS.get(raw[2], 0) if len(raw) > 2 else 0
        return _CN_DIGITS.get(raw[0], 0) * 10 + tail
    return _CN_DIGITS.get(raw, 0)


@dataclass(frozen=True, slots=True)
class Place:
    """Where a problem is: a building/unit/room, or a named spot like 东门."""

    building: str | None = None
    unit: str | None = None
    room: str | None = None
    spot: str | None = None

    @property
    def empty(self) -> bool:
        return not (self.building or self.spot)

    def label(self) -> str:
        parts = [p for p in (self.building, self.unit, self.room) if p]
        text = "".join(parts)
        if self.room and not self.room.endswith("室"):
            text += "室"
        if self.spot:
            text = f"{text}{self.spot}" if text else self.spot
        return text

    def merged(self, other: Place) -> Place:
        """This place updated by what ``other`` says (a new building resets unit and room)."""
        if other.building:
            return Place(other.building, other.unit, other.room, other.spot)
        if other.spot and not other.unit:
            return Place(spot=other.spot)
        return Place(
            self.building,
            other.unit or self.unit,
            other.room or self.room,
            other.spot or self.spot,
        )


def parse_place(text: str) -> Place:
    """Building, unit and room ("3号楼2单元301"), or a named place ("东门"); never digits
    of a phone or ID number ("3号楼2单元，电话13812345678" names no room)."""
    text = without_personal(text)
    building = unit = room = spot = None
    found = _BUILDING.search(text)
    rest = text
    if found:
        number = found.group(1)
        building = f"{_number(number)}号楼" if number else f"{found.group(2).upper()}座"
        rest = text[found.end() :]
    found_unit = _UNIT.search(rest)
    if found_unit:
        unit = f"{_number(found_unit.group(1))}单元"
        rest = rest[found_unit.end() :]
    if building or unit:
        found_room = _ROOM.search(rest)
        if found_room:
            room = found_room.group(1)
        elif by := BY_BUILDING.match(rest):
            spot = by.group(1)
    for name in _PLACES:
        if spot is None and name in text:
            spot = name
            break
    if spot is None and building is None:
        spot = _near_place(text)
    return Place(building, unit, room, spot)


#: A number and 号 where a building would be, in a form not read as one: "5号电梯",
#: "五号的电梯", "5号门口", "5号lo" (a slip of 楼 not known). Not a date ("12月5号电梯…"),
#: nor 5号线, 5号门, 502号门口 (a room's door): those say nothing of a building.
_LIKE_BUILDING = re.compile(
    r"(?<!\d)(\d{1,2}|[一二两三四五六七八九十]{1,3})\s*号\s*(?:的\s*)?(?=电梯|门口|门前|单元门|楼道|那栋|这栋|那幢|这幢|[A-Za-z])"
)
_DATE_BEFORE = re.compile(r"(?:月|星期|礼拜|周)\s*$")


def unread_building(text: str) -> Place | None:
    """The building ``text`` seems to name but :func:`parse_place` could not read ("5号电梯
    坏了" → 5号楼), with the spot by it: to be asked about ("是5号楼吗？"), never replaced by
    the reporter's home. None when a building was read or nothing looks like one."""
    if parse_place(text).building:
        return None
    for found in _LIKE_BUILDING.finditer(text):
        if _DATE_BEFORE.search(text, 0, found.start()):
            continue
        rest = text[found.end() :]
        by = BY_BUILDING.match(rest)
        return Place(f"{_number(found.group(1))}号楼", spot=by.group(1) if by else None)
    return None


def other_place(said: Place, at: Place) -> bool:
    """Whether ``said`` (a place a message names) is another place than ``at`` (a
    ticket's): another building, another unit, a building for a ticket at a spot, or a
    named spot the ticket is not at ("东门" for 5号楼门口's). A message that names no place
    is about no other one."""
    if said.unit and at.unit and said.unit != at.unit:
        return True  # "2单元门口又堵了" for 1单元's: another unit (of the same building)
    if said.building:
        return said.building != at.building
    if not said.spot:
        return False
    if not at.spot:
        return True
    if said.spot == at.spot:
        return False
    # A ticket at a spot of its own (东门, 小区门口): the same when one names the other.
    return bool(at.building) or not (said.spot in at.spot or at.spot in said.spot)


#: A category's question asking where someone lives ("对方是几号楼几室？"): its answer
#: names a home (the other party's), never where the problem is reported from.
_ASKS_HOME = re.compile(r"几号楼|几栋|几幢|几室|几单元|门牌|哪栋|哪一户|哪户|住哪")
#: A room number said alone ("202", "就楼上 202", "502的", "5-2-502"): three or four
#: digits that are no time, year, date, sum or count ("晚上11点", "2020年", "300块").
_BARE_ROOM = re.compile(
    r"(?<![\d.:：])(?:\d{1,3}-\d{1,2}-)?(\d{3,4})(?![\d.:：%]|\s*(?:点|年|月|日|号(?![楼房])|分|秒|天"
    r"|周|小时|元|块|次|个|人|米|斤|公斤|岁|万|千|百|平|层|遍))"
)
#: "不知道", "不清楚他家几号", "说不准": the resident can't say where the other party lives.
_DONT_KNOW = re.compile(
    r"^(?:我|这个)?(?:也)?(?:不知道|不清楚|不晓得|不确定|不记得|记不清|说不准|说不清|"
    r"不太清楚|不太确定|搞不清|不方便说|不想说|跳过)"
)


def asks_for_home(question: str) -> bool:
    """Whether a category's question asks where someone lives (the other party of a
    neighbour dispute): its answer must name a home, and goes to that question."""
    return bool(_ASKS_HOME.search(question))


def names_home(text: str) -> bool:
    """Whether ``text`` names a home: a building, a unit or a room ("5号楼2单元502",
    "就楼上 202", "是6号楼的"). "好几个月了 晚上11点以后" names none."""
    place = parse_place(text)
    return bool(place.building or place.unit or place.room or names_room(text))


def names_room(text: str) -> bool:
    """Whether ``text`` says a room number (alone, or after a building and unit)."""
    return bool(parse_place(text).room or _BARE_ROOM.search(without_personal(text)))


def cannot_say(text: str) -> bool:
    """ "不知道", "不清楚": the resident can't say (a question is then not asked again)."""
    return bool(_DONT_KNOW.match(text.strip()))


#: A place a correction says it is *not* at ("不在3号楼", "不是3号楼"): up to the next
#: punctuation or the 在/是 that says where it is instead.
_NOT_THERE = re.compile(r"(?:不在|不是)[^，,。；;！!？?\s在是]*")


def corrected_place(text: str) -> Place:
    """The place a correction names: where it says the problem is, not where it says it
    isn't ("不在3号楼，在5号楼" and "不是3号楼是5号楼" are both 5号楼)."""
    return parse_place(_NOT_THERE.sub(" ", text))


#: R20261122-0007, with any dash ("–", "－" folded or not) or a space ("r20261122 0007").
_TICKET = re.compile(r"R\s*-?\s*(\d{8})(?:\s*[-‐‑‒–—−－]\s*|\s+)(\d{1,6})(?![0-9])", re.IGNORECASE)
#: Something typed as a ticket number that is none (R2026120, "R20261204—"): never
#: answered with another ticket.
LOOKS_LIKE_TICKET = re.compile(r"(?<![A-Za-z])R\s*-?\s*20\d{3,}", re.IGNORECASE)


def ticket_number(day: date, sequence: int) -> str:
    """R20261122-0007: the day of receipt and that day's sequence."""
    return f"R{day:%Y%m%d}-{sequence:04d}"


def find_ticket_number(text: str) -> str | None:
    """The first ticket number quoted in ``text``, normalised (r20261122-7 → R20261122-0007)."""
    found = _TICKET.search(text)
    if found is None:
        return None
    return f"R{found.group(1)}-{int(found.group(2)):04d}"


_MONTH = re.compile(r"(\d{4})\s*[-年/.]\s*(\d{1,2})\s*月?")


def parse_period(text: str, today: date) -> tuple[date, date, str]:
    """A statistics period as [start, end) local dates and its label; this month by default."""
    if "今天" in text or "今日" in text:
        return today, today + timedelta(days=1), "今天"
    if "本周" in text or "这周" in text:
        start = today - timedelta(days=today.weekday())
        return start, start + timedelta(days=7), "本周"
    if "上月" in text or "上个月" in text:
        first = today.replace(day=1)
        prev = (first - timedelta(days=1)).replace(day=1)
        return prev, first, f"{prev.year}年{prev.month}月"
    if "今年" in text or "本年" in text:
        return date(today.year, 1, 1), date(today.year + 1, 1, 1), f"{today.year}年"
    found = _MONTH.search(text)
    if found and 1 <= int(found.group(2)) <= 12:
        start = date(int(found.group(1)), int(found.group(2)), 1)
    else:
        start = today.replace(day=1)
    end = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    return start, end, f"{start.year}年{start.month}月"


def rating_word(text: str) -> str | None:
    """满意 / 基本满意 / 不满意 at the start of ``text`` (不满意 before 满意)."""
    cleaned = text.strip().lstrip("【[").replace("非常满意", "满意")
    for word in ("不满意", "基本满意", "满意"):
        if cleaned.startswith(word):
            return word
    if cleaned.startswith(("不太满意", "很不满意", "没解决", "没有解决")):
        return "不满意"
    return None


@dataclass(slots=True)
class DraftSlots:
    """Everything one message says about a draft ticket."""

    category: str | None = None
    urgent: bool = False
    place: Place = field(default_factory=Place)


def read_message(text: str, catalogue: Catalogue) -> DraftSlots:
    """Category, urgency and place from one free-text message."""
    return DraftSlots(
        category=classify_category(text, catalogue),
        urgent=is_urgent(text, catalogue),
        place=parse_place(text),
    )


def local_day(moment: datetime, zone: tzinfo) -> date:
    """The calendar day of ``moment`` in ``zone`` (the ticket number's date)."""
    return moment.astimezone(zone).date()
