"""A staff command typed wrong is still that command: its usage comes back and nothing is
done — never read as a co-sign, a vote or an approval (the trained model reads
"议程 M202612 T3 二十分钟" as 附议, and "结束投票 5" as a vote)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from kernel.intents import IntentClassifier
from tests.conftest import Clock, town_with
from tests.kit import Town


@pytest.fixture
async def town(
    sqlite_url: str, clock: Clock, trained_classifier: IntentClassifier
) -> AsyncIterator[Town]:
    """The demo community with the trained model; two co-signs qualify a topic."""
    rules = {"cosign_threshold": 2}
    async for found in town_with(sqlite_url, clock, trained_classifier, consultation=rules):
        yield found


async def test_a_mistyped_staff_command_gets_its_usage_and_does_nothing(town: Town) -> None:
    await town.zhang.says("我想提个议题：小区东门加装夜间照明，晚上回家太黑")
    await town.zhang.says("确认提交")
    unclear = await town.li.says("审核 T1 通不过")
    assert unclear.text.startswith("没看懂对 T1 的审核意见，没有执行。"), unclear.text
    assert "T1" in await town.li.says("待审议题"), "still waiting to be screened"
    assert "已通过审核" in await town.li.says("审核 T1 通过")
    for who in ("liu", "chen"):
        await town.person(who).says("附议 T1")
    assert "M202612" in await town.li.says("创建议事日")

    for typed, usage in (
        ("议程 202612 T1 20分钟", "议程 M202612 T12 [20分钟] [第1项]"),
        ("议程 M202612 T1 二十来分钟", "议程 M202612 T12 [20分钟] [第1项]"),
        ("驳回 1 理由不充分", "驳回 T3 [理由…]"),  # without one, it is asked for
        ("改期 12月12日 09:30", "改期 M202612 12月12日 09:30 [地点：…]"),
        ("结束投票 第5个", "结束投票 [P3]"),
    ):
        answer = await town.li.says(typed)
        assert answer.text == f"这条指令没看懂，没有执行。请这样发：{usage}", (typed, answer.text)
    roll = await town.li.says("附议名单 T1")
    assert "附议 2 人" in roll, "李书记's mistyped commands co-signed nothing"

    agenda = await town.li.says("议程 M202612 T1 二十分钟")
    assert agenda.text == "已把 T1“小区东门加装夜间照明”排进 M202612 议程第 1 项，20 分钟。"
    assert (await town.li.says("议程 M202612 T1 半小时")).text.endswith("第 1 项，30 分钟。")

    assert "【表决 P1】" in await town.li.says("开启投票 T1")
    assert "已投 0/" in await town.liu.says("投票情况 P1")
    assert (await town.li.says("结束投票 1")).text.startswith("【表决结果 P1】")
