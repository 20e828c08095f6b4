"""The SQLite lane: units of work take turns, and commit or roll back as one."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from storage.engine import create_engine, session_factory
from storage.models import AuditEntry, Push
from storage.unit_of_work import UnitOfWorkFactory

NOW = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)


@pytest.fixture
async def factory(sqlite_url: str) -> AsyncIterator[UnitOfWorkFactory]:
    engine = create_engine(sqlite_url)
    made = UnitOfWorkFactory(session_factory(engine))
    assert made.lane is not None, "SQLite units of work run on the lane"
    yield made
    made.close()
    await engine.dispose()


async def _audit_actions(factory: UnitOfWorkFactory) -> list[str]:
    async with factory() as uow:
        rows = (await uow.session.exec(select(AuditEntry).order_by(AuditEntry.id))).all()
    return [r.action for r in rows]


async def test_driver_and_orm_statements_commit_together(factory: UnitOfWorkFactory) -> None:
    async with factory() as uow:
        await uow.audit.record("tester", "one", "thing", "1")
        await uow.inbound.record("web", "m1", "c", "s", "help", [{"text": "好"}], NOW)
    async with factory() as uow:
        assert (await uow.inbound.get("web", "m1")) is not None
    assert await _audit_actions(factory) == ["one"]


async def test_a_failure_rolls_back_both_kinds_of_statement(factory: UnitOfWorkFactory) -> None:
    with pytest.raises(RuntimeError):
        async with factory() as uow:
            await uow.audit.record("tester", "lost", "thing", "1")
            await uow.session.flush()
            await uow.conversations.save("web", "c", "s", "report", "ask", {}, NOW + timedelta(1))
            await uow.inbound.record("web", "m2", "c", "s", None, [], NOW)
            raise RuntimeError("handler crashed")
    async with factory() as uow:
        assert await uow.inbound.get("web", "m2") is None
        assert await uow.conversations.get("web", "c", "s", NOW) is None
    assert await _audit_actions(factory) == []


async def test_units_of_work_take_turns(factory: UnitOfWorkFactory) -> None:
    """A second unit of work waits for the first to commit, then sees its writes."""
    order: list[str] = []
    first_wrote = asyncio.Event()

    async def first() -> None:
        async with factory() as uow:
            await uow.audit.record("tester", "first", "thing", "1")
            await uow.session.flush()
            order.append("first wrote")
            first_wrote.set()
            await asyncio.sleep(0.05)  # holds its turn across an await
            order.append("first commits")

    async def second() -> None:
        await first_wrote.wait()
        async with factory() as uow:
            seen = (await uow.session.exec(select(AuditEntry))).all()
            order.append(f"second saw {len(seen)}")

    await asyncio.gather(first(), second())
    assert order == ["first wrote", "first commits", "second saw 1"]


async def test_commit_hands_the_turn_back_and_reports_pushes(factory: UnitOfWorkFactory) -> None:
    async with factory() as uow:
        uow.session.add(Push(platform="web", chat_id="c", payload={"text": "通知"}, created_at=NOW))
        await uow.commit()
        assert uow.wrote and uow.pushed
        assert factory.lane is not None and not factory.lane.turn.locked()
        # A unit of work can go on after a commit: it takes the turn again.
        await uow.audit.record("tester", "after", "thing", "1")
        await uow.session.flush()
        assert factory.lane.turn.locked()
    assert not factory.lane.turn.locked()
    assert await _audit_actions(factory) == ["after"]


async def test_reading_only_the_router_tables_leaves_no_marks(factory: UnitOfWorkFactory) -> None:
    async with factory() as uow:
        await uow.inbound.record("web", "m3", "c", "s", None, [], NOW)
        await uow.conversations.save("web", "c", "s", "report", "ask", {}, NOW + timedelta(1))
    assert not uow.wrote and not uow.pushed
