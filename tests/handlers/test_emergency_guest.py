"""Who an emergency reply says was told, and what it promises, must be true. The walk: an
unbound person's emergency was answered "社区工作者和社区已同时收到，会马上联系您" — the
community named twice, and a call promised to someone whose name and phone nobody has."""

from __future__ import annotations

from tests.kit import Town


async def test_an_unbound_persons_emergency_names_the_community_once_and_promises_no_call(
    town: Town,
) -> None:
    visitor = town.person("visitor")
    urgent = await visitor.says("楼道里冒烟了")
    number = urgent.ticket
    assert f"已按紧急诉求受理，编号 {number}，社区已收到。" in urgent, urgent.text
    assert "社区还没有您的姓名和电话，没法打给您：有进展会在这里告诉您，请留意消息。" in urgent
    assert "社区工作者和社区" not in urgent.text and "会马上联系您" not in urgent.text
    [task] = await town.li.receives()
    assert number in task.text
    # And it is true: progress reaches this chat.
    await visitor.says("在6号楼")
    await town.zhao.says(f"接单 {number}")
    assert any(number in p.text and "接单" in p.text for p in await visitor.receives())


async def test_an_unbound_person_is_given_the_duty_phone_to_call(town: Town) -> None:
    town.bot.router.community.duty_phone = "0551-6288 0000"
    urgent = await town.person("visitor").says("楼道里冒烟了")
    assert "请留意消息；着急的话直接打社区值班电话 0551-6288 0000。" in urgent, urgent.text


async def test_a_bound_residents_emergency_still_says_who_will_call(town: Town) -> None:
    urgent = await town.zhang.says("楼道里冒烟了")
    assert "第一网格的网格员和社区都已收到，会马上联系您。" in urgent, urgent.text


async def test_more_said_by_an_unbound_person_names_the_community_once(town: Town) -> None:
    visitor = town.person("visitor")
    number = (await visitor.says("楼道里冒烟了")).ticket
    await visitor.says("取消")
    again = await visitor.says("楼道里冒烟了")
    assert f"您说的已补充到 {number}，已通知社区，还在等人接单" in again, again.text
    assert "社区工作者和社区" not in again.text


async def test_an_urgent_report_confirmed_with_no_grid_names_the_community_once(
    town: Town,
) -> None:
    visitor = town.person("visitor")
    asked = await visitor.says("东门的路灯坏了，楼上还老是高空抛物")
    assert "处理进展要通知您吗" in asked, asked.text
    card = await visitor.says("要")
    filed = await visitor.taps("确认提交", card)
    assert f"已受理（紧急），诉求编号 {filed.ticket}。已通知社区，请注意安全！" in filed, filed.text
