"""A topic's way through the consultation loop as the neighbours meet it: screened,
announced for co-signing, found again, rejected with a reason, put to the vote."""

from __future__ import annotations

from tests.kit import Town


async def _proposed(town: Town, words: str = "小区东门加装夜间照明，晚上回家太黑") -> None:
    """张阿姨 proposes a topic (T1 on a fresh town) and confirms it."""
    await town.zhang.says(f"我想提个议题：{words}")
    await town.zhang.says("确认提交")


async def test_a_vote_on_a_topic_asks_about_the_proposal_in_plain_words(town: Town) -> None:
    await _proposed(town)
    await town.li.says("审核 T1 通过")
    opened = await town.li.says("开启投票 T1")
    first = opened.text.splitlines()[0]
    assert first == "【表决 P1】是否同意议题 T1《小区东门加装夜间照明》的提议？", first


async def test_the_residents_group_hears_once_that_a_topic_is_open_for_cosigning(
    town: Town,
) -> None:
    await _proposed(town)
    accepted = await town.li.says("审核 T1 通过")
    assert "居民群已发征集附议的通知" in accepted, accepted.text
    [call] = await town.group.new()
    assert call.text == (
        "【征集附议】议题 T1“小区东门加装夜间照明”已通过审核，满 10 人附议就能上协商议事日。"
        "支持的邻居请点“附议 T1”。"
    )
    [button] = call.buttons
    assert (button.label, button.data, button.private) == ("附议 T1", "附议 T1", True)
    signed = await town.liu.taps("附议 T1", call, in_group=True)
    assert "已附议 T1" in signed, signed.text
    again = await town.li.says("审核 T1 通过")  # the card's old button, tapped again
    assert "T1" in again and "已通过审核，进入附议" not in again.text, again.text
    assert await town.group.new() == [], "the call is posted once"


async def test_a_bare_cosign_lists_what_is_open_with_buttons(town: Town) -> None:
    await _proposed(town)
    await town.li.says("审核 T1 通过")
    listed = await town.liu.says("附议")
    assert "T1 小区东门加装夜间照明（0/10）" in listed, listed.text
    assert listed.labels == ["附议 T1"]
    signed = await town.liu.taps("附议 T1", listed)
    assert signed.text.startswith("已附议 T1"), signed.text


async def test_asking_what_can_be_cosigned_lists_the_open_topics(model_town: Town) -> None:
    """As the demo understands it (the trained model read these as 帮助)."""
    town = model_town
    await _proposed(town)
    await town.li.says("审核 T1 通过")
    for asked in ("最近有什么议题可以附议", "有什么可以附议的", "可以附议的议题有哪些？"):
        listed = await town.liu.says(asked)
        assert listed.text.startswith("正在征集附议的议题：\nT1 小区东门加装夜间照明（0/10）"), (
            asked,
            listed.text,
        )
        assert listed.labels == ["附议 T1"], asked


async def test_the_reject_button_asks_for_the_reason_the_proposer_reads(town: Town) -> None:
    await _proposed(town)
    [card] = await town.li.receives()
    assert "预审提示：属于协商事项" in card.text
    asked = await town.li.taps("驳回", card)
    assert asked.text == "请说一下驳回 T1 的理由，提议人会看到（不驳回了就发“算了”）：", asked.text
    assert not [p for p in await town.zhang.receives() if "没有通过审核" in p.text]
    done = await town.li.says("东门照明属于物业维修范围，已转物业处理")
    assert done.text == "T1 已驳回。理由已告知提议人。", done.text
    [told] = [p for p in await town.zhang.receives() if "没有通过审核" in p.text]
    assert "理由：东门照明属于物业维修范围，已转物业处理" in told.text, told.text


async def test_cancelling_the_reason_leaves_the_topic_to_screen(town: Town) -> None:
    await _proposed(town)
    [card] = await town.li.receives()
    await town.li.taps("驳回", card)
    cancelled = await town.li.says("算了")
    assert "取消" in cancelled, cancelled.text
    assert "T1 小区东门加装夜间照明" in await town.li.says("待审议题")
    accepted = await town.li.taps("通过", card)
    assert accepted.text.startswith("T1 已通过审核"), accepted.text
    late = await town.li.taps("驳回", card)  # the old button under an accepted topic
    assert "请说一下驳回" not in late and "征集附议中" in late, late.text
    assert "T1 已驳回" not in await town.li.says("不属于协商事项"), "no reason is still awaited"


async def test_a_reject_says_so_when_the_proposer_cannot_be_reached(town: Town) -> None:
    """张阿姨's only account was unbound after she proposed: 驳回 says nobody could be told
    instead of “理由已告知提议人”, so 李书记 calls her."""
    from sqlalchemy import text

    await _proposed(town)
    async with town.bot.uow() as uow:
        await uow.session.execute(
            text(
                "UPDATE platform_identities SET resident_id = NULL WHERE platform_user_id = 'zhang'"
            )
        )
        await uow.commit()
    done = await town.li.says("驳回 T1 东门照明属于物业维修范围")
    assert done.text == "T1 已驳回。提议人没有绑定聊天账号，消息发不到，请另行告知。", done.text
