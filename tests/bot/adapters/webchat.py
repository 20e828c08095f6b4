"""Browsers on the web chat, for tests: each with its own cookie jar and CSRF token.

A :class:`Browser` does what the page does: ``GET /api/session`` for its session
(the server sets the cookie, the body carries the CSRF token), then sends the token
with every request that acts. :class:`WebChat` keeps one browser per demo person.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlmodel import select
from yarl import URL

from bot.adapters.web.sessions import CSRF_HEADER, SESSION_COOKIE
from bot.app import YISHI_KEY, Yishi
from consultation.binding import issue_code
from storage.models import Resident

#: pytest-aiohttp's ``aiohttp_client``: an app in, a client on a loopback server out.
ClientFactory = Callable[[web.Application], Awaitable[TestClient[Any, Any]]]


class Browser:
    """One browser: a cookie jar of its own and the session's CSRF token."""

    def __init__(self, base: str | URL) -> None:
        self.base = URL(str(base))
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.token = ""
        self.me: dict[str, Any] = {}

    def url(self, path: str) -> URL:
        return self.base.join(URL(path))

    @property
    def credential(self) -> str | None:
        """The session cookie's value, as this browser holds it."""
        for cookie in self.http.cookie_jar:
            if cookie.key == SESSION_COOKIE:
                return cookie.value
        return None

    def set_cookie(self, value: str) -> None:
        """Replace the session cookie (what an attacker does with a stolen value)."""
        self.http.cookie_jar.clear()
        self.http.cookie_jar.update_cookies({SESSION_COOKIE: value}, self.base)

    async def open(self) -> dict[str, Any]:
        """Open the chat: the session (new unless the cookie proves one) and its token."""
        async with self.http.get(self.url("/api/session")) as resp:
            assert resp.status == 200, await resp.text()
            self.me = await resp.json()
        self.token = self.me["csrf_token"]
        return self.me

    def headers(self, **extra: str) -> dict[str, str]:
        return {CSRF_HEADER: self.token, **extra}

    async def act_as(self, persona: str | None) -> None:
        """The demo's switcher: speak as ``persona`` from now on."""
        async with self.http.post(
            self.url("/api/persona"), json={"user_id": persona}, headers=self.headers()
        ) as resp:
            assert resp.status == 200, await resp.text()
            self.me = await resp.json()

    async def post(self, **body: Any) -> tuple[int, dict[str, Any]]:
        async with self.http.post(
            self.url("/api/messages"), json=body, headers=self.headers()
        ) as resp:
            return resp.status, await resp.json()

    async def say(self, text: str, **body: Any) -> list[str]:
        """Send ``text``; the bot's reply texts."""
        status, answer = await self.post(text=text, **body)
        assert status == 200, answer
        return [r["text"] for r in answer["replies"]]

    async def history(self, chat_id: str | None = None) -> tuple[int, dict[str, Any]]:
        params = {"chat_id": chat_id} if chat_id is not None else {}
        async with self.http.get(self.url("/api/history"), params=params) as resp:
            return resp.status, await resp.json()

    async def ws(self, **headers: str) -> aiohttp.ClientWebSocketResponse:
        """The page's WebSocket (a script's: no Origin, so the token goes in a header)."""
        return await self.http.ws_connect(self.url("/api/ws"), headers=self.headers(**headers))

    async def close(self) -> None:
        await self.http.close()


class WebChat:
    """The demo's people, each in a browser of their own, opened on first use."""

    def __init__(self, base: str | URL) -> None:
        self.base = base
        self.browsers: dict[str, Browser] = {}

    async def as_(self, persona: str) -> Browser:
        browser = self.browsers.get(persona)
        if browser is None:
            browser = Browser(self.base)
            await browser.open()
            await browser.act_as(persona)
            self.browsers[persona] = browser
        return browser

    async def post(self, persona: str, **body: Any) -> tuple[int, dict[str, Any]]:
        return await (await self.as_(persona)).post(**body)

    async def say(self, persona: str, text: str, **body: Any) -> list[str]:
        return await (await self.as_(persona)).say(text, **body)

    async def close(self) -> None:
        for browser in self.browsers.values():
            await browser.close()


#: A small PNG (its signature, then bytes), for the photo upload tests.
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8


async def upload(
    browser: Browser, data: bytes, *, token: bool = True, **fields: str
) -> tuple[int, dict[str, Any]]:
    """Posts a photo as the page does (multipart, with the CSRF header unless ``token``
    is off): the status and the JSON answer."""
    form = aiohttp.FormData()
    for name, value in fields.items():
        form.add_field(name, value)
    form.add_field("photo", data, filename="IMG_0001.jpg", content_type="image/jpeg")
    headers = browser.headers() if token else {}
    async with browser.http.post(browser.url("/api/photos"), data=form, headers=headers) as resp:
        return resp.status, await resp.json()


def bot_of(client: TestClient[Any, Any]) -> Yishi:
    """The bot behind a served web chat."""
    bot = client.server.app[YISHI_KEY]
    assert isinstance(bot, Yishi)
    return bot


async def code_for(client: TestClient[Any, Any], name: str) -> str:
    """A bind code for the resident ``name``, issued as a moderator's ``yishi`` would."""
    bot = bot_of(client)
    async with bot.uow() as uow:
        found = (await uow.session.exec(select(Resident).where(Resident.name == name))).one()
        assert found.id is not None
        return await issue_code(uow, found.id, "cli", bot.clock())


async def bind(client: TestClient[Any, Any], browser: Browser, name: str) -> None:
    """The resident ``name`` binds this browser with a code, as a real deployment does
    (the residents' group is open to bound residents only)."""
    assert name in (await browser.say(f"绑定 {await code_for(client, name)}"))[0]
