"""Ticket deadlines through the wired bot's scheduler (not only ``TicketTimers.run_due``).

A 公共设施 ticket in 3号楼 (grid G01, 王网格员): 4 h to accept, 72 h to resolve,
warnings an hour ahead. Each step goes out once; after a restart past both a
warning and its escalation only the escalation goes out, marked late.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.app import Yishi
from bot.demo import DEMO_PEOPLE
from consultation.ticket_parsing import Place
from consultation.tickets import Actor, TicketDraft, TicketService
from consultation.timetable import Outcome
from storage.people import PeopleRepository
from storage.scheduler import ScheduledSendRepository
from storage.tickets import TicketRepository
from tests.conftest import Clock

FILED = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # Mon 09:00 Shanghai


async def _file(bot: Yishi) -> str:
    async with bot.uow() as uow:
        [zhang] = await uow.get(PeopleRepository).by_name(DEMO_PEOPLE["zhang"])
        who = Actor("web", "zhang", zhang.name, zhang.id)
        service = TicketService(uow, bot.tickets, bot.settings.zone)
        ticket, _ = await service.file(
            TicketDraft("d-1", "3号楼楼道灯坏了", "公共设施", Place(building="3号楼")), who, FILED
        )
    return ticket.number


async def _texts(bot: Yishi, user: str) -> list[str]:
    async with bot.uow() as uow:
        return [str(p.payload["text"]) for p in await uow.pushes.for_chat("web", user, 200)]


async def _step(bot: Yishi, clock: Clock, at: datetime) -> dict[str, Outcome]:
    """Move the clock and let the scheduler do what a timer would (twice: a retried job);
    the ticket steps it fired (the morning digests run too, and are left out here)."""
    clock.now = at
    await bot.scheduler.tick()
    first = await bot.scheduler.run_due()
    assert await bot.scheduler.run_due() == {}
    return {k: v for k, v in first.items() if k.startswith("ticket.")}


async def test_warnings_and_both_escalations_fire_once_through_the_scheduler(
    yishi: Yishi, clock: Clock
) -> None:
    number = await _file(yishi)
    bot = Yishi(yishi.settings, clock=clock)
    try:
        clock.now = FILED
        await bot.scheduler.tick()
        assert await _step(bot, clock, FILED + timedelta(hours=2, minutes=59)) == {}
        warned = await _step(bot, clock, FILED + timedelta(hours=3))
        assert warned == {f"ticket.warn:{number}:response:0": Outcome.SENT}
        escalated = await _step(bot, clock, FILED + timedelta(hours=4))
        assert escalated == {f"ticket.escalate:{number}:response:0": Outcome.SENT}
        warned = await _step(bot, clock, FILED + timedelta(hours=71))
        assert warned == {f"ticket.warn:{number}:resolution:0": Outcome.SENT}
        sent = await _step(bot, clock, FILED + timedelta(hours=72))
        assert sent == {f"ticket.escalate:{number}:resolution:0": Outcome.SENT}
        assert await _step(bot, clock, FILED + timedelta(days=5)) == {}

        wang = [t for t in await _texts(bot, "wang") if t.startswith("【提醒】")]
        assert len(wang) == 2
        assert "还没有人接单" in wang[0] and "11月23日 13:00" in wang[0]
        assert "办结时限" in wang[1]
        li = await _texts(bot, "li")
        assert len([t for t in li if t.startswith("【超时未接单】")]) == 1
        assert len([t for t in li if t.startswith("【部门报到】")]) == 1
        zhang = await _texts(bot, "zhang")
        assert len([t for t in zhang if "已上报社区督办" in t]) == 1
        assert len([t for t in zhang if "已上报街道城建办" in t]) == 1
        assert not [t for t in [*wang, *li, *zhang] if "补发" in t]
        async with bot.uow() as uow:
            ticket = await uow.get(TicketRepository).by_number(number)
            assert ticket is not None
            actions = [e.action for e in await uow.get(TicketRepository).history(ticket.id or 0)]
        assert actions == [
            "filed",
            "warned_response",
            "escalated_response",
            "warned_resolution",
            "escalated_resolution",
        ]
    finally:
        await bot.stop()


async def test_down_past_a_warning_and_its_escalation_only_the_escalation_goes_out_late(
    yishi: Yishi, clock: Clock
) -> None:
    number = await _file(yishi)
    first = Yishi(yishi.settings, clock=clock)
    clock.now = FILED + timedelta(hours=1)
    await first.scheduler.tick()
    await first.stop()  # down from 10:00 to 13:10: the warning (12:00) and 13:00 pass

    second = Yishi(yishi.settings, clock=clock)
    try:
        clock.now = FILED + timedelta(hours=4, minutes=10)
        await second.scheduler.tick()  # the new leader catches up at once
        assert not [k for k in await second.scheduler.run_due() if k.startswith("ticket.")]
        async with second.uow() as uow:
            sends = uow.get(ScheduledSendRepository)
            warn = await sends.get(f"ticket.warn:{number}:response:0")
            escalate = await sends.get(f"ticket.escalate:{number}:response:0")
        assert warn is not None and warn.status == "dropped"
        assert escalate is not None and escalate.status == "sent" and escalate.late
        assert not [t for t in await _texts(second, "wang") if t.startswith("【提醒】")]
        [moderators] = [t for t in await _texts(second, "li") if t.startswith("【超时未接单】")]
        assert "系统恢复后补发" in moderators
        [resident] = [t for t in await _texts(second, "zhang") if "已上报社区督办" in t]
        assert "系统恢复后补发，原定 11月23日 13:00" in resident
        await second.stop()

        # Down again across the resolution warning and deadline; a third process takes over.
        third = Yishi(yishi.settings, clock=clock)
        clock.now = FILED + timedelta(hours=75)
        await third.scheduler.tick()
        await third.scheduler.tick()
        assert not [k for k in await third.scheduler.run_due() if k.startswith("ticket.")]
        wang = [t for t in await _texts(third, "wang") if t.startswith("【提醒】")]
        assert wang == []
        [department] = [t for t in await _texts(third, "li") if t.startswith("【部门报到】")]
        assert "系统恢复后补发" in department
        async with third.uow() as uow:
            ticket = await uow.get(TicketRepository).by_number(number)
            assert ticket is not None
            actions = [e.action for e in await uow.get(TicketRepository).history(ticket.id or 0)]
        assert actions == ["filed", "escalated_response", "escalated_resolution"]
        await third.stop()
    finally:
        await second.stop()
