"""Meetings on a real database: announcements and reminders as timed events, capacity."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.app import Yishi
from consultation.config import ConsultationRules
from consultation.meetings import MeetingError, MeetingEvents, MeetingService
from storage.meeting_changes import MeetingChangeRepository
from storage.models import Resident
from tests.conftest import Clock
from tests.kit import say

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)


async def test_announcements_fire_once_each_and_say_when_late(yishi: Yishi) -> None:
    rules = ConsultationRules(capacity=1)
    events = MeetingEvents(rules, SH)
    async with yishi.uow() as uow:
        service = MeetingService(uow, rules, SH, NOW)
        meeting = await service.create_next("test")
    assert meeting.code == "M202612"
    async with yishi.uow() as uow:
        found = await events.upcoming(uow, NOW, timedelta(days=30))
    keys = [e.key for e in found]
    assert keys == [
        "meeting.announce:M202612:20261205:7d",
        "meeting.announce:M202612:20261205:1d",
        "meeting.remind:M202612:20261205",
        "meeting.announce:M202612:20261205:2h",
    ]
    assert found[0].due_at == datetime(2026, 11, 28, 1, 30, tzinfo=UTC)
    assert all(e.stale_at == meeting.starts_at for e in found)
    async with yishi.uow() as uow:
        await events.fire(uow, found[0], found[0].due_at + timedelta(hours=3), late=True)
        await events.fire(uow, found[0], found[0].due_at + timedelta(hours=4), late=True)
    async with yishi.uow() as uow:
        pushes = await uow.pushes.for_chat("web", "group:main")
    assert len(pushes) == 1 and "系统恢复后补发" in pushes[0].payload["text"]
    # Each push says what it is about, for platforms whose consent is per kind of notice.
    assert pushes[0].payload["about"] == "meeting"


async def test_capacity_signup_switch_and_withdraw(yishi: Yishi) -> None:
    rules = ConsultationRules(capacity=1)
    async with yishi.uow() as uow:
        service = MeetingService(uow, rules, SH, NOW)
        await service.create_next("test")
        people = [r for r in await _residents(uow) if r.verified][:2]
        _, first = await service.sign_up(people[0], "onsite", None, "a")
        with pytest.raises(MeetingError) as full:
            await service.sign_up(people[1], "onsite", None, "b")
        _, online = await service.sign_up(people[1], "online", None, "b")
        await service.withdraw(people[0], None, "a")
        _, asked = await service.sign_up(people[1], "onsite", None, "b")
        _, switched = await service.sign_up(people[1], "onsite", None, "b", switch=True)
        with pytest.raises(MeetingError) as twice:
            await service.create_next("test")
    assert (first, full.value.code, online) == ("new", "full", "new")
    assert (asked, switched) == ("ask_switch", "switched")
    assert twice.value.code == "exists"


async def _residents(uow: object) -> list[Resident]:
    from storage.people import PeopleRepository

    return list(await uow.get(PeopleRepository).verified())  # type: ignore[attr-defined]


# ---- moving and cancelling, through the moderator's commands and the wired scheduler


async def _group(bot: Yishi) -> list[str]:
    async with bot.uow() as uow:
        return [str(p.payload["text"]) for p in await uow.pushes.for_chat("web", "group:main")]


async def _private(bot: Yishi, user: str) -> list[str]:
    async with bot.uow() as uow:
        return [str(p.payload["text"]) for p in await uow.pushes.for_chat("web", user, 200)]


async def _at(bot: Yishi, clock: Clock, when: datetime) -> list[str]:
    """Move the clock, let the scheduler fire; the meeting keys it fired."""
    clock.now = when
    await bot.scheduler.tick()
    fired = await bot.scheduler.run_due()
    return [k for k in fired if k.startswith("meeting.")]


async def _meeting_bot(yishi: Yishi, clock: Clock) -> Yishi:
    """M202612 (Sat 5 Dec 09:30 Shanghai) created on 22 Nov; 张阿姨 signed up."""
    clock.now = NOW
    bot = Yishi(yishi.settings, clock=clock)
    [created] = await say(bot, "创建议事日 2026-12", sender="li")
    assert "M202612" in created.text
    [signed] = await say(bot, "报名", sender="zhang")
    assert "报名成功" in signed.text
    await bot.scheduler.tick()
    return bot


DEC_5 = datetime(2026, 12, 5, 1, 30, tzinfo=UTC)


async def test_moving_within_the_day_moves_what_is_ahead_and_resends_nothing(
    yishi: Yishi, clock: Clock
) -> None:
    bot = await _meeting_bot(yishi, clock)
    try:
        assert await _at(bot, clock, DEC_5 - timedelta(days=7)) == [
            "meeting.announce:M202612:20261205:7d"
        ]
        clock.now = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)
        [preview] = await say(bot, "改期 M202612 12月5日 14:00", sender="li")
        assert "1 个居民群和已报名的 1 位居民" in preview.text, preview.text
        assert await _at(bot, clock, clock.now) == [], "nothing is sent before 确认改期"
        [reply] = await say(bot, preview.buttons[0].data, sender="li")
        assert reply.text.startswith("已将 M202612 改到 12月5日 14:00")
        assert len(await _at(bot, clock, clock.now)) == 1  # the change notice, at once
        assert await _at(bot, clock, clock.now + timedelta(minutes=1)) == []
        moved = (await _group(bot))[1]
        assert moved.startswith("【协商议事日改期】M202612")
        assert "原定：12月5日 09:30" in moved and "改为：12月5日 14:00" in moved
        assert "补发" not in moved
        assert [t for t in await _private(bot, "zhang") if "改期" in t] == [moved]

        # 09:30 the day before (the old 1d slot): nothing; 14:00 (the new one): the 1d.
        assert await _at(bot, clock, DEC_5 - timedelta(days=1)) == []
        one_day = await _at(bot, clock, DEC_5 + timedelta(hours=4, minutes=30) - timedelta(days=1))
        assert one_day == [
            "meeting.announce:M202612:20261205:1d",
            "meeting.remind:M202612:20261205",
        ]
        texts = await _group(bot)
        assert len(texts) == 3 and "12月5日 14:00" in texts[2]
        assert await _at(bot, clock, DEC_5 + timedelta(hours=2, minutes=30)) == [
            "meeting.announce:M202612:20261205:2h"
        ]
        assert len(await _group(bot)) == 4  # 7d (old time), moved, 1d, 2h: nothing twice
        async with bot.uow() as uow:
            audit = await uow.audit.for_entity("meeting", "M202612")
            meeting = await MeetingService(uow, ConsultationRules(), SH, clock.now).get("M202612")
            history = await uow.get(MeetingChangeRepository).of_meeting(meeting.id or 0)
        assert "meeting_moved" in [a.action for a in audit]
        assert [(c.kind, c.old_starts_at, c.new_starts_at) for c in history] == [
            ("moved", DEC_5, DEC_5 + timedelta(hours=4, minutes=30))
        ]
        assert history[0].actor.startswith("resident:")
        assert history[0].at == datetime(2026, 11, 29, 2, 0, tzinfo=UTC)
    finally:
        await bot.stop()


async def test_moving_to_another_day_announces_the_change_once_and_starts_again(
    yishi: Yishi, clock: Clock
) -> None:
    bot = await _meeting_bot(yishi, clock)
    try:
        await _at(bot, clock, DEC_5 - timedelta(days=7))
        clock.now = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
        [preview] = await say(bot, "改期 M202612 12月6日 地点：社区活动室", sender="li")
        [reply] = await say(bot, preview.buttons[0].data, sender="li")
        assert reply.text.startswith("已将 M202612 改到 12月6日 09:30，社区活动室")
        await _at(bot, clock, clock.now)
        dec_6 = DEC_5 + timedelta(days=1)
        # The new date's 7d slot (29 Nov) had passed when it moved: the change notice covers it.
        assert await _at(bot, clock, DEC_5 - timedelta(days=1)) == []  # the old 1d: nothing
        assert await _at(bot, clock, dec_6 - timedelta(days=1)) == [
            "meeting.announce:M202612:20261206:1d",
            "meeting.remind:M202612:20261206",
        ]
        assert await _at(bot, clock, dec_6 - timedelta(hours=2)) == [
            "meeting.announce:M202612:20261206:2h"
        ]
        texts = await _group(bot)
        assert [t.splitlines()[0] for t in texts] == [
            "【协商议事日通知】M202612",
            "【协商议事日改期】M202612",
            "【协商议事日通知】M202612",
            "【协商议事日通知】M202612",
        ]
        assert "12月6日 09:30" in texts[2] and "社区活动室" in texts[3]
        reminders = [t for t in await _private(bot, "zhang") if t.startswith("【参会提醒】")]
        assert len(reminders) == 1 and "12月6日 09:30" in reminders[0]
    finally:
        await bot.stop()


async def test_cancelling_drops_the_announcements_and_says_so_once_even_after_a_restart(
    yishi: Yishi, clock: Clock
) -> None:
    bot = await _meeting_bot(yishi, clock)
    await _at(bot, clock, DEC_5 - timedelta(days=7))
    await bot.stop()  # the scheduler is down when the moderator cancels
    clock.now = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
    quiet = Yishi(yishi.settings, clock=clock)
    [bare] = await say(quiet, "取消议事日 M202612", sender="li")
    assert "原因" in bare.text
    [preview] = await say(quiet, "取消议事日 M202612 原因：台风预警", sender="li")
    assert "原因：台风预警" in preview.text and "已报名的 1 位居民" in preview.text
    assert [b.label for b in preview.buttons] == ["确认取消"]
    [reply] = await say(quiet, preview.buttons[0].data, sender="li")
    assert reply.text.startswith("已取消 M202612（原定 12月5日 09:30）")
    assert "1 位居民" in reply.text
    await quiet.stop()

    clock.now = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
    again = Yishi(yishi.settings, clock=clock)
    try:
        await again.scheduler.tick()  # catch-up: the cancellation goes out, marked late
        for when in (
            DEC_5 - timedelta(days=1),
            DEC_5 - timedelta(hours=20),
            DEC_5 - timedelta(hours=2),
            DEC_5,
        ):
            assert await _at(again, clock, when) == []
        texts = await _group(again)
        assert len(texts) == 2 and texts[1].startswith("【协商议事日取消】")
        assert "原因：台风预警" in texts[1] and "系统恢复后补发" in texts[1]
        assert "原因：原因" not in texts[1], "the reason as written, said once"
        zhang = await _private(again, "zhang")
        assert len([t for t in zhang if t.startswith("【协商议事日取消】")]) == 1
        assert not [t for t in zhang if t.startswith("【参会提醒】")]
        [refused] = await say(again, "报名 M202612", sender="liu")
        assert refused.text == "M202612 已经取消了。"
        [listing] = await say(again, "接下来的通知", sender="li")
        assert "M202612" not in listing.text
        async with again.uow() as uow:
            actions = [a.action for a in await uow.audit.for_entity("meeting", "M202612")]
        assert "meeting_cancelled" in actions and "meeting.cancelled" in actions
    finally:
        await again.stop()
