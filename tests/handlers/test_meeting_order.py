"""Meetings follow their real order: minutes once the meeting has begun, an agenda only
ahead of it and one agenda per topic, sign-up that asks before switching, 取消报名 that
asks which (issue 18). Each reads as a conversation on the demo community."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from aiohttp.test_utils import TestClient, TestServer

from bot.app import Yishi, build_web_app
from bot.demo import seed_demo
from kernel.intents import KeywordClassifier
from storage.polls import PollRepository
from tests.conftest import Clock, make_settings
from tests.kit import Town


async def test_minutes_wait_for_the_meeting_to_begin(town: Town) -> None:
    await town.li.says("创建议事日")
    early = await town.li.says("发布纪要 M202612")
    assert "还没开始" in early and "纪要" in early
    town.clock.now = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)  # 10:00 on the day
    published = await town.li.says("发布纪要 M202612")
    assert "已发布" in published or "/public/meetings/M202612" in published, published.text


async def _on_the_agenda(town: Town) -> None:
    """张阿姨's T1, accepted and co-signed, is item 1 of M202612's agenda."""
    await town.li.says("创建议事日")
    await town.zhang.says("我想提个议题：3号楼停车位太少，建议把东侧空地改成停车位")
    await town.zhang.says("确认提交")
    await town.li.says("审核 T1 通过")
    await town.liu.says("附议 T1")
    first = await town.li.says("议程 M202612 T1 30分钟")
    assert "第 1 项" in first, first.text


async def test_a_topic_sits_on_one_agenda_and_none_after_the_meeting(one_cosign: Town) -> None:
    town = one_cosign
    await _on_the_agenda(town)
    await town.li.says("创建议事日 2027-01")
    second = await town.li.says("议程 M202701 T1 30分钟")
    assert "已经列入 M202612 的议程" in second, second.text
    town.clock.now = datetime(2026, 12, 6, 2, 0, tzinfo=UTC)  # the day after
    late = await town.li.says("议程 M202612 T1 20分钟")
    assert "已经结束" in late, late.text


async def test_notes_wait_for_the_meeting_day_as_sign_in_does(one_cosign: Town) -> None:
    """记录 two days ahead was taken while 签到 and 发布纪要 were refused: now all three
    wait for the meeting; on the day the notes are kept."""
    town = one_cosign
    await _on_the_agenda(town)
    town.clock.now = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)  # two days before
    assert "不在今天" in await town.li.says("签到 M202612 刘大爷")
    assert "还没开始" in await town.li.says("发布纪要 M202612")
    early = await town.li.says("记录 M202612 T1 大家同意东侧空地改建")
    assert "还没开始" in early and "已记录" not in early, early.text
    town.clock.now = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)  # 10:00 on the day
    noted = await town.li.says("记录 M202612 T1 大家同意东侧空地改建")
    assert "已记录 T1" in noted, noted.text


async def test_a_second_sign_up_asks_before_switching(town: Town) -> None:
    await town.li.says("创建议事日")
    onsite = await town.liu.says("报名")
    assert "报名成功" in onsite, onsite.text
    asked = await town.liu.says("线上报名")
    assert "已经报名现场参加" in asked and "改成线上" in asked, asked.text
    switched = await town.liu.taps("改为线上", asked)
    assert "已改为线上参加 M202612" in switched, switched.text


async def test_cancelling_with_two_sign_ups_asks_which(town: Town) -> None:
    await town.li.says("创建议事日")
    await town.li.says("创建议事日 2027-01")
    await town.liu.says("报名 M202612")
    await town.liu.says("报名 M202701")
    which = await town.liu.says("取消报名")
    assert "M202612" in which and "M202701" in which and "哪一次" in which, which.text
    assert which.labels == ["取消 M202612", "取消 M202701"]
    done = await town.liu.taps("取消 M202701", which)
    assert "已取消 M202701 的报名" in done, done.text
    still = await town.liu.says("取消报名")
    assert "已取消 M202612 的报名" in still, still.text


async def test_next_month_finds_next_months_meeting_with_its_year(town: Town) -> None:
    town.clock.now = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    await town.li.says("创建议事日")
    await town.li.says("创建议事日 2027-01")
    ahead = await town.liu.says("下次议事日是哪天")
    assert "M202612" in ahead and "2026年" not in ahead, ahead.text
    nxt = await town.liu.says("下个月议事日是哪天")
    assert "M202701" in nxt and "2027年1月" in nxt and len(nxt.labels) == 2, nxt.text


async def test_a_meeting_that_is_over_offers_no_sign_up(town: Town) -> None:
    await town.li.says("创建议事日")
    town.clock.now = datetime(2026, 12, 6, 2, 0, tzinfo=UTC)  # the day after
    info = await town.liu.says("议事日 M202612")
    assert "报名已截止" in info and info.labels == [], info.text


async def test_a_move_across_months_says_what_goes_to_how_many_and_waits(town: Town) -> None:
    """改期 M202701 下周六 used to move January's meeting into December and tell everyone
    at once: now the moderator reads the new date in full, the month it lands in, the
    meeting already there and how many will be told, and confirms."""
    town.clock.now = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    await town.li.says("创建议事日")
    await town.li.says("创建议事日 2027-01")
    await town.liu.says("报名 M202701")
    await town.scheduler_runs()
    await town.group.new()
    preview = await town.li.says("改期 M202701 下周六上午9点半")
    assert "12月12日 09:30" in preview and "2027年1月2日" in preview, preview.text
    assert "会改到2026年12月开" in preview and "已经有议事日 M202612" in preview, preview.text
    assert "1 个居民群和已报名的 1 位居民" in preview, preview.text
    assert preview.labels == ["确认改期"]
    await town.scheduler_runs()
    assert await town.group.new() == [] and await town.liu.receives() == []
    stranger = await town.liu.taps("确认改期", preview)
    assert "已将" not in stranger, stranger.text
    info = await town.liu.says("议事日 M202701")
    assert "2027年1月2日" in info, "nothing moved before the moderator confirmed"

    moved = await town.li.taps("确认改期", preview)
    assert "已将 M202701 改到 12月12日 09:30" in moved, moved.text
    again = await town.li.taps("确认改期", preview)
    assert "已经改好了" in again, again.text
    await town.scheduler_runs()
    [notice] = await town.group.new()
    assert notice.text.startswith("【协商议事日改期】M202701"), notice.text
    assert [r.text for r in await town.liu.receives()] == [notice.text]


async def test_cancelling_a_meeting_waits_for_the_confirmation(town: Town) -> None:
    await town.li.says("创建议事日")
    await town.liu.says("报名")
    preview = await town.li.says("取消议事日 M202612 原因：台风预警")
    assert "原因：台风预警。" in preview and "已报名的 1 位居民" in preview, preview.text
    assert "报名成功" in await town.zhang.says("报名"), "still open until confirmed"
    asked = await town.li.taps("确认取消", preview)
    assert "情况有变" in asked and "已报名的 2 位居民" in asked, asked.text
    done = await town.li.taps("确认取消", asked)
    assert "已取消 M202612" in done and "2 位居民" in done, done.text
    again = await town.li.taps("确认取消", preview)
    assert "已经取消了" in again, again.text


async def test_a_lowered_threshold_qualifies_topics_that_reach_it(
    sqlite_url: str, clock: Clock
) -> None:
    """T1 at 2 co-signatures stayed off every agenda when 10 became 2: after the restart
    that reads the new configuration it qualifies, once, as if the last 附议 had come."""
    strict = Yishi(make_settings(sqlite_url), classifier=KeywordClassifier(), clock=clock)
    await seed_demo(strict.uow, clock())
    town = Town(strict, clock)
    await town.li.says("创建议事日")
    await town.zhang.says("我想提个议题：3号楼停车位太少，建议把东侧空地改成停车位")
    await town.zhang.says("确认提交")
    await town.li.says("审核 T1 通过")
    for person in (town.liu, town.chen):
        assert "已附议 T1" in await person.says("附议 T1")
    refused = await town.li.says("议程 M202612 T1 30分钟")
    assert "第 1 项" not in refused, refused.text
    await strict.stop()

    lowered = make_settings(sqlite_url, consultation={"cosign_threshold": 2})
    bot = Yishi(lowered, classifier=KeywordClassifier(), clock=clock)
    town = Town(bot, clock)
    try:
        await town.zhang.receives(), await town.li.receives()
        await town.scheduler_runs()  # the leader's first rebuild reads the new threshold
        [told] = await town.li.receives()
        assert "T1" in told.text and "可以安排进 M202612 的议程" in told.text, told.text
        assert any("将列入下一次协商议事日议程" in r.text for r in await town.zhang.receives())
        await town.later(minutes=5)
        await bot.scheduler.rebuild()
        assert await town.li.receives() == [], "once"
        placed = await town.li.says("议程 M202612 T1 30分钟")
        assert "第 1 项" in placed, placed.text
        async with bot.uow() as uow:
            [entry] = [
                a
                for a in await uow.audit.for_entity("topic", "T1")
                if a.action == "topic_qualified"
            ]
        assert entry.actor == "scheduler" and entry.after and entry.after["threshold"] == 2
    finally:
        await bot.stop()


async def test_a_confirmation_made_on_an_older_preview_is_asked_again(town: Town) -> None:
    """确认取消 tapped after the meeting moved, or 确认改期 after more people signed up,
    would tell what the moderator never saw: the preview comes again with today's figures."""
    await town.li.says("创建议事日")
    cancel = await town.li.says("取消议事日 M202612 台风")
    move = await town.li.says("改期 M202612 12月12日 09:30")
    await town.li.taps("确认改期", move)
    stale = await town.li.taps("确认取消", cancel)
    assert "情况有变" in stale and "12月12日 09:30" in stale, stale.text
    info = await town.liu.says("议事日 M202612")
    assert "已取消" not in info and "报名已截止" not in info, "still on: it was not cancelled"

    again = await town.li.says("改期 M202612 12月19日 09:30")
    await town.liu.says("报名 M202612")
    asked = await town.li.taps("确认改期", again)
    assert "情况有变" in asked and "已报名的 1 位居民" in asked, asked.text
    moved = await town.li.taps("确认改期", asked)
    assert "已将 M202612 改到 12月19日 09:30" in moved, moved.text
    stale_again = await town.li.taps("确认取消", stale)
    assert "情况有变" in stale_again and "12月19日" in stale_again, stale_again.text
    done = await town.li.taps("确认取消", stale_again)
    assert "已取消 M202612" in done, done.text


async def test_a_cancelled_meetings_public_page_says_so_first(town: Town) -> None:
    """A resident opening the meeting's 居务公开 link must not turn up on the day."""
    await town.li.says("创建议事日")
    preview = await town.li.says("取消议事日 M202612 台风预警")
    await town.li.taps("确认取消", preview)
    async with TestClient(TestServer(build_web_app(town.bot))) as web:
        page = await (await web.get("/public/meetings/M202612")).text()
    head = page[: page.index("时间：")]
    assert "本次议事日已取消" in head and "原因：台风预警" in head, page
    assert "会议纪要尚未发布" not in page


async def test_this_months_meeting_cancelled_is_said_before_the_next_one(town: Town) -> None:
    """这个月议事日是哪天 after December's meeting was cancelled answered with January's
    as if December's had never been: now it says December's was cancelled, and why."""
    town.clock.now = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    await town.li.says("创建议事日")
    preview = await town.li.says("取消议事日 M202612 台风")
    await town.li.taps("确认取消", preview)
    alone = await town.liu.says("这个月议事日是哪天")
    assert alone.text.startswith(
        "12月的议事日 M202612 已取消（原因：台风）。下一次协商议事日还没排定"
    ), alone.text

    await town.li.says("创建议事日 2027-01")
    asked = await town.liu.says("这个月议事日是哪天")
    first, rest = asked.text.split("\n", 1)
    assert first == "12月的议事日 M202612 已取消（原因：台风），下一次是 2027年1月2日 09:30：", (
        first
    )
    assert rest.startswith("【协商议事日 M202701】"), rest
    assert asked.labels == ["报名（现场）", "线上参加"]
    town.clock.now = datetime(2027, 1, 1, 2, 0, tzinfo=UTC)  # a new month: nothing skipped
    later = await town.liu.says("这个月议事日是哪天")
    assert later.text.startswith("【协商议事日 M202701】"), later.text


async def test_a_move_onto_another_meetings_time_and_place_is_warned_of(town: Town) -> None:
    """改期 M202701 下周六上午9点半 landed exactly on M202612's time and place with no word
    of it: the preview now says so first."""
    town.clock.now = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    await town.li.says("创建议事日")
    await town.li.says("创建议事日 2027-01")
    await town.li.taps("确认改期", await town.li.says("改期 M202612 12月12日 09:30"))

    preview = await town.li.says("改期 M202701 下周六上午9点半")
    first = preview.text.split("\n", 1)[0]
    assert first == (
        "⚠️ 注意：M202612 也定在 12月12日 09:30、社区党群服务中心议事厅，时间和地点完全重合。"
        "请换个时间或地点，或者先调整 M202612。"
    ), preview.text
    assert "已经有议事日 M202612" not in preview, "said once"
    assert preview.labels == ["确认改期"]

    elsewhere = await town.li.says("改期 M202701 下周六上午9点半 地点：社区活动室")
    assert elsewhere.text.startswith("⚠️ 注意：M202612 也定在 12月12日 09:30（地点不同）")
    apart = await town.li.says("改期 M202701 下周六下午3点")
    assert "⚠️" not in apart and "已经有议事日 M202612" in apart, apart.text


async def test_the_moderator_is_told_which_meeting_a_qualified_topic_can_join(
    one_cosign: Town,
) -> None:
    """The push said “议程 M编号 T1 20分钟”: it names the next meeting, with a button."""
    town = one_cosign
    for ref, text in (
        ("T1", "3号楼停车位太少，建议把东侧空地改成停车位"),
        ("T2", "小区需要加装充电桩"),
    ):
        await town.zhang.says(f"我想提个议题：{text}")
        await town.zhang.says("确认提交")
        await town.li.says(f"审核 {ref} 通过")
    await town.li.receives()

    await town.liu.says("附议 T1")  # no meeting yet
    [told] = await town.li.receives()
    assert told.text.endswith(
        "可以安排进议程了。下一次议事日还没创建：先发“创建议事日”，"
        "再按回复里的编号发“议程 M编号 T1 20分钟”。"
    ), told.text

    await town.li.says("创建议事日")
    await town.liu.says("附议 T2")
    [told] = await town.li.receives()
    assert told.text.endswith("可以安排进 M202612 的议程：议程 M202612 T2 20分钟"), told.text
    assert told.buttons[0].label == "排进 M202612 议程"
    placed = await town.li.taps("排进 M202612 议程", told)
    assert "排进 M202612 议程第 1 项" in placed, placed.text


async def test_the_cancellation_notice_reads_naturally(town: Town) -> None:
    """It read “原定12月5日 09:30在…召开的M202612协商议事日取消”: cramped, and no 已."""
    await town.li.says("创建议事日")
    await town.liu.says("报名")
    await town.scheduler_runs()
    await town.group.new()
    await town.liu.receives()
    preview = await town.li.says("取消议事日 M202612 台风")
    await town.li.taps("确认取消", preview)
    await town.scheduler_runs()
    [notice] = await town.group.new()
    assert notice.text == (
        "【协商议事日取消】原定 12月5日 09:30 在社区党群服务中心议事厅"
        "召开的协商议事日 M202612 已取消。\n"
        "原因：台风\n"
        "已报名的居民不用再来了，下次议事日另行通知。给大家带来不便，请谅解。"
    ), notice.text
    assert [r.text for r in await town.liu.receives()] == [notice.text]


async def test_a_day_or_time_that_does_not_exist_is_refused_by_name(town: Town) -> None:
    """改期 to 12月32日 was “时间和地点都没有变化” (the day unread, the old one kept), and to
    12月12日 25:00 a preview at 09:30: each is now refused, saying what is wrong."""
    await town.li.says("创建议事日")
    for words, said in (
        ("12月32日 09:30", "12月32日不是有效的日期（12月只有31天）"),
        ("明年2月30日 09:30", "明年2月30日不是有效的日期（2027年2月只有28天）"),
        ("12月12日 25:00", "“25:00”不是有效的时间"),
    ):
        refused = await town.li.says(f"改期 M202612 {words}")
        assert refused.text.startswith(said), refused.text
        assert refused.labels == [], "nothing to confirm"
    preview = await town.li.says("改期 M202612 12/12 9:30")
    assert "要把 M202612 从 12月5日 09:30 改到 12月12日 09:30" in preview, preview.text
    assert preview.labels == ["确认改期"]


async def test_a_new_place_alone_reads_as_a_new_place(town: Town) -> None:
    await town.li.says("创建议事日")
    await town.liu.says("报名")
    await town.scheduler_runs()
    preview = await town.li.says("改期 M202612 地点：3号楼活动室")
    assert preview.text.startswith(
        "要把 M202612 的地点改为 3号楼活动室（时间不变：12月5日 09:30）。"
    ), preview.text
    done = await town.li.taps("确认改期", preview)
    assert done.text.startswith(
        "已将 M202612 的地点改为 3号楼活动室（时间不变：12月5日 09:30）。"
    ), done.text
    await town.scheduler_runs()
    [notice] = await town.group.new()
    assert notice.text.startswith(
        "【协商议事日换地点】M202612\n时间不变：12月5日 09:30\n地点改为：3号楼活动室（原定"
    ), notice.text


async def test_those_invited_hear_of_a_move_and_a_cancellation_once_each(town: Town) -> None:
    """邀请 tells the 7+X privately; a move or a cancellation went only to the groups and
    those signed up, so an invited member who had not signed up heard nothing. Now they
    are told too, once even when also signed up; those signed up get no 报名 buttons."""
    await town.li.says("创建议事日")
    invited = await town.li.says("邀请 M202612")
    assert "委员 1 人" in invited, invited.text  # 陈委员
    await town.liu.says("报名")
    [invitation] = await town.chen.receives()
    assert invitation.text.startswith("【邀请】陈委员您好"), invitation.text
    await town.scheduler_runs()

    preview = await town.li.says("改期 M202612 12月12日 09:30")
    assert "已报名的 1 位居民，还有受邀参加的 1 位。" in preview, preview.text
    await town.li.taps("确认改期", preview)
    await town.scheduler_runs()
    [moved] = await town.chen.receives()
    assert moved.text.startswith("【协商议事日改期】M202612"), moved.text
    assert [b.label for b in moved.buttons] == ["报名（现场）", "线上参加"]  # not signed up
    [told] = await town.liu.receives()
    assert told.text == moved.text and told.buttons == (), "signed up: no 报名 buttons"

    assert "报名成功" in await town.chen.says("报名")  # invited and now signed up too
    preview = await town.li.says("取消议事日 M202612 台风预警")
    assert "已报名的 2 位居民。" not in preview and "已报名的 2 位居民，" in preview, preview.text
    assert "受邀" not in preview, "陈委员 is counted once, as signed up"
    done = await town.li.taps("确认取消", preview)
    assert "已报名的 2 位居民，原定" in done, done.text
    await town.scheduler_runs()
    [cancelled] = await town.chen.receives()
    assert cancelled.text.startswith("【协商议事日取消】"), cancelled.text
    assert [r.text[:9] for r in await town.liu.receives()] == ["【协商议事日取消】"]


async def test_a_cancelled_meeting_takes_no_vote_and_no_invitation(one_cosign: Town) -> None:
    """After 取消议事日 M202612, 开启投票 T1 M202612 filed a poll under the cancelled day
    and 邀请 M202612 said everyone had been invited: both now say it was cancelled."""
    town = one_cosign
    await _on_the_agenda(town)
    preview = await town.li.says("取消议事日 M202612 台风预警")
    assert "已取消 M202612" in await town.li.taps("确认取消", preview)

    refused = await town.li.says("开启投票 T1 M202612")
    assert refused.text == "M202612 已经取消了；要单独表决请发 开启投票 … 单独表决", refused.text
    bare = await town.li.says("开启投票 T1")  # T1 still sits on the cancelled day's agenda
    assert "M202612 已经取消了" in bare, bare.text
    async with town.bot.uow() as uow:
        assert await uow.get(PollRepository).open_polls() == [], "no poll was filed"
    alone = await town.li.says("开启投票 T1 单独表决")
    assert "P1" in alone, alone.text
    async with town.bot.uow() as uow:
        [poll] = await uow.get(PollRepository).open_polls()
        assert poll.meeting_id is None, "standalone: not filed under the cancelled day"

    invited = await town.li.says("邀请 M202612")
    assert invited.text == "M202612 已经取消了。", invited.text


async def test_meeting_day_words_say_what_is_so(one_cosign: Town) -> None:
    """Under way, 议程 said the meeting was over; 签到 刘大爷 said 您; 报名 promised a
    reminder the day before a meeting already begun."""
    town = one_cosign
    await _on_the_agenda(town)
    town.clock.now = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)  # 10:00, under way
    fixed = await town.li.says("议程 M202612 T1 20分钟")
    assert fixed.text == "M202612 已经开始，议程不能再改；T1 可以排进下一次议事日。", fixed.text

    # 刘大爷 signs himself in with the code shown in the hall (a bare 签到 is no 到会).
    pin = re.search(r"签到码：(\d+)", (await town.li.says("签到码 M202612")).text)
    assert pin and "签到成功" in await town.liu.says(f"签到 {pin[1]}")
    again = await town.li.says("签到 刘大爷")
    assert again.text == "刘大爷已经签过到了。", again.text

    late = await town.zhang.says("报名")
    assert "报名成功" in late and "已经开始了" in late, late.text
    assert "会前一天会提醒您" not in late, late.text

    town.clock.now = datetime(2026, 12, 6, 2, 0, tzinfo=UTC)  # the day after
    assert "已经结束" in await town.li.says("议程 M202612 T1 20分钟")
