"""Where by a building a problem is stays on the ticket (6号楼门口, not just 6号楼), and a
building the community doesn't have is asked about instead of being filed with no grid."""

from __future__ import annotations

from storage.tickets import Ticket, TicketRepository
from tests.kit import Answer, Town


async def _filed(town: Town, card: Answer) -> Ticket:
    assert "确认提交" in card.labels, card.text
    filed = await town.zhang.taps("确认提交", card)
    if "通知您" in filed:
        filed = await town.zhang.says("要")
    async with town.bot.uow() as uow:
        found = await uow.get(TicketRepository).by_number(filed.ticket)
    assert found is not None
    return found


async def test_the_spot_by_a_building_is_kept(town: Town) -> None:
    card = await town.zhang.says("6号楼门口的路灯坏了，晚上黑漆漆的")
    assert "6号楼门口" in card, card.text
    ticket = await _filed(town, card)
    assert (ticket.building, ticket.spot) == ("6号楼", "门口")
    [task] = [r for r in await town.zhao.receives() if ticket.number in r.text]
    assert "6号楼门口" in task.text, task.text


async def test_a_building_the_community_does_not_have_is_asked_about(town: Town) -> None:
    asked = await town.zhang.says("9号楼门口的路灯坏了，晚上黑漆漆的")
    assert "我们小区只有1–8号楼，您说的是几号楼？" in asked, asked.text
    card = await town.zhang.says("6")
    assert "位置：6号楼门口" in card, card.text
    ticket = await _filed(town, card)
    assert (ticket.building, ticket.spot) == ("6号楼", "门口")
    assert any(ticket.number in r.text for r in await town.zhao.receives()), "第二网格's worker"
    assert not any(ticket.number in r.text for r in await town.li.receives())


async def test_a_building_said_again_stands(town: Town) -> None:
    asked = await town.zhang.says("9号楼楼道灯坏了")
    assert "只有1–8号楼" in asked, asked.text
    card = await town.zhang.says("就是9号楼")
    assert "位置：9号楼" in card and "只有1–8号楼" not in card.text, card.text
