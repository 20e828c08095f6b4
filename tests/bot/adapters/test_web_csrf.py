"""Browser safety over real HTTP: requests from other origins are refused, every response
carries the security headers, and the session cookie is Secure when served over HTTPS.

"Another origin" is what the issue found: a page on another port of the same host
(same site, so SameSite cookies still go along).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlmodel import select

from bot.adapters.web.sessions import CSRF_HEADER, SESSION_COOKIE
from bot.app import YISHI_KEY, Yishi, build_web_app, build_yishi
from bot.demo import seed_demo
from kernel.intents import KeywordClassifier
from kernel.messages import Reply
from storage.models import InboundMessage
from tests.bot.adapters.webchat import Browser
from tests.conftest import Clock, make_settings

ClientFactory = Callable[[web.Application], Awaitable[TestClient[Any, Any]]]
Serve = Callable[..., Awaitable[TestClient[Any, Any]]]


@pytest.fixture
def serve(sqlite_url: str, clock: Clock, aiohttp_client: ClientFactory) -> Serve:
    """`yishi run`'s web chat (no persona switcher) with these ``[web]`` settings."""

    async def start(**web_settings: Any) -> TestClient[Any, Any]:
        settings = make_settings(sqlite_url, web={"demo_personas": False, **web_settings})
        bot = build_yishi(settings, classifier=KeywordClassifier(), clock=clock)
        await seed_demo(bot.uow)
        return await aiohttp_client(build_web_app(bot))

    return start


@pytest.fixture
async def client(serve: Serve) -> TestClient[Any, Any]:
    return await serve()


@pytest.fixture
async def victim(client: TestClient[Any, Any]) -> AsyncIterator[Browser]:
    """A browser with the chat open: its session cookie is set."""
    browser = Browser(client.make_url("/"))
    await browser.open()
    yield browser
    await browser.close()


def own_origin(client: TestClient[Any, Any]) -> str:
    return str(client.make_url("/").origin())


def other_origin(client: TestClient[Any, Any]) -> str:
    """A page on another port of the same host."""
    url = client.make_url("/")
    return f"http://{url.host}:{(url.port or 80) + 1}"


async def handled(client: TestClient[Any, Any], browser: Browser) -> int:
    """How many messages the bot took from this browser."""
    bot = client.server.app[YISHI_KEY]
    assert isinstance(bot, Yishi)
    async with bot.uow() as uow:
        rows = await uow.session.exec(
            select(InboundMessage).where(InboundMessage.sender_id == browser.me["user_id"])
        )
        return len(rows.all())


async def send(
    browser: Browser, *, data: Any = None, json: Any = None, **headers: str
) -> tuple[int, str]:
    async with browser.http.post(
        browser.url("/api/messages"), data=data, json=json, headers=headers
    ) as resp:
        return resp.status, await resp.text()


async def test_only_json_is_accepted(client: TestClient[Any, Any], victim: Browser) -> None:
    """text/plain and form bodies are what any page may send without asking: 415."""
    token = {CSRF_HEADER: victim.token}
    plain = await send(victim, data='{"text": "帮助"}', **token, **{"Content-Type": "text/plain"})
    form = await send(victim, data={"text": "帮助"}, **token)
    assert plain[0] == form[0] == 415
    assert await handled(client, victim) == 0
    assert (await send(victim, json={"text": "帮助"}, **token))[0] == 200


async def test_a_cross_origin_post_is_refused_and_a_same_origin_one_works(
    client: TestClient[Any, Any], victim: Browser
) -> None:
    token = {CSRF_HEADER: victim.token}
    status, body = await send(victim, json={"text": "帮助"}, Origin=other_origin(client), **token)
    assert status == 403 and "别的网站" in body
    status, _ = await send(victim, json={"text": "帮助"}, Origin="null", **token)
    assert status == 403, "a sandboxed page's opaque origin"
    assert await handled(client, victim) == 0

    status, body = await send(victim, json={"text": "帮助"}, Origin=own_origin(client), **token)
    assert status == 200 and "反映问题" in body
    assert await handled(client, victim) == 1


async def test_without_the_csrf_token_nothing_is_posted(
    client: TestClient[Any, Any], victim: Browser
) -> None:
    """The cookie alone is not enough, with or without an Origin; a script that got the
    token from /api/session (no Origin) is served."""
    assert (await send(victim, json={"text": "帮助"}))[0] == 403
    assert (await send(victim, json={"text": "帮助"}, Origin=own_origin(client)))[0] == 403
    wrong = {CSRF_HEADER: "0" * 64}
    assert (await send(victim, json={"text": "帮助"}, **wrong))[0] == 403
    other = Browser(client.make_url("/"))
    try:
        await other.open()
        stolen = {CSRF_HEADER: other.token}  # another session's token is no use either
        assert (await send(victim, json={"text": "帮助"}, **stolen))[0] == 403
    finally:
        await other.close()
    assert await handled(client, victim) == 0
    assert (await send(victim, json={"text": "帮助"}, **{CSRF_HEADER: victim.token}))[0] == 200


async def test_a_cross_origin_websocket_is_refused_and_a_same_origin_one_works(
    client: TestClient[Any, Any], victim: Browser
) -> None:
    url = victim.url("/api/ws")
    for refused in ({"Origin": other_origin(client)}, {}):  # a page elsewhere; no token
        with pytest.raises(aiohttp.WSServerHandshakeError) as caught:
            await victim.http.ws_connect(url, headers=refused)
        assert caught.value.status == 403

    ws = await victim.http.ws_connect(url, headers={"Origin": own_origin(client)})
    bot = client.server.app[YISHI_KEY]
    assert isinstance(bot, Yishi)
    async with bot.uow() as uow:
        await uow.pushes.enqueue(
            "web", victim.me["user_id"], Reply("明天停水").as_json(), now=bot.clock()
        )
    await bot.push.drain()
    event = await asyncio.wait_for(ws.receive_json(), 5)
    assert event["reply"]["text"] == "明天停水"
    await ws.close()


async def test_the_server_sees_the_public_origin_only_through_a_trusted_proxy(
    serve: Serve,
) -> None:
    """Behind an HTTPS proxy the page's origin is https://…: believed from the proxy's
    X-Forwarded-* headers when it is listed, or when the origin is configured."""
    public = "https://yishi.example.org"
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "yishi.example.org"}
    for web_settings, expected in (
        ({}, 403),
        ({"trusted_proxies": ["127.0.0.1"]}, 200),
        ({"allowed_origins": [public]}, 200),
    ):
        client = await serve(**web_settings)
        browser = Browser(client.make_url("/"))
        try:
            await browser.open()
            headers = {"Origin": public, CSRF_HEADER: browser.token, **forwarded}
            assert (await send(browser, json={"text": "帮助"}, **headers))[0] == expected
        finally:
            await browser.close()


PAGES = [
    "/",
    "/static/chat.js",
    "/static/chat.css",
    "/public/",
    "/public/meetings/M202612",
    "/public/meetings/bad",
    "/public/style.css",
    "/healthz",
    "/api/session",
    "/api/people",
    "/no-such-page",
]


async def test_every_response_carries_the_security_headers(
    client: TestClient[Any, Any], victim: Browser
) -> None:
    responses = [await client.get(path) for path in PAGES]
    responses.append(await client.post("/api/messages", data="x"))  # an error (415)
    for resp in responses:
        headers = resp.headers
        where = f"{resp.method} {resp.url.path} ({resp.status})"
        csp = headers.get("Content-Security-Policy", "")
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp, where
        assert "frame-ancestors 'none'" in csp, where
        assert headers.get("X-Frame-Options") == "DENY", where
        assert headers.get("X-Content-Type-Options") == "nosniff", where
        assert headers.get("Referrer-Policy") == "no-referrer", where
    assert {r.status for r in responses} >= {200, 400, 404, 415}


async def test_pages_have_no_inline_script_or_style(client: TestClient[Any, Any]) -> None:
    """What the CSP would block: every script and style comes from a file."""
    for path in ("/", "/public/meetings/M202612", "/public/meetings/bad"):
        page = (await (await client.get(path)).text()).lower()
        assert "<style" not in page and " style=" not in page, path
        assert page.count("<script") == page.count("<script src="), path
        assert "javascript:" not in page and " on" + "click=" not in page, path


async def cookie_of(client: TestClient[Any, Any], **headers: str) -> str:
    """The Set-Cookie a new browser gets, sent with ``headers``."""
    async with (
        aiohttp.ClientSession() as fresh,
        fresh.get(client.make_url("/api/session"), headers=headers) as resp,
    ):
        [cookie] = resp.headers.getall("Set-Cookie")
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    return cookie.lower()


async def test_the_cookie_is_secure_over_https_through_a_trusted_proxy(serve: Serve) -> None:
    https = {"X-Forwarded-Proto": "https"}
    behind_proxy = await serve(trusted_proxies=["127.0.0.0/8"])
    cookie = await cookie_of(behind_proxy, **https)
    assert "; secure" in cookie and "; httponly" in cookie and "samesite=strict" in cookie
    assert "; secure" not in await cookie_of(behind_proxy), "plain HTTP: no Secure"
    anyone = await serve()
    assert "; secure" not in await cookie_of(anyone, **https), "an untrusted peer's header"
