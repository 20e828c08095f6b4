"""Only a person trapped in a lift is that emergency: a lift that sticks is a report."""

from __future__ import annotations

from nlu.dialogue import emergency_kind
from storage.tickets import Ticket, TicketRepository
from tests.kit import Town


async def tickets_of(town: Town, who: str) -> list[Ticket]:
    async with town.bot.uow() as uow:
        found = await uow.get(TicketRepository).of_reporter("web", who, None)
    return sorted(found, key=lambda tk: tk.number)


# ---- 2. a lift that sticks is no one trapped ---------------------------------------------------

STUCK_LIFTS = (
    "5号楼电梯老是卡住",
    "电梯门关不上",
    "电梯经常卡顿",
    "3号楼电梯坏了，卡在3楼不动了",
    "电梯按钮卡住了",
    "电梯里有人抽烟",
)
TRAPPED = (
    "电梯困人了",
    "6号楼电梯里有人被困住了",
    "电梯卡住了，我被关在里面了",
    "我被困在电梯里了",
    "电梯卡住了 我孙子在里面出不来",
    "电梯停在半空 里面有人",
    "有人关在电梯里了",
    "电梯还没人来 人还困在里面",
    "3号楼电梯坏了有人出不来",
)


def test_only_a_person_trapped_is_a_lift_emergency() -> None:
    assert [s for s in STUCK_LIFTS if emergency_kind(s) is not None] == []
    assert [s for s in TRAPPED if emergency_kind(s) != "lift"] == []


async def test_a_lift_that_keeps_sticking_is_drafted_as_an_ordinary_report(
    model_town: Town,
) -> None:
    """The walk: "5号楼电梯老是卡住" was filed at once as 电梯困人, urgent, with the advice
    for people trapped and no card to confirm."""
    town = model_town
    card = await town.zhang.says("5号楼电梯老是卡住")
    assert "请确认" in card and "5号楼" in card, card.text
    assert "96333" not in card.text and "紧急" not in card.text
    assert await tickets_of(town, "zhang") == []
    filed = await town.zhang.taps("确认提交", card)
    [ticket] = await tickets_of(town, "zhang")
    assert ticket.number == filed.ticket and not ticket.urgent and ticket.category == "公共设施"
