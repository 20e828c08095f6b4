"""Words taken as votes only for the poll they clearly mean: a sentence naming a topic,
a bare 赞成 with more than one poll in play or over a vote already cast — asked, never
counted silently. With the trained model, as residents meet it."""

from __future__ import annotations

from tests.kit import Town


async def accepted_topic(town: Town, title: str) -> None:
    await town.zhang.says(f"我想提个议题：{title}")
    await town.zhang.says("确认提交")
    assert "已通过审核" in await town.li.says("审核 T1 通过")


async def test_naming_a_topic_is_no_vote_on_another_poll(model_town: Town) -> None:
    town = model_town
    await accepted_topic(town, "小区东门加装夜间照明，晚上回家太黑")
    assert "【表决 P1】" in await town.li.says("开启投票 要不要修车棚 单独表决")

    against = await town.chen.says("我反对T1")
    assert against.text.startswith("您说的是议题 T1，它现在没有进行中的表决，这句话没有算作投票。")
    assert against.labels == ["T1"]
    assert "已投 0/" in await town.li.says("投票情况 P1"), "P1 is about something else"

    assert "【表决 P2】" in await town.li.says("开启投票 T1 单独表决")
    for said in ("我反对T1", "T1我不同意", "赞成T1"):
        asked = await town.chen.says(said)
        assert asked.text.startswith("您说的是议题 T1，它正在表决：P2“是否同意：小区东门"), said
        assert "这句话还没有算作投票" in asked and asked.labels == ["赞成", "反对", "弃权"]
    voted = await town.chen.taps("反对", asked)
    assert voted.text.startswith("已记录您对 P2 的投票：反对。")
    assert "已投 0/" in await town.li.says("投票情况 P1")
