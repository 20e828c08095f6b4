"""A resident answers a 代办 in her own words: under "王网格员替您附议了议题 T1…是您的意思请点
“确认”，不是请点“撤销”", 张阿姨's "不是我的意思" or a typed 撤销 was "没太明白" (or an
invitation to 附议). While a 代办 waits for her word, those words answer it."""

from __future__ import annotations

from tests.kit import Town


async def _assisted_cosign(town: Town) -> None:
    """陈委员 proposes T1, 李书记 accepts it, 王网格员 co-signs it for 张阿姨 (who phoned)."""
    await town.chen.says("我想提个议题：3号楼东侧空地改成停车位，晚上回来经常没地方停")
    await town.chen.says("确认提交")
    assert "T1 已通过审核" in await town.li.says("审核 T1 通过")
    signed = await town.wang.says("代办 附议 T1 张阿姨")
    assert "已替张阿姨附议 T1" in signed, signed.text
    [card] = await town.zhang.receives()
    assert card.text.startswith("王网格员替您附议了议题 T1")


async def test_she_refuses_a_co_sign_in_words(town: Town) -> None:
    await _assisted_cosign(town)
    for said in ("这不是我让办的啊", "我没让他附议", "不是我的意思", "不是", "我没让他办"):
        asked = await town.zhang.says(said)
        assert asked.text.startswith("王网格员替您附议了议题 T1《3号楼东侧空地改成停车位"), (
            said,
            asked.text,
        )
        assert "不是您的意思的话请点“撤销”" in asked and asked.labels == ["确认", "撤销"]
    assert "附议 1 人" in await town.li.says("附议名单 T1"), "nothing undone unasked"
    undone = await town.zhang.says("撤销")
    assert undone.text == "已撤销 T1 的附议，也告诉了王网格员。", undone.text
    [told] = await town.wang.receives()
    assert "张阿姨撤销了您代办的附议" in told.text
    assert "还没有人附议" in await town.li.says("附议名单 T1")
    after = await town.zhang.says("撤销")  # nothing waits for her word now
    assert "已撤销" not in after and "王网格员替您" not in after, after.text


async def test_she_confirms_a_sign_up_in_words(town: Town) -> None:
    await town.li.says("创建议事日")
    await town.wang.says("代办 报名 张阿姨 线上")
    [card] = await town.zhang.receives()
    assert "替您报名了协商议事日" in card.text
    confirmed = await town.zhang.says("是的")
    assert confirmed.text.startswith("好的，已确认报名 M202612 是您本人的意思"), confirmed.text
    assert "待本人确认" not in await town.li.says("报名名单 M202612")


async def test_with_several_waiting_a_bare_word_asks_which(town: Town) -> None:
    await _assisted_cosign(town)
    await town.li.says("开启投票 小区是否加装电梯")
    await town.zhang.receives()
    await town.wang.says("代办 投票 P1 赞成 张阿姨")
    await town.zhang.receives()

    which = await town.zhang.says("撤销")
    assert which.text.startswith("有几件事是别人替您代办的，还等您确认：\n"), which.text
    assert "T1《3号楼东侧空地改成停车位" in which and "P1《小区是否加装电梯》" in which
    assert which.labels == ["撤销 T1", "撤销 P1"]
    sure = await town.zhang.says("确认")
    assert sure.labels == ["确认 T1", "确认 P1"], sure.text
    assert "已确认 P1 的这张票" in await town.zhang.taps("确认 P1", sure)
    undone = await town.zhang.says("不是我让办的")
    assert undone.text.startswith("王网格员替您附议了议题 T1"), "one left: that one"


async def test_in_the_group_the_words_are_not_taken_for_her_answer(town: Town) -> None:
    await _assisted_cosign(town)
    said = await town.zhang.says("不是", in_group=True)
    assert "王网格员替您" not in said.text
    assert "附议 1 人" in await town.li.says("附议名单 T1")
