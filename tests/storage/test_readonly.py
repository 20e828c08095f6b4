"""Read-only copies carry exactly what the ORM loads, on both databases, and cannot be saved."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm.exc import UnmappedInstanceError

from bot.demo import seed_consultation_demo
from consultation.config import ConsultationRules
from consultation.meetings import MeetingService
from storage.meetings import MeetingRepository
from storage.topics import TopicRepository
from storage.unit_of_work import UnitOfWorkFactory

NOW = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)
ZONE = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def factory(seeded: UnitOfWorkFactory) -> UnitOfWorkFactory:
    return seeded


async def test_meeting_copy_matches_the_tracked_row(factory: UnitOfWorkFactory) -> None:
    code = await seed_consultation_demo(factory, ConsultationRules(), ZONE, NOW)
    assert code is not None
    async with factory() as uow:
        meetings = uow.get(MeetingRepository)
        tracked = await meetings.current(NOW)
        copy = await meetings.current_copy(NOW)
        assert tracked is not None and copy is not None
        assert copy.model_dump() == tracked.model_dump()
        assert copy.starts_at.tzinfo is not None, "times come back as aware UTC, as tracked"
        with pytest.raises(UnmappedInstanceError):
            uow.session.add(copy)  # a copy is for showing, never for saving


async def test_view_reads_agenda_and_sign_ups(factory: UnitOfWorkFactory) -> None:
    code = await seed_consultation_demo(factory, ConsultationRules(), ZONE, NOW)
    assert code is not None
    async with factory() as uow:
        service = MeetingService(uow, ConsultationRules(), ZONE, NOW)
        topic = (await uow.get(TopicRepository).with_status("accepted"))[0]
        topic.status = "qualified"  # as if co-signed enough
        uow.session.add(topic)
        assert topic.id is not None
        await service.add_to_agenda(code, topic.id, 20, "test")
        workers = await uow.residents.with_role("grid_worker")
        await service.sign_up(workers[0], "onsite", code, "test")
        await service.sign_up(workers[1], "online", code, "test")
    async with factory() as uow:
        view = await MeetingService(uow, ConsultationRules(), ZONE, NOW).view()
    assert view.meeting.code == code
    assert [(a.minutes_alloc, t.id, t.title) for a, t in view.agenda] == [
        (20, topic.id, topic.title)
    ]
    assert (view.onsite, view.online) == (1, 1)
