"""Danger to passers-by is an emergency like the others: glass or a sign about to fall on
people (高空坠物), a manhole left open (井盖缺失). The walk filed "7号楼1单元的楼道窗户玻璃碎了
怕掉下来砸到人" and "4号楼门口的井盖被人挪开了" as ordinary next-day tickets. Now each is
told what to do at once and filed urgent unasked, its grid's workers and the moderators
pushed; a 井盖 that only rattles is still an ordinary report."""

from __future__ import annotations

from tests.kit import Town


async def test_glass_about_to_fall_on_people_is_filed_urgent_with_advice(town: Town) -> None:
    urgent = await town.zhang.says("7号楼1单元的楼道窗户玻璃碎了 怕掉下来砸到人")
    first, filed = urgent.replies
    assert first.text.startswith("高空坠物危险：别靠近、绕开走，能的话拉个警戒"), first.text
    assert "已按紧急诉求受理" in filed.text and "第二网格的网格员" in filed.text, filed.text
    assert "请确认" not in urgent.text
    [ticket] = await town.tickets_of("zhang")
    assert (ticket.building, ticket.unit, ticket.urgent) == ("7号楼", "1单元", True)
    assert ticket.category == "公共设施"
    [task] = await town.zhao.receives()
    assert task.text.startswith(f"【新诉求】{ticket.number}（紧急）"), task.text
    assert any(ticket.number in p.text for p in await town.li.receives()), "moderators too"


async def test_a_manhole_cover_moved_is_filed_urgent_with_advice(model_town: Town) -> None:
    town = model_town
    urgent = await town.liu.says("4号楼门口的井盖被人挪开了")
    assert urgent.text.startswith("井盖缺失：别靠近井口"), urgent.text
    assert "已按紧急诉求受理" in urgent and "第一网格的网格员" in urgent, urgent.text
    [ticket] = await town.tickets_of("liu")
    assert (ticket.building, ticket.spot, ticket.urgent) == ("4号楼", "门口", True)
    [task] = await town.wang.receives()
    assert task.text.startswith(f"【新诉求】{ticket.number}（紧急）"), task.text


async def test_a_manhole_cover_that_rattles_is_an_ordinary_report(model_town: Town) -> None:
    town = model_town
    card = await town.liu.says("5号楼门口的井盖一踩就响，晚上吵得睡不着")
    assert "请确认" in card and "井盖缺失" not in card.text, card.text
    assert await town.tickets_of("liu") == []
