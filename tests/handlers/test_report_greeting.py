"""A greeting before the problem is no part of it: the walk's card read 问题：你好 我们楼
7号楼…, and so did the ticket the grid worker was sent."""

from __future__ import annotations

from storage.tickets import TicketRepository
from tests.kit import Town


async def test_a_greeting_is_left_out_of_the_drafts_problem(town: Town) -> None:
    card = await town.zhang.says("您好，在吗？3号楼2单元的楼道灯坏了好几天了")
    assert "问题：3号楼2单元的楼道灯坏了好几天了\n" in card.text, card.text


async def test_a_greeting_is_left_out_of_an_emergencys_ticket(town: Town) -> None:
    urgent = await town.zhang.says("你好 我们楼7号楼1单元的楼道窗户玻璃碎了 怕掉下来砸到人")
    number = urgent.ticket
    async with town.bot.uow() as uow:
        ticket = await uow.get(TicketRepository).by_number(number)
    assert ticket is not None
    assert ticket.description == "我们楼7号楼1单元的楼道窗户玻璃碎了 怕掉下来砸到人"
    [task] = await town.zhao.receives()
    assert "问题：我们楼7号楼1单元" in task.text and "你好" not in task.text, task.text
