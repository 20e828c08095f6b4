"""Several processes on one PostgreSQL database: ``yishi run --workers N``.

Two kinds of test. The guarantees (one effect per message, one vote per voter, one
send per scheduled event, one send per push) are tested on two real worker
processes (the very command ``--workers 2`` starts, with its share of the rate
limits), each here on a socket of its own, so that a test can hand the same
delivery to both at once. The parent (one port, restarts, SIGHUP, SIGTERM) is
tested through ``yishi demo --workers 2`` itself. Everything is real: processes,
HTTP on loopback, one PostgreSQL database per module or test.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import select
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.config import PushSettings, Settings
from bot.push import PushService
from bot.workers import share_limits, worker_command
from kernel.messages import Reply
from kernel.texts import t
from storage.engine import create_engine, session_factory
from storage.migrate import upgrade
from storage.unit_of_work import UnitOfWorkFactory
from tests.bot.adapters.webchat import Browser, WebChat
from tests.browser import free_port
from tests.conftest import PG_URL, Clock, _asyncpg_dsn

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]


def worker_env(url: str, **extra: str) -> dict[str, str]:
    """The workers' environment: this database, JSON logs, the schedule re-read every second."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("YISHI_")}
    return {
        **env,
        "YISHI_STORAGE__URL": url,
        "YISHI_LOG__FORMAT": "json",
        "YISHI_LOG__LEVEL": "INFO",
        "YISHI_SCHEDULER__REFRESH_SECONDS": "1",
        # Four voters: an anonymous poll of theirs publishes its counts (5 by default).
        "YISHI_POLLS__ANONYMOUS_MIN_VOTES": "4",
        **extra,
    }


@dataclass
class WorkerProcess:
    proc: subprocess.Popen[bytes]
    base: str
    lifeline: int
    log: Path

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(40)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        with contextlib.suppress(OSError):
            os.close(self.lifeline)


def start_worker(url: str, slot: int, logs: Path) -> WorkerProcess:
    """One worker of ``--workers 2``, on a listening socket of its own, started as the
    parent starts it (bot/workers.py): it says "ready" on a pipe once it serves."""
    sock = socket.create_server(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    ready_r, ready_w = os.pipe()
    life_r, life_w = os.pipe()
    command = [
        *worker_command(2, config_path=None, demo=True),
        f"--socket-fd={sock.fileno()}",
        f"--ready-fd={ready_w}",
        f"--lifeline-fd={life_r}",
        f"--slot={slot}",
    ]
    log = logs / f"worker-{slot}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            command,
            cwd=ROOT,
            env=worker_env(url),
            pass_fds=(sock.fileno(), ready_w, life_r),
            stdout=out,
            stderr=out,
            start_new_session=True,
        )
    os.close(ready_w)
    os.close(life_r)
    sock.close()  # the worker holds its own copy
    readable, _, _ = select.select([ready_r], [], [], 120)
    said = os.read(ready_r, 64) if readable else b""
    os.close(ready_r)
    worker = WorkerProcess(proc, f"http://127.0.0.1:{port}", life_w, log)
    if said.strip() != b"ready":
        worker.stop()
        raise AssertionError(f"worker {slot} did not start:\n{log.read_text()[-3000:]}")
    return worker


def fresh_database() -> str:
    """A new, migrated PostgreSQL database (the caller drops it with :func:`drop_database`)."""
    import asyncpg

    name = f"yishi_w_{uuid.uuid4().hex[:12]}"

    async def create() -> None:
        conn = await asyncpg.connect(_asyncpg_dsn(PG_URL))
        await conn.execute(f'CREATE DATABASE "{name}"')
        await conn.close()
        engine = create_engine(make_url(PG_URL).set(database=name).render_as_string(False))
        await upgrade(engine)
        await engine.dispose()

    asyncio.run(create())
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    import asyncpg

    async def drop() -> None:
        conn = await asyncpg.connect(_asyncpg_dsn(PG_URL))
        await conn.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
        await conn.close()

    asyncio.run(drop())


@pytest.fixture(scope="module")
def pair(
    _pg_reason: str | None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, WorkerProcess, WorkerProcess]]:
    """The database and two workers on it: A first (it seeds the demo), then B."""
    if _pg_reason:
        pytest.skip(_pg_reason)
    url = fresh_database()
    logs = tmp_path_factory.mktemp("workers")
    started: list[WorkerProcess] = []
    try:
        started.append(start_worker(url, 0, logs))
        started.append(start_worker(url, 1, logs))
        yield url, started[0], started[1]
    finally:
        for worker in started:
            worker.stop()
        drop_database(url)


async def query(url: str, sql: str, **params: Any) -> list[Any]:
    engine = create_engine(url)
    try:
        async with UnitOfWorkFactory(session_factory(engine))() as uow:
            return list((await uow.session.execute(text(sql), params)).all())
    finally:
        await engine.dispose()


async def post(browser: Browser, base: str, **body: Any) -> tuple[int, dict[str, Any]]:
    """What the browser's page sends, to the worker at ``base`` (same cookie, either worker)."""
    async with browser.http.post(
        f"{base}/api/messages", json=body, headers=browser.headers()
    ) as resp:
        return resp.status, await resp.json()


def texts(answer: dict[str, Any]) -> str:
    return "\n".join(r["text"] for r in answer["replies"])


@pytest.fixture
async def chat(pair: tuple[str, WorkerProcess, WorkerProcess]) -> AsyncIterator[WebChat]:
    """The demo's people in browsers of their own, their sessions opened on worker A."""
    chat = WebChat(pair[1].base)
    yield chat
    await chat.close()


# -- the guarantees, on two workers ---------------------------------------------------


async def test_one_delivery_to_both_workers_has_one_effect(
    pair: tuple[str, WorkerProcess, WorkerProcess], chat: WebChat
) -> None:
    """A platform's retry can reach another process while the first is still working:
    the same 确认提交 (one message id) to A and B at once files one topic, and both
    answers name it."""
    url, a, b = pair
    people = ["zhang", "liu", "chen", "li"]
    for person in people:
        [confirm] = await chat.say(person, "我想提个议题：小区停车位太少，希望增加车位")
        assert "确认" in confirm
    run = uuid.uuid4().hex[:8]
    [(before,)] = await query(url, "SELECT count(*) FROM topics")

    async def both(person: str) -> list[tuple[int, dict[str, Any]]]:
        browser = await chat.as_(person)
        body = {"text": "确认提交", "message_id": f"{run}-{person}"}
        return list(
            await asyncio.gather(post(browser, a.base, **body), post(browser, b.base, **body))
        )

    answers = await asyncio.gather(*(both(p) for p in people))
    refs = set()
    for (status_a, via_a), (status_b, via_b) in answers:
        assert status_a == status_b == 200
        assert texts(via_a) == texts(via_b)
        found = re.search(r"议题 (T\d+) 已提交", texts(via_a))
        assert found, texts(via_a)
        refs.add(found.group(1))
    assert len(refs) == len(people)
    [(topics,)] = await query(url, "SELECT count(*) FROM topics")
    assert topics - before == len(people)
    [(records,)] = await query(
        url, "SELECT count(*) FROM inbound_messages WHERE platform_message_id LIKE :p", p=f"{run}-%"
    )
    assert records == len(people)


async def _open_poll(chat: WebChat, words: str) -> int:
    [opened, *_] = await chat.say("li", f"开启投票 {words} 单独表决", chat_id="group:main")
    found = re.search(r"P(\d+)", opened)
    assert found, opened
    return int(found.group(1))


VOTERS = ["zhang", "liu", "chen", "wang"]


async def test_votes_through_both_workers_count_once_per_voter(
    pair: tuple[str, WorkerProcess, WorkerProcess], chat: WebChat
) -> None:
    """Each voter votes through A and B at the same moment, a different choice through
    each: one vote each stands (named polls and sealed anonymous ballots alike)."""
    url, a, b = pair
    named = await _open_poll(chat, "是否增设停车位")
    secret = await _open_poll(chat, "是否同意养犬公约 匿名")
    run = uuid.uuid4().hex[:8]

    async def vote_twice(person: str) -> None:
        browser = await chat.as_(person)
        for poll in (named, secret):
            answers = await asyncio.gather(
                post(
                    browser, a.base, text=f"投票 P{poll} 赞成", message_id=f"{run}-{person}-{poll}a"
                ),
                post(
                    browser, b.base, text=f"投票 P{poll} 反对", message_id=f"{run}-{person}-{poll}b"
                ),
            )
            assert all(status == 200 for status, _ in answers), answers

    await asyncio.gather(*(vote_twice(p) for p in VOTERS))
    for poll in (named, secret):
        await chat.say("li", f"结束投票 P{poll}", chat_id="group:main")
    results = dict(await query(url, "SELECT id, result FROM polls"))
    for poll in (named, secret):
        result = results[poll]
        if isinstance(result, str):
            result = json.loads(result)
        assert result["voters"] == len(VOTERS), result
        assert sum(result["counts"]) == len(VOTERS), result
    [(named_rows,)] = await query(
        url, "SELECT count(DISTINCT resident_id) FROM poll_voters WHERE poll_id = :p", p=named
    )
    assert named_rows == len(VOTERS)


async def test_each_scheduled_event_is_sent_once_by_one_leader(
    pair: tuple[str, WorkerProcess, WorkerProcess], chat: WebChat
) -> None:
    """Both workers run a scheduler; the lease makes one of them leader, and a poll's
    closing time (a timed event) closes it once: one result per recipient."""
    url, a, b = pair
    poll = await _open_poll(chat, "是否更换路灯")
    for person in VOTERS:
        await chat.say(person, f"投票 P{poll} 赞成")
    due = datetime.now(UTC) + timedelta(seconds=2)
    await query(
        url, "UPDATE polls SET closes_at = :due WHERE id = :p RETURNING id", due=due, p=poll
    )
    header = t("poll.result_header", ref=f"P{poll}", question="是否更换路灯")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        [(status,)] = await query(url, "SELECT status FROM polls WHERE id = :p", p=poll)
        pending = await query(
            url, "SELECT count(*) FROM pushes WHERE status IN ('pending', 'sending')"
        )
        if status == "closed" and pending[0][0] == 0:
            break
        await asyncio.sleep(0.5)
    else:
        raise AssertionError("the poll was not closed by the scheduler in 60 s")
    sends = await query(
        url, "SELECT status, actor FROM scheduled_sends WHERE key = :k", k=f"poll.close:P{poll}"
    )
    assert len(sends) == 1 and sends[0][0] in ("sent", "late"), sends
    leases = await query(url, "SELECT holder FROM scheduler_leases")
    assert len(leases) == 1
    leader_pid = int(leases[0][0].split(":")[1])
    assert leader_pid in (a.proc.pid, b.proc.pid)
    # Both ran a scheduler; only the lease holder ever became leader.
    started = [w for w in (a, b) if "scheduler started" in w.log.read_text()]
    leaders = [w.proc.pid for w in (a, b) if '"scheduler leader"' in w.log.read_text()]
    assert len(started) == 2 and leaders == [leader_pid]
    results = await query(
        url,
        "SELECT platform, chat_id, status, attempts FROM pushes WHERE payload->>'text' LIKE :h",
        h=header + "%",
    )
    chats = [(platform, chat_id) for platform, chat_id, _s, _a in results]
    assert results and len(chats) == len(set(chats)), results  # one result per recipient
    assert all(status == "sent" and attempts == 1 for *_c, status, attempts in results), results
    delivered = await query(
        url, "SELECT chat_id FROM push_deliveries WHERE excerpt LIKE :h", h=header[:40] + "%"
    )
    assert sorted(c for (c,) in delivered) == sorted(c for _p, c in chats)


async def test_two_push_senders_send_each_push_once_within_the_rate(
    pair: tuple[str, WorkerProcess, WorkerProcess], chat: WebChat
) -> None:
    """The outbox is shared: 240 pushes wait, and both workers' senders are woken at
    the same moment (each by a topic filed through it, which queues a push for the
    moderators), so both claim from the same rows. Each push is sent once (one attempt,
    one delivery record), and together they keep the web's 50/s (25/s each)."""
    url, a, b = pair
    run = uuid.uuid4().hex[:8]
    count = 240
    people = ["zhang", "liu", "chen", "wang"]
    for person in people:
        await chat.say(person, "我想提个议题：小区路灯太暗，建议更换")
    engine = create_engine(url)
    try:
        async with UnitOfWorkFactory(session_factory(engine))() as uow:
            for n in range(count):
                await uow.pushes.enqueue("web", f"w-{run}-{n % 40}", {"text": f"{run} 第{n}条"})
    finally:
        await engine.dispose()
    browsers = [await chat.as_(p) for p in people]
    started = time.monotonic()
    confirmed = await asyncio.gather(
        *(
            post(browser, (a, b)[i % 2].base, text="确认提交", message_id=f"{run}-{i}")
            for i, browser in enumerate(browsers)
        )
    )
    assert all(status == 200 for status, _ in confirmed), confirmed
    deadline = started + 90
    while time.monotonic() < deadline:
        [(left,)] = await query(
            url,
            "SELECT count(*) FROM pushes WHERE status <> 'sent' AND payload->>'text' LIKE :r",
            r=f"{run} %",
        )
        if left == 0:
            break
        await asyncio.sleep(0.25)
    else:
        raise AssertionError(f"{left} pushes still unsent after 90 s")
    elapsed = time.monotonic() - started
    [(attempts, pushes)] = await query(
        url,
        "SELECT sum(attempts), count(*) FROM pushes WHERE payload->>'text' LIKE :r",
        r=f"{run} %",
    )
    assert (attempts, pushes) == (count, count)
    [(deliveries,)] = await query(
        url, "SELECT count(*) FROM push_deliveries WHERE excerpt LIKE :r", r=f"{run} %"
    )
    assert deliveries == count
    # 50/s together, after each worker's first second's allowance (25 each): ≥ 3.8 s.
    assert elapsed >= (count - 2 * 25) / 50, elapsed


async def _expect(ws: aiohttp.ClientWebSocketResponse, kind: str, text: str) -> dict[str, Any]:
    """The next event of ``kind`` whose text carries ``text`` (other events pass by)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        event = await ws.receive_json(timeout=deadline - time.monotonic())
        said = event.get("text") or (event.get("reply") or {}).get("text", "")
        if event.get("type") == kind and text in said:
            return dict(event)
    raise AssertionError(f"no {kind} with {text!r}")


async def test_web_tabs_on_either_worker_see_pushes_and_group_messages(
    pair: tuple[str, WorkerProcess, WorkerProcess], chat: WebChat
) -> None:
    """A tab's WebSocket is held by one worker: what another worker sends (a push it
    claimed, a group message posted through it) still reaches the tab, live."""
    url, a, b = pair
    on_b = WebChat(b.base)
    try:
        zhang = await chat.as_("zhang")  # its tab on A
        liu = await on_b.as_("liu")  # its tab on B
        zhang_ws = await zhang.http.ws_connect(
            f"{a.base}/api/ws?user=zhang", headers=zhang.headers()
        )
        liu_ws = await liu.http.ws_connect(f"{b.base}/api/ws?user=liu", headers=liu.headers())
        run = uuid.uuid4().hex[:8]
        status, _ = await post(zhang, a.base, text=f"大家好 {run}", chat_id="group:main")
        assert status == 200
        seen = await _expect(liu_ws, "group_message", run)
        assert seen["sender_id"] == "zhang"
        engine = create_engine(url)
        try:
            async with UnitOfWorkFactory(session_factory(engine))() as uow:
                for who in ("zhang", "liu"):
                    await uow.pushes.enqueue("web", who, {"text": f"通知{who} {run}"})
        finally:
            await engine.dispose()
        await _expect(zhang_ws, "push", f"通知zhang {run}")
        await _expect(liu_ws, "push", f"通知liu {run}")
        await zhang_ws.close()
        await liu_ws.close()
    finally:
        await on_b.close()


async def test_a_persona_switched_on_one_worker_is_known_to_the_other(
    pair: tuple[str, WorkerProcess, WorkerProcess],
) -> None:
    """The demo's switcher through A; a stale tab (still showing the old persona)
    served by B gets 409, as it would from A, though B had that session cached."""
    _url, a, b = pair
    browser = Browser(a.base)
    try:
        await browser.open()
        await browser.act_as("xiaochen")
        status, _ = await post(browser, b.base, text="帮助", sender_id="xiaochen")
        assert status == 200  # B now remembers the session as xiaochen
        await browser.act_as("liu")  # through A
        deadline = time.monotonic() + 10
        while True:
            status, answer = await post(browser, b.base, text="帮助", sender_id="xiaochen")
            if status == 409 or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.1)
        assert status == 409, answer
        status, _ = await post(browser, b.base, text="帮助", sender_id="liu")
        assert status == 200
    finally:
        await browser.close()


async def test_a_worker_claims_no_more_pushes_than_it_sends_in_half_a_lease(
    sqlite_url: str,
) -> None:
    """With 8 workers sharing WeChat's 20/s each sends 2.5/s: a claim of the usual 200
    would still be waiting after the 60 s lease, and another worker would claim (and
    send) the rest again. A claim takes 75 (30 s of sending)."""
    settings = share_limits(Settings(storage={"url": sqlite_url}), 8)
    engine = create_engine(sqlite_url)
    uow = UnitOfWorkFactory(session_factory(engine))
    sent: list[float] = []

    class Sender:
        async def send(self, chat_id: str, reply: Reply) -> None:
            sent.append(time.monotonic())

    service = PushService(uow, {"wechat": Sender(), "web": Sender()}, settings.push)
    try:
        async with uow() as u:
            for n in range(120):
                await u.pushes.enqueue("wechat", f"o-{n}", {"text": f"第{n}条"})
        sending = asyncio.create_task(service.deliver_due())
        await asyncio.sleep(1.5)
        async with uow() as u:
            rows = await u.session.execute(
                text("SELECT count(*) FROM pushes WHERE status = 'sending'")
            )
            assert rows.scalar_one() == 75
        sending.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sending
        assert 0 < len(sent) < 75  # the claim is being sent at 2.5/s, not at once
    finally:
        uow.close()
        await engine.dispose()


async def test_a_stopping_worker_settles_what_it_sent_and_gives_back_the_rest(
    sqlite_url: str,
) -> None:
    """A restart stops a worker mid-batch. What it sent is settled (not sent again when
    the lease runs out), what it had not sent is due again at once for another worker,
    and in the end every push arrived once."""
    clock = Clock(datetime.now(UTC))
    engine = create_engine(sqlite_url)
    uow = UnitOfWorkFactory(session_factory(engine))
    received: list[str] = []

    class Sender:
        async def send(self, chat_id: str, reply: Reply) -> None:
            received.append(chat_id)

    settings = PushSettings(web_per_second=2)
    stopping = PushService(uow, {"web": Sender()}, settings, clock=clock)
    try:
        async with uow() as u:
            for n in range(12):
                await u.pushes.enqueue("web", f"w-{n}", {"text": f"第{n}条"}, now=clock())
        await stopping.start()
        deadline = time.monotonic() + 30
        while len(received) < 4:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
        await stopping.stop()
        sent_before = len(received)
        assert 4 <= sent_before < 12
        async with uow() as u:
            rows = await u.session.execute(
                text("SELECT status, attempts, count(*) FROM pushes GROUP BY status, attempts")
            )
            states = {(status, attempts): count for status, attempts, count in rows.all()}
        assert states == {("sent", 1): sent_before, ("pending", 0): 12 - sent_before}
        clock.advance(seconds=61)  # past the claim's lease
        other = PushService(uow, {"web": Sender()}, PushSettings(web_per_second=50), clock=clock)
        await other.drain()
        assert sorted(received) == sorted(f"w-{n}" for n in range(12))
    finally:
        uow.close()
        await engine.dispose()


# -- the parent: one port, restarts, signals --------------------------------------------


@dataclass
class Supervised:
    proc: subprocess.Popen[bytes]
    base: str
    log: Path

    def lines(self) -> list[dict[str, Any]]:
        found = []
        for line in self.log.read_text(errors="replace").splitlines():
            with contextlib.suppress(ValueError):
                record = json.loads(line)
                if isinstance(record, dict):
                    found.append(record)
        return found

    def workers(self) -> set[int]:
        """The pids of the parent's children."""
        out = subprocess.run(
            ["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True, check=False
        )
        return {int(p) for p in out.stdout.split()}


@pytest.fixture
def supervised(pg_url: str, tmp_path: Path) -> Iterator[Supervised]:
    """``yishi demo --workers 2`` on a fresh PostgreSQL database, serving."""
    port = free_port()
    log = tmp_path / "yishi.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "demo", "--workers", "2"],
            cwd=ROOT,
            env=worker_env(pg_url, YISHI_WEB__PORT=str(port)),
            stdout=out,
            stderr=out,
        )
    server = Supervised(proc, f"http://127.0.0.1:{port}", log)
    try:
        deadline = time.monotonic() + 180
        while "议事通已启动" not in log.read_text(errors="replace"):
            assert proc.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.2)
        yield server
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                proc.kill()


async def traffic(base: str, stop: asyncio.Event, senders: int = 4) -> tuple[dict[str, str], int]:
    """People chatting until ``stop``: each message on a new connection, sent again
    (same message id, as WeChat retries) when the connection closes before the answer.
    Returns each message id's reply and how many retries it took."""
    answered: dict[str, str] = {}
    retries = 0
    run = uuid.uuid4().hex[:6]

    async def person(index: int) -> None:
        nonlocal retries
        browser = Browser(base)
        await browser.http.close()
        browser.http = aiohttp.ClientSession(
            cookie_jar=aiohttp.CookieJar(unsafe=True),
            connector=aiohttp.TCPConnector(force_close=True),
        )
        try:
            await browser.open()
            n = 0
            while not stop.is_set():
                message_id = f"{run}-{index}-{n}"
                for _attempt in range(20):
                    try:
                        status, answer = await post(
                            browser, base, text="帮助", message_id=message_id
                        )
                    except (aiohttp.ServerDisconnectedError, aiohttp.ClientConnectionError):
                        retries += 1
                        await asyncio.sleep(0.05)
                        continue
                    assert status == 200, answer
                    answered[message_id] = texts(answer)
                    break
                else:
                    raise AssertionError(f"{message_id} never answered")
                n += 1
        finally:
            await browser.close()

    await asyncio.gather(*(person(i) for i in range(senders)))
    return answered, retries


def served_by(server: Supervised) -> set[int]:
    """The workers (log tag) that handled a message."""
    return {r["worker"] for r in server.lines() if r.get("message") == "handled"}


async def test_one_port_two_workers_and_a_dead_one_is_replaced(supervised: Supervised) -> None:
    """Both workers answer on the parent's one port; a worker killed with SIGKILL is
    logged and replaced, and the port keeps answering; SIGTERM stops everything."""
    first = supervised.workers()
    assert len(first) == 2
    stop = asyncio.Event()
    chatting = asyncio.create_task(traffic(supervised.base, stop, senders=6))
    deadline = time.monotonic() + 60
    while served_by(supervised) != {0, 1}:
        assert time.monotonic() < deadline, served_by(supervised)
        await asyncio.sleep(0.2)
    victim = min(first)
    os.kill(victim, signal.SIGKILL)
    while len(supervised.workers() - {victim}) < 2:
        assert time.monotonic() < deadline + 60, supervised.log.read_text()[-3000:]
        await asyncio.sleep(0.2)
    await asyncio.sleep(1.0)
    stop.set()
    answered, _retries = await chatting
    assert answered and all("帮助" in t or t for t in answered.values())
    died = [r for r in supervised.lines() if r.get("message") == "worker died; starting another"]
    assert [r["pid"] for r in died] == [victim]
    supervised.proc.send_signal(signal.SIGTERM)
    assert supervised.proc.wait(60) == 0
    assert not supervised.workers()
    assert any(r.get("message") == "workers stopped" for r in supervised.lines())


async def test_sighup_restarts_each_worker_and_no_message_is_lost(
    supervised: Supervised, pg_url: str
) -> None:
    """SIGHUP under traffic: every worker is replaced one at a time, the port answers
    throughout, and every message has its one answer and one record."""
    before = supervised.workers()
    stop = asyncio.Event()
    chatting = asyncio.create_task(traffic(supervised.base, stop))
    await asyncio.sleep(1.0)
    supervised.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 120
    while not any(r.get("message") == "workers restarted" for r in supervised.lines()):
        assert time.monotonic() < deadline, supervised.log.read_text()[-3000:]
        assert not chatting.done(), chatting
        await asyncio.sleep(0.2)
    await asyncio.sleep(1.0)
    stop.set()
    answered, _retries = await chatting
    after = supervised.workers()
    assert len(after) == 2 and not after & before
    [(records,)] = await query(
        pg_url,
        "SELECT count(*) FROM inbound_messages WHERE platform_message_id = ANY(:ids)",
        ids=list(answered),
    )
    assert records == len(answered) > 0
    # A parent killed outright: its workers notice (the lifeline pipe closes) and stop.
    supervised.proc.kill()
    supervised.proc.wait()
    deadline = time.monotonic() + 60
    while any(running(pid) for pid in after):
        assert time.monotonic() < deadline, "workers outlived their parent"
        await asyncio.sleep(0.2)


def running(pid: int) -> bool:
    """Whether ``pid`` still runs (a zombie no longer does)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ", 1)[1][0] != "Z"
    except FileNotFoundError:
        return False


def test_sqlite_refuses_several_workers(sqlite_url: str, tmp_path: Path) -> None:
    """One writer: on SQLite ``--workers 2`` says why in one line and exits non-zero."""
    for command in ("run", "demo"):
        done = subprocess.run(
            [sys.executable, "-m", "bot.cli", command, "--workers", "2"],
            cwd=tmp_path,
            env=worker_env(sqlite_url, YISHI_WEB__PORT=str(free_port())),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 2
        assert done.stderr.strip().splitlines() == [
            "yishi: --workers 2 needs PostgreSQL: SQLite has one writer at a time. "
            'Set [storage] url = "postgresql://…", or serve one process without --workers.'
        ]
