"""A confidential dispute's complainant gives his own room away in what he writes, not
only in 位置: the one rule (consultation/confidentiality.py) withholds it there too, for
the grid worker; the moderator and the complainant read his words as he said them."""

from __future__ import annotations

from dataclasses import dataclass, field

from consultation.confidentiality import Confidentiality, Viewer
from storage.tickets import Ticket, TicketRepository
from tests.kit import Town

ASKED = "对方是几号楼几室"
WITHHELD = "（门牌号保密）"


async def _filed(town: Town) -> Ticket:
    async with town.bot.uow() as uow:
        [ticket] = await uow.get(TicketRepository).of_reporter("web", "liu", None)
    return ticket


async def test_my_home_said_in_the_other_partys_answer_is_my_place_not_theirs(
    town: Town,
) -> None:
    """The tester: 我家是5号楼302 他家就是楼上 was kept whole as 对方, and 赵网格员's push
    showed 刘大爷's room."""
    asked = await town.liu.says("楼上邻居家漏水漏到我家了 找他好几次都不管")
    assert ASKED in asked, asked.text
    card = await town.liu.says("我家是5号楼302 他家就是楼上")
    assert "请确认" in card, card.text
    assert f"{ASKED}：他家就是楼上" in card, card.text
    assert "302室" in card and f"{ASKED}：我家" not in card, card.text
    filed = await town.liu.taps("确认提交", card)
    ticket = await _filed(town)
    assert ticket.room == "302" and ticket.building == "5号楼", ticket
    assert list(ticket.details.values()) == ["他家就是楼上"]
    [task] = await town.zhao.receives()
    assert filed.ticket in task.text and "302" not in task.text, task.text
    assert f"{ASKED}：他家就是楼上" in task.text, task.text


async def test_the_neighbours_room_said_from_my_home_stays_theirs(town: Town) -> None:
    """就是我家楼上502: 502 is the neighbour's (said from his home), not 刘大爷's."""
    await town.liu.says("楼上邻居家漏水漏到我家了 找他好几次都不管")
    card = await town.liu.says("就是我家楼上502")
    assert f"{ASKED}：就是我家楼上502" in card and "位置：5号楼1单元102室" in card, card.text


async def test_a_self_introduction_in_the_problem_is_withheld_from_the_worker(
    model_town: Town,
) -> None:
    """The tester: 我是5号楼102的老刘 … was masked in 位置, shown word for word in 问题."""
    town = model_town
    said = "我是5号楼102的老刘 楼上邻居天天半夜剁肉 吵得睡不着"
    asked = await town.liu.says(said)
    assert ASKED in asked, asked.text
    card = await town.liu.says("5号楼1单元202")
    assert said in card, "the complainant reads his own words"
    filed = await town.liu.taps("确认提交", card)
    number = filed.ticket
    [task] = await town.zhao.receives()
    assert f"我是{WITHHELD}的（保密） 楼上邻居天天半夜剁肉" in task.text, task.text
    assert "102" not in task.text and "老刘" not in task.text, task.text
    assert "5号楼1单元202" in task.text, "the other party: where he goes"
    looked_up = await town.zhao.says(number)
    assert "102" not in looked_up and "老刘" not in looked_up, looked_up.text
    assert "剁肉" in looked_up, looked_up.text
    moderator = await town.li.says(number)
    assert said in moderator, moderator.text


@dataclass
class _Dispute:
    """A filed dispute as the rule reads it (刘大爷, 5号楼1单元102)."""

    description: str
    details: dict[str, str] = field(default_factory=dict)
    category: str = "邻里纠纷"
    reporter_name: str | None = "刘大爷"
    building: str | None = "5号楼"
    unit: str | None = "1单元"
    room: str | None = "102"
    spot: str | None = None


def test_the_room_is_withheld_in_the_forms_people_type_it() -> None:
    """102, 102室, 5号楼102, 5-1-102, 5号楼1单元102, 我住5-302 (his own, said so): each
    names his door; the other party's room, a time and a building stay."""
    rule = Confidentiality()
    said = "水从202渗到102室卫生间了，5-1-102的顶都泡了，5号楼102和5号楼1单元102都是我家"
    dispute = _Dispute(said, {ASKED: "我住5-302 他家就是楼上"})
    shown = rule.shown(dispute, Viewer.HANDLER)
    assert "102" not in shown.description and "渗到" in shown.description, shown.description
    assert shown.description.count(WITHHELD) == 4, shown.description
    assert "202" in shown.description, "the other party's room stays"
    assert shown.details == {ASKED: f"我住{WITHHELD} 他家就是楼上"}
    note = shown.said("刘大爷补充：晚上11点以后我住15号楼那边的102 还是漏")
    assert note == f"（保密）补充：晚上11点以后我住15号楼那边的{WITHHELD} 还是漏", note
    for whole in (Viewer.MODERATOR, Viewer.REPORTER):
        seen = rule.shown(dispute, whole)
        assert seen.description == said and seen.said("102室") == "102室"
