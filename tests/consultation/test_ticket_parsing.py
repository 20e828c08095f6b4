"""The pure rules that read a resident's words."""

from __future__ import annotations

from datetime import date

import pytest

from consultation.ticket_parsing import (
    Place,
    asks_for_home,
    cannot_say,
    classify_category,
    corrected_place,
    default_catalogue,
    find_ticket_number,
    is_urgent,
    names_home,
    other_place,
    parse_period,
    parse_place,
    rating_word,
    same_subject,
    ticket_number,
    unread_building,
)

CAT = default_catalogue()


def test_categories_by_keyword() -> None:
    assert classify_category("3号楼2单元的楼道灯坏了好几天了", CAT) == "公共设施"
    assert classify_category("楼下广场舞太吵了", CAT) == "噪音扰民"
    assert classify_category("小区里乱停车", CAT) == "停车交通"
    assert classify_category("今天天气不错", CAT) is None


def test_urgent_words() -> None:
    assert is_urgent("电梯困人了", CAT) and is_urgent("闻到煤气味", CAT)
    assert not is_urgent("楼道灯坏了", CAT)


def test_places() -> None:
    assert parse_place("3号楼2单元301的水管漏了") == Place("3号楼", "2单元", "301")
    assert parse_place("三栋二单元") == Place("3号楼", "2单元")
    assert parse_place("东门垃圾没清").spot == "东门"
    assert parse_place("路灯不亮").empty
    assert Place("3号楼", "2单元").merged(Place(building="5号楼")) == Place("5号楼")
    assert Place("3号楼", "2单元", "301").label() == "3号楼2单元301室"


@pytest.mark.parametrize(
    "said",
    [
        *("5号楼", "5号搂", "5号娄", "5号篓", "5号喽", "5号lou", "5号LOU", "5号 楼", "5 号楼"),
        *("5#楼", "5#", "5＃楼", "5栋", "5幢", "五号楼", "５号楼"),
    ],
)
def test_the_ways_people_write_a_building(said: str) -> None:
    """Pinyin input gives 搂/娄/篓/喽 for 楼 (lóu), or leaves it as lou."""
    assert parse_place(f"{said}电梯坏了 一直响").building == "5号楼"
    assert parse_place(f"{said}门口的路灯坏了") == Place("5号楼", spot="门口")


def test_a_building_before_its_unit_and_a_lettered_one() -> None:
    assert parse_place("5号2单元电梯坏了") == Place("5号楼", "2单元")
    assert parse_place("5# 2单元301") == Place("5号楼", "2单元", "301")
    assert parse_place("B座电梯坏了").building == "B座"


@pytest.mark.parametrize("text", ["明天就5号喽", "明天就5号喽，电梯修好没", "十二月五号开会"])
def test_a_date_is_no_building(text: str) -> None:
    assert parse_place(text).building is None
    assert unread_building(text) is None


@pytest.mark.parametrize(
    ("text", "building"),
    [
        ("5号电梯坏了", Place("5号楼")),
        ("五号的电梯坏了", Place("5号楼")),
        ("5号门口的路灯坏了", Place("5号楼", spot="门口")),
        ("5号lo电梯坏了", Place("5号楼")),
        ("12月5号电梯坏了", None),
        ("上个月 5号电梯就坏了", None),
        ("坐5号线", None),
        ("5号门坏了", None),
        ("1201号门口堆了东西", None),
        ("5号楼电梯坏了", None),
        ("5号搂电梯坏了", None),
        ("电梯坏了", None),
    ],
)
def test_a_building_the_words_seem_to_name_but_do_not_read_as(
    text: str, building: Place | None
) -> None:
    """To be asked about ("是5号楼吗？"), never replaced by the reporter's home."""
    assert unread_building(text) == building


@pytest.mark.parametrize(
    "said",
    [
        "3号楼2单元楼道灯坏了，电话13812345678，晚上打",
        "3号楼2单元楼道灯坏了，电话138-1234-5678",
        "3号楼2单元 座机0571-88886666",
        "3号楼2单元 身份证110101199003071234",
    ],
)
def test_a_phone_or_id_number_is_no_room(said: str) -> None:
    """The walk: 电话13812345678 after 3号楼2单元 was filed at 3号楼2单元5678室."""
    assert parse_place(said) == Place("3号楼", "2单元"), said
    assert parse_place(said + " 301室") == Place("3号楼", "2单元", "301")
    assert not names_home("电话13812345678")


def test_a_correction_names_where_it_is_not_where_it_is_not() -> None:
    assert corrected_place("不在3号楼，在5号楼") == Place("5号楼")
    assert corrected_place("不是3号楼是5号楼2单元") == Place("5号楼", "2单元")
    assert corrected_place("在5号楼，不是3号楼") == Place("5号楼")
    assert corrected_place("是5号楼的电梯") == Place("5号楼")
    assert corrected_place("不在3号楼").empty


def test_ticket_numbers() -> None:
    assert ticket_number(date(2026, 11, 22), 7) == "R20261122-0007"
    assert find_ticket_number("查一下 r20261122-7 怎么样了") == "R20261122-0007"
    assert find_ticket_number("没有编号") is None


def test_periods_and_ratings() -> None:
    today = date(2026, 11, 22)
    assert parse_period("诉求统计", today) == (date(2026, 11, 1), date(2026, 12, 1), "2026年11月")
    assert parse_period("统计 2026-12", today)[:2] == (date(2026, 12, 1), date(2027, 1, 1))
    assert parse_period("上个月", today)[0] == date(2026, 10, 1)
    assert rating_word("不满意，还是坏的") == "不满意"
    assert rating_word("基本满意 R20261122-0001") == "基本满意"
    assert rating_word("满意") == "满意" and rating_word("你好") is None


@pytest.mark.parametrize(
    ("one", "other", "same"),
    [
        ("3号楼楼道灯坏了", "3号楼2单元楼道灯不亮了", True),
        ("6号楼电梯坏了", "6号楼电梯按钮坏了", True),
        ("3号楼电梯坏了", "电梯里有人被困住了", True),
        ("5号楼门口垃圾堆了三天", "5号楼垃圾没人清理", True),
        ("3号楼楼道灯坏了", "电梯里有人被困住了", False),
        ("路灯坏了", "井盖坏了", False),
        ("燃气味很大", "3号楼楼到灯坏了", False),
        # One character names it: the category's keyword (灯), not its 坏了.
        ("3号楼楼道灯坏了", "3号楼的灯不亮了", True),
        ("3号楼电梯坏了", "3号楼井盖坏了", False),
        # Where it is is no subject: 门口, 东门 say where, not what.
        ("4号楼门口的井盖被人挪开了", "6号楼门口的路灯杆歪了", False),
        ("6号楼门口的路灯杆歪了", "2号楼门口的路面塌了一个坑", False),
        ("东门旁边的路面塌了", "东门旁边的路灯不亮", False),
        ("6号楼门口的路灯杆歪了", "6号楼门口那根路灯杆歪得厉害", True),
    ],
)
def test_two_reports_are_about_the_same_thing_when_they_name_it(
    one: str, other: str, same: bool
) -> None:
    """What the duplicate check asks besides category and place: a corridor light in
    3号楼 is no duplicate of people trapped in 3号楼's lift (both 公共设施)."""
    keywords = CAT.get("公共设施").keywords
    assert same_subject(one, other, keywords) is same
    assert same_subject(other, one, keywords) is same


@pytest.mark.parametrize(
    ("answer", "home"),
    [
        ("5号楼1单元202", True),
        ("是5号楼2单元502的", True),
        ("就楼上 202", True),
        ("202", True),
        ("5-2-502", True),
        ("是6号楼的", True),
        ("好几个月了 晚上11点以后", False),
        ("2020年就开始了", False),
        ("花了300块", False),
        ("就是楼上那家", False),
    ],
)
def test_the_answer_to_where_the_other_party_lives_names_a_home(answer: str, home: bool) -> None:
    """“对方是几号楼几室？” is answered by a building, unit or room, never by a time or a sum."""
    assert asks_for_home("对方是几号楼几室？（我们会为您保密）")
    assert not asks_for_home("这个声音持续多久了？一般在什么时段？")
    assert names_home(answer) is home


@pytest.mark.parametrize("answer", ["不知道", "我也不清楚", "不知道他家几号", "不方便说"])
def test_not_knowing_is_an_answer(answer: str) -> None:
    assert cannot_say(answer)


@pytest.mark.parametrize(
    ("said", "other"),
    [
        ("8号楼的下水道又堵了", True),  # another building
        ("5号楼的下水道又堵了", False),  # the same building
        ("5号楼2单元又堵了", True),  # another unit of it
        ("1单元门口又堵了", False),
        ("东门的路灯又不亮了", True),  # a named spot the ticket is not at
        ("下水道又堵了", False),  # no place: about no other one
    ],
)
def test_another_place_than_a_tickets(said: str, other: bool) -> None:
    at = Place("5号楼", "1单元", None, "门口")
    assert other_place(parse_place(said), at) is other


def test_a_ticket_at_a_spot_is_the_same_spot_named_again() -> None:
    at = Place(spot="东门")
    assert not other_place(parse_place("东门的灯又不亮了"), at)
    assert other_place(parse_place("3号楼的灯又不亮了"), at)
    assert other_place(parse_place("地下车库的灯又不亮了"), at)
