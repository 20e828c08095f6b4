"""A database outage, for real: PostgreSQL behind a TCP proxy that is cut or silenced,
or a database dropped under a running bot. Residents are answered in Chinese, the API
with 503 and JSON, within the configured timeouts; nothing is logged as a bug; the bot
recovers when the database does."""

from __future__ import annotations

import asyncio
import io
import logging
import socket
import time
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from aiohttp import ClientSession, ClientTimeout
from aiohttp.test_utils import TestServer
from sqlalchemy.engine import make_url

from bot.adapters.console import ConsoleAdapter
from bot.app import build_web_app, build_yishi
from bot.demo import seed_demo
from kernel.intents import KeywordClassifier
from kernel.texts import t
from tests.bot.adapters.webchat import Browser
from tests.conftest import PG_URL, Clock, make_settings
from tests.tcp_fault import FaultyProxy

SORRY = t("router.unavailable")
TIMEOUTS = {"connect_timeout_seconds": 1.0, "statement_timeout_seconds": 1.0}


class Served:
    """A bot on ``url`` serving real HTTP on loopback (no background loops)."""

    def __init__(self, url: str, clock: Clock) -> None:
        settings = make_settings(url, storage=TIMEOUTS, scheduler={"enabled": False})
        self.yishi = build_yishi(settings, classifier=KeywordClassifier(), clock=clock)
        app = build_web_app(self.yishi)
        app.cleanup_ctx.clear()  # no push sender or scheduler: this test is about requests
        self.server = TestServer(app, host="127.0.0.1", port=0)
        self.http = ClientSession(timeout=ClientTimeout(total=30))
        self.browser: Browser | None = None

    async def open(self) -> None:
        """A browser opens the chat as 张阿姨 while the database still answers."""
        self.browser = Browser(self.server.make_url("/"))
        await self.browser.open()
        await self.browser.act_as("zhang")

    async def get(self, path: str) -> tuple[int, dict[str, Any], str, float]:
        """A request that needs the database from its first step (a new session)."""
        return await self._timed(self.http.get(self.server.make_url(path)))

    async def post(self, text: str) -> tuple[int, dict[str, Any], str, float]:
        assert self.browser is not None
        return await self._timed(
            self.browser.http.post(
                self.server.make_url("/api/messages"),
                json={"text": text},
                headers=self.browser.headers(),
            )
        )

    @staticmethod
    async def _timed(request: Any) -> tuple[int, dict[str, Any], str, float]:
        started = time.monotonic()
        async with request as resp:
            body = await resp.json(content_type=None)
            return (
                resp.status,
                body,
                resp.headers.get("Retry-After", ""),
                time.monotonic() - started,
            )

    async def close(self) -> None:
        if self.browser is not None:
            await self.browser.close()
        await self.http.close()
        await self.server.close()
        await self.yishi.stop()


@pytest.fixture
async def proxy() -> AsyncIterator[FaultyProxy]:
    target = make_url(PG_URL)
    faulty = FaultyProxy(target.host or "127.0.0.1", target.port or 5432)
    await faulty.start()
    yield faulty
    await faulty.close()


@pytest.fixture
async def served(pg_url: str, proxy: FaultyProxy, clock: Clock) -> AsyncIterator[Served]:
    """The bot reaches its PostgreSQL database only through ``proxy``."""
    url = make_url(pg_url).set(host="127.0.0.1", port=proxy.port).render_as_string(False)
    bot = Served(url, clock)
    await seed_demo(bot.yishi.uow)
    await bot.server.start_server()
    await bot.open()
    yield bot
    await bot.close()


def _errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_stopped_database_gets_503_json_and_a_chinese_answer(
    served: Served, proxy: FaultyProxy, caplog: pytest.LogCaptureFixture
) -> None:
    status, body, _, _ = await served.post("帮助")
    assert status == 200 and body["replies"]

    await proxy.cut()
    caplog.set_level(logging.INFO)
    status, body, retry, _ = await served.post("3号楼楼道灯坏了")
    assert status == 503
    assert body == {"error": SORRY, "reason": "database_unavailable"}
    assert retry == "30"
    async with served.http.get(
        served.server.make_url("/public/meetings/M202612"), headers={"Accept": "text/html"}
    ) as page:
        assert page.status == 503 and page.content_type == "text/html"
        assert SORRY in await page.text()
    out = io.StringIO()
    replies = await ConsoleAdapter(served.yishi, "zhang", out).say("我的诉求")
    assert [r.text for r in replies] == [SORRY] and SORRY in out.getvalue()
    assert _errors(caplog) == [], "an outage is not a bug: no ERROR, no traceback"
    assert any(r.getMessage() == "database unavailable" for r in caplog.records)

    await proxy.restore()
    status, body, _, _ = await served.post("帮助")
    assert status == 200 and body["replies"], "the pool reconnects once the database is back"


async def test_a_database_dropped_under_a_running_bot(
    served: Served, pg_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    assert (await served.post("帮助"))[0] == 200
    name = make_url(pg_url).database
    admin = await asyncpg.connect(
        make_url(PG_URL).set(drivername="postgresql").render_as_string(False)
    )
    try:
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')  # terminates the bot's
    finally:
        await admin.close()
    caplog.set_level(logging.INFO)
    status, body, _, _ = await served.post("3号楼楼道灯坏了")
    assert status == 503 and body["error"] == SORRY
    assert _errors(caplog) == []


async def test_a_silent_network_is_bounded_by_the_timeouts(
    served: Served, proxy: FaultyProxy, caplog: pytest.LogCaptureFixture
) -> None:
    """Every pooled connection hangs and new ones are accepted but never answered: the
    request ends after the statement timeout (the pool's ping), then the connect timeout
    (a fresh connection): about 2 s here, not as long as the fault lasts."""
    assert (await served.post("帮助"))[0] == 200
    proxy.silence()
    caplog.set_level(logging.INFO)
    status, body, _, took = await served.post("3号楼楼道灯坏了")
    assert status == 503 and body["error"] == SORRY
    assert took < 8, f"the request waited {took:.1f} s with 1 s timeouts"
    assert _errors(caplog) == []
    await proxy.restore()
    assert (await served.post("帮助"))[0] == 200


async def test_a_listener_that_never_answers_is_a_connect_timeout(
    pg_url: str, clock: Clock
) -> None:
    """The database address accepts TCP and says nothing (a black-holed server)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    port = listener.getsockname()[1]
    url = make_url(pg_url).set(host="127.0.0.1", port=port).render_as_string(False)
    bot = Served(url, clock)
    await bot.server.start_server()
    try:
        status, body, _, took = await asyncio.wait_for(bot.get("/api/session"), 30)
        assert status == 503 and body["error"] == SORRY
        assert took < 6, f"the request waited {took:.1f} s with a 1 s connect timeout"
    finally:
        await bot.close()
        listener.close()
