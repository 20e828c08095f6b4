"""An emergency said with no place, just after the resident talked about another building,
is filed where it most likely is and the reply says where, naming the home too, so a wrong
guess is put right at once — never put at the home address unsaid, nor added unsaid to an
older emergency at another building. The walk: in the group, "@议事通 5号楼门口路灯坏了"
(filed), then "@议事通 电梯里有人被困住了" was filed at 张阿姨's home, 3号楼 — the grid
of 3号楼 sent to a lift in 5号楼 — or added to her earlier lift emergency in 3号楼."""

from __future__ import annotations

from tests.kit import Town

ASKED = (
    "地点先按您刚才说的 5号楼 记下了（您登记的住址在 3号楼2单元301室）。"
    "如果不在5号楼，请马上告诉我在几号楼几单元。"
)


async def test_in_the_group_after_a_report_at_another_building(town: Town) -> None:
    draft = await town.zhang.says("5号楼门口路灯坏了", in_group=True, addressed=True)
    light = (await town.zhang.taps("确认提交", draft)).ticket
    await town.zhao.receives()

    urgent = await town.zhang.says("电梯里有人被困住了", in_group=True, addressed=True)
    advice, *filed = urgent.replies
    assert "96333" in advice.text and not advice.private
    said = "\n".join(r.text for r in filed)
    assert all(r.private for r in filed) and ASKED in said, said
    number = urgent.ticket
    assert number != light
    *_, ticket = await town.tickets_of("zhang")
    assert ticket.number == number and ticket.building == "5号楼" and ticket.urgent
    [card] = await town.zhao.receives()  # 5号楼's grid
    assert number in card.text and "位置：5号楼" in card.text
    assert [r for r in await town.group.new() if "5号楼" in r.text or "3号楼" in r.text] == []

    # It was at home after all: said in her own chat, the ticket moves to 3号楼's grid.
    moved = await town.zhang.says("不在5号楼，在3号楼2单元")
    assert moved.text == f"好的，{number} 的地点已改为 3号楼2单元，已告诉第一网格的网格员。"
    assert any(number in p.text for p in await town.wang.receives())


async def test_in_private_after_a_report_at_another_building(town: Town) -> None:
    draft = await town.zhang.says("5号楼门口路灯坏了")
    await town.zhang.taps("确认提交", draft)
    urgent = await town.zhang.says("电梯里有人被困住了")
    assert ASKED in urgent and "第二网格的网格员和社区都已收到" in urgent, urgent.text
    *_, ticket = await town.tickets_of("zhang")
    assert ticket.number == urgent.ticket and ticket.building == "5号楼"
    assert "地点已改为 5号楼2单元" in await town.zhang.says("在5号楼2单元")


async def test_an_older_emergency_at_another_building_is_not_added_to_unsaid(
    town: Town,
) -> None:
    first = (await town.zhang.says("3号楼电梯里有人被困住了")).ticket
    await town.later(minutes=40)
    draft = await town.zhang.says("5号楼门口路灯坏了")
    await town.zhang.taps("确认提交", draft)

    urgent = await town.zhang.says("电梯里有人被困住了")
    assert "已按紧急诉求受理" in urgent and f"已补充到 {first}" not in urgent, urgent.text
    assert urgent.ticket != first and ASKED in urgent, urgent.text
    assert f"您之前报的 {first}（3号楼电梯里有人被困住了，3号楼）也在照常处理。" in urgent
    *_, ticket = await town.tickets_of("zhang")
    assert ticket.number == urgent.ticket and ticket.building == "5号楼" and ticket.urgent


async def test_said_again_with_no_other_building_between_it_is_still_the_same_one(
    town: Town,
) -> None:
    first = (await town.zhang.says("3号楼电梯里有人被困住了")).ticket
    await town.zhang.says("取消")
    await town.later(minutes=40)
    again = await town.zhang.says("电梯里有人被困住了")
    assert f"您说的已补充到 {first}" in again, again.text
    assert len(await town.tickets_of("zhang")) == 1


async def test_a_draft_at_another_building_waits_and_the_place_is_asked(town: Town) -> None:
    """A street light's card at 5号楼 open, then people trapped in a lift: filed at 5号楼,
    said so; the card is put down (it can be taken up again) so that where the lift
    really is, said next, corrects the emergency and not the street light."""
    card = await town.zhang.says("5号楼门口路灯坏了")
    urgent = await town.zhang.says("电梯里有人被困住了")
    assert ASKED in urgent and "5号楼门口路灯坏了" in urgent and "先放下了" in urgent, urgent.text
    number = urgent.ticket
    moved = await town.zhang.says("在3号楼")
    assert f"好的，{number} 的地点已改为 3号楼" in moved, moved.text
    offered = await town.zhang.taps("确认提交", card)
    back = await town.zhang.taps("回到这份草稿", offered)
    filed = await town.zhang.taps("确认提交", back)
    assert "已受理" in filed and filed.ticket != number, filed.text
    light, lift = sorted(await town.tickets_of("zhang"), key=lambda tk: tk.urgent)
    assert (light.building, lift.building) == ("5号楼", "3号楼")


async def test_an_emergency_joining_a_draft_says_the_drafts_place(town: Town) -> None:
    await town.zhang.says("5号楼电梯坏了")
    urgent = await town.zhang.says("电梯里有人被困住了")
    assert "地点先按 5号楼 记下了，如果不是5号楼，请马上告诉我在哪儿。" in urgent, urgent.text
    [ticket] = await town.tickets_of("zhang")
    assert ticket.urgent and ticket.building == "5号楼"


async def test_after_a_report_and_other_talk_the_building_reported_still_counts(
    town: Town,
) -> None:
    """With "我的诉求" between, which closes the filing's dialogue, her report of a few minutes ago
    is still what she was talking about."""
    draft = await town.zhang.says("5号楼门口路灯坏了")
    await town.zhang.taps("确认提交", draft)
    assert "5号楼门口路灯坏了" in await town.zhang.says("我的诉求")
    await town.later(minutes=5)
    urgent = await town.zhang.says("电梯里有人被困住了")
    assert ASKED in urgent, urgent.text
    await town.later(minutes=40)
    urgent = await town.zhang.says("楼道里冒烟了")
    assert "地点先按您登记的住址 3号楼2单元301室 记下了" in urgent, "half an hour on: home"
