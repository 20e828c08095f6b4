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
    parse_period,
    parse_place,
    rating_word,
    same_subject,
    ticket_number,
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
