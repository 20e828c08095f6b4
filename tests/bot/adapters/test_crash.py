"""kill -9 in the middle of a stream of WeChat messages and Telegram updates.

A real ``yishi run`` subprocess on a real port, with the WeChat and Telegram
stand-ins as the platforms' APIs, takes a stream of signed, encrypted WeChat
callbacks and Telegram webhook updates, 50 at a time, and is killed with SIGKILL
half-way. It is started again and the platforms do what they do: WeChat calls
back again (a new, freshly signed request) for every message it got no answer
to, Telegram delivers again every update it got no 200 for; then, for good
measure, every message and update is delivered once more. Every message must
then have had its effect exactly once (its record, with its own answer); every
WeChat resident's last answer is their own; every Telegram chat got its answer,
twice only if its first delivery was caught by the kill half-sent.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlmodel import select

from storage.engine import create_engine, session_factory
from storage.models import InboundMessage
from storage.platforms import CallbackRecord
from storage.unit_of_work import UnitOfWorkFactory
from tests.bot.adapters.fakes.telegram_server import FakeTelegram
from tests.bot.adapters.fakes.wechat_server import FakeWechat
from tests.browser import free_port
from tests.run_support import run_config, wait_healthy

ROOT = Path(__file__).resolve().parents[3]
MESSAGES = 200  # of each platform
IN_FLIGHT = 50  # concurrent requests per platform
KILL_AFTER = 120  # answered requests (both platforms) before the kill
SECRET = "crash-s3cret"
TIMEOUT = aiohttp.ClientTimeout(total=5)  # WeChat's patience


def config(db_url: str, port: int, wechat: FakeWechat, telegram: FakeTelegram) -> str:
    return run_config(
        db_url,
        port,
        f"""[scheduler]
enabled = false
[wechat]
enabled = true
token = "{wechat.token}"
encoding_aes_key = "{wechat.encoding_aes_key}"
app_id = "{wechat.app_id}"
app_secret = "{wechat.app_secret}"
api_base_url = "{wechat.url}"
recover_after_seconds = 5.0
[telegram]
enabled = true
token = "{telegram.token}"
base_url = "{telegram.base_url}"
mode = "webhook"
webhook_secret = "{SECRET}"
global_per_second = 10000.0
""",
    )


@dataclass
class Server:
    """``yishi run`` in a subprocess."""

    config: Path
    port: int
    log: Path
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "run", "--config", str(self.config)],
                cwd=ROOT,
                env={k: v for k, v in os.environ.items() if not k.startswith("YISHI_")},
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    async def healthy(self) -> None:
        await wait_healthy(f"http://127.0.0.1:{self.port}", 90.0, self.proc, self.log)

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


@dataclass
class Stream:
    """What the platforms saw: which deliveries were answered, and with what."""

    server: Server
    base: str
    answered: int = 0
    killed: bool = False
    unanswered: dict[str, set[int]] = field(
        default_factory=lambda: {"wechat": set(), "telegram": set()}
    )
    #: Passive answers each WeChat message got; those answered "success" instead.
    wechat_answers: dict[int, list[dict[str, str]]] = field(default_factory=dict)
    acknowledged: set[int] = field(default_factory=set)
    last_failure: str = ""

    def note(self, ok: bool, platform: str, index: int) -> None:
        if not ok:
            self.unanswered[platform].add(index)
            return
        self.unanswered[platform].discard(index)
        self.answered += 1
        if self.answered >= KILL_AFTER and not self.killed:
            self.killed = True
            self.server.kill()  # SIGKILL, mid-stream: requests in flight die with it


async def wechat_delivery(
    session: aiohttp.ClientSession, stream: Stream, fake: FakeWechat, index: int
) -> bool:
    """One callback of message ``index`` as WeChat sends it (signed afresh each time):
    True when answered, passively or with "success" (WeChat then retries no more)."""
    openid = f"oCrash{index}"
    query, body = fake.callback(fake.text(openid, "帮助", 5_000_000 + index), safe=True)
    try:
        async with session.post(stream.base + "/wechat", params=query, data=body) as resp:
            text = await resp.text()
            if resp.status != 200:
                stream.last_failure = f"{resp.status} {text[:200]}"
                return False
    except (aiohttp.ClientError, TimeoutError) as exc:
        stream.last_failure = repr(exc)
        return False
    if text == "success":  # acknowledged: the answer comes as a customer-service push
        stream.acknowledged.add(index)
    else:
        stream.wechat_answers.setdefault(index, []).append(fake.read_reply(text, query))
    return True


async def telegram_delivery(
    session: aiohttp.ClientSession, stream: Stream, update: dict[str, Any]
) -> bool:
    try:
        async with session.post(
            stream.base + "/telegram",
            json=update,
            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
        ) as resp:
            await resp.read()
            return resp.status == 200
    except (aiohttp.ClientError, TimeoutError):
        return False


@pytest.fixture
async def platforms() -> AsyncIterator[tuple[FakeWechat, FakeTelegram]]:
    wechat, telegram = await FakeWechat().start(), await FakeTelegram().start()
    yield wechat, telegram
    await wechat.close()
    await telegram.close()


def pushed(fake: FakeWechat, index: int) -> int:
    """Customer-service messages (answers pushed) that reached WeChat message ``index``'s sender."""
    return len(fake.customer_service(f"oCrash{index}"))


async def records(db_url: str) -> list[InboundMessage]:
    engine = create_engine(db_url)
    factory = UnitOfWorkFactory(session_factory(engine))
    try:
        async with factory() as uow:
            rows = list((await uow.session.exec(select(InboundMessage))).all())
            kept = (await uow.session.exec(select(CallbackRecord))).all()
        assert kept == []  # nothing acknowledged and left unhandled
        return rows
    finally:
        factory.close()
        await engine.dispose()


async def test_kill_9_mid_stream_then_the_retries_lose_nothing_and_double_nothing(
    db_url: str, tmp_path: Path, platforms: tuple[FakeWechat, FakeTelegram]
) -> None:
    wechat, telegram = platforms
    port = free_port()
    path = tmp_path / "yishi.toml"
    path.write_text(config(db_url, port, wechat, telegram), encoding="utf-8")
    server = Server(path, port, tmp_path / "yishi.log")
    stream = Stream(server, f"http://127.0.0.1:{port}")
    updates = [telegram.message("帮助", user_id=700_000 + i) for i in range(MESSAGES)]
    server.start()
    try:
        await server.healthy()
        async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
            gates = {
                "wechat": asyncio.Semaphore(IN_FLIGHT),
                "telegram": asyncio.Semaphore(IN_FLIGHT),
            }

            async def wechat_first(index: int) -> None:
                async with gates["wechat"]:
                    ok = not stream.killed and await wechat_delivery(session, stream, wechat, index)
                    stream.note(ok, "wechat", index)

            async def telegram_first(index: int) -> None:
                async with gates["telegram"]:
                    ok = not stream.killed and await telegram_delivery(
                        session, stream, updates[index]
                    )
                    stream.note(ok, "telegram", index)

            await asyncio.gather(
                *(wechat_first(i) for i in range(MESSAGES)),
                *(telegram_first(i) for i in range(MESSAGES)),
            )
        assert stream.killed
        caught = {p: set(s) for p, s in stream.unanswered.items()}
        assert caught["wechat"] and caught["telegram"], "the kill came after the stream"

        server.start()  # the restart, on the same database
        await server.healthy()
        async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
            # The platforms' retries of what got no answer (WeChat: up to three).
            for index in sorted(caught["wechat"]):
                for _attempt in range(3):
                    if await wechat_delivery(session, stream, wechat, index):
                        break
                else:
                    raise AssertionError(
                        f"WeChat message {index} never answered: {stream.last_failure}"
                    )
            for index in sorted(caught["telegram"]):
                assert await telegram_delivery(session, stream, updates[index])
            # And again, as if those answers were lost on the way: every WeChat message
            # answered passively (WeChat retries no message it was told "success"), the
            # Telegram updates caught by the kill (Telegram redelivers only those).
            for index in sorted(stream.wechat_answers):
                assert await wechat_delivery(session, stream, wechat, index)
            for index in sorted(caught["telegram"]):
                assert await telegram_delivery(session, stream, updates[index])
        # Messages acknowledged before they were handled are answered by push (those
        # whose handling died with the process: by the restarted process's sweep).
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 60
        while not all(pushed(wechat, i) for i in stream.acknowledged):
            assert loop.time() < deadline, "acknowledged messages never answered"
            await asyncio.sleep(0.2)
        await asyncio.sleep(0.5)  # and nothing more arrives
    finally:
        server.stop()

    rows = await records(db_url)
    wechat_rows = Counter(
        (r.sender_id, r.platform_message_id) for r in rows if r.platform == "wechat"
    )
    expected = {(f"oCrash{i}", str(5_000_000 + i)) for i in range(MESSAGES)}
    assert set(wechat_rows) == expected, f"lost: {len(expected - set(wechat_rows))}"
    assert max(wechat_rows.values()) == 1
    telegram_rows = Counter(
        (r.sender_id, r.platform_message_id) for r in rows if r.platform == "telegram"
    )
    expected = {(str(700_000 + i), f"update:{u['update_id']}") for i, u in enumerate(updates)}
    assert set(telegram_rows) == expected, f"lost: {len(expected - set(telegram_rows))}"
    assert max(telegram_rows.values()) == 1
    assert all(r.intent != "error" and r.reply for r in rows)
    # Every WeChat resident got their own answer, once: passively, or pushed.
    for index in range(MESSAGES):
        passive = stream.wechat_answers.get(index, [])
        assert all(
            a["ToUserName"] == f"oCrash{index}" and "反映问题" in a["Content"] for a in passive
        )
        assert bool(passive) != bool(pushed(wechat, index)), index
        assert pushed(wechat, index) <= 1, index
    # Every Telegram chat was answered; twice only where the kill caught a delivery.
    sent = Counter(int(m["chat_id"]) for m in telegram.sent())
    assert set(sent) == {700_000 + i for i in range(MESSAGES)}
    doubled = {chat - 700_000 for chat, n in sent.items() if n > 1}
    print(
        f"caught by the kill: {len(caught['wechat'])} WeChat, {len(caught['telegram'])} "
        f"Telegram; WeChat acknowledged then pushed: {len(stream.acknowledged)}; "
        f"Telegram answers sent twice: {len(doubled)}"
    )
    assert doubled <= caught["telegram"]
