"""Graceful shutdown: a message in flight when SIGINT arrives is finished and recorded."""

from __future__ import annotations

import asyncio
import gc
import os
import signal
from collections.abc import Sequence

from bot.app import build_yishi
from bot.serve import GC_YOUNG_THRESHOLD, serve
from handlers import default_handlers
from kernel.commands import Command
from kernel.context import Context
from kernel.handler import Handler
from kernel.intents import KeywordClassifier
from kernel.messages import Reply
from storage.engine import create_engine, session_factory
from storage.unit_of_work import UnitOfWorkFactory
from tests.bot.adapters.webchat import Browser
from tests.browser import free_port
from tests.conftest import make_settings


class SlowHandler(Handler):
    """Takes a while and writes an audit entry: shutdown must not cut it in half."""

    grammar = (Command("慢慢来", "handle"),)

    def __init__(self) -> None:
        self.started = asyncio.Event()

    async def handle(self, ctx: Context) -> Sequence[Reply]:
        self.started.set()
        await asyncio.sleep(0.5)
        await ctx.audit("slow_done", "test", ctx.message.message_id)
        return [Reply("好了")]


async def test_in_flight_message_finishes_on_sigint(sqlite_url: str) -> None:
    port = free_port()
    slow = SlowHandler()
    bot = build_yishi(
        make_settings(sqlite_url, web={"port": port}, scheduler={"enabled": False}),
        classifier=KeywordClassifier(),
        handlers=[slow, *default_handlers()],
    )
    ready = asyncio.Event()
    thresholds = gc.get_threshold()
    server = asyncio.create_task(serve(bot, ready=ready))
    await asyncio.wait_for(ready.wait(), 30)
    # Serving: what start-up built is out of the collector's way (see tune_garbage_collector).
    assert gc.get_freeze_count() > 0 and gc.get_threshold()[0] == GC_YOUNG_THRESHOLD
    browser = Browser(f"http://127.0.0.1:{port}/")
    await browser.open()
    async with browser.http as session:
        request = asyncio.create_task(
            session.post(
                browser.url("/api/messages"),
                json={"text": "慢慢来", "message_id": "slow-1"},
                headers=browser.headers(),
            )
        )
        await asyncio.wait_for(slow.started.wait(), 10)
        os.kill(os.getpid(), signal.SIGINT)  # what Ctrl+C or systemd's stop sends
        response = await asyncio.wait_for(request, 15)
        assert response.status == 200
        assert (await response.json())["replies"][0]["text"] == "好了"
    await asyncio.wait_for(server, 30)
    assert gc.get_freeze_count() == 0 and gc.get_threshold() == thresholds

    engine = create_engine(sqlite_url)
    try:
        async with UnitOfWorkFactory(session_factory(engine))() as uow:
            assert len(await uow.audit.for_entity("test", "slow-1")) == 1
            assert await uow.inbound.get("web", browser.me["user_id"], "slow-1") is not None
    finally:
        await engine.dispose()
