"""A shared location names the nearest building when the buildings' coordinates are
configured, so the task reaches that building's grid; far from every building it is kept
as the spot it is."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.app import Yishi
from bot.demo import seed_demo
from kernel.intents import KeywordClassifier
from kernel.messages import Location
from storage.tickets import TicketRepository
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
