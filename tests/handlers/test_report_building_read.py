"""A building named with a slip of the keyboard is that building, and one the words seem
to name but can't be read as is asked about: neither is ever replaced by the reporter's
home (the walk: 张阿姨, who lives in 3号楼 in 第一网格, typed "5号搂电梯坏了 一直响"; the
card said 位置：3号楼2单元301室, and the people trapped in that lift next were filed there,
to 第一网格's worker, though 5号楼 is in 第二网格)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.kit import Town


async def grid_name(town: Town, grid_id: int | None) -> str:
    async with town.bot.uow() as uow:
        found = await uow.session.execute(
            text("SELECT name FROM grids WHERE id = :i"), {"i": grid_id}
        )
        return str(found.scalar_one())


async def test_the_walk_a_lift_in_5号搂_is_filed_at_5号楼_to_its_grid(town: Town) -> None:
    card = await town.zhang.says("5号搂电梯坏了 一直响")
    assert "位置：5号楼\n" in card.text and "3号楼" not in card.text, card.text
    urgent = await town.zhang.says("电梯里有人被困住了")
    assert "96333" in urgent and "已按紧急诉求受理" in urgent, urgent.text
    assert "第二网格的网格员" in urgent and "登记的住址" not in urgent.text, urgent.text
    [ticket] = await town.tickets_of("zhang")
    assert (ticket.building, ticket.urgent) == ("5号楼", True)
    assert await grid_name(town, ticket.grid_id) == "第二网格"
    [task] = await town.zhao.receives()
    assert ticket.number in task.text and "位置：5号楼\n" in task.text, task.text
    assert await town.wang.receives() == [], "第一网格's worker is not sent 5号楼's lift"


@pytest.mark.parametrize(
    "said",
    ["5号搂", "5号娄", "5号篓", "5号喽", "5号lou", "5号 楼", "5#楼", "5#", "5栋", "5幢", "五号楼"],
)
async def test_the_ways_people_write_5号楼_are_5号楼(town: Town, said: str) -> None:
    card = await town.zhang.says(f"{said}电梯坏了")
    assert "位置：5号楼\n" in card.text, card.text


async def test_a_building_not_read_is_asked_about_and_yes_takes_it(town: Town) -> None:
    """ "5号电梯": 5号楼's lift, or lift No. 5 somewhere — asked, never her home."""
    asked = await town.zhang.says("5号电梯坏了")
    assert asked.text == "问题是在5号楼吗？是的话回“是”，不是的话告诉我在几号楼。", asked.text
    assert asked.labels == ["是", "不是"]
    card = await town.zhang.taps("是", asked)
    assert "位置：5号楼\n" in card.text and "问题：5号电梯坏了" in card.text, card.text
    filed = await town.zhang.taps("确认提交", card)
    [ticket] = await town.tickets_of("zhang")
    assert ticket.number == filed.ticket and ticket.building == "5号楼"
    assert await grid_name(town, ticket.grid_id) == "第二网格"


async def test_no_to_the_building_asks_which_and_a_number_is_that_building(town: Town) -> None:
    asked = await town.zhang.says("五号的电梯坏了")
    assert "问题是在5号楼吗？" in asked, asked.text
    which = await town.zhang.says("不是")
    assert which.text == "那是在几号楼？也可以说具体位置，比如“东门”。"
    card = await town.zhang.says("6")
    assert "位置：6号楼\n" in card.text and "3号楼" not in card.text, card.text


async def test_another_building_said_instead_is_taken(town: Town) -> None:
    await town.zhang.says("5号门口的路灯坏了")
    card = await town.zhang.says("不是5号楼，是6号楼")
    assert "位置：6号楼\n" in card.text, card.text


async def test_an_answer_naming_no_place_asks_where_not_the_home(town: Town) -> None:
    await town.zhang.says("5号电梯坏了")
    which = await town.zhang.says("一直在响")
    assert "那是在几号楼？" in which, which.text
    card = await town.zhang.says("7号楼")
    assert "位置：7号楼\n" in card.text and "一直在响" in card.text, card.text


async def test_a_date_is_no_building_and_the_home_stands(town: Town) -> None:
    card = await town.zhang.says("12月5号电梯就坏了")
    assert "位置：3号楼2单元301室" in card, card.text


async def test_an_emergency_in_a_building_not_read_is_filed_there_and_said(town: Town) -> None:
    urgent = await town.zhang.says("5号电梯里有人被困住了")
    assert "地点先按 5号楼 记下了，如果不是5号楼，请马上告诉我在哪儿。" in urgent, urgent.text
    assert "登记的住址" not in urgent.text and "第二网格的网格员" in urgent, urgent.text
    [ticket] = await town.tickets_of("zhang")
    assert ticket.building == "5号楼" and await grid_name(town, ticket.grid_id) == "第二网格"
    assert await town.wang.receives() == []
    corrected = await town.zhang.says("不是5号楼，在6号楼")
    assert f"{ticket.number} 的地点已改为 6号楼" in corrected, corrected.text


async def test_an_emergency_in_a_building_the_community_lacks_asks_where(town: Town) -> None:
    urgent = await town.zhang.says("12号电梯里有人被困住了")
    assert "还不知道具体在哪儿，请马上告诉我在几号楼几单元" in urgent, urgent.text
    assert "登记的住址" not in urgent.text
    [ticket] = await town.tickets_of("zhang")
    assert (ticket.building, ticket.room) == (None, None)
