"""议题 as a resident asks about them: the list, their own, a number that isn't one."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.conftest import Clock, town_with
from tests.kit import Town, accepted_topic


async def test_asking_for_topics_lists_them_and_never_files_one(town: Town) -> None:
    assert "没有正在征集附议的议题" in await town.liu.says("议题列表")
    await town.zhang.says("我想提个议题：小区东门加装夜间照明，晚上回家太黑")
    await town.zhang.says("确认提交")
    await town.zhang.says("我想提个议题：东侧空地改成停车位")
    await town.zhang.says("确认提交")
    await town.li.says("审核 T1 通过")

    [approved] = [p for p in await town.zhang.receives() if "已通过审核" in p.text]
    assert approved.buttons == (), "she can't co-sign her own: no 附议 button"
    mine = await town.zhang.says("我的议题")
    assert mine.text.startswith(
        "您提的议题：\nT2 东侧空地改成停车位（待审核）\nT1 小区东门加装夜间照明（征集附议中）"
    ), mine.text
    assert "正在征集附议的议题：\nT1 小区东门加装夜间照明（0/10）" in mine
    assert mine.labels == [], "no 附议 button for her own topic"
    own = await town.zhang.says("T1")
    assert own.text.startswith("您提的议题 T1") and own.labels == []
    for asked in ("议题列表", "有哪些议题", "看看议题", "议题", "现在有什么议题？"):
        listed = await town.liu.says(asked)
        assert listed.text.startswith("正在征集附议的议题：\nT1 小区东门加装夜间照明（0/10）")
        assert "您提的议题" not in listed and "T2" not in listed, asked
        assert listed.labels == ["附议 T1"]
    assert (await town.liu.says("我的议题")).text.startswith("您还没有提过议题。")
    signed = await town.liu.taps("附议 T1", listed)
    assert signed.text == "已附议 T1“小区东门加装夜间照明”，目前 1/10 人。谢谢支持！"


async def test_a_topic_number_that_does_not_exist_is_said_so(town: Town) -> None:
    assert (await town.liu.says("T9")).text == "没有找到议题 T9，请核对编号。"


async def test_a_sentence_that_names_a_topic_signs_only_when_it_says_so(model_town: Town) -> None:
    town = model_town
    await accepted_topic(town)

    disagreeing = await town.chen.says("T1这个议题我不太赞同")
    assert disagreeing.text.startswith("明白，没有为您附议 T1。"), disagreeing.text
    assert "目前 0/10 人" in disagreeing and disagreeing.labels == []
    for said in ("我不支持T1", "反对T1这个议题", "这个T1我觉得没必要"):
        answer = await town.chen.says(said)
        assert "已附议" not in answer and "没有为您附议 T1" in answer, (said, answer.text)
    mentioned = await town.chen.says("T1这个议题怎么样了")
    assert mentioned.text.startswith("议题 T1“小区东门加装夜间照明”：正在征集附议，目前 0/10 人")
    assert mentioned.labels == ["附议 T1"], "others may still co-sign with the button"

    signed = await town.chen.says("我附议T1")
    assert signed.text == "已附议 T1“小区东门加装夜间照明”，目前 1/10 人。谢谢支持！"
    assert "目前 2/10 人" in await town.liu.says("支持T1")
    roll = await town.li.says("附议名单 T1")
    assert "附议 2 人" in roll and "陈委员" in roll and "刘大爷" in roll, roll.text


async def test_a_co_signature_can_be_taken_back(model_town: Town) -> None:
    town = model_town
    await accepted_topic(town)
    for who in ("liu", "chen"):
        await town.person(who).says("附议 T1")

    taken = await town.liu.says("取消附议 T1")
    assert taken.text == "已撤回您对 T1“小区东门加装夜间照明”的附议，目前 1/10 人。"
    again = await town.liu.says("取消附议 T1")
    assert again.text == "没有找到您对 T1 的附议，无需撤销。"
    assert "目前 2/10 人" in await town.liu.says("附议 T1")
    assert "目前 1/10 人" in await town.chen.says("我不附议T1了")
    roll = await town.li.says("附议名单 T1")
    assert "附议 1 人" in roll and "刘大爷" in roll and "陈委员" not in roll, roll.text
    async with town.bot.uow() as uow:
        entries = await uow.audit.for_entity("topic", "T1")
    assert [e.action for e in entries].count("topic_cosign_withdrawn") == 2


@pytest.fixture
async def small_town(sqlite_url: str, clock: Clock) -> AsyncIterator[Town]:
    """The demo community where two co-signatures qualify a topic."""
    async for found in town_with(sqlite_url, clock, consultation={"cosign_threshold": 2}):
        yield found


async def test_taking_back_the_co_signature_that_qualified_a_topic(small_town: Town) -> None:
    town = small_town
    await accepted_topic(town)
    await town.liu.says("附议 T1")
    assert "议题将列入协商议事日议程" in await town.chen.says("附议 T1")

    short = await town.chen.says("撤回附议 T1")
    assert short.text == (
        "已撤回您对 T1“小区东门加装夜间照明”的附议。现在 1/2 人，不够列入议程了，"
        "T1 回到征集附议阶段。"
    )
    assert "议题将列入协商议事日议程" in await town.chen.says("附议 T1")
    await town.li.says("创建议事日")
    assert "排进 M202612 议程" in await town.li.says("议程 M202612 T1 20分钟")
    late = await town.liu.says("取消附议 T1")
    assert late.text.startswith("T1 现在是“已列入议程”，附议不能再撤回了。")
    assert "附议 2 人" in await town.li.says("附议名单 T1")


async def test_a_decimal_point_does_not_end_the_title(town: Town) -> None:
    """The walk: "把地库入口限高从2.2米提高到2.5米，…" was titled "把地库入口限高从2"."""
    card = await town.zhang.says("我想提个议题：把地库入口限高从2.2米提高到2.5米，现在SUV都进不去")
    assert "标题：把地库入口限高从2.2米提高到2.5米\n" in card, card.text
    card = await town.zhang.says("维修基金拿出1.5万元修补东门路面. 坑太多了")
    assert "标题：维修基金拿出1.5万元修补东门路面\n" in card, card.text


async def test_the_cards_own_words_cancel_it(town: Town) -> None:
    """The walk: 不提了 at a topic card was answered "…不提了就发“取消”" (the bot's own
    words, topic.not_understood_confirm): it cancels, as 算了 does."""
    card = await town.zhang.says("我想提个议题：小区东门加装夜间照明，晚上回家太黑")
    gone = await town.zhang.says("不提了")
    assert gone.text == "好的，已取消。", gone.text
    late = await town.zhang.taps("确认提交", card)
    assert "T1" not in late, late.text
