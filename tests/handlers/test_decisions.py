"""落实 · 进展 · 办结 follow a decision that passed; a poll that failed decided nothing."""

from __future__ import annotations

import re

from sqlalchemy import text

from tests.kit import Town


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
