"""A poll asked after by its number alone (P1) or as 投票结果: residents see the poll as
they may — its buttons while they can vote, its result once it is closed."""

from __future__ import annotations

from tests.kit import Town


async def test_a_bare_poll_number_shows_the_poll_with_its_buttons(town: Town) -> None:
    opened = await town.li.says("开启投票 小区是否加装电梯 法定:0%")
    assert "P1" in opened, opened.text
    shown = await town.zhang.says("P1")
    assert "没看懂" not in shown.text and "小区是否加装电梯" in shown, shown.text
    assert shown.labels == ["赞成", "反对", "弃权"], shown.labels
    voted = await town.zhang.taps("赞成", shown)
    assert "赞成" in voted, voted.text


async def test_a_closed_poll_by_its_number_and_as_the_latest_result(town: Town) -> None:
    await town.li.says("开启投票 小区是否加装电梯 法定:0%")
    await town.zhang.says("投票 P1 赞成")
    await town.li.says("结束投票 P1")
    await town.li.says("开启投票 是否同意养犬公约 法定:0%")
    await town.liu.says("投票 P2 反对")
    await town.li.says("结束投票 P2")
    shown = await town.zhang.says("P1")
    assert "小区是否加装电梯" in shown and "最终结果" in shown, shown.text
    assert not shown.labels
    latest = await town.zhang.says("投票结果")
    assert "是否同意养犬公约" in latest and "最终结果" in latest, latest.text
    assert "P1“小区是否加装电梯”" in latest, "the earlier poll is named"
    older = await town.zhang.says("投票结果 P1")
    assert "小区是否加装电梯" in older and "最终结果" in older, older.text


async def test_results_before_any_poll_closed(town: Town) -> None:
    answer = await town.zhang.says("投票结果")
    assert "还没有结束的投票" in answer, answer.text


async def test_closing_without_a_number_offers_the_open_polls(town: Town) -> None:
    """The walk: 李书记's `@议事通 结束投票` in front of the group answered “请这样发：结束投票
    P3”, naming a poll closed an hour before. It lists the open ones, each a button, and
    closes nothing until one is pressed."""
    assert "P1" in await town.li.says("开启投票 是否同意加装电梯 单独表决")
    await town.li.says("开启投票 是否同意养犬公约 单独表决")
    asked = await town.li.says("结束投票")
    assert "P1“是否同意加装电梯”" in asked and "P2“是否同意养犬公约”" in asked, asked.text
    assert asked.labels == ["结束 P1", "结束 P2"], asked.labels
    assert "已投" in await town.zhang.says("投票 P2 赞成"), "nothing was closed"
    closed = await town.li.taps("结束 P2", asked)
    assert "【表决结果 P2】" in closed, closed.text
