"""Words taken as votes only for the poll they clearly mean: a sentence naming a topic,
a bare 赞成 with more than one poll in play or over a vote already cast — asked, never
counted silently. With the trained model, as residents meet it."""

from __future__ import annotations

from tests.kit import Town, accepted_topic


async def test_naming_a_topic_is_no_vote_on_another_poll(model_town: Town) -> None:
    town = model_town
    await accepted_topic(town)
    assert "【表决 P1】" in await town.li.says("开启投票 要不要修车棚 单独表决")

    against = await town.chen.says("我反对T1")
    assert against.text.startswith("您说的是议题 T1，它现在没有进行中的表决，这句话没有算作投票。")
    assert against.labels == ["T1"]
    assert "已投 0/" in await town.li.says("投票情况 P1"), "P1 is about something else"

    assert "【表决 P2】" in await town.li.says("开启投票 T1 单独表决")
    for said in ("我反对T1", "T1我不同意", "赞成T1"):
        asked = await town.chen.says(said)
        assert asked.text.startswith(
            "您说的是议题 T1，它正在表决：P2“是否同意议题 T1《小区东门加装夜间照明》的提议？”"
        ), said
        assert "这句话还没有算作投票" in asked and asked.labels == ["赞成", "反对", "弃权"]
    voted = await town.chen.taps("反对", asked)
    assert voted.text.startswith("已记录您对 P2 的投票：反对。")
    assert "已投 0/" in await town.li.says("投票情况 P1")


async def test_a_bare_choice_never_changes_a_vote_or_picks_a_poll_silently(
    model_town: Town,
) -> None:
    town = model_town
    assert "【表决 P1】" in await town.li.says("开启投票 要不要修车棚 单独表决")
    first = await town.chen.says("赞成")
    assert first.text.startswith("已记录您对 P1 的投票：赞成。"), "a first vote, the only poll"
    again = await town.chen.says("反对")
    assert again.text == (
        "您在 P1 投的是「赞成」，要改成「反对」吗？要改请点下面的按钮；不改的话不用回复。"
    )
    assert "赞成 1，反对 0" in await town.li.says("投票情况 P1")
    changed = await town.chen.taps("改成反对", again)
    assert changed.text.startswith("已改票，P1 以您最后一次的选择为准：反对。")

    assert "【表决 P2】" in await town.li.says("开启投票 要不要签养犬公约 单独表决 匿名")
    assert "已投出" in await town.liu.says("投票 P2 反对")
    two = await town.zhang.says("赞成")
    assert two.text.startswith("现在有几个投票在进行：P1、P2。这句话还没有算作投票")
    assert (await town.li.says("结束投票 P1")).text.startswith("【表决结果 P1】")
    assert "P1 已经结束了" in await town.liu.says("投票 P1 赞成")
    # P1 ended lately without his vote, but the open P2 takes 赞成: it is about P2 (his
    # vote there stands until he says so), not a late vote for P1.
    over = await town.liu.says("赞成")
    assert over.text.startswith("您已经投过 P2 了。这是匿名投票，这里不显示您投了什么")
    assert over.labels == []
    for who in ("zhang", "chen", "wang", "zhao"):  # five votes: an anonymous poll's minimum
        assert "已投出" in await town.person(who).says("投票 P2 弃权")
    result = await town.li.says("结束投票 P2")
    assert "赞成：0 票" in result and "反对：1 票" in result and "弃权：4 票" in result, result.text


async def test_asking_what_one_voted_says_only_what_the_system_keeps(model_town: Town) -> None:
    town = model_town
    assert "【表决 P1】" in await town.li.says("开启投票 要不要修车棚 单独表决")
    assert "【表决 P2】" in await town.li.says("开启投票 要不要签养犬公约 单独表决 匿名")
    await town.liu.says("投票 P1 赞成")
    await town.liu.says("投票 P2 反对")

    mine = await town.liu.says("我投的是什么")
    assert mine.text.splitlines() == [
        "您在 P1“要不要修车棚”投的是「赞成」。截止前可以改票。",
        "P2“要不要签养犬公约”是匿名投票：系统只记下您已经投过，您的选择是加密保存的，"
        "不会显示给任何人，包括您自己，所以这里查不到。截止前可以重新投，以最后一次为准。",
    ]
    one = await town.liu.says("P2我投的是什么？")
    assert one.text.startswith("P2“要不要签养犬公约”是匿名投票") and "反对" not in one
    assert (await town.chen.says("我投了什么")).text.startswith("您最近没有投过票。")

    await town.li.says("结束投票 P2")
    closed = await town.liu.says("P2我投的是什么")
    assert closed.text == (
        "P2“要不要签养犬公约”是匿名投票：系统只记下您投过票；投票结束时已经计票，"
        "加密的选票随即销毁，查不到您投了什么。"
    )
