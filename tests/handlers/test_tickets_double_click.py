"""A double-clicked 确认提交 — or eighty — is ordinary traffic: one ticket, and every
click is answered with that ticket's number; nothing is logged as an error. On
PostgreSQL the clicks really run at once (one connection each, up to the pool)."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator

import pytest

from bot.app import Yishi
from bot.demo import seed_demo
from kernel.intents import KeywordClassifier
from storage.tickets import TicketRepository
from tests.conftest import Clock, make_settings
from tests.kit import say

NUMBER = re.compile(r"R\d{8}-\d{4}")


@pytest.fixture
async def bot(db_url: str, clock: Clock) -> AsyncIterator[Yishi]:
    yishi = Yishi(
        make_settings(db_url, storage={"pool_size": 20}),
        classifier=KeywordClassifier(),
        clock=clock,
    )
    await seed_demo(yishi.uow)
    yield yishi
    await yishi.stop()


async def test_concurrent_confirms_file_one_ticket_and_log_no_error(
    bot: Yishi, caplog: pytest.LogCaptureFixture
) -> None:
    [draft] = await say(bot, "3号楼2单元的楼道灯坏了好几天了")
    assert "请确认" in draft.text
    caplog.set_level(logging.INFO)
    answers = await asyncio.gather(*(say(bot, "确认提交") for _ in range(40)))

    async with bot.uow() as uow:
        repo = uow.get(TicketRepository)
        assert await repo.by_number("R20261122-0001") is not None
        assert await repo.by_number("R20261122-0002") is None, "one ticket for one draft"
    texts = [reply.text for replies in answers for reply in replies]
    assert len(texts) == 40
    assert all("系统开小差" not in text for text in texts), texts
    numbers = {found.group(0) for text in texts if (found := NUMBER.search(text))}
    assert numbers == {"R20261122-0001"}
    filed = [text for text in texts if text.startswith("已受理")]
    assert len(filed) == 1, "one click files it; the others are told it already was"
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], [r.getMessage() for r in errors]
