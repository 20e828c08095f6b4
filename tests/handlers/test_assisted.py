"""代办 — assisted participation (issue 18): a grid worker records a co-sign, a sign-up or a
named vote for a resident who asked by phone or in person; the resident is asked to
confirm or undo it; it is marked assisted wherever it shows.

The demo's grids: 张阿姨 lives in 王网格员's grid (G01), 刘大爷 and 小陈 (unverified) in
赵网格员's (G02); 李书记 is a moderator.
"""

from __future__ import annotations

import io
import json
from typing import Any

from bot.app import Yishi
from bot.demo import DEMO_NEIGHBOURS, seed_demo
from bot.public import PublicPages
from consultation.outcomes import OutcomeService
from consultation.residents import rows_from, save_row
from kernel.intents import KeywordClassifier
from storage.exports import Rules, export_kind
from storage.meetings import MeetingRepository
from storage.polls import PollRepository
from tests.conftest import Clock, make_settings
from tests.kit import Answer, Town


async def _export(town: Town, kind: str) -> list[dict[str, Any]]:
    out = io.StringIO()
    await export_kind(town.bot.uow, kind, "jsonl", out, Rules())
    return [json.loads(line) for line in out.getvalue().splitlines()]


async def _topic_open_for_cosigning(town: Town) -> None:
    """陈委员 proposes T1 and 李书记 accepts it."""
    await town.chen.says("我想提个议题：3号楼东侧空地改成停车位，晚上回来经常没地方停")
    await town.chen.says("确认提交")
    accepted = await town.li.says("审核 T1 通过")
    assert "T1 已通过审核" in accepted, accepted.text


async def _audit(town: Town, entity: str, ref: str) -> list[tuple[str, str, dict[str, Any]]]:
    async with town.bot.uow() as uow:
        rows = await uow.audit.for_entity(entity, ref)
        return [(r.actor, r.action, dict(r.after or {})) for r in rows]


async def test_an_assisted_vote_confirmed_is_counted_once_and_marked(town_on_both: Town) -> None:
    town = town_on_both
    await town.li.says("开启投票 小区是否加装电梯")
    await town.zhang.receives()  # the poll's opening notice

    cast = await town.wang.says("代办 投票 P1 赞成 张阿姨")
    assert "已替张阿姨在 P1 投了“赞成”（代办）" in cast and "已投 1/" in cast, cast.text
    [asked] = await town.zhang.receives()
    assert asked.text == (
        "王网格员替您在表决 P1《小区是否加装电梯》中投了“赞成”。"
        "是您的意思请点“确认”，不是请点“撤销”。"
    )
    assert [b.label for b in asked.buttons] == ["确认", "撤销"]
    confirmed = await town.zhang.taps("确认", asked)
    assert confirmed.text == (
        "好的，已确认 P1 的这张票是您本人的意思，谢谢！（记录上仍注明由王网格员代办。）"
    ), confirmed.text

    assert "已记录" in await town.liu.says("投票 P1 反对")
    named = await town.li.says("参与名单 P1")
    assert (
        named.text == "P1 参与投票的有（其中代办 1 人）：张阿姨（王网格员代办，本人已确认）、刘大爷"
    )

    closed = await town.li.says("结束投票 P1")
    assert "赞成：1 票" in closed and "反对：1 票" in closed, closed.text
    assert "投票 2/" in closed and "其中代办 1 人" in closed, closed.text
    async with town.bot.uow() as uow:
        poll = await uow.get(PollRepository).get(1)
        assert poll is not None and poll.result is not None
        assert poll.result["voters"] == 2 and poll.result["assisted"] == 1
        # Short of its quorum, it decided nothing: the public page says so with the tally.
        [void] = await OutcomeService(uow, town.clock()).void_votes()
    page = PublicPages(town.bot.uow, town.bot.community, town.clock).void_html(void)
    assert "其中代办 1 人" in page and "未达法定人数" in page, page

    votes = {row["voter"]: row for row in await _export(town, "votes")}
    assert votes["张阿姨"]["assisted_by"] == "王网格员" and votes["张阿姨"]["choice"] == "赞成"
    assert votes["张阿姨"]["assist_confirmed_at"] is not None
    assert votes["刘大爷"]["assisted_by"] is None

    actions = [(actor, action) for actor, action, _ in await _audit(town, "poll", "P1")]
    assert ("resident:5", "vote_assisted") in actions  # 王网格员 cast it
    assert ("resident:1", "assist_confirmed") in actions  # 张阿姨 confirmed it

    await town.wang.receives()  # the poll's opening and result notices
    too_late = await town.zhang.taps("撤销", asked)
    assert "P1 已经结束" in too_late and "不能撤销" in too_late, too_late.text
    assert await town.wang.receives() == [], "nothing was undone, nobody is told"


async def test_an_assisted_co_sign_undone_is_removed_and_the_grid_worker_told(town: Town) -> None:
    await _topic_open_for_cosigning(town)
    await town.wang.receives()  # nothing of the topic's is his; clear the inbox anyway

    signed = await town.wang.says("代办 附议 T1 张阿姨")
    assert "已替张阿姨附议 T1" in signed and "（代办），目前 1/" in signed, signed.text
    listed = await town.li.says("附议名单 T1")
    assert "附议 1 人（其中代办 1 人）" in listed, listed.text
    assert "张阿姨（王网格员代办，待本人确认）" in listed, listed.text
    assert (await _export(town, "topics"))[0]["cosigns_assisted"] == 1

    [asked] = await town.zhang.receives()
    assert asked.text.startswith("王网格员替您附议了议题 T1《")
    assert "是您的意思请点“确认”，不是请点“撤销”。" in asked.text
    undone = await town.zhang.taps("撤销", asked)
    assert "已撤销 T1 的附议，也告诉了王网格员" in undone, undone.text
    [told] = await town.wang.receives()
    assert told.text.startswith("张阿姨撤销了您代办的附议（议题 T1《"), told.text

    assert "还没有人附议" in await town.li.says("附议名单 T1")
    [topic] = await _export(town, "topics")
    assert topic["cosigns"] == 0 and topic["cosigns_assisted"] == 0
    actions = await _audit(town, "topic", "T1")
    withdrawn = [a for a in actions if a[1] == "topic_cosign_withdrawn"]
    assert withdrawn and withdrawn[0][0] == "resident:1", actions  # by 张阿姨 herself
    assert any(a[1] == "assist_undone" and a[2]["assisted_by"] == 5 for a in actions)

    again = await town.zhang.taps("撤销", asked)
    assert "没有找到别人替您代办 T1 的记录" in again, again.text
    own = await town.zhang.says("附议 T1")  # her own co-sign, as ever
    assert "已附议 T1" in own, own.text


async def test_an_assisted_sign_up_is_marked_in_the_list_and_on_the_public_page(
    town_on_both: Town,
) -> None:
    town = town_on_both
    await town.li.says("创建议事日")
    signed = await town.wang.says("代办 报名 张阿姨 线上")
    assert "已替张阿姨报名 M202612（12月5日 09:30，线上参加，代办）" in signed, signed.text
    [asked] = await town.zhang.receives()
    assert asked.text == (
        "王网格员替您报名了协商议事日 M202612（12月5日 09:30，线上参加）。"
        "是您的意思请点“确认”，不是请点“撤销”。"
    )
    confirmed = await town.zhang.taps("确认", asked)
    assert confirmed.text.startswith("好的，已确认报名 M202612 是您本人的意思"), confirmed.text
    assert "报名成功" in await town.liu.says("报名")

    listed = await town.li.says("报名名单 M202612")
    assert "现场 1 人，线上 1 人（其中代办 1 人）" in listed, listed.text
    assert "张阿姨（王网格员代办，本人已确认）｜线上" in listed and "刘大爷｜现场" in listed

    async with town.bot.uow() as uow:
        meeting = await uow.get(MeetingRepository).by_code("M202612")
        assert meeting is not None
        minutes = await OutcomeService(uow, town.clock()).minutes(meeting)
    page = PublicPages(town.bot.uow, town.bot.community, town.clock).render(minutes)
    assert "报名：现场 1 人，线上 1 人（其中代办 1 人）" in page, page
    [row] = await _export(town, "meetings")
    assert (row["onsite"], row["online"], row["assisted"]) == (1, 1, 1)


async def test_an_anonymous_poll_refuses_assistance(town: Town) -> None:
    await town.li.says("开启投票 是否同意养犬公约 匿名")
    await town.zhang.receives()
    refused = await town.wang.says("代办 投票 P1 赞成 张阿姨")
    assert "P1 是匿名投票" in refused and "不能代办" in refused, refused.text
    assert await town.zhang.receives() == []
    status = await town.li.says("投票情况 P1")
    assert "已投 0/" in status, status.text


async def test_a_resident_cannot_assist(town: Town) -> None:
    await _topic_open_for_cosigning(town)
    for who in (town.zhang, town.chen):  # a resident, a committee member
        refused = await who.says("代办 附议 T1 刘大爷")
        assert "需要" in refused and "网格员" in refused and "身份" in refused, refused.text
    assert "还没有人附议" in await town.li.says("附议名单 T1")
    assert await town.liu.receives() == []


async def test_an_unverified_resident_is_not_assisted_nor_one_of_another_grid(
    town: Town,
) -> None:
    await _topic_open_for_cosigning(town)
    unverified = await town.zhao.says("代办 附议 T1 小陈")
    assert "小陈还没有完成居民身份认证" in unverified, unverified.text
    elsewhere = await town.wang.says("代办 附议 T1 刘大爷")  # 刘大爷 lives in G02
    assert "刘大爷不在您负责的网格" in elsewhere, elsewhere.text
    assert "还没有人附议" in await town.li.says("附议名单 T1")
    by_moderator = await town.li.says("代办 附议 T1 刘大爷")  # moderators serve every grid
    assert "已替刘大爷附议 T1" in by_moderator, by_moderator.text


async def test_only_that_resident_can_confirm_or_undo(town: Town) -> None:
    await _topic_open_for_cosigning(town)
    await town.wang.says("代办 附议 T1 张阿姨")
    [asked] = await town.zhang.receives()
    for label in ("撤销", "确认"):
        refused = await town.liu.taps(label, asked)  # 刘大爷 taps a forwarded button
        assert "没有找到别人替您代办 T1 的记录" in refused, refused.text
    listed = await town.li.says("附议名单 T1")
    assert "张阿姨（王网格员代办，待本人确认）" in listed, listed.text
    assert await town.wang.receives() == []


async def test_the_same_assistance_twice_counts_once(town: Town) -> None:
    await _topic_open_for_cosigning(town)
    await town.wang.says("代办 附议 T1 张阿姨")
    twice = await town.wang.says("代办 附议 T1 张阿姨")
    assert "不会重复计数" in twice and "1/" in twice, twice.text
    assert (await _export(town, "topics"))[0]["cosigns"] == 1

    await town.li.says("开启投票 小区是否加装电梯")
    await town.wang.says("代办 投票 P1 赞成 张阿姨")
    again = await town.wang.says("代办 投票 P1 赞成 张阿姨")
    assert "只计一票" in again, again.text
    assert "已投 1/" in await town.li.says("投票情况 P1")
    pushes = [r.text for r in await town.zhang.receives()]
    assert sum("替您附议" in p for p in pushes) == 1 and sum("替您在表决" in p for p in pushes) == 1


async def test_an_assisted_vote_undone_before_close_is_withdrawn(town: Town) -> None:
    await town.li.says("开启投票 小区是否加装电梯")
    await town.zhao.receives()  # the poll's opening notice
    await town.zhao.says("代办 投票 P1 反对 刘大爷")
    asked = (await town.liu.receives())[-1]
    assert "赵网格员替您在表决 P1" in asked.text, asked.text
    undone = await town.liu.taps("撤销", asked)
    assert "已撤销 P1 的这张票" in undone, undone.text
    [told] = await town.zhao.receives()
    assert told.text.startswith("刘大爷撤销了您代办的投票（表决 P1《小区是否加装电梯》）")
    assert "已投 0/" in await town.li.says("投票情况 P1")
    own = await town.liu.says("投票 P1 赞成")
    assert "已记录" in own, own.text


async def test_the_grid_workers_help_shows_how_to_assist(town: Town) -> None:
    shown = await town.wang.says("帮助")
    assert (
        "代办：代办 附议 T3 刘大爷｜代办 报名 [M202612] 刘大爷 [线上]｜代办 投票 P3 赞成 刘大爷"
        in shown
    ), shown.text
    usage = await town.wang.says("代办")
    assert "代办 投票 P2 赞成 刘大爷" in usage and "匿名投票不能代办" in usage, usage.text
    assert "代办" not in await town.zhang.says("帮助")


async def _neighbour_without_a_chat(town: Town) -> str:
    """周奶奶 of the demo's register: verified, in 王网格员's grid, no chat account."""
    header, first = DEMO_NEIGHBOURS.splitlines()[:2]
    async with town.bot.uow() as uow:
        [row] = rows_from([header, first])
        resident, _ = await save_row(uow, row, actor="test")
    return resident.name


async def test_a_resident_without_a_chat_is_confirmed_with_by_phone(town: Town) -> None:
    """周奶奶 has no chat account: no push can ask her, so the assistant is told to
    confirm with her by phone or in person, and no push is promised."""
    name = await _neighbour_without_a_chat(town)
    await town.li.says("创建议事日")
    signed = await town.wang.says(f"代办 报名 M202612 {name} 线上")
    assert signed.text == (
        "已替周奶奶报名 M202612（12月5日 09:30，线上参加，代办）。"
        "周奶奶没有绑定聊天账号，收不到确认消息，请打电话或当面跟周奶奶本人确认一下。"
    ), signed.text
    assert "已请" not in signed

    await _topic_open_for_cosigning(town)
    cosigned = await town.wang.says(f"代办 附议 T1 {name}")
    assert "请打电话或当面跟周奶奶本人确认" in cosigned and "已请" not in cosigned, cosigned.text
    await town.li.says("开启投票 小区是否加装电梯 单独表决")
    voted = await town.wang.says(f"代办 投票 P1 赞成 {name}")
    assert "请打电话或当面跟周奶奶本人确认" in voted and "已请" not in voted, voted.text

    reachable = await town.wang.says("代办 报名 M202612 张阿姨")
    assert "已请张阿姨本人确认。" in reachable, reachable.text


async def test_refusals_met_while_assisting_name_the_resident(town: Town) -> None:
    """The shared services' refusals say 您 to whoever acts; acting for 陈委员 or 张大爷,
    王网格员 is told about them, by name."""
    await _topic_open_for_cosigning(town)  # 陈委员's own topic
    own = await town.wang.says("代办 附议 T1 陈委员")
    assert own.text == "T1 是陈委员自己提的议题，不用再附议啦。", own.text
    mine = await town.chen.says("附议 T1")  # said to the proposer, it stays 您
    assert mine.text == "T1 是您自己提的议题，不用再附议啦。", mine.text

    header = DEMO_NEIGHBOURS.splitlines()[0]
    async with town.bot.uow() as uow:  # 张阿姨's household: 3号楼2单元301
        [row] = rows_from([header, "张大爷,13800000199,3号楼,2单元,301,G01,第一网格,是,,"])
        await save_row(uow, row, actor="test")
    await town.li.says("开启投票 小区是否加装电梯 范围:每户")
    assert "已记录" in await town.zhang.says("投票 P1 赞成")
    household = await town.wang.says("代办 投票 P1 反对 张大爷")
    assert household.text == "张大爷家里已经有人投过 P1 了（每户一票）。", household.text
    assert "您" not in household


async def test_confirming_a_sign_up_for_a_cancelled_meeting_says_it_was_cancelled(
    town: Town,
) -> None:
    await town.li.says("创建议事日")
    await town.wang.says("代办 报名 M202612 张阿姨 线上")
    [asked] = await town.zhang.receives()
    preview = await town.li.says("取消议事日 M202612 台风")
    await town.li.taps("确认取消", preview)
    await town.wang.receives()

    tapped = await town.zhang.taps("确认", asked)
    assert tapped.text == (
        "M202612 这次议事日已经取消了（原因：台风），报名不用再确认。下次议事日另行通知。"
    ), tapped.text
    undone = await town.zhang.taps("撤销", asked)
    assert "已经取消了（原因：台风）" in undone, undone.text
    assert await town.wang.receives() == [], "nothing was undone: the assistant hears nothing"


async def test_an_assisted_co_sign_counts_towards_the_threshold_once_confirmed(
    sqlite_url: str, clock: Clock
) -> None:
    """王网格员's 代办 附议 was the one T1 needed: it qualified at once, before 张阿姨 had
    said a word, and her 撤销 then had to unqualify it with a 更正 to all who heard. Now
    an unconfirmed 代办 co-sign does not carry a topic over its threshold: undone, nobody
    was told anything to correct; confirmed (是我让的), it counts and T1 qualifies."""
    settings = make_settings(sqlite_url, consultation={"cosign_threshold": 1})
    bot = Yishi(settings, classifier=KeywordClassifier(), clock=clock)
    await seed_demo(bot.uow, clock())
    town = Town(bot, clock)
    try:
        await town.li.says("创建议事日")
        await _topic_open_for_cosigning(town)
        await town.chen.receives()
        await town.li.receives()

        signed = await town.wang.says("代办 附议 T1 张阿姨")
        assert "目前 1/1 人" in signed and "张阿姨确认后，这条附议才算进列入议程的人数" in signed
        assert await town.chen.receives() == [], "not qualified on an unconfirmed 代办"
        refused = await town.li.says("议程 M202612 T1 20分钟")
        assert "还没有达到附议人数" in refused, refused.text
        await town.zhang.receives()
        undone = await town.zhang.says("撤销")
        assert undone.text == "已撤销 T1 的附议，也告诉了王网格员。", undone.text
        assert await town.chen.receives() == [], "nothing was announced, nothing to correct"

        liu = await town.li.says("代办 附议 T1 刘大爷")
        assert "已替刘大爷附议 T1" in liu, liu.text
        await town.li.receives()
        await town.liu.receives()
        confirmed = await town.liu.says("是我让的")
        assert confirmed.text.startswith("好的，已确认附议 T1 是您本人的意思"), confirmed.text
        [heard] = await town.chen.receives()
        assert "附议已满 1 人" in heard.text, heard.text
        assert "排进 M202612 议程" in await town.li.says("议程 M202612 T1 20分钟")
    finally:
        await bot.stop()


async def test_an_old_card_of_a_co_sign_or_a_vote_acts_on_its_own_only(town: Town) -> None:
    """A 代办 undone is not done again by proxy, and a 代办 vote is changed by the
    resident only: a card's buttons act on the 代办 they were sent for, and the resident's
    own act since is not theirs to undo."""
    await _topic_open_for_cosigning(town)
    await town.wang.says("代办 附议 T1 张阿姨")
    [first] = await town.zhang.receives()
    await town.zhang.taps("撤销", first)
    town.clock.advance(minutes=30)
    assert "已撤销过代办" in await town.wang.says("代办 附议 T1 张阿姨")
    await town.zhang.says("附议 T1")
    old = await town.zhang.taps("确认", first)
    assert "没有找到别人替您代办 T1 的记录" in old, old.text
    assert "附议 1 人" in await town.li.says("附议名单 T1")

    await town.li.says("开启投票 小区是否加装电梯")
    await town.zhang.receives()
    await town.wang.says("代办 投票 P1 赞成 张阿姨")
    [yes] = await town.zhang.receives()
    town.clock.advance(minutes=10)  # she meant 反对: she changes it herself
    assert "不能改票" in await town.wang.says("代办 投票 P1 反对 张阿姨")
    assert "已改票" in await town.zhang.says("投票 P1 反对")
    stale = await town.zhang.taps("撤销", yes)
    assert "已撤销" not in stale, stale.text
    assert "已投 1/" in await town.li.says("投票情况 P1")


async def test_not_my_vote_under_an_assisted_card_offers_to_undo_it(town: Town) -> None:
    """Under "王网格员替您…投了“A.东门”…不是请点“撤销”", “我没让他帮我投” was answered
    “没看懂您的选择。P1 的选项是…”."""
    assert "不是我投的" not in (await town.zhang.says("不是我投的")).text  # nothing to undo
    await town.li.says("开启投票 充电桩装在哪里 单独表决 选项:东门/西门/地库")
    await town.zhang.receives()
    cast = await town.wang.says("代办 投票 P1 A 张阿姨")
    assert "已替张阿姨在 P1 投了“A.东门”（代办）" in cast, cast.text
    [card] = await town.zhang.receives()
    assert card.text.endswith("是您的意思请点“确认”，不是请点“撤销”。")
    await town.wang.receives()

    for said in ("我没让他帮我投", "不是我投的", "这不是我的意思"):
        asked = await town.zhang.says(said)
        assert asked.text.startswith(
            "王网格员替您在表决 P1《充电桩装在哪里》中投了“A.东门”。不是您的意思的话请点“撤销”"
        ), (said, asked.text)
        assert asked.labels == ["确认", "撤销"]
        assert asked.button("撤销") == Answer([card]).button("撤销"), "the card's own 撤销"
    assert "已投 1/" in await town.li.says("投票情况 P1"), "nothing undone unasked"
    undone = await town.zhang.taps("撤销", asked)
    assert undone.text.startswith("已撤销 P1 的这张票，也告诉了王网格员。"), undone.text
    [told] = await town.wang.receives()
    assert "张阿姨撤销了您代办的投票" in told.text
    assert "已投 0/" in await town.li.says("投票情况 P1")

    # Undone, P1 takes no second 代办 for her. Two votes cast for her in other polls wait
    # for her word: an 撤销 for each, nothing undone unasked.
    refused = await town.wang.says("代办 投票 P1 B 张阿姨")
    assert "张阿姨已撤销过代办" in refused, refused.text
    await town.li.says("开启投票 小区是否加装电梯 单独表决")
    await town.li.says("开启投票 快递柜放在哪里 单独表决 选项:东门/西门")
    town.clock.advance(minutes=10)
    await town.wang.says("代办 投票 P2 赞成 张阿姨")
    await town.wang.says("代办 投票 P3 B 张阿姨")
    both = await town.zhang.says("不是我的意思")
    assert both.text.startswith("有几张票是别人替您投的，还等您确认：\n"), both.text
    assert "P2《小区是否加装电梯》：王网格员替您投了“赞成”" in both
    assert "P3《快递柜放在哪里》：王网格员替您投了“B.西门”" in both
    assert both.labels == ["撤销 P2", "撤销 P3"]
    assert "已撤销 P2 的这张票" in await town.zhang.taps("撤销 P2", both)
    assert "已投 0/" in await town.li.says("投票情况 P2")
    assert "已投 1/" in await town.li.says("投票情况 P3")
    [p3_card] = [r for r in await town.zhang.receives() if "“B.西门”" in r.text]
    assert "已确认 P3 的这张票" in await town.zhang.taps("确认", p3_card)
    after = await town.zhang.says("不是我的意思")  # nothing waits for her word now
    assert "王网格员替您" not in after and "撤销" not in after.labels, after.text


async def test_an_old_cards_buttons_leave_a_newer_own_sign_up_alone(town: Town) -> None:
    """Undone, then she signs up herself (no second 代办 after an undo): the first card's
    撤销 (and 确认) are of the first 代办, and undo nothing of hers."""
    await town.li.says("创建议事日")
    await town.wang.says("代办 报名 张阿姨 线上")
    [first] = await town.zhang.receives()
    assert "已撤销 M202612 的报名" in await town.zhang.taps("撤销", first)
    town.clock.advance(hours=2)  # she does want to take part after all
    refused = await town.wang.says("代办 报名 张阿姨 线上")
    assert refused.text == "张阿姨已撤销过代办，请本人报名。", refused.text
    assert "报名成功" in await town.zhang.says("线上报名")
    await town.wang.receives()

    for label in ("撤销", "确认"):
        old = await town.zhang.taps(label, first)
        assert "没有找到别人替您代办 M202612 的记录" in old, old.text
    listed = await town.li.says("报名名单 M202612")
    assert "张阿姨｜线上" in listed and "代办" not in listed, listed.text
    assert await town.wang.receives() == [], "nothing was undone: the assistant hears nothing"


async def test_once_a_resident_undid_a_proxy_nobody_assists_him_there_again(town: Town) -> None:
    """刘大爷 tapped 撤销 on 赵网格员's vote: a second 代办 vote for him counted at once.
    Now, in that poll, that topic and that meeting, he acts himself."""
    await _topic_open_for_cosigning(town)
    await town.li.says("创建议事日")
    await town.li.says("开启投票 小区是否加装电梯 单独表决")
    for command in ("代办 投票 P1 反对 刘大爷", "代办 附议 T1 刘大爷", "代办 报名 M202612 刘大爷"):
        await town.zhao.says(command)
        asked = (await town.liu.receives())[-1]
        assert "撤销" in [b.label for b in asked.buttons], asked.text
        assert "已撤销" in await town.liu.taps("撤销", asked)

    again = await town.zhao.says("代办 投票 P1 赞成 刘大爷")
    assert again.text == "刘大爷已撤销过代办，请本人投票。", again.text
    assert "已投 0/" in await town.li.says("投票情况 P1")
    cosign = await town.zhao.says("代办 附议 T1 刘大爷")
    assert cosign.text == "刘大爷已撤销过代办，请本人附议。", cosign.text
    signup = await town.li.says("代办 报名 M202612 刘大爷")  # a moderator neither
    assert signup.text == "刘大爷已撤销过代办，请本人报名。", signup.text
    assert await town.liu.receives() == [], "nobody asked him again"
    assert "已记录" in await town.liu.says("投票 P1 赞成"), "he votes himself"


async def test_a_proxy_cannot_change_a_vote_and_the_result_says_who_confirmed(town: Town) -> None:
    """王网格员 flipped 周奶奶's 代办 vote (she has no chat), and the result said every 代办
    vote had been put to its resident."""
    name = await _neighbour_without_a_chat(town)
    await town.li.says("开启投票 小区是否加装电梯 单独表决")
    assert "已替" in await town.wang.says(f"代办 投票 P1 赞成 {name}")
    flipped = await town.wang.says(f"代办 投票 P1 反对 {name}")
    assert flipped.text == ("周奶奶在 P1 的票是代办投的，代办人不能改票；要改请周奶奶本人来投。"), (
        flipped.text
    )
    await town.wang.says("代办 投票 P1 赞成 张阿姨")
    [asked] = [r for r in await town.zhang.receives() if r.buttons and "替您" in r.text]
    await town.zhang.taps("确认", asked)
    await town.zhao.says("代办 投票 P1 反对 刘大爷")  # asked, not answered

    closed = await town.li.says("结束投票 P1")
    assert "赞成：2 票" in closed and "反对：1 票" in closed, closed.text
    assert (
        "其中代办 3 人，1 人本人已确认，1 人已请本人确认、尚未回复，1 人无法联系本人确认" in closed
    ), closed.text
    assert "已请本人确认）" not in closed
    results = await town.li.says("投票结果 P1")  # read back from the stored result
    assert "1 人无法联系本人确认" in results, results.text


async def test_undo_after_confirm_changes_nothing(town: Town) -> None:
    """张阿姨 confirmed 王网格员's co-sign; the same card's 撤销 then withdrew it and told
    him it was not her wish. Now it points to 取消附议 and changes nothing."""
    await _topic_open_for_cosigning(town)
    await town.wang.receives()
    await town.wang.says("代办 附议 T1 张阿姨")
    [asked] = await town.zhang.receives()
    assert "已确认" in await town.zhang.taps("确认", asked)
    undone = await town.zhang.taps("撤销", asked)
    assert undone.text == "您已确认过；想取消附议请发“取消附议 T1”。", undone.text
    assert await town.wang.receives() == [], "the grid worker is told nothing"
    assert "附议 1 人" in await town.li.says("附议名单 T1")

    await town.li.says("开启投票 小区是否加装电梯 单独表决")
    await town.wang.says("代办 投票 P1 赞成 张阿姨")
    [card] = [r for r in await town.zhang.receives() if r.buttons and "替您" in r.text]
    await town.zhang.taps("确认", card)
    kept = await town.zhang.taps("撤销", card)
    assert "您已确认过" in kept and "投票 P1" in kept, kept.text
    assert "已投 1/" in await town.li.says("投票情况 P1")
