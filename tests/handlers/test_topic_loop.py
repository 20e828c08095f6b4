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
