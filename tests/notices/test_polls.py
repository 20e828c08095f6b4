"""A poll's notices, as people receive them: the result reaches everyone who could vote."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from consultation.polls import PollEvents, PollService, PollSpec
from storage.models import Push
from tests.kit import GROUP, Town


async def test_a_poll_closed_in_private_reaches_the_voters_and_the_group(town: Town) -> None:
    opened = await town.li.says("开启投票 小区是否加装电梯")
    assert "【表决 P1】" in opened
    [invited] = await town.zhang.receives()
    assert "【表决 P1】" in invited.text and [b.label for b in invited.buttons][:1] == ["赞成"]
    [announced] = await town.group.new()
    assert "【表决 P1】" in announced.text

    assert "已记录" in await town.zhang.taps("赞成", invited)
    assert "已记录" in await town.liu.says("投票 P1 反对")
    assert "已记录" in await town.chen.says("投票 P1 赞成")

    closed = await town.li.says("结束投票 P1")
    assert "【表决结果 P1】" in closed and "赞成：2 票" in closed
    [result] = await town.zhang.receives()
    assert "赞成：2 票" in result.text
    for voter in (town.liu, town.chen, town.wang):  # the opening notice, then the result
        opening, result = await voter.receives()
        assert "【表决 P1】" in opening.text and "赞成：2 票" in result.text, voter.key
    [in_group] = await town.group.new()
    assert "【表决结果 P1】" in in_group.text
    assert await town.li.receives() == [], "the moderator has it as the reply, not twice"


async def test_timed_close_of_a_telegram_poll_queues_the_final_edit(town: Town) -> None:
    now = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)
    async with town.bot.uow() as uow:
        spec = PollSpec("是否加装电梯", closes_at=now + timedelta(hours=1))
        poll = await PollService(uow, now).open(spec, None, "telegram", "-100123", "test")
    assert poll.id is not None
    events = PollEvents()
    async with town.bot.uow() as uow:
        [event] = await events.upcoming(uow, now, timedelta(days=1))
        await events.fire(uow, event, now + timedelta(hours=1), late=False)
    async with town.bot.uow() as uow:
        pushes = await uow.pushes.for_chat("telegram", "-100123")
    live, result = (p.payload for p in pushes)
    assert result["text"].startswith("【表决结果 P") and "edit_key" not in result
    assert live["edit_key"] == f"poll:P{poll.id}" and live["buttons"] == []
    assert "投票已结束" in live["text"] and "赞成：0 票" in live["text"]


async def test_the_status_of_a_closed_poll_is_its_final_result(town: Town) -> None:
    """投票情况 P1 after close said “当前：…” with no conclusion: now it is the result."""
    await town.li.says("开启投票 小区是否加装电梯 法定:0%")
    assert "已记录" in await town.zhang.says("投票 P1 赞成")
    assert "已记录" in await town.liu.says("投票 P1 赞成")
    assert "已记录" in await town.chen.says("投票 P1 反对")
    running = await town.zhang.says("投票情况 P1")
    assert "（进行中）" in running and "当前：" in running, running.text
    await town.li.says("结束投票 P1")

    final = await town.zhang.says("投票情况 P1")
    lines = final.text.split("\n")
    assert lines[0] == "P1“小区是否加装电梯”（已结束），最终结果：", final.text
    assert "赞成：2 票（66.7%）" in lines and "反对：1 票（33.3%）" in lines, final.text
    assert lines[-2:] == ["结论：✅ 通过", "决议编号 D1"], final.text
    assert "当前：" not in final


async def test_an_anonymous_result_names_nobody_wherever_it_goes(town: Town) -> None:
    """The result of an anonymous poll said “参与投票：张阿姨、刘大爷、陈委员” to the group and
    to everyone who could vote: with every vote for one option (or one's own choice
    known), the names told who chose what. Closed by the moderator or at its time, the
    result names nobody (three votes: participation only, fewer than an anonymous poll
    publishes counts with); 参与名单 is refused for an anonymous poll."""
    voters = {"zhang": "张阿姨", "liu": "刘大爷", "chen": "陈委员"}
    await town.li.says("开启投票 是否同意养犬公约 匿名", in_group=True)
    await town.group.new()
    for who in voters:
        assert "匿名票已投出" in await town.person(who).says("赞成")
    closed = await town.li.says("结束投票 P1", in_group=True)
    assert "【表决结果 P1】" in closed and "参与 3 人，不足 5 人" in closed, closed.text
    assert "赞成" not in closed, closed.text

    # At its time, by the scheduler: the same service, the same result.
    await town.scheduler_runs()  # the leader, before the poll's time
    await town.li.says("开启投票 是否同意更换门禁 匿名 截止:18:00", in_group=True)
    for who in voters:
        assert "匿名票已投出" in await town.person(who).says("投票 P2 反对")
    assert "poll.close:P2" in await town.later(hours=9)

    async with town.bot.uow() as uow:  # every push there is: groups and private chats
        rows = await uow.session.execute(select(Push.chat_id, Push.payload))
        pushed = [(chat, payload["text"]) for chat, payload in rows.all()]
    results = [(chat, text) for chat, text in pushed if text.startswith("【表决结果")]
    results.append(("reply", closed.text))
    # P1: the reply in the group, pushed to the others who could vote; P2: the group and
    # everyone who could vote (the scheduler closed it; nobody has it as a reply).
    assert {chat for chat, text in results if "P1】" in text} >= {"reply", *voters}, results
    assert {chat for chat, text in results if "P2】" in text} >= {GROUP, *voters}, results
    for _, text in results:
        assert "参与投票" not in text and not any(n in text for n in voters.values()), text
    roll = await town.li.says("参与名单 P1")
    assert not any(n in roll for n in voters.values()), roll.text


async def test_an_anonymous_receipt_never_names_the_choice_even_in_the_group(
    town: Town,
) -> None:
    """A vote typed in the group is answered where it was typed (who sees the answer is
    the router's and the adapters' business); whatever was chosen, in whatever words, the
    answer reads the same but for the turnout, so it names no choice."""
    await town.li.says("开启投票 停车位怎么分 匿名 选项:东侧空地/地下车库/暂不增设", in_group=True)
    await town.li.says("开启投票 是否同意养犬公约 匿名", in_group=True)
    words = {
        "zhang": "投票 P1 东侧空地",
        "liu": "P1 投2",
        "chen": "投票 P1 C",
        "wang": "投票 P2 赞成",
        "zhao": "P2 反对",
        "xiaochen": "投票 P2 弃权",  # not verified: refused, and says nothing of it either
    }
    answers = {
        who: (await town.person(who).says(w, in_group=True)).text for who, w in words.items()
    }
    options = ("东侧空地", "地下车库", "暂不增设", "A.", "B.", "C.", "赞成", "反对", "弃权")
    for who, answer in answers.items():
        assert not any(o in answer for o in options), (who, answer)
    cast = [answer for who, answer in answers.items() if who != "xiaochen"]
    assert all("匿名票已投出" in answer for answer in cast), cast
    receipts = {answer.rsplit("\n", 1)[0] for answer in cast}  # without the turnout
    assert len(receipts) == 2, receipts  # one sentence per poll, whatever was chosen


async def test_a_committee_poll_is_shown_to_the_group_with_nothing_to_tap(town: Town) -> None:
    """The walk: a committee-only poll reached the residents' group with vote buttons;
    张阿姨's tap was refused. The group now sees it without buttons, and the result says
    whose votes the 1/1 counts."""
    await town.li.says("开启投票 停车收费标准 范围:委员 法定:0%")
    posted = [r for r in await town.group.new() if "停车收费标准" in r.text]
    assert posted and posted[0].buttons == (), posted
    assert "只由协商委员会委员投票" in posted[0].text and "请点按钮" not in posted[0].text
    [invited] = [r for r in await town.chen.receives() if "停车收费标准" in r.text]
    assert invited.buttons, "the committee member can vote"
    await town.chen.taps("赞成", invited)
    closed = await town.li.says("结束投票 P1")
    assert "协商委员会委员投票 1/" in closed, closed.text
