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
