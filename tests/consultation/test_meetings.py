"""Meetings on a real database: announcements and reminders as timed events, capacity."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.app import Yishi
from consultation.config import ConsultationRules
from consultation.meetings import MeetingError, MeetingEvents, MeetingService
from consultation.notices import plain_renderer
from storage.models import Resident

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)


async def test_announcements_fire_once_each_and_say_when_late(yishi: Yishi) -> None:
    rules = ConsultationRules(capacity=1)
    events = MeetingEvents(rules, SH, plain_renderer)
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
        pushes = await uow.pushes.for_chat("web", "group:main")
    assert len(pushes) == 1 and "late=True" in pushes[0].payload["text"]


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
        _, switched = await service.sign_up(people[1], "onsite", None, "b")
        with pytest.raises(MeetingError) as twice:
            await service.create_next("test")
    assert (first, full.value.code, online, switched) == ("new", "full", "new", "switched")
    assert twice.value.code == "exists"


async def _residents(uow: object) -> list[Resident]:
    from storage.deliberation import PeopleRepository

    return list(await uow.get(PeopleRepository).verified())  # type: ignore[attr-defined]
