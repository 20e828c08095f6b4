"""落实 · 进展 · 办结 follow a decision that passed; a poll that failed decided nothing."""

from __future__ import annotations

import re

from sqlalchemy import text

from tests.kit import Answer, Speaker, Town


async def _decide(town: Town, question: str, vote: str) -> str:
    """李书记 opens a poll in the group, three residents vote ``vote``, the poll closes;
    the decision's reference (D…) from the record."""
    opened = await town.li.says(f"开启投票 {question}", in_group=True)
    poll = re.search(r"P\d+", opened.text)
    assert poll, opened.text
    for person in (town.zhang, town.liu, town.wang):
        await person.says(vote)
    closed = await town.li.says(f"结束投票 {poll.group(0)}", in_group=True)
    assert "结论" in closed, closed.text
    async with town.bot.uow() as uow:
        rows = await uow.session.execute(text("SELECT max(id) FROM decisions"))
    return f"D{rows.scalar_one()}"


async def test_a_failed_vote_has_nothing_to_carry_out(town: Town) -> None:
    ref = await _decide(town, "是否同意在小区里养鸡", "反对")
    for command in (
        f"落实 {ref} 负责人 王网格员 期限 2026-12-31",
        f"进展 {ref} 已联系",
        f"办结 {ref}",
    ):
        refused = await town.li.says(command)
        assert "没有通过" in refused and "无需" not in refused.text, refused.text
    async with town.bot.uow() as uow:
        rows = await uow.session.execute(text("SELECT status, owner FROM decisions"))
        [(status, owner)] = rows.all()
    assert (status, owner) == ("decided", None), "nothing stored for a failed vote"


async def test_a_passed_vote_is_carried_out(town: Town) -> None:
    ref = await _decide(town, "是否同意更换路灯", "赞成")
    assigned = await town.li.says(f"落实 {ref} 负责人 王网格员 期限 2026-12-31")
    assert "王网格员" in assigned and "没有通过" not in assigned, assigned.text
    done = await town.li.says(f"办结 {ref}")
    assert "没有通过" not in done, done.text
    again = await town.li.says(f"进展 {ref} 又换了一盏")
    assert "已经落实完毕" in again, again.text


async def test_a_poll_outside_a_meeting_asks_where_it_belongs(town: Town) -> None:
    """A decision belongs to its consultation day: a poll opened with neither a topic nor
    a meeting, while one is ahead, asks; the answer ties it (or says it stands alone)."""
    await town.li.says("创建议事日")
    asked = await town.li.says("开启投票 小区是否加装电梯")
    assert "M202612" in asked and "P1" not in asked, asked.text
    assert asked.labels == ["属于 M202612", "单独表决"]
    opened = await town.li.taps("属于 M202612", asked)
    assert "【表决 P1】小区是否加装电梯" in opened, opened.text
    alone = await town.li.says("开启投票 是否同意在小区里养鸡 单独表决")
    assert "【表决 P2】是否同意在小区里养鸡" in alone, alone.text
    tied = await town.li.says("开启投票 是否同意更换路灯 M202612")
    assert "【表决 P3】" in tied, tied.text
    async with town.bot.uow() as uow:
        rows = await uow.session.execute(
            text("SELECT p.id, m.code FROM polls p LEFT JOIN meetings m ON m.id = p.meeting_id")
        )
        homes = dict(rows.all())
    assert homes == {1: "M202612", 2: None, 3: "M202612"}


async def test_a_poll_with_no_meeting_ahead_opens_at_once(town: Town) -> None:
    opened = await town.li.says("开启投票 小区是否加装电梯")
    assert "【表决 P1】" in opened, opened.text


async def _closed(town: Town, spec: str, *votes: tuple[Speaker, str]) -> str:
    opened = await town.li.says(f"开启投票 {spec}")
    poll = re.search(r"P\d+", opened.text)
    assert poll, opened.text
    for person, choice in votes:
        assert "已记录" in await person.says(f"投票 {poll.group(0)} {choice}")
    return (await town.li.says(f"结束投票 {poll.group(0)}")).text


async def test_a_void_vote_is_refused_as_what_it_was_and_its_result_names_the_decision(
    town: Town,
) -> None:
    """落实 D2 said “D2 的表决没有通过” of a poll that missed its quorum or tied: it was
    void, not voted down. And the result never said which D to 落实."""
    no_quorum = await _closed(town, "是否同意更换路灯 法定:100%", (town.zhang, "赞成"))
    assert "未达到法定人数" in no_quorum and no_quorum.endswith("决议编号 D1"), no_quorum
    tie = await _closed(town, "是否同意养鸡 法定:0%", (town.zhang, "赞成"), (town.liu, "反对"))
    assert "平票" in tie and tie.endswith("决议编号 D2"), tie
    nobody = await _closed(town, "是否同意拆围墙 法定:0%")
    assert "无人投票" in nobody and nobody.endswith("决议编号 D3"), nobody
    passed = await _closed(town, "是否同意装充电桩 法定:0%", (town.zhang, "赞成"))
    assert "通过" in passed and passed.endswith("决议编号 D4"), passed

    refusals = {
        "D1": "D1 的表决投票人数未达到法定人数，表决无效，没有形成决定，不用落实。",
        "D2": "D2 的表决是平票，没有形成决定，不用落实。",
        "D3": "D3 的表决无人投票，没有形成决定，不用落实。",
    }
    for ref, said in refusals.items():
        refused = await town.li.says(f"落实 {ref} 负责人 王网格员 期限 2026-12-31")
        assert refused.text == said, refused.text
    assigned = await town.li.says("落实 D4 负责人 王网格员 期限 2026-12-31")
    assert "D4 已指定负责人 王网格员" in assigned, assigned.text


async def test_an_old_reject_button_leaves_an_accepted_topic_alone(town: Town) -> None:
    """驳回 under a card already answered 通过 had rejected the topic, unasked and for good."""
    await town.zhang.says("我想提个议题：小区里装几个电动车充电桩，现在大家都拉线充电")
    await town.zhang.says("确认提交")
    [card] = [r for r in await town.li.receives() if "驳回" in Answer([r]).labels]
    assert "通过审核" in await town.li.taps("通过", card)
    stale = await town.li.taps("驳回", card)
    assert "不能再审核" in stale and "已驳回" not in stale, stale.text
    status = await town.liu.says("T1")
    assert "正在征集附议" in status and status.labels == ["附议 T1"], status.text
    assert "已附议" not in status, "asking about T1 does not co-sign it"


async def test_the_same_poll_opened_twice_is_one_poll(town: Town) -> None:
    await town.li.says("创建议事日")
    asked = await town.li.says("开启投票 小区是否加装电梯")
    opened = await town.li.taps("属于 M202612", asked)
    again = await town.li.taps("属于 M202612", asked)
    assert "P1" in opened and "已经在进行了" in again and "P2" not in again, again.text
