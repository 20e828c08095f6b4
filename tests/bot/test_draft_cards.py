"""A draft card's buttons are bound to their draft (the stamp they carry, as a 代办 card's
do): an old card acts on its own draft only, never on the one that took its place."""

from __future__ import annotations

from storage.tickets import TicketRepository
from tests.kit import Town


async def _tickets(town: Town, who: str) -> int:
    """How many tickets ``who`` has filed (web chat)."""
    async with town.bot.uow() as uow:
        return len(await uow.get(TicketRepository).of_reporter("web", who, None))


async def test_an_old_topic_card_does_not_file_the_report_that_took_its_place(
    town: Town,
) -> None:
    """The last walk: 刘大爷's topic card, a problem typed, then the old card's 确认提交
    filed the report."""
    topic = await town.liu.says("我想提个议题：楼下加装休息长椅")
    report = await town.liu.says("7号楼门口的垃圾桶满了没人清")
    assert "请确认" in report and "先放下了" in report, report.text
    old = await town.liu.taps("确认提交", topic)
    assert "R2" not in old.text and "已受理" not in old.text, old.text
    assert "议题草稿“楼下加装休息长椅”" in old and "没有做任何改动" in old, old.text
    assert await _tickets(town, "liu") == 0
    assert await town.wang.receives() == []
    # The report's own card still files it.
    filed = await town.liu.taps("确认提交", report)
    assert "已受理" in filed, filed.text
    assert await _tickets(town, "liu") == 1


async def test_an_old_report_card_neither_files_nor_cancels_the_topic_in_its_place(
    town: Town,
) -> None:
    report = await town.zhang.says("3号楼2单元的楼道灯坏了好几天了")
    assert "请确认" in report, report.text
    topic = await town.zhang.says("我想提个议题：小区里装几个电动车充电桩")
    assert "先放下了" in topic, topic.text
    old = await town.zhang.taps("确认提交", report)
    assert old.text == (
        "这张是您刚才先放下的诉求“3号楼2单元的楼道灯坏了好几天了”，它还没提交，这次也没有做任何改动。"
        "想接着写这份，就点“回到这份草稿”。您现在的草稿还在，要提交请点最新那张卡片上的“确认提交”。"
    ), old.text
    cancelled = await town.zhang.taps("取消", report)
    assert "没有做任何改动" in cancelled and "已取消" not in cancelled, cancelled.text
    assert await _tickets(town, "zhang") == 0
    filed = await town.zhang.taps("确认提交", topic)  # the topic's own card still acts
    assert "议题 T1 已提交" in filed, filed.text
    again = await town.zhang.taps("确认提交", topic)  # filed: its card files nothing more
    assert "T2" not in again, again.text


async def test_a_draft_put_down_is_taken_up_again_from_its_old_card(town: Town) -> None:
    """If it still can be, the old card's answer offers to go back to its draft: that
    draft's card comes again, and the one in its place is put down in turn."""
    report = await town.zhang.says("3号楼2单元的楼道灯坏了好几天了")
    topic = await town.zhang.says("我想提个议题：小区里装几个电动车充电桩")
    old = await town.zhang.taps("确认提交", report)
    back = await town.zhang.taps("回到这份草稿", old)
    assert "请确认" in back and "楼道灯" in back, back.text
    assert "议题草稿“小区里装几个电动车充电桩”还没提交，先放下了" in back, back.text
    gone = await town.zhang.taps("确认提交", topic)  # the topic card, put down in its turn
    assert "先放下的议题草稿" in gone and "议题 T1" not in gone, gone.text
    filed = await town.zhang.taps("确认提交", back)
    assert "已受理" in filed, filed.text
    assert await _tickets(town, "zhang") == 1
    assert "议题 T" not in await town.zhang.says("我的议题")


async def test_a_card_acts_on_its_own_draft_filed_withdrawn_or_replaced(town: Town) -> None:
    first = await town.zhang.says("3号楼2单元的楼道灯坏了好几天了")
    filed = await town.zhang.taps("确认提交", first)
    number = filed.ticket
    twice = await town.zhang.taps("确认提交", first)  # a double tap: the same number
    assert f"已经提交过了（{number}）" in twice, twice.text

    second = await town.zhang.says("5号楼门口的垃圾桶满了没人清")
    assert "请确认" in second, second.text
    stale = await town.zhang.taps("确认提交", first)
    assert "不在等您确认了" in stale and "没有做任何改动" in stale, stale.text
    assert "最新那张卡片" in stale, stale.text
    assert await _tickets(town, "zhang") == 1

    await town.zhang.taps("取消", second)
    withdrawn = await town.zhang.taps("确认提交", second)
    assert "刚才已经取消了，没有提交" in withdrawn, withdrawn.text
    assert await _tickets(town, "zhang") == 1


async def test_a_report_typed_over_a_report_leaves_the_old_card_acting_on_nothing(
    town: Town,
) -> None:
    lights = await town.zhang.says("3号楼2单元的楼道灯坏了好几天了")
    bins = await town.zhang.says("小区东门的垃圾桶满了好几天没人清理，臭味很大")
    # Another problem: both on one card (tests/handlers/test_report_two_problems.py).
    assert "两件事" in bins and "楼道灯" in bins, bins.text
    old = await town.zhang.taps("确认提交", lights)
    assert "“3号楼2单元的楼道灯坏了好几天了”还没提交" in old, old.text
    assert "一起记着" in old and "没有做任何改动" in old, old.text
    assert await _tickets(town, "zhang") == 0
    assert (await town.zhang.taps("确认提交", bins)).text.count("已受理") == 2


async def test_confirming_in_the_group_a_draft_waiting_in_private_says_where_it_is(
    town: Town,
) -> None:
    """The last walk: "@议事通 确认提交" in the group was told there was no draft, while
    the report drafted from the group waited in the resident's own chat."""
    draft = await town.zhang.says("3号楼2单元的楼道灯坏了好几天了", in_group=True, addressed=True)
    assert draft.private and "请确认" in draft, draft.text
    typed = await town.zhang.says("确认提交", in_group=True, addressed=True)
    assert "私聊里" in typed and "没有待确认的草稿" not in typed, typed.text
    assert "楼道灯" not in typed and "3号楼" not in typed, "nothing of the draft in the group"
    assert not typed.private
    assert await _tickets(town, "zhang") == 0
    filed = await town.zhang.taps("确认提交", draft)  # in her own chat, where it waits
    assert "已受理" in filed, filed.text
    after = await town.zhang.says("确认提交", in_group=True, addressed=True)
    assert "私聊里" not in after, after.text  # filed: nothing waits any more


async def test_a_topic_card_in_the_group_put_down_by_a_report_in_private_files_nothing(
    town: Town,
) -> None:
    """刘大爷's topic card in the group, then a problem said there (drafted in his own
    chat): the old card tapped in the group files neither, says where his draft waits and
    shows nothing of the report there."""
    topic = await town.liu.says("我想提个议题：楼下加装休息长椅", in_group=True, addressed=True)
    assert "确认提交" in topic.labels and not topic.private, topic.text
    report = await town.liu.says("7号楼门口的垃圾桶满了没人清", in_group=True, addressed=True)
    assert report.private and "请确认" in report, report.text
    old = await town.liu.taps("确认提交", topic, in_group=True)
    assert "先放下的议题草稿“楼下加装休息长椅”" in old and "私聊里" in old, old.text
    assert "垃圾桶" not in old and "回到这份草稿" not in old, old.text
    assert not old.labels and not old.private
    assert await _tickets(town, "liu") == 0
    assert "议题 T" not in await town.liu.says("我的议题")
    assert "已受理" in await town.liu.taps("确认提交", report)
