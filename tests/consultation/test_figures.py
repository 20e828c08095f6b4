"""The digest and the monthly report over real tickets, topics, meetings and polls.

Tickets are filed and moved through :class:`TicketService` (as the handlers do),
the consultation day through its services; the wired bot's own scheduler fires
the 08:30 digest and the report of the 1st at 09:00 by the controllable clock.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.app import Yishi
from bot.demo import DEMO_PEOPLE
from consultation.figures import ConsultationQueries, TicketQueries
from consultation.meetings import MeetingService
from consultation.polls import PollService, PollSpec
from consultation.roles import Role
from consultation.ticket_parsing import Place
from consultation.tickets import Actor, TicketDraft, TicketService
from consultation.topics import TopicDraft, TopicService
from storage.people import PeopleRepository
from tests.conftest import Clock

#: Mon 2 Nov 2026, 10:00 Shanghai.
NOV_2 = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)


async def _people(bot: Yishi) -> dict[str, Actor]:
    found: dict[str, Actor] = {}
    async with bot.uow() as uow:
        for user, roles in (
            ("zhang", frozenset()),
            ("liu", frozenset()),
            ("wang", frozenset({Role.GRID_WORKER})),
            ("zhao", frozenset({Role.GRID_WORKER})),
            ("li", frozenset({Role.MODERATOR})),
        ):
            [person] = await uow.get(PeopleRepository).by_name(DEMO_PEOPLE[user])
            found[user] = Actor("web", user, person.name, person.id, roles)
    return found


async def _file(
    bot: Yishi, who: Actor, text: str, category: str, building: str, now: datetime
) -> str:
    async with bot.uow() as uow:
        service = TicketService(uow, bot.tickets, bot.settings.zone)
        ticket, _ = await service.file(
            TicketDraft(f"d-{text}", text, category, Place(building=building)), who, now
        )
    return ticket.number


async def _texts(bot: Yishi, user: str) -> list[str]:
    async with bot.uow() as uow:
        return [str(p.payload["text"]) for p in await uow.pushes.for_chat("web", user, 200)]


async def test_digest_at_0830_lists_each_workers_real_open_tasks_oldest_first(
    yishi: Yishi, clock: Clock
) -> None:
    people = await _people(yishi)
    day0 = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
    older = await _file(yishi, people["zhang"], "3号楼楼道灯坏了", "公共设施", "3号楼", day0)
    newer = await _file(
        yishi, people["zhang"], "1号楼门口垃圾没清", "环境卫生", "1号楼", day0 + timedelta(days=2)
    )
    done = await _file(
        yishi, people["zhang"], "2号楼井盖松了", "公共设施", "2号楼", day0 + timedelta(days=1)
    )
    theirs = await _file(yishi, people["liu"], "6号楼电梯坏了", "公共设施", "6号楼", day0)
    async with yishi.uow() as uow:
        service = TicketService(uow, yishi.tickets, yishi.settings.zone)
        await service.accept(newer, people["wang"], day0 + timedelta(days=2, hours=1))
        await service.accept(done, people["wang"], day0 + timedelta(days=1, hours=1))
        await service.resolve(done, people["wang"], "已经修好", None, day0 + timedelta(days=2))

    bot = Yishi(yishi.settings, clock=clock)
    try:
        clock.now = datetime(2026, 11, 23, 0, 29, tzinfo=UTC)  # 08:29 Shanghai
        await bot.scheduler.tick()
        await bot.scheduler.run_due()
        before = {u: len(await _texts(bot, u)) for u in ("wang", "zhao", "li", "zhang")}
        clock.advance(minutes=1)
        outcomes = await bot.scheduler.run_due()
        assert "digest.grid:2026-11-23" in outcomes
        clock.advance(minutes=1)
        assert "digest.grid:2026-11-23" not in await bot.scheduler.run_due()

        wang = (await _texts(bot, "wang"))[before["wang"] :]
        digest = [t for t in wang if "早上好" in t]
        assert len(digest) == 1
        lines = digest[0].splitlines()
        assert lines[0] == "王网格员，早上好！您目前有2件待办任务（先受理的在前）："
        assert lines[1].startswith(f"1. {older} 公共设施：3号楼楼道灯坏了（3号楼），已3天，请于")
        assert lines[2].startswith(f"2. {newer} 环境卫生：1号楼门口垃圾没清（1号楼），已1天")
        assert done not in digest[0] and theirs not in digest[0]

        zhao = [t for t in (await _texts(bot, "zhao"))[before["zhao"] :] if "早上好" in t]
        assert len(zhao) == 1 and theirs in zhao[0] and "1件待办" in zhao[0]
        for other in ("li", "zhang"):
            assert not [t for t in await _texts(bot, other) if "早上好" in t]
    finally:
        await bot.stop()


async def test_monthly_report_on_the_first_at_0900_with_last_months_real_figures(
    yishi: Yishi, clock: Clock
) -> None:
    people = await _people(yishi)
    zone, rules = yishi.settings.zone, yishi.settings.consultation.rules()
    # October (the month before): one ticket, which must not be counted in November.
    await _file(
        yishi,
        people["zhang"],
        "十月的垃圾",
        "环境卫生",
        "3号楼",
        datetime(2026, 10, 20, 2, 0, tzinfo=UTC),
    )
    # November: four tickets — one resolved on time and rated 满意, one handed up,
    # one escalated by the response timer, one still waiting.
    a = await _file(yishi, people["zhang"], "3号楼楼道灯坏了", "公共设施", "3号楼", NOV_2)
    b = await _file(yishi, people["zhang"], "1号楼垃圾没清", "环境卫生", "1号楼", NOV_2)
    c = await _file(yishi, people["liu"], "6号楼电梯坏了", "公共设施", "6号楼", NOV_2)
    await _file(yishi, people["liu"], "7号楼井盖松了", "公共设施", "7号楼", NOV_2)
    async with yishi.uow() as uow:
        tickets = TicketService(uow, yishi.tickets, zone)
        await tickets.accept(a, people["wang"], NOV_2 + timedelta(hours=1))
        await tickets.resolve(a, people["wang"], "已换灯泡", None, NOV_2 + timedelta(hours=5))
        await tickets.rate(a, people["zhang"], "满意", None, NOV_2 + timedelta(hours=6))
        await tickets.accept(b, people["wang"], NOV_2 + timedelta(hours=1))
        await tickets.hand_up(b, people["wang"], "需要街道协调", NOV_2 + timedelta(hours=2))
        await tickets.timed("escalate_response", c, 0, NOV_2 + timedelta(hours=4), False)
        # The consultation day in November: a topic proposed and accepted, another
        # proposed only; the meeting held; a poll closed.
        topics = TopicService(uow, rules, NOV_2)
        zhang = (await uow.get(PeopleRepository).by_name("张阿姨"))[0]
        first = await topics.propose(zhang, TopicDraft("加装电梯", "加装电梯的事"), "test")
        await topics.propose(zhang, TopicDraft("楼道堆物", "楼道堆物的事"), "test")
        await topics.accept(first.id or 0, "test")
        meeting = await MeetingService(uow, rules, zone, NOV_2).create(2026, 11, "test")
        poll = await PollService(uow, NOV_2).open(
            PollSpec("是否加装电梯", closes_at=NOV_2 + timedelta(days=3), topic_id=first.id),
            None,
            "web",
            "group:main",
            "test",
        )
        await PollService(uow, NOV_2 + timedelta(days=3)).close(poll.id or 0, "test")
    assert meeting.starts_at < datetime(2026, 12, 1, tzinfo=UTC)

    bot = Yishi(yishi.settings, clock=clock)
    try:
        clock.now = datetime(2026, 12, 1, 0, 59, tzinfo=UTC)  # 08:59 Shanghai on the 1st
        await bot.scheduler.tick()
        assert "report.monthly:2026-11" not in await bot.scheduler.run_due()
        clock.advance(minutes=1)
        assert "report.monthly:2026-11" in await bot.scheduler.run_due()
        clock.advance(minutes=1)
        assert "report.monthly:2026-11" not in await bot.scheduler.run_due()

        reports = [t for t in await _texts(bot, "li") if "工作月报" in t]
        assert len(reports) == 1
        # 分理 3: b handed up, c and d sent on by the timers (d's resolution deadline
        # passed while the scheduler was away and fired at the catch-up). Escalations
        # count by when they happened (b, c in November). Open at the end: b, c, d and
        # October's. The one poll closed had no voter: void, no decision.
        assert reports[0].splitlines() == [
            "【2026年11月工作月报】",
            "诉求：收集4件，分理3件，办结1件，反馈1件，上报2件；月底未办结4件，满意率100%。",
            "议事：召开议事会1次，收到议题2个、受理1个，结束表决1项，形成决议0项。",
        ]
        for other in ("zhang", "wang", "chen"):
            assert not [t for t in await _texts(bot, other) if "工作月报" in t]
    finally:
        await bot.stop()


async def test_figures_match_the_ticket_statistics_moderators_see(
    yishi: Yishi, clock: Clock
) -> None:
    people = await _people(yishi)
    await _file(yishi, people["zhang"], "3号楼楼道灯坏了", "公共设施", "3号楼", NOV_2)
    start, end = datetime(2026, 10, 31, 16, tzinfo=UTC), datetime(2026, 11, 30, 16, tzinfo=UTC)
    async with yishi.uow() as uow:
        queries = TicketQueries(yishi.tickets, yishi.settings.zone)
        figures = await queries.ticket_figures(uow, start, end)
        stats = await TicketService(uow, yishi.tickets, yishi.settings.zone).statistics(
            start.astimezone(yishi.settings.zone).date(),
            end.astimezone(yishi.settings.zone).date(),
            end,
        )
        empty = await ConsultationQueries().consultation_figures(uow, start, end)
    assert figures.received == stats.total.received == 1
    assert figures.open_at_end == 1 and figures.satisfied_percent is None
    assert empty.meetings_held == empty.topics_proposed == empty.polls_closed == 0
