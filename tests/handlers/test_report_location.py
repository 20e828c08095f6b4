"""A shared location names the nearest building when the buildings' coordinates are
configured, so the task reaches that building's grid; far from every building it is kept
as the spot it is."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text

from bot.app import Yishi
from bot.demo import seed_demo
from kernel.intents import KeywordClassifier
from kernel.messages import Location
from storage.tickets import Ticket, TicketRepository
from tests.conftest import Clock, make_settings
from tests.kit import Town

#: 6号楼 is in 第二网格 (赵网格员); 1号楼 in 第一网格 (王网格员).
COORDINATES = {"1号楼": (31.82000, 117.22000), "6号楼": (31.82300, 117.22400)}


@pytest.fixture
async def mapped(sqlite_url: str, clock: Clock) -> AsyncIterator[Town]:
    settings = make_settings(sqlite_url, tickets={"building_coordinates": COORDINATES})
    bot = Yishi(settings, classifier=KeywordClassifier(), clock=clock)
    await seed_demo(bot.uow, clock())
    yield Town(bot, clock)
    await bot.stop()


async def test_a_shared_location_names_the_nearest_building_and_its_grid(mapped: Town) -> None:
    town = mapped
    await town.zhang.says("路灯坏了，晚上黑漆漆的")
    near_six = Location(31.82310, 117.22390, "幸福里小区")  # about 15 m from 6号楼
    moved = await town.zhang.says("", location=near_six)
    assert "6号楼" in moved, moved.text
    filed = await town.zhang.says("确认提交")
    if "通知您" in filed:  # asked whether to tell them about progress
        filed = await town.zhang.says("要")
    number = filed.ticket
    tasks = [r.text for r in await town.zhao.receives()]
    assert any(number in text for text in tasks), "第二网格's worker gets it"
    assert not any(number in r.text for r in await town.wang.receives())
    async with town.bot.uow() as uow:
        [ticket] = await uow.get(TicketRepository).of_reporter("web", "zhang", None)
    assert (ticket.building, ticket.spot) == ("6号楼", "幸福里小区")


async def test_a_location_far_from_every_building_is_kept_as_a_spot(mapped: Town) -> None:
    town = mapped
    await town.zhang.says("路灯坏了，晚上黑漆漆的")
    far = Location(31.90000, 117.30000, "市政府广场")
    moved = await town.zhang.says("", location=far)
    assert "市政府广场" in moved, moved.text
    filed = await town.zhang.says("确认提交")
    if "通知您" in filed:
        await town.zhang.says("要")
    async with town.bot.uow() as uow:
        [ticket] = await uow.get(TicketRepository).of_reporter("web", "zhang", None)
    assert (ticket.building, ticket.spot) == (None, "市政府广场")


# ---- an emergency with no place named ------------------------------------------------------


async def zhangs_ticket(town: Town) -> Ticket:
    async with town.bot.uow() as uow:
        [ticket] = await uow.get(TicketRepository).of_reporter("web", "zhang", None)
    return ticket


async def grid_id(town: Town, name: str) -> int:
    async with town.bot.uow() as uow:
        found = await uow.session.execute(text("SELECT id FROM grids WHERE name = :n"), {"n": name})
        return int(found.scalar_one())


async def test_an_emergency_filed_at_home_says_so_and_a_place_said_next_corrects_it(
    town_on_both: Town,
) -> None:
    """Filed at once at 张阿姨's registered address (3号楼), and she is told so; the lift is
    in 5号楼: said next, the ticket's place is changed, recorded and audited, and the task
    goes to 5号楼's grid."""
    town = town_on_both
    urgent = await town.zhang.says("电梯里有人被困住了")
    number = urgent.ticket
    assert "96333" in urgent and "已按紧急诉求受理" in urgent
    assert (
        "地点先按您登记的住址 3号楼2单元301室 记下了，如果不在这里，请马上告诉我在哪儿。" in urgent
    )
    [card] = await town.wang.receives()
    assert "位置：3号楼2单元301室" in card.text
    await town.zhao.receives()
    await town.li.receives()

    corrected = await town.zhang.says("不在3号楼，在5号楼2单元")
    assert corrected.text == f"好的，{number} 的地点已改为 5号楼2单元，已告诉第二网格的网格员。"
    ticket = await zhangs_ticket(town)
    assert (ticket.building, ticket.unit, ticket.room, ticket.spot) == (
        "5号楼",
        "2单元",
        None,
        None,
    )
    assert ticket.grid_id == await grid_id(town, "第二网格") and ticket.urgent
    [moved] = await town.zhao.receives()
    assert moved.text.startswith(f"【地点更正】{number}（紧急）"), moved.text
    assert "位置：5号楼2单元" in moved.text and "原来记的地点：3号楼2单元301室" in moved.text
    assert "接单" in [b.label for b in moved.buttons]
    [gone] = await town.wang.receives()
    assert f"{number} 居民更正了地点：5号楼2单元" in gone.text and "不在本网格" in gone.text
    assert any("【地点更正】" in p.text for p in await town.li.receives()), "urgent: moderators"
    # Recorded in the ticket's history and the audit log, with who and when.
    async with town.bot.uow() as uow:
        rows = await uow.session.execute(
            text("SELECT actor, after FROM audit_log WHERE action = 'ticket_place_corrected'")
        )
        [(actor, after)] = rows.all()
    assert actor.startswith("resident:") and "3号楼2单元301室" in str(after)
    assert "5号楼2单元" in str(after)
    # Saying it again changes nothing; another problem there is a report of its own.
    same = await town.zhang.says("就是5号楼2单元")
    assert same.text == (
        f"好的，{number} 的地点就是 5号楼2单元，已通知第二网格的网格员，还在等人接单，"
        "有人接单会马上告诉您。"
    ), same.text
    other = await town.zhang.says("5号楼门口路灯坏了")
    assert "请确认" in other and "路灯" in other, other.text
    assert (await zhangs_ticket(town)).building == "5号楼"
    detail = await town.zhang.says(number)
    assert "位置：5号楼2单元" in detail and "居民更正地点" in detail, detail.text


async def test_the_place_confirmed_says_who_has_it_or_that_it_waits_to_be_taken(
    town: Town,
) -> None:
    """ "地点就是 …，已经在处理了" was said while nobody had taken the ticket. Before a
    worker takes it: who was told, and that it waits; after: who has it."""
    number = (await town.zhang.says("电梯里有人被困住了")).ticket
    waiting = await town.zhang.says("就是3号楼2单元301室")
    assert waiting.text == (
        f"好的，{number} 的地点就是 3号楼2单元301室，已通知第一网格的网格员，还在等人接单，"
        "有人接单会马上告诉您。"
    ), waiting.text
    await town.wang.says(f"接单 {number}")
    taken = await town.zhang.says("对，就是3号楼2单元301室")
    assert f"{number} 的地点就是 3号楼2单元301室" in taken, taken.text
    assert "王网格员已经在处理了" in taken and "等人接单" not in taken.text, taken.text


async def test_the_emergency_said_again_with_its_place_corrects_it(town: Town) -> None:
    urgent = await town.zhang.says("电梯里有人被困住了")
    number = urgent.ticket
    again = await town.zhang.says("是5号楼的电梯，里面有人被困")
    assert "96333" in again and f"{number} 的地点已改为 5号楼" in again, again.text
    assert (await zhangs_ticket(town)).building == "5号楼"


async def test_an_emergency_from_someone_with_no_address_asks_where(town: Town) -> None:
    visitor = town.person("visitor")
    urgent = await visitor.says("楼道里冒烟了")
    number = urgent.ticket
    assert "还不知道具体在哪儿，请马上告诉我在几号楼几单元" in urgent, urgent.text
    told = await visitor.says("在6号楼")
    assert told.text == f"好的，{number} 的地点已改为 6号楼，已告诉第二网格的网格员。"
    assert any(number in p.text and "位置：6号楼" in p.text for p in await town.zhao.receives())


async def test_a_place_is_taken_only_after_an_emergency_with_none_named(town: Town) -> None:
    urgent = await town.zhang.says("3号楼电梯里有人被困住了")
    assert "登记的住址" not in urgent and "在哪儿" not in urgent, urgent.text
    later = await town.zhang.says("在5号楼")
    assert "地点已改为" not in later, later.text
    assert (await zhangs_ticket(town)).building == "3号楼"
