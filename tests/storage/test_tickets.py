"""Ticket storage: the daily sequence across connections, and the export."""

from __future__ import annotations

import asyncio
import json
import random
import uuid
from datetime import UTC, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import consultation.exports  # noqa: F401  (registers the tickets export)
from bot.app import Yishi
from consultation.roles import Role
from kernel.messages import ChatType, Inbound
from storage.engine import create_engine, session_factory
from storage.exports import KINDS, Rules, write_rows
from storage.tickets import Ticket, TicketRepository
from storage.types import utcnow
from storage.unit_of_work import UnitOfWorkFactory


async def _sequences(url: str) -> list[int]:
    engine = create_engine(url)
    factory = UnitOfWorkFactory(session_factory(engine))

    async def one() -> int:
        async with factory() as uow:
            return await uow.get(TicketRepository).next_sequence("20261122")

    try:
        return list(await asyncio.gather(*(one() for _ in range(20))))
    finally:
        await engine.dispose()


async def test_daily_sequence_is_unique_across_connections(db_url: str) -> None:
    assert sorted(await _sequences(db_url)) == list(range(1, 21))


async def test_export_masks_and_withholds_a_dispute_complainant(yishi: Yishi) -> None:
    async def say(text: str) -> None:
        await yishi.router.handle(
            Inbound("web", "zhang", ChatType.PRIVATE, "zhang", uuid.uuid4().hex, text, utcnow())
        )

    await say("3号楼楼道灯坏了")
    await say("确认提交")
    await say("我要反映问题")
    await say("邻居家占用楼道堆杂物")
    await say("3号楼502")
    await say("确认提交")
    out = StringIO()
    rules = Rules(yishi.settings.tickets.confidentiality())
    assert await write_rows(KINDS["tickets"](yishi.uow, rules), "jsonl", out) == 2
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert rows[0]["reporter"] == "张阿姨" and rows[0]["reporter_phone"] == "138****5678"
    assert rows[0]["history"][0]["action"] == "filed"
    assert rows[1]["category"] == "邻里纠纷" and rows[1]["reporter"] == "（保密）"
    assert "13812345678" not in out.getvalue() and "张阿姨" not in json.dumps(rows[1])


def _recount(tickets: list[Ticket], now: datetime) -> dict[tuple[int | None, str], list[int]]:
    """The statistics straight from each ticket's columns, as the definition reads."""
    out: dict[tuple[int | None, str], list[int]] = {}
    for t in tickets:
        row = out.setdefault((t.grid_id, t.category), [0] * 9)
        accepted, resolved = t.accepted_at, t.resolved_at
        flags = (
            True,
            t.dispatched,
            resolved is not None,
            t.rating in ("满意", "基本满意", "不满意"),
            # A limit an earlier round missed (before a reopening) stays missed.
            accepted is not None or t.response_due_at <= now or bool(t.missed_response),
            accepted is not None and accepted <= t.response_due_at and not t.missed_response,
            resolved is not None or t.resolution_due_at <= now or bool(t.missed_resolution),
            resolved is not None and resolved <= t.resolution_due_at and not t.missed_resolution,
            t.rating in ("满意", "基本满意"),
        )
        for i, flag in enumerate(flags):
            row[i] += int(flag)
    return out


async def test_statistics_match_a_straight_recount(db_url: str) -> None:
    """Tickets walked through every state change; the derived columns' sums equal a
    recount from the tickets' own columns, at several moments."""
    from bot.demo import seed_demo
    from consultation.ticket_parsing import Place, default_catalogue
    from consultation.tickets import Actor, Extension, TicketDraft, TicketError, TicketService

    engine = create_engine(db_url)
    factory = UnitOfWorkFactory(session_factory(engine))
    await seed_demo(factory)
    cat, zone = default_catalogue(), ZoneInfo("Asia/Shanghai")
    rng = random.Random(5)
    start = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
    try:
        async with factory() as uow:
            mods = await uow.residents.with_role("moderator")
        li = Actor("web", "li", "李书记", mods[0].id, frozenset({Role.MODERATOR}))
        zhang = Actor("web", "zhang", "张阿姨", None)
        numbers = []
        for i in range(40):
            now = start + timedelta(hours=7 * i)
            async with factory() as uow:
                service = TicketService(uow, cat, zone)
                draft = TicketDraft(
                    uuid.uuid4().hex,
                    "灯坏了",
                    rng.choice(cat.names),
                    Place(rng.choice(["1号楼", "3号楼", "6号楼", None])),
                    urgent=rng.random() < 0.2,
                )
                ticket, _ = await service.file(draft, zhang, now)
                numbers.append(ticket.number)
                for number in rng.sample(numbers, min(3, len(numbers))):
                    step = rng.choice(
                        ["accept", "resolve", "rate", "rate_bad", "hand_up", "extend", "timer"]
                    )
                    try:
                        if step == "accept":
                            await service.accept(number, li, now)
                        elif step == "resolve":
                            await service.resolve(number, li, "修好了", None, now)
                        elif step in ("rate", "rate_bad"):
                            rating = (
                                "不满意" if step == "rate_bad" else rng.choice(["满意", "基本满意"])
                            )
                            await service.rate(number, zhang, rating, "", now)
                        elif step == "hand_up":
                            await service.hand_up(number, li, "需要社区协调", now)
                        elif step == "extend":
                            await service.extend(number, li, Extension(1, "day"), "等配件", now)
                        else:
                            await service.timed("escalate_resolution", number, 0, now, False)
                    except TicketError:
                        pass
        for at in (
            start + timedelta(days=3),
            start + timedelta(days=12),
            start + timedelta(days=40),
        ):
            async with factory() as uow:
                repo = uow.get(TicketRepository)
                got = await repo.statistics(
                    start - timedelta(days=1), start + timedelta(days=30), at
                )
                everything = [t async for t in repo.all_tickets()]
            want = _recount(everything, at)
            for figure in (1, 2, 3, 5, 7, 8):  # the walk reached every kind of state
                assert sum(v[figure] for v in want.values()) > 0, figure
            assert {(g, c): list(rest) for g, c, *rest in got} == want
    finally:
        await engine.dispose()
