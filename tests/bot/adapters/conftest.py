"""Adapters' shared fixtures: the web chat's served demo community and its people's
browsers; a stand-in for WeChat's servers and a bot wired to it (the WeChat tests
and the replay of wechatpy's callback corpus both use them)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.app import Yishi, build_web_app, build_yishi
from bot.demo import seed_demo
from handlers import default_handlers
from kernel.commands import Command
from kernel.context import Context
from kernel.handler import Handler
from kernel.intents import KeywordClassifier
from kernel.messages import Reply
from storage.types import utcnow
from tests.bot.adapters.fakes.wechat_server import FakeWechat
from tests.bot.adapters.webchat import Browser, ClientFactory, WebChat
from tests.conftest import Clock, make_settings


@pytest.fixture
def web_settings() -> dict[str, Any]:
    """Config sections a test module sets for its served bot (override to change)."""
    return {}


@pytest.fixture
async def client(
    sqlite_url: str, clock: Clock, aiohttp_client: ClientFactory, web_settings: dict[str, Any]
) -> AsyncIterator[TestClient[Any, Any]]:
    """The demo community served on loopback (SQLite file, the test's clock)."""
    settings = make_settings(sqlite_url, **web_settings)
    bot = build_yishi(settings, classifier=KeywordClassifier(), clock=clock)
    await seed_demo(bot.uow)
    yield await aiohttp_client(build_web_app(bot))


@pytest.fixture
async def browsers(client: TestClient[Any, Any]) -> AsyncIterator[Callable[[], Browser]]:
    """New browsers on the chat, each with a cookie jar of its own."""
    opened: list[Browser] = []

    def new() -> Browser:
        opened.append(Browser(client.make_url("/")))
        return opened[-1]

    yield new
    for browser in opened:
        await browser.close()


@pytest.fixture
async def chat(client: TestClient[Any, Any]) -> AsyncIterator[WebChat]:
    """The demo's people, each in a browser of their own."""
    people = WebChat(client.make_url("/"))
    yield people
    await people.close()


# -- WeChat -----------------------------------------------------------------------------


class SlowHandler(Handler):
    """A test-only handler that takes longer than the passive-reply budget."""

    grammar = (Command("慢慢来", "handle"),)
    delay = 0.6

    async def handle(self, ctx: Context) -> Sequence[Reply]:
        await asyncio.sleep(self.delay)
        return [Reply("久等了，这是答复。")]


@pytest.fixture
async def fake() -> AsyncIterator[FakeWechat]:
    platform = await FakeWechat().start()
    yield platform
    await platform.close()


class LiveClock(Clock):
    """Real time (the outbox stamps pushes with it), movable forward by ``advance``."""

    def __init__(self) -> None:
        super().__init__(utcnow())
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return utcnow() + self.offset

    def advance(self, **delta: float) -> datetime:
        self.offset += timedelta(**delta)
        return self()


@pytest.fixture
def now_clock() -> LiveClock:
    return LiveClock()


Bot = tuple[Yishi, TestClient[Any, Any]]


def wechat_settings(fake: FakeWechat, **more: Any) -> dict[str, Any]:
    """The [wechat] section that points the bot at the fake server."""
    return {
        "enabled": True,
        "token": fake.token,
        "encoding_aes_key": fake.encoding_aes_key,
        "app_id": fake.app_id,
        "app_secret": fake.app_secret,
        "api_base_url": fake.url,
        **more,
    }


def wecom_settings(fake: FakeWechat, **more: Any) -> dict[str, Any]:
    """The [wecom] section that points the bot at the fake server, as its app."""
    return {
        "enabled": True,
        "corp_id": fake.corp_id,
        "agent_id": fake.agent_id,
        "secret": fake.corp_secret,
        "token": fake.token,
        "encoding_aes_key": fake.encoding_aes_key,
        "api_base_url": fake.url,
        **more,
    }


@pytest.fixture
def make_bot(
    sqlite_url: str, fake: FakeWechat, now_clock: Clock, aiohttp_client: ClientFactory
) -> Callable[..., Awaitable[Bot]]:
    async def make(
        url: str | None = None, *, tickets: dict[str, Any] | None = None, **wechat: Any
    ) -> Bot:
        settings = make_settings(
            url or sqlite_url,
            wechat=wechat_settings(fake, **{"reply_deadline_seconds": 2.0, **wechat}),
            push={"retry_base_seconds": 0.0},
            **({"tickets": tickets} if tickets else {}),
        )
        bot = build_yishi(
            settings,
            classifier=KeywordClassifier(),
            clock=now_clock,
            handlers=[*default_handlers(settings.tickets.catalogue()), SlowHandler()],
        )
        await seed_demo(bot.uow)
        return bot, await aiohttp_client(build_web_app(bot))

    return make
