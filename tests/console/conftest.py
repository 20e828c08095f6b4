"""The workbench on a real aiohttp server (loopback) over the demo community."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from aiohttp import ClientSession
from aiohttp.test_utils import TestClient, TestServer

from bot.app import build_web_app
from tests.kit import Town

LINK = re.compile(r"https?://\S+/console/login\?token=(\S+)")


@dataclass
class Browserless:
    """An HTTP client with its own cookie jar, signed in (or not) to the workbench."""

    client: TestClient
    csrf: str = ""

    async def page(self, path: str) -> tuple[int, str]:
        response = await self.client.get(path, allow_redirects=True)
        return response.status, await response.text()

    async def post(self, path: str, **form: str) -> tuple[int, str]:
        data = {"csrf": self.csrf, **form}
        response = await self.client.post(path, data=data, allow_redirects=True)
        return response.status, await response.text()


async def login_with(client: TestClient, token: str) -> Browserless:
    """Open the link's page, then send its form (what the browser does)."""
    page = await client.get(f"/console/login?token={token}")
    assert page.status == 200
    response = await client.post("/console/login", data={"token": token})
    text = await response.text()
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', text)
    return Browserless(client, found.group(1) if found else "")


def token_in(text: str) -> str:
    found = LINK.search(text)
    assert found, f"no login link in {text!r}"
    return found.group(1)


@pytest.fixture
async def served(town: Town) -> AsyncIterator[TestClient]:
    app = build_web_app(town.bot)
    # The test drives the bot itself (town fixture); the app must not stop it twice.
    app.cleanup_ctx.clear()
    client = TestClient(TestServer(app))
    await client.start_server()
    yield client
    await client.close()


@pytest.fixture
async def as_li(town: Town, served: TestClient) -> Browserless:
    """李书记 (moderator), signed in through the link the chat sends."""
    answer = await town.li.says("工作台")
    return await login_with(served, token_in(answer.text))


__all__ = ["Browserless", "ClientSession", "login_with", "token_in"]
