"""A small demo community, so a newcomer can try every role in the browser at once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from consultation.config import ConsultationRules
from consultation.meeting_rule import next_occurrence, occurrence
from consultation.meetings import MeetingError, MeetingService
from consultation.outcomes import OutcomeService
from consultation.polls import PollService, PollSpec
from consultation.residents import rows_from, save_row
from consultation.topics import TopicDraft, TopicService, draft_from_message
from kernel.messages import Platform
from storage.people import PeopleRepository
from storage.unit_of_work import UnitOfWork, UnitOfWorkFactory

DEMO_REGISTER = """\
name,phone,building,unit,room,grid,grid_name,verified,roles,department
张阿姨,13812345678,3号楼,2单元,301,G01,第一网格,是,,
刘大爷,13923456789,5号楼,1单元,102,G02,第二网格,是,,
小陈,13734567890,7号楼,3单元,602,G02,第二网格,否,,
李书记,13645678901,社区服务中心,,,,,是,moderator,
王网格员,13556789012,1号楼,1单元,101,G01,第一网格,是,grid_worker,
赵网格员,13467890123,6号楼,2单元,201,G02,第二网格,是,grid_worker,
陈委员,13378901234,2号楼,1单元,502,G01,第一网格,是,committee,
孙科长,13212345678,街道办事处,,,,,是,department,街道环卫所
"""

#: web chat user id → resident name; the ids are what the web page and tests use.
DEMO_PEOPLE: dict[str, str] = {
    "zhang": "张阿姨",
    "liu": "刘大爷",
    "xiaochen": "小陈",
    "li": "李书记",
    "wang": "王网格员",
    "zhao": "赵网格员",
    "chen": "陈委员",
    "sun": "孙科长",
}

EXTRA_BUILDINGS = {f"{n}号楼": "G01" if n <= 4 else "G02" for n in range(1, 9)}


async def seed_demo(uow_factory: Callable[[], UnitOfWork], now: datetime | None = None) -> bool:
    """Seed the demo community once; False when it was already there.

    ``now`` (the bot's clock) is when its residents were registered: the community
    begins then, and the monthly report covers no month before it.
    """
    async with uow_factory() as uow:
        if await uow.residents.count() > 0:
            return False
        grids = {
            "G01": await uow.residents.ensure_grid("G01", "第一网格"),
            "G02": await uow.residents.ensure_grid("G02", "第二网格"),
        }
        for building, grid in EXTRA_BUILDINGS.items():
            await uow.residents.ensure_building(building, grids[grid].id)
        by_name = {}
        for row in rows_from(DEMO_REGISTER.splitlines()):
            resident, _ = await save_row(uow, row, actor="demo")
            if now is not None:
                resident.created_at = now
                uow.session.add(resident)
            by_name[resident.name] = resident
        for user_id, name in DEMO_PEOPLE.items():
            resident_id = by_name[name].id
            assert resident_id is not None
            for platform in (Platform.WEB, Platform.CONSOLE):
                identity = await uow.identities.ensure(platform.value, user_id, name)
                identity.resident_id = resident_id
                uow.session.add(identity)
    return True


DEMO_TOPIC = "小区停车位太少，晚上回来经常没地方停，建议把3号楼东侧空地改成停车位"


async def seed_consultation_demo(
    uow_factory: Callable[[], UnitOfWork], rules: ConsultationRules, zone: ZoneInfo, now: datetime
) -> str | None:
    """The next consultation day and one accepted topic, so the flow can be walked at once.

    Try it in the web chat: as ``liu`` send "附议 T1"; as ``li`` "议程 M… T1 20分钟",
    "开启投票 T1"; as ``zhang`` "赞成"; as ``li`` "结束投票 P1", "发布纪要 M…".
    Returns the meeting code (None when already seeded).
    """
    async with uow_factory() as uow:
        topics = TopicService(uow, rules, now)
        if await topics.list("proposed", "accepted", "qualified", "scheduled", "decided"):
            return None
        zhang = (await uow.get(PeopleRepository).by_name(DEMO_PEOPLE["zhang"]))[0]
        topic = await topics.propose(
            zhang, draft_from_message(DEMO_TOPIC) or TopicDraft("停车", DEMO_TOPIC), "demo"
        )
        assert topic.id is not None
        await topics.accept(topic.id, "demo")
        try:
            meeting = await MeetingService(uow, rules, zone, now).create_next("demo")
        except MeetingError:
            return None
        return meeting.code


#: Neighbours of the demo (a CSV as the register imports it), verified, without a chat of
#: their own: with them a topic can reach the co-sign threshold and a vote can meet its
#: quorum, as in a real community.
DEMO_NEIGHBOURS = Path(__file__).with_name("demo_neighbours.csv").read_text(encoding="utf-8")

STORY_TOPIC = "楼道里堆放杂物太多，有消防隐患，建议统一清理并定期检查"
STORY_PROGRESS = "1-4号楼楼道已清理完毕，5-8号楼本周内完成"


async def seed_demo_story(
    uow_factory: Callable[[], UnitOfWork], rules: ConsultationRules, zone: ZoneInfo, now: datetime
) -> None:
    """The loop a newcomer should see in the demo, told by the records themselves:

    - last month's consultation day was held: 刘大爷's topic on the clutter in the
      stairwells was co-signed, put to a vote, passed, its minutes published, and the
      decision is being carried out by 王网格员 (居务公开 shows all of it);
    - this month's topic (张阿姨's parking, T1) has one co-signature to go: 刘大爷's
      ``附议 T1`` qualifies it.

    ``uow_factory`` should publish nothing (a bare factory): these are past events, and
    nobody should be told of them again when the demo starts.
    """
    async with uow_factory() as uow:
        neighbours = []
        for row in rows_from(DEMO_NEIGHBOURS.splitlines()):
            resident, _ = await save_row(uow, row, actor="demo")
            resident.created_at = now
            uow.session.add(resident)
            neighbours.append(resident)
        people = uow.get(PeopleRepository)
        zhang, liu, li, wang = [
            (await people.by_name(DEMO_PEOPLE[key]))[0] for key in ("zhang", "liu", "li", "wang")
        ]
        this_month = await TopicService(uow, rules, now).list("accepted")
        parking = next((t for t in this_month if t.proposer_id == zhang.id), None)
        if parking is not None and parking.id is not None:
            need = max(0, rules.cosign_threshold - parking.cosign_count - 1)
            for neighbour in neighbours[:need]:
                await TopicService(uow, rules, now).cosign(parking.id, neighbour, "demo")

        upcoming = next_occurrence(rules.meeting, now, zone).astimezone(zone)
        year, month = (
            (upcoming.year, upcoming.month - 1)
            if upcoming.month > 1
            else (
                upcoming.year - 1,
                12,
            )
        )
        held = occurrence(rules.meeting, year, month, zone)
        before = held - timedelta(days=10)
        meeting = await MeetingService(uow, rules, zone, before).create(year, month, "demo")
        topics = TopicService(uow, rules, before)
        topic = await topics.propose(
            liu, draft_from_message(STORY_TOPIC) or TopicDraft("楼道杂物", STORY_TOPIC), "demo"
        )
        assert topic.id is not None
        await topics.accept(topic.id, "demo")
        for neighbour in neighbours[: rules.cosign_threshold]:
            await topics.cosign(topic.id, neighbour, "demo")
        await MeetingService(uow, rules, zone, before).add_to_agenda(
            meeting.code, topic.id, 30, "demo"
        )
        polls = PollService(uow, held + timedelta(minutes=30))
        poll = await polls.open(
            PollSpec(question="", topic_id=topic.id, meeting_code=meeting.code),
            li,
            Platform.WEB.value,
            "group:main",
            "demo",
            in_group=True,
        )
        assert poll.id is not None
        for index, neighbour in enumerate([*neighbours, zhang, wang]):
            await polls.cast(poll.id, neighbour, 1 if index % 7 else 2, "demo")
        closed = await PollService(uow, held + timedelta(hours=1)).close(poll.id, "demo")
        after = held + timedelta(hours=2)
        await OutcomeService(uow, after).publish_minutes(meeting, "demo")
        assert closed.decision is not None and closed.decision.id is not None
        decision = closed.decision.id
        outcomes = OutcomeService(uow, held + timedelta(days=1))
        due = (held + timedelta(days=30)).astimezone(zone).date().isoformat()
        await outcomes.assign(decision, wang.name, due, "demo")
        progress_at = min(held + timedelta(days=5), now - timedelta(hours=1))
        await OutcomeService(uow, progress_at).progress(decision, STORY_PROGRESS, "demo")


async def seed_demo_community(
    uow_factory: UnitOfWorkFactory, rules: ConsultationRules, zone: ZoneInfo, now: datetime
) -> str | None:
    """What ``yishi demo`` seeds on a new database: the register, this month's topic and
    consultation day, and last month's story. The meeting's code; None when the
    database already had its community."""
    if not await seed_demo(uow_factory, now):
        return None
    quiet = UnitOfWorkFactory(uow_factory.sessions)  # what is seeded happened before
    code = await seed_consultation_demo(quiet, rules, zone, now)
    await seed_demo_story(quiet, rules, zone, now)
    return code
