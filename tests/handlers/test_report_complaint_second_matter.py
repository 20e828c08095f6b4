"""A problem typed while a complaint's draft waits is a second matter, never part of the
complaint: the outside walk had "3号楼楼道灯坏了", said after "我要投诉王网格员…", filed
inside the complaint (to the moderators only, confidential: the light fixed by nobody),
and "楼道灯坏了" folded into a neighbour dispute. What is said of the person complained
about still belongs to the complaint."""

from __future__ import annotations

from tests.kit import Town


async def test_a_problem_after_a_complaint_about_staff_is_its_own_ticket(
    model_town: Town,
) -> None:
    town = model_town
    await town.zhang.says("我要投诉王网格员，态度太差，叫他修灯他还凶我")
    both = await town.zhang.says("3号楼楼道灯坏了")
    assert "两件事" in both, both.text
    assert "问题：我要投诉王网格员，态度太差，叫他修灯他还凶我\n" in both, both.text
    assert "问题：3号楼楼道灯坏了" in both, both.text
    filed = await town.zhang.taps("确认提交", both)
    assert "不会转给被投诉的工作人员" in filed and filed.text.count("已受理") == 2, filed.text
    complaint, light = await town.tickets_of("zhang")
    assert complaint.category == "投诉工作人员" and "楼道灯坏了" not in complaint.description
    assert (light.category, light.description) == ("公共设施", "3号楼楼道灯坏了")
    [task] = await town.wang.receives()
    assert light.number in task.text and "投诉" not in task.text, task.text


async def test_what_is_said_of_the_worker_stays_in_the_complaint(model_town: Town) -> None:
    town = model_town
    await town.zhang.says("我要投诉王网格员，态度太差")
    card = await town.zhang.says("叫他来修楼道灯他还凶我")
    assert "两件事" not in card and "叫他来修楼道灯他还凶我" in card, card.text
    await town.zhang.taps("确认提交", card)
    [complaint] = await town.tickets_of("zhang")
    assert complaint.category == "投诉工作人员"


async def test_another_problem_at_a_neighbour_dispute_card_is_a_second_matter(
    model_town: Town,
) -> None:
    town = model_town
    await town.zhang.says("楼上邻居天天半夜吵架，太影响休息了")
    card = await town.zhang.says("5号楼502")
    assert "类别：邻里纠纷" in card, card.text
    both = await town.zhang.says("楼道灯坏了")
    assert "两件事" in both, both.text
    assert "问题：楼上邻居天天半夜吵架，太影响休息了\n" in both, both.text
    await town.zhang.taps("确认提交", both)
    dispute, light = await town.tickets_of("zhang")
    assert dispute.category == "邻里纠纷" and "灯" not in dispute.description
    assert light.category == "公共设施" and light.description == "楼道灯坏了"


async def test_more_about_the_neighbour_stays_in_the_dispute(model_town: Town) -> None:
    town = model_town
    await town.zhang.says("楼上邻居天天半夜吵架，太影响休息了")
    await town.zhang.says("5号楼502")
    card = await town.zhang.says("他家还在楼道里堆杂物")
    assert "两件事" not in card and "他家还在楼道里堆杂物" in card, card.text
