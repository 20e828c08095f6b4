"""接下来的通知 / 取消通知 / 立即发送, as a moderator types them in the web chat."""

from __future__ import annotations

from datetime import timedelta

from bot.app import Yishi
from storage.scheduler import ScheduledSendRepository
from tests.bot.scheduler_support import START, MeetingsStandIn, group_texts
from tests.conftest import Clock
from tests.kit import say


async def _bot(yishi: Yishi, clock: Clock) -> tuple[Yishi, MeetingsStandIn]:
    source = MeetingsStandIn({"M202612": START})
    bot = Yishi(yishi.settings, clock=clock, timed_sources=[source])
    clock.now = START - timedelta(days=8)
    return bot, source


async def test_moderator_lists_cancels_and_sends_now(yishi: Yishi, clock: Clock) -> None:
    bot, source = await _bot(yishi, clock)
    try:
        [listing] = await say(bot, "接下来的通知", sender="li")
        assert listing.text.splitlines()[:4] == [
            "接下来的通知：",
            "1. 11月28日 09:30  议事会通知 M202612（7d）",
            "2. 12月4日 09:30  议事会通知 M202612（1d）",
            "3. 12月5日 07:30  议事会通知 M202612（2h）",
        ]
        [cancelled] = await say(bot, "取消通知 2", sender="li")
        assert cancelled.text == "已取消：议事会通知 M202612（1d）（原定12月4日 09:30）。"
        [sent] = await say(bot, "立即发送 1", sender="li")
        assert sent.text == "已发出：议事会通知 M202612（7d）（原定11月28日 09:30）。"
        assert await group_texts(bot.uow) == ["M202612 议事会通知（提前7d）"]
        # Numbers follow the current list; a key names one event for good.
        [again] = await say(bot, "取消通知 meeting.announce:M202612:7d", sender="li")
        assert "没找到" in again.text

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
        assert listing.text.splitlines()[1] == "1. 12月5日 07:30  议事会通知 M202612（2h）"
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
        assert reply.text.startswith("已取消：议事会通知 M202612（2h）")
        [reply] = await say(bot, "/send_now 99", sender="li")
        assert "没找到“99”" in reply.text
        [reply] = await say(bot, "取消通知", sender="li")
        assert "请这样发：取消通知 2" in reply.text
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


async def test_numbers_typed_cold_refer_to_the_current_list(yishi: Yishi, clock: Clock) -> None:
    bot, source = await _bot(yishi, clock)
    try:
        # Without listing first, and without a space: number 2 is the 1d announcement.
        [cancelled] = await say(bot, "取消通知2", sender="li")
        assert cancelled.text == "已取消：议事会通知 M202612（1d）（原定12月4日 09:30）。"
        # The list is now 7d, 2h: number 2 is the 2h one, cold again.
        [sent] = await say(bot, "立即发送 2", sender="li")
        assert sent.text == "已发出：议事会通知 M202612（2h）（原定12月5日 07:30）。"
        assert source.fired == [("meeting.announce:M202612:2h", False)]
        [listing] = await say(bot, "接下来的通知", sender="li")
        assert listing.text.splitlines()[1:2] == ["1. 11月28日 09:30  议事会通知 M202612（7d）"]
        # A listing shown earlier does not pin the numbers: the 7d one went out meanwhile.
        clock.now = START - timedelta(days=7)
        await bot.scheduler.tick()
        [reply] = await say(bot, "/send_now@yishi_bot 1", sender="li")
        assert "没找到“1”" in reply.text
        [reply] = await say(bot, "取消通知 1", sender="zhang")
        assert "社区工作者" in reply.text  # residents still may not
    finally:
        await bot.stop()
