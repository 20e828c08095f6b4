"""One retry policy for outbound requests, on real loopback HTTP.

The client re-sends only what cannot arrive twice; a POST that may have reached
the platform is the outbox's to retry, with its record (attempts, last error).
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from bot.adapters.outbound import HttpClient, OutboundError
from bot.config import PushSettings
from bot.push import PushService
from kernel.messages import Reply
from storage.engine import create_engine, session_factory
from storage.unit_of_work import UnitOfWorkFactory
from tests.conftest import Clock


class Platform:
    """A loopback platform API that counts requests and answers as it is told."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.answers: list[int | str] = []  # a status, or "hang"; then 200 for the rest
        self.port = free_port()
        self.runner: web.AppRunner | None = None
        self.released = asyncio.Event()

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append(request.method)
        answer = self.answers.pop(0) if self.answers else 200
        if answer == "hang":
            await self.released.wait()  # until the test ends
        status = int(answer) if answer != "hang" else 200
        return web.json_response({"errcode": 0 if status == 200 else -1}, status=status)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api", self.handle)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        self.released.set()
        if self.runner is not None:
            await self.runner.cleanup()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def platform() -> AsyncIterator[Platform]:
    server = Platform()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def http() -> AsyncIterator[HttpClient]:
    client = HttpClient(timeout_seconds=1.0, retries=3, backoff_seconds=0.01)
    yield client
    await client.close()


async def test_a_post_answered_502_is_sent_once(platform: Platform, http: HttpClient) -> None:
    platform.answers = [502]
    with pytest.raises(OutboundError) as raised:
        await http.request_json("POST", platform.url, json={"touser": "o1", "text": "您好"})
    assert platform.requests == ["POST"]
    assert raised.value.maybe_sent and "502" in str(raised.value)


async def test_a_post_that_timed_out_is_sent_once(platform: Platform) -> None:
    platform.answers = ["hang"]
    client = HttpClient(timeout_seconds=0.3, retries=3, backoff_seconds=0.01)
    try:
        with pytest.raises(OutboundError) as raised:
            await client.request_json("POST", platform.url, json={"text": "您好"})
    finally:
        await client.close()
    assert platform.requests == ["POST"]
    assert raised.value.maybe_sent


async def test_a_get_is_retried_on_5xx(platform: Platform, http: HttpClient) -> None:
    platform.answers = [502, 503]
    status, body = await http.request_json("GET", platform.url)
    assert (status, body) == (200, {"errcode": 0})
    assert platform.requests == ["GET", "GET", "GET"]


async def test_a_post_to_a_closed_port_is_retried_until_the_server_is_up() -> None:
    server = Platform()  # its port is closed until it starts
    client = HttpClient(timeout_seconds=1.0, retries=30, backoff_seconds=0.01)
    try:
        request = asyncio.ensure_future(client.request_json("POST", server.url, json={"a": 1}))
        await asyncio.sleep(0.05)  # refused at least once by now
        await server.start()
        assert await request == (200, {"errcode": 0})
        assert server.requests == ["POST"]  # it never arrived before: arrives once
    finally:
        await client.close()
        await server.stop()


async def test_a_post_to_a_closed_port_gives_up_after_its_retries() -> None:
    client = HttpClient(timeout_seconds=1.0, retries=2, backoff_seconds=0.01)
    try:
        with pytest.raises(OutboundError) as raised:
            await client.request_json("POST", f"http://127.0.0.1:{free_port()}/api", json={})
    finally:
        await client.close()
    assert not raised.value.maybe_sent  # the caller knows nothing went out


class HttpSender:
    """A platform sender as the adapters build one: one POST per message."""

    def __init__(self, http: HttpClient, url: str) -> None:
        self.http, self.url = http, url

    async def send(self, chat_id: str, reply: Reply) -> None:
        await self.http.request_json("POST", self.url, json={"touser": chat_id, "text": reply.text})


async def test_the_outbox_records_a_502_and_sends_again_later_once(
    sqlite_url: str, clock: Clock, platform: Platform, http: HttpClient
) -> None:
    engine = create_engine(sqlite_url)
    uow = UnitOfWorkFactory(session_factory(engine))
    settings = PushSettings(retry_base_seconds=10)
    push = PushService(uow, {"web": HttpSender(http, platform.url)}, settings, clock=clock)
    platform.answers = [502]
    async with uow() as u:
        await u.pushes.enqueue("web", "zhang", Reply("明天上午议事会").as_json(), now=clock())
    await push.deliver_due()
    async with uow() as u:
        [pending] = await u.pushes.for_chat("web", "zhang")
    assert (pending.status, pending.attempts) == ("pending", 1)
    assert "502" in (pending.last_error or "")
    assert platform.requests == ["POST"]  # the client did not send it again
    assert await push.deliver_due() == 0  # not before the outbox's backoff
    clock.advance(seconds=11)
    await push.deliver_due()
    async with uow() as u:
        [sent] = await u.pushes.for_chat("web", "zhang")
    assert (sent.status, sent.attempts) == ("sent", 2)
    assert platform.requests == ["POST", "POST"]
    uow.close()
    await engine.dispose()
