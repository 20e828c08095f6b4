"""An anonymous poll publishes per-option counts only when enough voted that nobody's
choice can be read off them (``[polls] anonymous_min_votes``, 5 by default).

Found by an outside walk: 李书记 opened an anonymous poll, watched "已投 1/18", closed it,
and the result said 反对：1 票（100.0%）— to him, the group and 居务公开 — while 参与名单
said 张阿姨. Now a result below the minimum says how many took part and nothing else,
decides nothing, and no table keeps the counts; 参与名单 of an anonymous poll is refused.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select, text
from sqlmodel import SQLModel

import storage.schema  # noqa: F401  (every table)
from bot.app import build_web_app
from bot.demo import DEMO_NEIGHBOURS
from consultation.residents import rows_from, save_row
from storage.models import Push
from tests.conftest import Clock, town_with
from tests.handlers.agenda_support import on_the_agenda_and_met, requeued
from tests.kit import Town

WITHHELD = "参与 1 人，不足 5 人，为保护匿名不公布各选项票数"
NO_ROLL = "P1 是匿名投票，只公布参与人数，不提供参与名单。"
#: An option followed by a number: a per-option count, however it is written
#: (反对：1 票, 反对 1, "反对": 1).
COUNT = re.compile(r"(赞成|反对|弃权)[\"'”]?\s*[：:]?\s*\d")


async def every_row(town: Town) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, as the operator holding the database reads it."""
    async with town.bot.uow() as uow:
        found = {}
        for table in SQLModel.metadata.sorted_tables:
            rows = await uow.session.execute(text(f'SELECT * FROM "{table.name}"'))
            found[table.name] = [dict(r._mapping) for r in rows.all()]
        return found


async def test_an_anonymous_poll_with_one_vote_shows_no_count_to_anyone_nor_keeps_one(
    town_on_both: Town,
) -> None:
    town = town_on_both
    opened = await town.li.says("开启投票 是否撤换现任物业公司 单独表决 匿名", in_group=True)
    assert "系统不会记录谁投了什么" in opened, opened.text
    cast = await town.zhang.says("投票 P1 反对")
    assert "您的匿名票已投出" in cast and "已投 1/" in cast, cast.text
    watching = await town.li.says("投票情况 P1")
    assert "已投 1/" in watching and not COUNT.search(watching.text), watching.text

    closed = await town.li.says("结束投票 P1", in_group=True)  # the group's reply
    assert "【表决结果 P1】" in closed and WITHHELD in closed, closed.text
    assert "结论：匿名投票参与人数太少，表决无效，未形成决定" in closed, closed.text
    assert not COUNT.search(closed.text) and "决议编号" not in closed, closed.text

    assert (await town.li.says("参与名单 P1")).text == NO_ROLL
    for asked in (await town.li.says("投票情况 P1"), await town.zhang.says("投票结果")):
        assert WITHHELD in asked and not COUNT.search(asked.text), asked.text

    async with town.bot.uow() as uow:  # what went to the group and to everyone's chat
        pushed = [p["text"] for p in (await uow.session.execute(select(Push.payload))).scalars()]
    results = [p for p in pushed if "【表决结果 P1】" in p]
    assert results, pushed
    assert all(WITHHELD in p and not COUNT.search(p) for p in pushed), pushed

    async with TestClient(TestServer(build_web_app(town.bot))) as web:
        page = await (await web.get("/public/polls/P1")).text()
        assert WITHHELD in page and "无效：参与人数太少，不公布票数" in page, page
        assert not COUNT.search(page) and "决议编号" not in page, page
        index = await (await web.get("/public/")).text()
        assert "P1 是否撤换现任物业公司" in index.split("未形成决定的表决", 1)[1], index
        assert not COUNT.search(index), index

    # The operator with the whole database: no count of it in any row of any table.
    rows = await every_row(town)
    assert rows["poll_tallies"] == [] and rows["poll_ballots"] == []
    [poll] = rows["polls"]
    result = poll["result"] if isinstance(poll["result"], dict) else json.loads(poll["result"])
    assert result["counts"] is None and result["voters"] == 1, result
    assert result["outcome"] == "too_few" and result["winner"] is None, result
    assert not result["tie"] and not result["rule_met"] and not result["passed"], result
    assert rows["decisions"] == []
    for table, found in rows.items():
        for row in found:
            said = json.dumps(row, ensure_ascii=False, default=str)
            assert not COUNT.search(said), (table, said)
            assert '"counts": [' not in said.replace('\\"', '"'), (table, said)


async def test_an_anonymous_poll_with_six_votes_publishes_its_counts(town: Town) -> None:
    """Five in the chat and one on paper: enough for the counts, as before. While it is
    open nobody sees a count per option; 参与名单 stays refused after close."""
    header, first = DEMO_NEIGHBOURS.splitlines()[:2]
    async with town.bot.uow() as uow:  # 周奶奶: verified, no chat, votes on paper
        [row] = rows_from([header, first])
        neighbour, _ = await save_row(uow, row, actor="test")
    await town.li.says("开启投票 是否撤换现任物业公司 单独表决 匿名 法定:0%", in_group=True)
    for who, choice in (
        ("zhang", "反对"),
        ("liu", "赞成"),
        ("chen", "赞成"),
        ("wang", "赞成"),
        ("zhao", "弃权"),
    ):
        assert "匿名票已投出" in await town.person(who).says(f"投票 P1 {choice}")
    entered = await town.li.says(f"录入纸质票 P1 {neighbour.name} 赞成")
    assert "已投 6/" in entered and not COUNT.search(entered.text), entered.text
    status = await town.li.says("投票情况 P1")
    assert "已投 6/" in status and not COUNT.search(status.text), status.text

    closed = await town.li.says("结束投票 P1", in_group=True)
    for line in ("赞成：4 票（66.7%）", "反对：1 票（16.7%）", "弃权：1 票（16.7%）"):
        assert line in closed, closed.text
    assert "结论：✅ 通过" in closed and "决议编号 D1" in closed, closed.text
    assert "不公布" not in closed, closed.text
    assert (await town.li.says("参与名单 P1")).text == NO_ROLL
    async with town.bot.uow() as uow:
        kept = (await uow.session.execute(text("SELECT result FROM polls"))).scalar_one()
    kept = kept if isinstance(kept, dict) else json.loads(kept)
    assert kept["counts"] == [4, 1, 1] and "withheld_below" not in kept, kept


async def test_the_poll_card_of_an_anonymous_poll_never_shows_running_counts(
    town: Town,
) -> None:
    """The live count under the card (Telegram edits it in place) and 投票情况 show
    participation; even a poll marked to show results can't show an anonymous poll's."""
    await town.li.says("开启投票 是否撤换现任物业公司 单独表决 匿名 法定:0%", in_group=True)
    async with town.bot.uow() as uow:  # as if it had been opened before 匿名 forced hiding
        await uow.session.execute(text("UPDATE polls SET hide_results = false"))
    for who in ("zhang", "liu"):
        receipt = await town.person(who).says("投票 P1 反对")
        assert "已投" in receipt and not COUNT.search(receipt.text), receipt.text
    for who in ("li", "zhang", "chen"):
        status = await town.person(who).says("投票情况 P1")
        assert "已投 2/" in status and "当前" not in status, status.text
        assert not COUNT.search(status.text), status.text
    card = await town.chen.says("P1")
    assert not COUNT.search(card.text), card.text
    reminded = await town.li.says("提醒投票 P1")
    assert reminded.text.startswith("已提醒 ") and "张阿姨" not in reminded, reminded.text
    assert "刘大爷" not in reminded and "陈委员" not in reminded, reminded.text


async def test_the_minimum_is_the_configs_whoever_closes(sqlite_url: str, clock: Clock) -> None:
    """``[polls] anonymous_min_votes = 3``: three votes publish their counts, closed by the
    moderator or by the scheduler at the poll's time."""
    async for town in town_with(sqlite_url, clock, polls={"anonymous_min_votes": 3}):
        await town.scheduler_runs()
        await town.li.says("开启投票 是否同意养犬公约 单独表决 匿名 法定:0%", in_group=True)
        await town.li.says("开启投票 是否同意更换门禁 单独表决 匿名 截止:18:00", in_group=True)
        for who in ("zhang", "liu", "chen"):
            assert "匿名票已投出" in await town.person(who).says("投票 P1 反对")
            assert "匿名票已投出" in await town.person(who).says("投票 P2 赞成")
        closed = await town.li.says("结束投票 P1", in_group=True)
        assert "反对：3 票（100.0%）" in closed, closed.text
        assert "poll.close:P2" in await town.later(hours=9)
        async with town.bot.uow() as uow:
            pushed = [
                p["text"] for p in (await uow.session.execute(select(Push.payload))).scalars()
            ]
        [*_, result] = [p for p in pushed if "【表决结果 P2】" in p]
        assert "赞成：3 票（100.0%）" in result, result


async def test_the_minutes_and_the_meetings_page_say_too_few_without_counts(town: Town) -> None:
    """An anonymous vote of a consultation day with one vote: the minutes and 居务公开's
    meeting page list it apart, void, saying how many took part — no count per option."""
    await town.li.says("创建议事日")
    await town.li.says("开启投票 是否撤换现任物业公司 M202612 匿名 法定:0%")
    assert "匿名票已投出" in await town.zhang.says("投票 P1 反对")
    await town.li.says("结束投票 P1")
    town.clock.now = datetime(2026, 12, 5, 4, 0, tzinfo=UTC)  # after the meeting
    assert "纪要已发布" in await town.li.says("发布纪要 M202612")
    [minutes] = [p.text for p in await town.group.new() if "【会议纪要】" in p.text]
    line = (
        "P1 表决事项：是否撤换现任物业公司 结果：无效（匿名投票参与人数太少，不公布票数；"
        "参与 1 人，不足 5 人；应投 5），未形成决议"
    )
    assert line in minutes and not COUNT.search(minutes), minutes
    async with TestClient(TestServer(build_web_app(town.bot))) as web:
        meeting = await (await web.get("/public/meetings/M202612")).text()
    assert "表决 P1 是否撤换现任物业公司" in meeting and WITHHELD in meeting, meeting
    assert not COUNT.search(meeting), meeting


async def test_a_topics_anonymous_vote_with_too_few_votes_sends_it_back_to_wait(
    sqlite_url: str, clock: Clock
) -> None:
    """T1's anonymous vote at M202612 with two votes decided nothing: T1 goes back to
    已达附议人数 by the void-vote path, saying why, and the audit says ``too_few``."""
    async for town in town_with(sqlite_url, clock, consultation={"cosign_threshold": 1}):
        await on_the_agenda_and_met(town)
        await town.li.says("开启投票 T1 匿名 法定:0%")
        for who in ("zhang", "liu"):
            assert "匿名票已投出" in await town.person(who).says("投票 P1 赞成")
        closed = await town.li.says("结束投票 P1")
        assert "参与 2 人，不足 5 人" in closed and "决议编号" not in closed, closed.text
        assert "T1《3号楼东侧空地改成停车位》回到待列入议程" in closed, closed.text
        status = await town.liu.says("T1")
        assert "已达附议人数" in status and "匿名投票参与人数太少" in status, status.text
        [(_, before, after)] = await requeued(town)
        assert before["status"] == "scheduled" and after["outcome"] == "too_few", after
