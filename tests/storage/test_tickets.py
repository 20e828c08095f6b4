"""Ticket storage: the daily sequence across connections, and the export."""

from __future__ import annotations

import asyncio
import json
import uuid
from io import StringIO

from bot.app import Yishi
from bot.messages import ChatType, Inbound
from storage.engine import create_engine, session_factory
from storage.exports import EXPORTS, write_rows
from storage.tickets import TicketRepository
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
    async with yishi.uow() as uow:
        assert await write_rows(EXPORTS["tickets"](uow), "jsonl", out) == 2
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert rows[0]["reporter"] == "张阿姨" and rows[0]["reporter_phone"] == "138****5678"
    assert rows[0]["history"][0]["action"] == "filed"
    assert rows[1]["category"] == "邻里纠纷" and rows[1]["reporter"] == "（保密）"
    assert "13812345678" not in out.getvalue() and "张阿姨" not in json.dumps(rows[1])
