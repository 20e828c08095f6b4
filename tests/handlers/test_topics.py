"""议题 as a resident asks about them: the list, their own, a number that isn't one."""

from __future__ import annotations

from tests.kit import Town


async def test_asking_for_topics_lists_them_and_never_files_one(town: Town) -> None:
    assert "没有正在征集附议的议题" in await town.liu.says("议题列表")
    await town.zhang.says("我想提个议题：小区东门加装夜间照明，晚上回家太黑")
    await town.zhang.says("确认提交")
    await town.zhang.says("我想提个议题：东侧空地改成停车位")
    await town.zhang.says("确认提交")
    await town.li.says("审核 T1 通过")

    mine = await town.zhang.says("我的议题")
    assert "正在征集附议的议题：\nT1 小区东门加装夜间照明（0/10）" in mine
    assert (
        "您提的议题：\nT2 东侧空地改成停车位（待审核）\nT1 小区东门加装夜间照明（征集附议中）"
        in mine
    )
    assert mine.labels == ["附议 T1"]
    for asked in ("议题列表", "有哪些议题", "看看议题", "议题", "现在有什么议题？"):
        listed = await town.liu.says(asked)
        assert "T1 小区东门加装夜间照明（0/10）" in listed, asked
        assert "您提的议题" not in listed and "T2" not in listed, (
            "others' pending topics stay private"
        )
    assert "请确认您的议题" not in await town.liu.says("我的议题")
    signed = await town.liu.taps("附议 T1", listed)
    assert signed.text == "已附议 T1“小区东门加装夜间照明”，目前 1/10 人。谢谢支持！"


async def test_a_topic_number_that_does_not_exist_is_said_so(town: Town) -> None:
    assert (await town.liu.says("T9")).text == "没有找到议题 T9，请核对编号。"
