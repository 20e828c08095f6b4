"""A small demo community, so a newcomer can try every role in the browser at once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from consultation.config import ConsultationRules
from consultation.meetings import MeetingError, MeetingService
from consultation.residents import rows_from, save_row
from consultation.topics import TopicDraft, TopicService, draft_from_message
from kernel.messages import Platform
from storage.people import PeopleRepository
from storage.unit_of_work import UnitOfWork

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
