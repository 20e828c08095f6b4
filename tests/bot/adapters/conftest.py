"""The web chat's tests share one served demo community and its people's browsers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.app import build_web_app, build_yishi
from bot.demo import seed_demo
from kernel.intents import KeywordClassifier
from tests.bot.adapters.webchat import ClientFactory, WebChat
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
async def chat(client: TestClient[Any, Any]) -> AsyncIterator[WebChat]:
    """The demo's people, each in a browser of their own."""
    people = WebChat(client.make_url("/"))
    yield people
    await people.close()
