"""Long input in chat behaves alike on SQLite (which keeps any length) and PostgreSQL
(which refuses a value longer than its column): nothing that works on one fails on
the other."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from bot.app import Yishi
from bot.demo import seed_demo
from kernel.intents import KeywordClassifier
from kernel.messages import ChatType, Inbound, Reply
from storage.tickets import TicketRepository
from storage.types import utcnow
from tests.conftest import Clock, make_settings

LONG_NAME = "欧阳" * 50  # Telegram allows a first and a last name of 64 characters each


@pytest.fixture
async def bot(db_url: str, clock: Clock) -> AsyncIterator[Yishi]:
    yishi = Yishi(make_settings(db_url), classifier=KeywordClassifier(), clock=clock)
    await seed_demo(yishi.uow)
    yield yishi
    await yishi.stop()


async def _say(
    bot: Yishi, text: str, sender: str = "777", name: str = LONG_NAME, platform: str = "telegram"
) -> list[Reply]:
    message = Inbound(
        platform, sender, ChatType.PRIVATE, sender, uuid.uuid4().hex, text, utcnow(), name
    )
    return await bot.router.handle(message)


async def test_a_long_display_name_files_a_ticket(bot: Yishi) -> None:
    await _say(bot, "3号楼楼道灯坏了")
    await _say(bot, "要")
    [filed] = await _say(bot, "确认提交")
    assert "R20261122-0001" in filed.text, filed.text
    async with bot.uow() as uow:
        ticket = await uow.get(TicketRepository).by_number("R20261122-0001")
    assert ticket is not None and ticket.reporter_name == LONG_NAME[:64]


async def test_a_long_sentence_after_a_command_word(bot: Yishi) -> None:
    """ "我想提个议题：…" with no space is routed as a command; its label must fit."""
    text = "我想提个议题：" + "小区停车位太少" * 60
    [reply] = await _say(bot, text, sender="zhang", name="张阿姨", platform="web")
    assert "请确认您的议题" in reply.text, reply.text
