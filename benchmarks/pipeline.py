"""Messages through the whole inbound path: HTTP → router → handler → database → reply.

Starts ``yishi`` (web chat adapter, SQLite file, demo community) in a subprocess
and drives it over loopback HTTP in two ways:

* **Closed loop** (capacity): 1, 50 and 200 senders each send their next message
  the moment the previous reply arrives. This measures the most messages per
  second the bot can take; latency here is only queueing (senders ÷ throughput).
* **Open loop** (latency under load): 200 senders, each sending on its own
  schedule so that together they offer ``--rate`` messages per second (1,000 by
  default), as people in a chat do, whether or not the bot keeps up. Latency is
  measured from each message's scheduled time, so a bot that falls behind pays
  for the wait (no coordinated omission). Before the schedule each sender says
  hello once, all 200 at the same moment; that first-contact burst (new
  identities, new connections) is reported on its own line.

In the same run a bare aiohttp handler (same machine, same client, same payload
size) gives the closed-loop ceiling, and the ratio is printed: the two servers run
side by side and take turns, ``--rounds`` rounds per level (throughput is the
median round's; "each round" is the range of the ratio paired round by round).

    .venv/bin/python benchmarks/pipeline.py [--messages 4000] [--rounds 3] [--rate 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import itertools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from tests.browser import free_port  # noqa: E402
from tests.run_support import wait_healthy  # noqa: E402

# Each sender cycles through: a command, free text (classifier) about the meeting, the
# menu's report button (starts a report), cancelling it, free text about their tickets
# and free text about the next meeting. Half the messages go through the classifier.
TEXTS = ("帮助", "议事日在哪儿开", "我要反映问题", "取消", "我的诉求有人管吗", "下次议事日什么时候")

BARE_SERVER = r"""
import sys
from aiohttp import web

REPLY = {"message_id": "x", "replies": [{"text": "您好" * 40, "buttons": [], "mentions": [],
                                          "chat_id": None}]}

async def handle(request):
    body = await request.json()
    return web.json_response({**REPLY, "message_id": body.get("message_id")})

async def session(request):
    response = web.json_response({"csrf_token": "0" * 64})
    response.set_cookie("yishi_session", "x" * 43)
    return response

app = web.Application()
app.router.add_post("/api/messages", handle)
app.router.add_get("/api/session", session)
app.router.add_get("/healthz", lambda r: web.json_response({"status": "ok"}))
try:  # the same event loop as `yishi run`, so the ceiling is comparable
    import uvloop
    loop_factory = uvloop.new_event_loop
except ImportError:
    loop_factory = None
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None,
            loop=loop_factory() if loop_factory else None)
"""


@contextlib.contextmanager
def generator_collector_off() -> Iterator[None]:
    """No garbage collection in the load generator while it measures.

    The generator is a Python process too: a full collection of its own objects
    (20-25 ms with 200 senders' requests in flight) made its messages late, and the
    open loop charged that lateness to the bot. The bot's own collector is left as
    it runs in production.
    """
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.unfreeze()


#: The web chat's session cookie and CSRF header (bot/adapters/web/sessions.py).
COOKIE, CSRF_HEADER = "yishi_session", "X-Yishi-CSRF"


async def open_sessions(http: aiohttp.ClientSession, base: str, count: int) -> list[dict[str, str]]:
    """A browser session per sender, as the page opens one (cookie + CSRF token), before
    the clock starts; each sender then sends these headers with every message."""

    async def one() -> dict[str, str]:
        async with http.get(base + "/api/session") as resp:
            token = (await resp.json())["csrf_token"]
            cookie = resp.cookies[COOKIE].value
        return {"Cookie": f"{COOKIE}={cookie}", CSRF_HEADER: token}

    return list(await asyncio.gather(*(one() for _ in range(count))))


@dataclass
class Chats:
    """Web-chat senders on one HTTP session, each with its own browser session."""

    session: aiohttp.ClientSession
    base: str
    headers: list[dict[str, str]]
    #: Tells this run's message ids from an earlier run's on the same database.
    run: str = field(default_factory=lambda: uuid.uuid4().hex[:6])

    async def post(self, index: int, text: str, message_id: str) -> bool:
        """Sender ``index`` says ``text``; whether it was answered (200)."""
        body = {"text": text, "message_id": message_id}
        async with self.session.post(
            self.base + "/api/messages", json=body, headers=self.headers[index]
        ) as resp:
            await resp.read()
            return resp.status == 200

    @staticmethod
    def texts(index: int) -> Iterator[str]:
        """What sender ``index`` says, over and over (each sender starts elsewhere)."""
        return itertools.cycle(TEXTS[index % len(TEXTS) :] + TEXTS[: index % len(TEXTS)])


@contextlib.asynccontextmanager
async def chats(base: str, senders: int) -> AsyncIterator[Chats]:
    """``senders`` people with their sessions open, before the clock starts."""
    connector = aiohttp.TCPConnector(limit=senders + 10)
    jar = aiohttp.DummyCookieJar()  # each sender sends its own cookie
    async with aiohttp.ClientSession(connector=connector, cookie_jar=jar) as session:
        yield Chats(session, base, await open_sessions(session, base, senders))


class Probe(Protocol):
    """Something read around the measured part of a run (benchmarks/postgres.py: CPU)."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


async def drive(base: str, senders: int, messages: int, probe: Probe | None = None) -> Round:
    """``senders`` concurrent people, each sending its share of ``messages`` one after another."""
    latencies: list[float] = []
    errors = 0
    async with chats(base, senders) as chat:

        async def sender(index: int, count: int) -> None:
            nonlocal errors
            texts = chat.texts(index)
            for n in range(count):
                started = time.perf_counter()
                if not await chat.post(index, next(texts), f"{chat.run}-{index}-{n}"):
                    errors += 1
                latencies.append(time.perf_counter() - started)

        share = max(1, messages // senders)
        if probe is not None:
            await probe.start()
        started = time.perf_counter()
        await asyncio.gather(*(sender(i, share) for i in range(senders)))
        elapsed = time.perf_counter() - started
        if probe is not None:
            await probe.stop()
    return Round(latencies, elapsed, errors)


@dataclass
class Round:
    """One closed-loop run: each message's latency, the run's length, failed replies."""

    latencies: list[float]
    seconds: float
    errors: int

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds


def summarise(rounds: list[Round]) -> dict[str, Any]:
    """Throughput: the median round's; latency percentiles: over every round's messages."""
    latencies = sorted(itertools.chain.from_iterable(r.latencies for r in rounds))
    return {
        "messages": len(latencies),
        "rounds": len(rounds),
        "throughput": statistics.median(r.throughput for r in rounds),
        "throughputs": [r.throughput for r in rounds],
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "errors": sum(r.errors for r in rounds),
    }


def each_round(ours: dict[str, Any], theirs: dict[str, Any]) -> str:
    """Our throughput over theirs paired round by round, as ``low-high``: how far the
    machine's drift moved the ratio (the "each round" column)."""
    paired = [a / b for a, b in zip(ours["throughputs"], theirs["throughputs"], strict=True)]
    return f"{min(paired):.2f}-{max(paired):.2f}"


async def drive_open(
    base: str, senders: int, rate: float, seconds: float, probe: Probe | None = None
) -> dict[str, float]:
    """``senders`` people offering ``rate`` messages/s in all, each on a fixed schedule.

    Each person first says hello, all at once (their first contact: a new identity,
    a new connection), and that burst is reported on its own; the schedule then
    starts with people the bot knows, over open connections, as in a chat that is
    under way.
    """
    latencies: list[float] = []
    errors = 0
    period = senders / rate  # each sender's gap between messages
    async with chats(base, senders) as chat:
        run = chat.run

        async def post(index: int, text: str, message_id: str) -> None:
            nonlocal errors
            if not await chat.post(index, text, message_id):
                errors += 1

        async def first_contact(index: int) -> float:
            started = time.perf_counter()
            await post(index, "你好", f"o{run}-{index}-hello")
            return time.perf_counter() - started

        hello = sorted(await asyncio.gather(*(first_contact(i) for i in range(senders))))
        if probe is not None:
            await probe.start()
        start = time.perf_counter() + 0.2

        async def sender(index: int) -> None:
            texts = chat.texts(index)
            scheduled = start + period * index / senders  # staggered, then every period
            n = 0
            while scheduled < start + seconds:
                delay = scheduled - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                await post(index, next(texts), f"o{run}-{index}-{n}")
                latencies.append(time.perf_counter() - scheduled)
                scheduled += period
                n += 1

        await asyncio.gather(*(sender(i) for i in range(senders)))
        elapsed = time.perf_counter() - start
        if probe is not None:
            await probe.stop()
    latencies.sort()
    return {
        "messages": len(latencies),
        "seconds": elapsed,
        "offered": rate,
        "throughput": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "max_ms": latencies[-1] * 1000,
        "errors": errors,
        "first_contact_p50_ms": statistics.median(hello) * 1000,
        "first_contact_max_ms": hello[-1] * 1000,
    }


async def measure(
    bases: dict[str, str], levels: list[int], messages: int, rounds: int
) -> dict[str, dict[int, dict[str, Any]]]:
    """Closed loop at each level, the servers taking turns round by round.

    This machine's speed drifts by tens of percent within a minute; measuring one
    server after the other put them in different phases (a ratio of 0.24 in one
    run, 0.71 in the next). Alternating rounds level by level compares like with like.
    """
    for base in bases.values():
        await drive(base, 20, 400)  # warm-up: imports, caches, connection pools
    runs: dict[str, dict[int, list[Round]]] = {name: {c: [] for c in levels} for name in bases}
    for c in levels:
        for _ in range(rounds):
            for name, base in bases.items():
                runs[name][c].append(
                    await drive(base, c, messages if c > 1 else min(messages, 500))
                )
    return {name: {c: summarise(r) for c, r in per.items()} for name, per in runs.items()}


def start(cmd: list[str], env: dict[str, str], log: Any) -> subprocess.Popen[bytes]:
    """The server, its logs to a file: at INFO a pipe nobody reads would fill up."""
    return subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log)


def stop(proc: subprocess.Popen[bytes], patience: float = 15.0) -> None:
    """A server asked to stop; killed if it has not within ``patience`` seconds."""
    proc.terminate()
    try:
        proc.wait(patience)
    except subprocess.TimeoutExpired:
        proc.kill()


def add_load_options(parser: argparse.ArgumentParser, rate: float) -> None:
    """The load a web-chat benchmark offers (this one's, benchmarks/postgres.py's)."""
    parser.add_argument("--levels", default="1,50,200")
    parser.add_argument(
        "--messages", type=int, default=4000, help="messages per round (500 at 1 sender)"
    )
    parser.add_argument("--rounds", type=int, default=3, help="closed-loop rounds per level")
    parser.add_argument("--rate", type=float, default=rate, help="open-loop messages/s offered")
    parser.add_argument("--open-senders", type=int, default=200)
    parser.add_argument("--open-seconds", type=float, default=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=None, help="database URL (default: a fresh SQLite file)")
    add_load_options(parser, rate=1000)
    parser.add_argument(
        "--log-level",
        default="WARNING",
        help="the bot's [log] level: INFO adds a JSON line per message and per request",
    )
    args = parser.parse_args()
    levels = [int(x) for x in args.levels.split(",")]

    tmp = tempfile.mkdtemp(prefix="yishi-bench-")
    url = args.url or f"sqlite:///{tmp}/bench.db"
    port, bare_port = free_port(), free_port()
    env = {
        **os.environ,
        "YISHI_STORAGE__URL": url,
        "YISHI_WEB__PORT": str(port),
        "YISHI_LOG__LEVEL": args.log_level,
    }

    log = open(f"{tmp}/server.log", "w+b")  # noqa: SIM115  (closed with tmp below)
    proc = start([sys.executable, "-m", "bot.cli", "demo"], env, log)
    bare = start([sys.executable, "-c", BARE_SERVER, str(bare_port)], env, subprocess.DEVNULL)
    bases = {"yishi": f"http://127.0.0.1:{port}", "bare": f"http://127.0.0.1:{bare_port}"}
    try:
        for base in bases.values():
            asyncio.run(wait_healthy(base))
        with generator_collector_off():
            results = asyncio.run(measure(bases, levels, args.messages, args.rounds))
            opened = asyncio.run(
                drive_open(bases["yishi"], args.open_senders, args.rate, args.open_seconds)
            )
    finally:
        stop(bare)
        stop(proc)
        log.seek(0)
        err = log.read().decode(errors="replace")
        logged = err.count("\n")
        log.close()
        if proc.returncode not in (0, -15) and err:
            print(err[-2000:], file=sys.stderr)
        shutil.rmtree(tmp, ignore_errors=True)

    print(
        f"inbound pipeline on {os.cpu_count()} cores, database {url.split(':')[0]}, "
        f"log level {args.log_level} ({logged} log lines)"
    )
    print(
        f"{'senders':>8} {'msgs':>6} {'yishi msg/s':>12} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'bare msg/s':>11} {'ratio':>6} {'each round':>11} {'errors':>7}"
    )
    for c in levels:
        y, b = results["yishi"][c], results["bare"][c]
        print(
            f"{c:>8} {int(y['messages']):>6} {y['throughput']:>12.0f} {y['p50_ms']:>8.1f} "
            f"{y['p99_ms']:>8.1f} {b['throughput']:>11.0f} "
            f"{y['throughput'] / b['throughput']:>6.2f} "
            f"{each_round(y, b):>11} {int(y['errors']):>7}"
        )
    print(
        f"first contact: {args.open_senders} new senders at once: "
        f"p50 {opened['first_contact_p50_ms']:.1f} ms, max {opened['first_contact_max_ms']:.1f} ms"
    )
    print(
        f"open loop: {args.open_senders} senders offering {args.rate:.0f} msg/s for "
        f"{args.open_seconds:.0f} s: {opened['throughput']:.0f} msg/s answered, "
        f"p50 {opened['p50_ms']:.1f} ms, p99 {opened['p99_ms']:.1f} ms, "
        f"max {opened['max_ms']:.1f} ms, errors {int(opened['errors'])}"
    )
    print(json.dumps({**results, "open_loop": opened}))


if __name__ == "__main__":
    main()
