"""The SQLite lane: units of work take turns, and commit or roll back as one."""

from __future__ import annotations

import asyncio
import gc
import sqlite3
import time
import weakref
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import cast

import pytest
from sqlalchemy import text
from sqlmodel import select

from storage.engine import create_engine, session_factory
from storage.models import AuditEntry, Push
from storage.sqlite_session import InlineSession
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
        assert (await uow.inbound.get("web", "s", "m1")) is not None
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
        assert await uow.inbound.get("web", "s", "m2") is None
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


# Group commit: units of work that finish in the same turn of the event loop share
# one COMMIT; each keeps its own fate until then (SAVEPOINTs) and none returns early.


def _count_commits(factory: UnitOfWorkFactory) -> list[str]:
    assert factory.lane is not None
    seen: list[str] = []
    factory.lane.connection.set_trace_callback(
        lambda sql: seen.append(sql) if sql.startswith("COMMIT") else None
    )
    return seen


async def test_units_of_work_finishing_together_share_one_commit(
    factory: UnitOfWorkFactory, sqlite_url: str
) -> None:
    commits = _count_commits(factory)

    async def write(n: int) -> None:
        async with factory() as uow:
            await uow.audit.record("tester", f"w{n}", "thing", str(n))
        # Back from the unit of work: committed, visible to another connection.
        other = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"))
        try:
            found = other.execute("SELECT 1 FROM audit_log WHERE action = ?", (f"w{n}",))
            assert found.fetchone() is not None
        finally:
            other.close()

    await asyncio.gather(*(write(n) for n in range(5)))
    assert len(commits) == 1
    assert await _audit_actions(factory) == [f"w{n}" for n in range(5)]


async def test_a_member_that_fails_rolls_back_alone(factory: UnitOfWorkFactory) -> None:
    async def write(n: int) -> None:
        async with factory() as uow:
            await uow.audit.record("tester", f"w{n}", "thing", str(n))
            await uow.session.flush()
            if n == 1:
                raise RuntimeError("handler crashed")

    results = await asyncio.gather(*(write(n) for n in range(3)), return_exceptions=True)
    assert [type(r).__name__ for r in results] == ["NoneType", "RuntimeError", "NoneType"]
    assert await _audit_actions(factory) == ["w0", "w2"]


async def test_a_failed_commit_fails_every_member_and_keeps_nothing(
    factory: UnitOfWorkFactory,
) -> None:
    """SQLite checks deferred foreign keys at COMMIT: the whole group is refused."""

    async def write(n: int) -> None:
        async with factory() as uow:
            await uow.audit.record("tester", f"w{n}", "thing", str(n))
            if n == 1:
                driver = await cast(InlineSession, uow.session).driver()
                driver.execute("PRAGMA defer_foreign_keys = ON")
                driver.execute("INSERT INTO role_assignments (resident_id, role) VALUES (999, 'x')")

    results = await asyncio.gather(*(write(n) for n in range(3)), return_exceptions=True)
    assert all(isinstance(r, sqlite3.IntegrityError) for r in results), results
    assert await _audit_actions(factory) == []
    async with factory() as uow:  # the lane is usable again
        await uow.audit.record("tester", "after", "thing", "1")
    assert await _audit_actions(factory) == ["after"]


async def test_a_cancelled_member_does_not_cancel_the_group(factory: UnitOfWorkFactory) -> None:
    async def write(n: int) -> None:
        async with factory() as uow:
            await uow.audit.record("tester", f"w{n}", "thing", str(n))

    first = asyncio.ensure_future(write(0))
    second = asyncio.ensure_future(write(1))
    await asyncio.sleep(0)  # both have finished their work and wait for the COMMIT
    first.cancel()
    await asyncio.gather(first, second, return_exceptions=True)
    assert second.exception() is None
    assert await _audit_actions(factory) == ["w0", "w1"]  # committed all the same


async def test_the_engine_does_not_wait_for_a_waiting_group(
    factory: UnitOfWorkFactory, sqlite_url: str
) -> None:
    """The health check's own connection must not block on this process's group."""
    engine = create_engine(sqlite_url)
    try:

        async def write() -> None:
            async with factory() as uow:
                await uow.audit.record("tester", "grouped", "thing", "1")

        pending = asyncio.ensure_future(write())
        await asyncio.sleep(0)  # the group holds the write lock until it commits
        started = time.monotonic()
        async with engine.begin() as conn:
            await conn.execute(text("SELECT 1"))
        assert time.monotonic() - started < 1
        await pending
    finally:
        await engine.dispose()
    assert await _audit_actions(factory) == ["grouped"]


async def test_closing_with_work_in_progress_fails_the_waiting_group(
    factory: UnitOfWorkFactory,
) -> None:
    """Shutdown while a unit of work holds the turn: finished ones are told, not left waiting."""
    in_progress = asyncio.Event()

    async def finished() -> None:
        async with factory() as uow:
            await uow.audit.record("tester", "finished", "thing", "1")

    async def busy() -> None:  # takes the turn right after the first finished its work
        async with factory() as uow:
            await uow.audit.record("tester", "busy", "thing", "2")
            await uow.session.flush()
            in_progress.set()
            await asyncio.sleep(10)

    first = asyncio.ensure_future(finished())
    second = asyncio.ensure_future(busy())
    await asyncio.wait_for(in_progress.wait(), 5)
    assert factory.lane is not None
    factory.lane.close()
    with pytest.raises(sqlite3.OperationalError):
        await asyncio.wait_for(first, 5)
    second.cancel()
    await asyncio.gather(second, return_exceptions=True)


async def test_a_finished_unit_of_work_is_freed_without_the_collector(
    factory: UnitOfWorkFactory,
) -> None:
    """No reference cycle per message: under load the collector's pauses were the tail."""
    gc.collect()
    gc.disable()
    try:
        async with factory() as uow:
            await uow.inbound.snapshot("web", "m-gc", "c", "s", NOW)
            await uow.audit.record("tester", "one", "thing", "1")
            await uow.inbound.record("web", "m-gc", "c", "s", "help", [], NOW)
        unit, session = weakref.ref(uow), weakref.ref(uow.session)
        del uow
        assert unit() is None, "the unit of work is freed as soon as it is dropped"
        assert session() is None, "and so is its session"
    finally:
        gc.enable()
