"""落实 · 进展 · 办结 follow a decision that passed; a poll that failed decided nothing."""

from __future__ import annotations

import re

from sqlalchemy import text

from bot.public import PublicPages
from consultation.outcomes import OutcomeService
from tests.handlers.agenda_support import on_the_agenda_and_met, requeued
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


async def test_a_void_vote_gets_no_decision_number_and_nothing_to_carry_out(town: Town) -> None:
    """A poll that missed its quorum, tied or had no voter was given a 决议编号 (D1…) like
    one that decided something, and its result said which D to 落实. It decided nothing:
    its result names no decision, the numbers go on from the votes that decided."""
    no_quorum = await _closed(town, "是否同意更换路灯 法定:100%", (town.zhang, "赞成"))
    assert "未达到法定人数" in no_quorum and "决议编号" not in no_quorum, no_quorum
    tie = await _closed(town, "是否同意养鸡 法定:0%", (town.zhang, "赞成"), (town.liu, "反对"))
    assert "平票" in tie and "决议编号" not in tie, tie
    nobody = await _closed(town, "是否同意拆围墙 法定:0%")
    assert "无人投票" in nobody and "决议编号" not in nobody, nobody
    passed = await _closed(town, "是否同意装充电桩 法定:0%", (town.zhang, "赞成"))
    assert "通过" in passed and passed.endswith("决议编号 D1"), passed
    failed = await _closed(town, "是否同意砍树 法定:0%", (town.zhang, "反对"))
    assert "未通过" in failed and failed.endswith("决议编号 D2"), failed

    # Everyone who could vote was told the void results without a number too.
    results = [r.text for r in await town.liu.receives() if "【表决结果" in r.text]
    assert len(results) == 5 and sum("决议编号" in r for r in results) == 2, results
    status = await town.zhang.says("投票情况 P1")
    assert "未达到法定人数" in status and "决议编号" not in status, status.text

    assigned = await town.li.says("落实 D1 负责人 王网格员 期限 2026-12-31")
    assert "D1 已指定负责人 王网格员" in assigned, assigned.text
    assert "没有找到决议 D3" in await town.li.says("落实 D3 负责人 王网格员")
    async with town.bot.uow() as uow:
        rows = await uow.session.execute(text("SELECT id, poll_id FROM decisions ORDER BY id"))
        assert rows.all() == [(1, 4), (2, 5)]


async def test_a_void_vote_numbered_before_keeps_its_number_and_is_refused_as_void(
    town: Town,
) -> None:
    """Before void votes went without a number, each got a decision: it keeps its number
    (residents were told it) and 落实 of it says why there is nothing to do."""
    await _closed(town, "是否同意更换路灯 法定:100%", (town.zhang, "赞成"))
    await _closed(town, "是否同意养鸡 法定:0%", (town.zhang, "赞成"), (town.liu, "反对"))
    await _closed(town, "是否同意拆围墙 法定:0%")
    async with town.bot.uow() as uow:  # the rows the earlier close wrote
        for poll in (1, 2, 3):
            await uow.session.execute(
                text(
                    "INSERT INTO decisions (id, poll_id, text, passed, status, created_at)"
                    " VALUES (:id, :id, '', false, 'decided', '2026-12-05 02:00:00')"
                ),
                {"id": poll},
            )
    passed = await _closed(town, "是否同意装充电桩 法定:0%", (town.zhang, "赞成"))
    assert passed.endswith("决议编号 D4"), "the numbers go on after the kept ones"
    refusals = {
        "D1": "D1 的表决投票人数未达到法定人数，表决无效，没有形成决定，不用落实。",
        "D2": "D2 的表决是平票，没有形成决定，不用落实。",
        "D3": "D3 的表决无人投票，没有形成决定，不用落实。",
    }
    for ref, said in refusals.items():
        refused = await town.li.says(f"落实 {ref} 负责人 王网格员 期限 2026-12-31")
        assert refused.text == said, refused.text
    async with town.bot.uow() as uow:  # 居务公开 offers it no 评议
        outcomes = OutcomeService(uow, town.clock())
        view = await outcomes.view(await outcomes.get(1))
    page = PublicPages(town.bot.uow, town.bot.community, town.clock).decision_html(view)
    assert "无效：未达法定人数" in page and "评议" not in page, page


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


async def test_a_topic_put_to_a_void_vote_is_not_decided(town: Town) -> None:
    """A topic whose vote missed its quorum became 已表决 under a decision that decided
    nothing; it stays where it was, to be put to the vote again."""
    await town.chen.says("我想提个议题：3号楼东侧空地改成停车位，晚上回来经常没地方停")
    await town.chen.says("确认提交")
    assert "T1 已通过审核" in await town.li.says("审核 T1 通过")
    void = await _closed(town, "T1 法定:100%", (town.zhang, "赞成"))
    assert "未达到法定人数" in void, void
    status = await town.liu.says("T1")
    assert "已表决" not in status and "正在征集附议" in status, status.text
    passed = await _closed(town, "T1 法定:0%", (town.zhang, "赞成"))
    assert passed.endswith("决议编号 D1"), passed
    assert "已表决" in await town.liu.says("T1")


async def test_a_topic_whose_vote_decided_nothing_waits_for_the_next_agenda(
    one_cosign: Town,
) -> None:
    """T1's vote at M202612 missed its quorum: no decision, and T1 still read 已列入议程
    of a meeting that was over. It goes back to wait for an agenda, saying why, and the
    next consultation day takes it."""
    town = one_cosign
    await on_the_agenda_and_met(town)
    await town.li.says("开启投票 T1 法定:100%")
    assert "已记录" in await town.zhang.says("投票 P1 赞成")
    closed = await town.li.says("结束投票 P1")
    assert "未达到法定人数" in closed and "决议编号" not in closed, closed.text
    back = "议题 T1《3号楼东侧空地改成停车位》回到待列入议程，之后的议事日再表决。"
    assert closed.text.endswith(back), closed.text
    assert any(back in r.text for r in await town.liu.receives()), "those who could vote too"

    status = await town.liu.says("T1")
    assert status.text == (
        "议题 T1“3号楼东侧空地改成停车位”：已达附议人数。"
        "P1 表决投票人数未达到法定人数，未形成决定，待列入议程重新表决。"
    ), status.text
    [(actor, before, after)] = await requeued(town)
    async with town.bot.uow() as uow:
        entries = await uow.audit.for_entity("poll", "P1")
    [closer] = [e.actor for e in entries if e.action == "poll_closed"]
    assert actor == closer != "scheduler", "who: the moderator who closed the poll"
    assert before == {"status": "scheduled", "meeting": "M202612"}
    assert after["status"] == "qualified" and after["outcome"] == "no_quorum"
    assert after["at"] == "2026-12-05T02:00:00+00:00", "when, on the service's clock"

    await town.li.says("创建议事日 2027-01")
    assert "排进 M202701 议程" in await town.li.says("议程 M202701 T1 30分钟")
    again = await town.liu.says("T1")
    assert again.text == "议题 T1“3号楼东侧空地改成停车位”：已列入议程。", again.text


async def test_a_tied_vote_the_scheduler_closes_puts_the_topic_back_too(one_cosign: Town) -> None:
    """Whoever closes the poll — here the scheduler at its time — the topic goes back."""
    town = one_cosign
    await on_the_agenda_and_met(town)
    await town.scheduler_runs()  # the leader, before the poll's time
    await town.li.says("开启投票 T1 法定:0% 截止:12-05 12:00")
    assert "已记录" in await town.zhang.says("投票 P1 赞成")
    assert "已记录" in await town.wang.says("投票 P1 反对")
    assert "poll.close:P1" in await town.later(hours=3)
    status = await town.liu.says("T1")
    assert "已达附议人数" in status and "P1 表决平票，未形成决定" in status, status.text
    [(actor, _, after)] = await requeued(town)
    assert actor == "scheduler" and after["outcome"] == "tie"


async def test_a_decision_stored_as_its_question_is_told_as_decided_when_carried_out(
    town: Town,
) -> None:
    """A decision recorded when its text was its poll's question told its owner “决议 D1
    “是否同意更换路灯”由您负责落实”. The row stays; what is said reads as decided."""
    ref = await _decide(town, "是否同意更换路灯", "赞成")
    async with town.bot.uow() as uow:  # as an earlier version stored it
        await uow.session.execute(text("UPDATE decisions SET text = '是否同意更换路灯'"))
    await town.wang.receives()
    await town.li.says(f"落实 {ref} 负责人 王网格员 期限 2026-12-31")
    told = [r.text for r in await town.wang.receives() if "【落实任务】" in r.text]
    assert told and f"决议 {ref}“同意更换路灯”由您负责落实" in told[0], told
    await town.group.new()
    await town.li.says(f"进展 {ref} 已联系施工队")
    posted = [p.text for p in await town.group.new() if "【决议进展" in p.text]
    assert posted and posted[0].startswith(f"【决议进展 {ref}】同意更换路灯\n"), posted
