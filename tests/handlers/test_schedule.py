"""接下来的通知 / 取消通知 / 立即发送, as a moderator types them in the web chat."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from bot.app import Yishi
from storage.scheduler import ScheduledSendRepository
from tests.bot.scheduler_support import START, MeetingsStandIn, group_texts
from tests.conftest import Clock
from tests.kit import Town, say


async def _bot(yishi: Yishi, clock: Clock) -> tuple[Yishi, MeetingsStandIn]:
    source = MeetingsStandIn({"M202612": START})
    bot = Yishi(yishi.settings, clock=clock, timed_sources=[source])
    clock.now = START - timedelta(days=8)
    return bot, source


def _numbers(listing: str) -> dict[str, str]:
    """``4926｜11月28日 09:30  议事会提前7天公告 M202612`` → {what: number}."""
    found = re.findall(r"^(\d{4})｜\S+ \S+  (.+)$", listing, re.MULTILINE)
    return {what: number for number, what in found}


async def test_moderator_lists_cancels_and_sends_now(yishi: Yishi, clock: Clock) -> None:
    bot, source = await _bot(yishi, clock)
    try:
        [listing] = await say(bot, "接下来的通知", sender="li")
        lines = listing.text.splitlines()
        assert lines[0] == "接下来的通知（前面是编号，不会变）："
        assert [line.split("｜", 1)[1] for line in lines[1:4]] == [
            "11月28日 09:30  议事会提前7天公告 M202612",
            "12月4日 09:30  议事会提前1天公告 M202612",
            "12月5日 07:30  议事会提前2小时公告 M202612",
        ]
        number = _numbers(listing.text)
        week, day, hours = (number[f"议事会提前{a}公告 M202612"] for a in ("7天", "1天", "2小时"))
        [cancelled] = await say(bot, f"取消通知 {day}", sender="li")
        assert cancelled.text == (
            "已取消：议事会提前1天公告 M202612（原定12月4日 09:30），到时不会发了。"
        )
        [sent] = await say(bot, f"立即发送 {week}", sender="li")
        assert sent.text == (
            "已提前发出：议事会提前7天公告 M202612。它原定11月28日 09:30发，到时不会再发了。"
        )
        assert await group_texts(bot.uow) == ["M202612 议事会通知（提前7d）"]
        [again] = await say(bot, "取消通知 meeting.announce:M202612:7d", sender="li")
        assert again.text.startswith("这条通知已经发出了：议事会提前7天公告 M202612（11月27日"), (
            again.text
        )

        await bot.scheduler.tick()
        for days in (7, 1):  # neither the sent nor the cancelled one goes out again
            clock.now = START - timedelta(days=days)
            await bot.scheduler.tick()
        assert source.fired == [("meeting.announce:M202612:7d", False)]
        async with bot.uow() as uow:
            record = await uow.get(ScheduledSendRepository).get("meeting.announce:M202612:1d")
            audit = await uow.audit.for_entity("scheduled_event", "meeting.announce:M202612:1d")
        assert record is not None and record.status == "cancelled"
        assert [a.action for a in audit] == ["schedule_cancelled"] and audit[0].actor.startswith(
            "resident:"
        )
        [listing] = await say(bot, "/notices", sender="li")
        assert (
            listing.text.splitlines()[1] == f"{hours}｜12月5日 07:30  议事会提前2小时公告 M202612"
        )
    finally:
        await bot.stop()


async def test_something_else_inside_the_list_leaves_it(yishi: Yishi, clock: Clock) -> None:
    bot, _ = await _bot(yishi, clock)
    try:
        await say(bot, "接下来的通知", sender="li")
        # Answered as itself (not "已退出通知管理。有别的事请再发一次。"), the list left.
        [left] = await say(bot, "好的", sender="li")
        assert left.text == "好的。有事随时找我。"
        async with bot.uow() as uow:
            assert await uow.conversations.get("web", "li", "li", bot.clock()) is None
    finally:
        await bot.stop()


async def test_keys_work_and_bad_references_get_a_clear_answer(yishi: Yishi, clock: Clock) -> None:
    bot, _ = await _bot(yishi, clock)
    try:
        [reply] = await say(bot, "/cancel_notice meeting.announce:M202612:2h", sender="li")
        assert reply.text.startswith("已取消：议事会提前2小时公告 M202612")
        [reply] = await say(bot, "/send_now 99", sender="li")
        assert "没找到编号“99”" in reply.text
        [reply] = await say(bot, "取消通知", sender="li")
        assert "请这样发：取消通知 编号" in reply.text
    finally:
        await bot.stop()


async def test_residents_and_grid_workers_may_not_touch_the_schedule(
    yishi: Yishi, clock: Clock
) -> None:
    bot, _ = await _bot(yishi, clock)
    try:
        for who in ("zhang", "wang"):
            [reply] = await say(bot, "接下来的通知", sender=who)
            assert "社区工作者" in reply.text and "M202612" not in reply.text
    finally:
        await bot.stop()


async def test_nothing_scheduled_says_so(yishi: Yishi, clock: Clock) -> None:
    bot = Yishi(yishi.settings, clock=clock, timed_sources=[])  # no daily digest either
    try:
        [reply] = await say(bot, "接下来的通知", sender="li")
        assert reply.text == "接下来14天没有安排的通知。"
    finally:
        await bot.stop()


async def test_a_number_names_one_notice_for_good(yishi: Yishi, clock: Clock) -> None:
    """取消通知 sent twice cancels one notice and says so the second time (the numbers
    were places in the list: the second cancelled the next notice down)."""
    bot, source = await _bot(yishi, clock)
    try:
        [listing] = await say(bot, "接下来的通知", sender="li")
        number = _numbers(listing.text)
        day, hours = number["议事会提前1天公告 M202612"], number["议事会提前2小时公告 M202612"]
        [cancelled] = await say(bot, f"取消通知{day}", sender="li")  # no space
        assert cancelled.text.startswith("已取消：议事会提前1天公告 M202612"), cancelled.text
        [twice] = await say(bot, f"取消通知 {day}", sender="li")
        assert twice.text == (
            "这条通知已经取消过了：议事会提前1天公告 M202612（原定12月4日 09:30），不用再操作。"
        )
        [sent] = await say(bot, f"/send_now@yishi_bot {hours}", sender="li")
        assert sent.text.startswith("已提前发出：议事会提前2小时公告 M202612"), sent.text
        assert source.fired == [("meeting.announce:M202612:2h", False)]
        [listing] = await say(bot, "接下来的通知", sender="li")
        assert _numbers(listing.text) == {
            "议事会提前7天公告 M202612": number["议事会提前7天公告 M202612"]
        }
        [reply] = await say(bot, "取消通知 1", sender="li")  # a place in the list is no number
        assert reply.text == "没找到编号“1”的通知。发“接下来的通知”看看最新安排和编号。"
        [reply] = await say(bot, f"取消通知 {day}", sender="zhang")
        assert "社区工作者" in reply.text  # residents still may not
    finally:
        await bot.stop()


async def test_the_nightly_purge_is_no_notice_and_a_reminder_sent_early_says_so(
    town: Town,
) -> None:
    """On the demo community: the list names each notice as people say it, leaves the
    nightly purge out (nobody is told of it, nobody may cancel it), and the meeting's
    2-hours-ahead announcement sent now is said not to go out on the day."""
    await town.li.says("创建议事日")
    await town.scheduler_runs()  # the scheduler leads from now on
    town.clock.advance(days=6)
    listing = await town.li.says("接下来的通知")
    assert "夜间清理" not in listing and "（7d）" not in listing, listing.text
    assert "（20261205）" not in listing and "2026-11-28" not in listing, listing.text
    named = _numbers(listing.text)
    assert "议事会参会提醒 M202612（12月5日开会，发给已报名的人）" in named, listing.text
    assert "2026年11月工作月报" in named and "网格员每日待办" in named, listing.text
    purge = await town.li.says("取消通知 housekeeping.purge:2026-12-04")
    assert purge.text.startswith("没找到"), purge.text

    await town.group.new()
    sent = await town.li.says(f"立即发送 {named['议事会提前2小时公告 M202612']}")
    assert sent.text == (
        "已提前发出：议事会提前2小时公告 M202612。它原定12月5日 07:30发，到时不会再发了。"
    )
    [announced] = await town.group.new()
    assert announced.text.startswith("【协商议事日通知】M202612"), announced.text
    fired = await town.at(datetime(2026, 12, 4, 19, 31, tzinfo=UTC))  # 12月5日 03:31
    assert "housekeeping.purge:2026-12-05" in fired  # the purge itself still runs
    await town.group.new()  # the day-before announcement, sent late by the jump
    fired = await town.at(datetime(2026, 12, 4, 23, 31, tzinfo=UTC))  # 07:31, 2 hours ahead
    assert "meeting.announce:M202612:20261205:2h" not in fired, fired
    assert await town.group.new() == []


async def test_two_notices_under_one_number_are_told_apart_by_key(
    yishi: Yishi, clock: Clock
) -> None:
    """Numbers are four digits from the keys: two can meet (these two do, 5185). Such a
    number is not guessed at; both are shown with the keys that name each alone."""
    source = MeetingsStandIn({"M202623": START, "M202800": START}, offsets=("7d",))
    bot = Yishi(yishi.settings, clock=clock, timed_sources=[source])
    clock.now = START - timedelta(days=8)
    try:
        [both] = await say(bot, "取消通知 5185", sender="li")
        assert both.text.splitlines()[:3] == [
            "编号5185对应了不止一条通知：",
            "11月28日 09:30  议事会提前7天公告 M202623：meeting.announce:M202623:7d",
            "11月28日 09:30  议事会提前7天公告 M202800：meeting.announce:M202800:7d",
        ], both.text
        [one] = await say(bot, "取消通知 meeting.announce:M202800:7d", sender="li")
        assert one.text.startswith("已取消：议事会提前7天公告 M202800"), one.text
        [left] = await say(bot, "立即发送 5185", sender="li")  # now only one has it
        assert left.text.startswith("已提前发出：议事会提前7天公告 M202623"), left.text
    finally:
        await bot.stop()
