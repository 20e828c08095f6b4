"""WeChat's encrypted callbacks: Yishi beside a bare aiohttp echo of the same callback.

Run: ``.venv/bin/python benchmarks/wechat.py [--messages 2000] [--rounds 3] [--url URL]``

1. **Callbacks.** Signed, AES-encrypted safe-mode text messages (``帮助``) from 2,000
   openids, closed loop at 1, 50 and 200 concurrent senders, against two servers
   started side by side:

   * ``yishi run`` (a subprocess: SQLite file by default, ``--url`` for PostgreSQL),
     the whole path: signature and freshness, nonce, decrypt, parse, router, handler,
     the message's transaction, encrypted passive reply;
   * a bare aiohttp server (the same event loop, uvloop) that checks the signatures,
     decrypts, parses and answers with an encrypted echo: the ceiling. It uses the
     bot's own crypto and XML modules, so the ratio is everything else; their cost
     is measured on its own and printed first.

   The servers take turns round by round (this shared machine's speed drifts within a
   minute; alternating compares like with like). Both servers are pinned to one core
   and the load generator to the other (``os.sched_setaffinity``). Printed per level:
   ok replies per second (the median round's), p50/p99 latency over all rounds, the
   ratio (and its range round by round), and Yishi's server CPU per callback.
   The target (issue 20): at 50 senders Yishi ≥ 0.25 of the echo, p99 under 50 ms.

2. **An announcement to 1,000 groups** through the push outbox (``--groups``, 0 to
   skip): to Telegram groups via python-telegram-bot against the fake Bot API at the
   real limits (30 messages/s overall, 20/min per group), and to WeCom group robots.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from benchmarks.pipeline import each_round, generator_collector_off, stop  # noqa: E402
from tests.bot.adapters.fakes.wechat_server import FakeWechat  # noqa: E402
from tests.browser import free_port  # noqa: E402
from tests.run_support import run_config, wait_healthy  # noqa: E402

OPENIDS = 2000
SERVER_CORE, CLIENT_CORE = 1, 0

#: The ceiling: what any WeChat safe-mode server must do for one callback, and no more.
ECHO_SERVER = r"""
import sys, time
from aiohttp import web
from bot.adapters.wechat import xml
from bot.adapters.wechat.crypto import MessageCrypt, check_signature

TOKEN, KEY, APP_ID, PORT = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
crypt = MessageCrypt(TOKEN, KEY, APP_ID)

async def callback(request):
    q = request.query
    if not check_signature(q["signature"], TOKEN, q["timestamp"], q["nonce"]):
        raise web.HTTPForbidden()
    outer = xml.read_fields(await request.read())
    if not crypt.verify(q["msg_signature"], q["timestamp"], q["nonce"], outer["Encrypt"]):
        raise web.HTTPForbidden()
    fields = xml.read_fields(crypt.decrypt(outer["Encrypt"]).encode())
    now = int(time.time())
    inner = xml.build({"ToUserName": fields["FromUserName"], "FromUserName": fields["ToUserName"],
                       "CreateTime": now, "MsgType": "text", "Content": fields["Content"]})
    body = xml.build(crypt.envelope(inner, now, q["nonce"]))
    return web.Response(text=body, content_type="application/xml")

app = web.Application()
app.router.add_post("/wechat", callback)
app.router.add_get("/healthz", lambda r: web.json_response({"status": "ok"}))
try:
    import uvloop
    loop = uvloop.new_event_loop()
except ImportError:
    loop = None
web.run_app(app, host="127.0.0.1", port=PORT, print=None, access_log=None, loop=loop)
"""


def yishi_config(url: str, port: int, fake: FakeWechat) -> str:
    return run_config(
        url,
        port,
        f"""[wechat]
enabled = true
token = "{fake.token}"
encoding_aes_key = "{fake.encoding_aes_key}"
app_id = "{fake.app_id}"
app_secret = "{fake.app_secret}"
api_base_url = "http://127.0.0.1:9"
""",
    )


@dataclass
class Round:
    latencies: list[float]
    seconds: float
    failed: int
    acknowledged: int  # "success" instead of an answer (late)
    cpu_seconds: float

    @property
    def throughput(self) -> float:
        return (len(self.latencies) - self.failed) / self.seconds


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pin(pid: int, core: int) -> bool:
    if (os.cpu_count() or 1) < 2 or not hasattr(os, "sched_setaffinity"):
        return False
    os.sched_setaffinity(pid, {core})
    return True


_next_message = itertools.count(10_000_000)


def requests(fake: FakeWechat, count: int) -> list[tuple[dict[str, str], bytes]]:
    """Signed, encrypted callbacks (made before the round: signing is WeChat's work)."""
    made = []
    for _ in range(count):
        mid = next(_next_message)
        fields = fake.text(f"oBench{mid % OPENIDS}", "帮助", mid)
        made.append(fake.callback(fields, safe=True))
    return made


async def drive(url: str, pid: int, fake: FakeWechat, senders: int, total: int) -> Round:
    per_sender = max(1, total // senders)
    work = requests(fake, per_sender * senders)
    latencies: list[float] = []
    failed = acknowledged = 0
    connector = aiohttp.TCPConnector(limit=senders + 10)
    timeout = aiohttp.ClientTimeout(total=5)  # WeChat gives up after 5 s
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def sender(s: int) -> None:
            nonlocal failed, acknowledged
            for query, body in work[s * per_sender : (s + 1) * per_sender]:
                started = time.perf_counter()
                try:
                    async with session.post(url, params=query, data=body) as resp:
                        text = await resp.text()
                        ok = resp.status == 200 and "<Encrypt>" in text
                        acknowledged += text == "success"
                except (aiohttp.ClientError, TimeoutError):
                    ok = False
                latencies.append(time.perf_counter() - started)
                failed += not ok

        cpu = cpu_seconds(pid)
        started = time.perf_counter()
        await asyncio.gather(*(sender(s) for s in range(senders)))
        seconds = time.perf_counter() - started
        cpu = cpu_seconds(pid) - cpu
    return Round(latencies, seconds, failed, acknowledged, cpu)


def summary(rounds: list[Round]) -> dict[str, Any]:
    latencies = sorted(itertools.chain.from_iterable(r.latencies for r in rounds))
    count = len(latencies)
    return {
        "throughput": statistics.median(r.throughput for r in rounds),
        "throughputs": [r.throughput for r in rounds],
        "p50_ms": latencies[count // 2] * 1000,
        "p99_ms": latencies[max(0, int(count * 0.99) - 1)] * 1000,
        "cpu_ms": sum(r.cpu_seconds for r in rounds) / count * 1000,
        "failed": sum(r.failed for r in rounds),
        "acknowledged": sum(r.acknowledged for r in rounds),
        "messages": count,
    }


def crypto_and_xml_cost(fake: FakeWechat, count: int = 2000) -> tuple[float, float]:
    """µs per callback of the safe-mode work itself: (inbound, reply)."""
    from bot.adapters.wechat import xml
    from bot.adapters.wechat.crypto import MessageCrypt, check_signature

    crypt = MessageCrypt(fake.token, fake.encoding_aes_key, fake.app_id)
    made = requests(fake, count)
    started = time.perf_counter()
    inner: dict[str, str] = {}
    for query, body in made:
        check_signature(query["signature"], fake.token, query["timestamp"], query["nonce"])
        outer = xml.read_fields(body)
        crypt.verify(query["msg_signature"], query["timestamp"], query["nonce"], outer["Encrypt"])
        inner = xml.read_fields(crypt.decrypt(outer["Encrypt"]).encode())
    inbound = (time.perf_counter() - started) / count * 1e6
    text = "您好！我是议事通，可以帮您：\n1. 反映问题 2. 查询进度 3. 提议题" * 3
    started = time.perf_counter()
    for _ in range(count):
        reply = xml.build(
            {
                "ToUserName": inner["FromUserName"],
                "FromUserName": inner["ToUserName"],
                "CreateTime": 1,
                "MsgType": "text",
                "Content": text,
            }
        )
        xml.build(crypt.envelope(reply, 1, "1234567890"))
    return inbound, (time.perf_counter() - started) / count * 1e6


async def compare(
    servers: dict[str, tuple[str, int]],
    fake: FakeWechat,
    levels: list[int],
    messages: int,
    rounds: int,
) -> dict[str, dict[int, dict[str, Any]]]:
    for url, pid in servers.values():  # warm-up: imports, caches, first contacts
        await drive(url, pid, fake, 50, OPENIDS)
    runs: dict[str, dict[int, list[Round]]] = {n: {c: [] for c in levels} for n in servers}
    for senders in levels:
        total = messages if senders > 1 else min(messages, 500)
        for _ in range(rounds):
            for name, (url, pid) in servers.items():
                gc.collect()
                runs[name][senders].append(await drive(url, pid, fake, senders, total))
    return {n: {c: summary(r) for c, r in per.items()} for n, per in runs.items()}


def start(cmd: list[str], log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("YISHI_")}
    with log.open("ab") as out:
        return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def callbacks(args: argparse.Namespace) -> None:
    fake = FakeWechat()
    levels = [int(x) for x in args.levels.split(",")]
    tmp = Path(tempfile.mkdtemp(prefix="yishi-wechat-bench-"))
    url = args.url or f"sqlite:///{tmp}/bench.db"
    port, echo_port = free_port(), free_port()
    config = tmp / "yishi.toml"
    config.write_text(yishi_config(url, port, fake), encoding="utf-8")
    yishi = start([sys.executable, "-m", "bot.cli", "run", "--config", str(config)], tmp / "y.log")
    echo = start(
        [
            sys.executable,
            "-c",
            ECHO_SERVER,
            fake.token,
            fake.encoding_aes_key,
            fake.app_id,
            str(echo_port),
        ],
        tmp / "echo.log",
    )
    pinned = pin(yishi.pid, SERVER_CORE) and pin(echo.pid, SERVER_CORE) and pin(0, CLIENT_CORE)
    servers = {
        "yishi": (f"http://127.0.0.1:{port}/wechat", yishi.pid),
        "echo": (f"http://127.0.0.1:{echo_port}/wechat", echo.pid),
    }
    try:
        asyncio.run(wait_healthy(f"http://127.0.0.1:{port}", 120, yishi, tmp / "y.log"))
        asyncio.run(wait_healthy(f"http://127.0.0.1:{echo_port}"))
        inbound_us, reply_us = crypto_and_xml_cost(fake)
        with generator_collector_off():
            results = asyncio.run(compare(servers, fake, levels, args.messages, args.rounds))
    finally:
        stop(echo, 20)
        stop(yishi, 20)
        if yishi.returncode not in (0, -15):
            print((tmp / "y.log").read_text()[-2000:], file=sys.stderr)
        shutil.rmtree(tmp, ignore_errors=True)

    load = os.getloadavg()
    print(
        f"WeChat safe-mode callbacks ({OPENIDS} openids, 帮助), database {url.split(':')[0]}; "
        f"{os.cpu_count()} cores, servers {'on core 1, client on core 0' if pinned else 'unpinned'}"
        f"; load average {load[0]:.1f} {load[1]:.1f}"
    )
    print(
        f"crypto + XML alone (bot's modules, in-process): {inbound_us:.0f} µs in "
        f"(signatures, parse, decrypt, parse), {reply_us:.0f} µs out (build, encrypt, sign)"
    )
    print(
        f"{'senders':>7} {'yishi/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'cpu ms':>7} "
        f"{'echo/s':>7} {'p99 ms':>7} {'cpu ms':>7} {'ratio':>6} {'each round':>11} "
        f"{'failed':>6} {'late':>5}"
    )
    for senders in levels:
        y, e = results["yishi"][senders], results["echo"][senders]
        print(
            f"{senders:>7} {y['throughput']:>8.0f} {y['p50_ms']:>7.1f} {y['p99_ms']:>7.1f} "
            f"{y['cpu_ms']:>7.2f} {e['throughput']:>7.0f} {e['p99_ms']:>7.1f} {e['cpu_ms']:>7.2f} "
            f"{y['throughput'] / e['throughput']:>6.2f} "
            f"{each_round(y, e):>11} {y['failed']:>6} {y['acknowledged']:>5}"
        )
    if 50 in results["yishi"]:
        y, e = results["yishi"][50], results["echo"][50]
        ratio = y["throughput"] / e["throughput"]
        met = ratio >= 0.25 and y["p99_ms"] < 50
        print(
            f"target at 50 senders: ratio ≥ 0.25 and p99 < 50 ms: ratio {ratio:.2f}, "
            f"p99 {y['p99_ms']:.1f} ms: {'met' if met else 'NOT met'}"
        )


def announcement(groups: int) -> None:
    """The outbox's pace for a 1,000-group announcement (in-process, fakes for the APIs)."""
    from aiohttp import web

    from bot.app import build_web_app, build_yishi
    from bot.config import Settings
    from kernel.intents import KeywordClassifier
    from kernel.messages import Reply
    from tests.bot.adapters.fakes.telegram_server import FakeTelegram

    async def run() -> None:
        wechat = await FakeWechat().start()
        telegram = await FakeTelegram().start()
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(
                storage={"url": f"sqlite:///{tmp}/announce.db"},
                log={"level": "WARNING", "format": "text"},
                web={"host": "127.0.0.1", "port": 1},
                push={"telegram_per_second": 30.0, "wecom_per_second": 1000.0},
                telegram={
                    "enabled": True,
                    "token": telegram.token,
                    "base_url": telegram.base_url,
                    "mode": "webhook",
                    "webhook_secret": "bench",
                },
                wecom={
                    "enabled": True,
                    "corp_id": wechat.corp_id,
                    "agent_id": 1,
                    "secret": wechat.corp_secret,
                    "token": wechat.token,
                    "encoding_aes_key": wechat.encoding_aes_key,
                    "api_base_url": wechat.url,
                    "robot_webhooks": {
                        f"g{n}": f"{wechat.url}/cgi-bin/webhook/send?key=g{n}"
                        for n in range(groups)
                    },
                },
            )
            yishi = build_yishi(settings, classifier=KeywordClassifier())
            await yishi.prepare_database()
            runner = web.AppRunner(build_web_app(yishi), access_log=None)
            await runner.setup()  # starts the adapters and the push service
            await yishi.push.stop()  # drained by hand below, so the timing is the outbox's
            text = "【通知】本月协商议事日定于12月5日（周六）上午9:30在社区服务中心举行，欢迎参加。"
            print(f"Announcement to {groups} groups through the outbox:")
            for platform, chats in (
                ("telegram", [str(-1_000_000 - n) for n in range(groups)]),
                ("wecom", [f"robot:g{n}" for n in range(groups)]),
            ):
                async with yishi.uow() as uow:
                    for chat in chats:
                        await uow.pushes.enqueue(platform, chat, Reply(text).as_json())
                started = time.perf_counter()
                await yishi.push.drain(rounds=1000)
                wall = time.perf_counter() - started
                if platform == "telegram":
                    got = len(telegram.sent())
                    floor = float((groups - 1) // 30)  # 30 in any one-second window
                else:
                    got = sum(1 for s in wechat.sent if s.path.startswith("robot:"))
                    floor = 0.0
                print(
                    f"  {platform:<8}: {got}/{groups} groups in {wall:6.2f} s "
                    f"({got / wall:5.1f}/s; the limit allows no less than {floor:4.1f} s)"
                )
            await runner.cleanup()
        await wechat.close()
        await telegram.close()

    asyncio.run(run())


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000, help="per round (500 at 1 sender)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--levels", default="1,50,200")
    parser.add_argument("--url", default=None, help="database URL (default: a fresh SQLite file)")
    parser.add_argument("--groups", type=int, default=1000, help="announcement size (0: skip)")
    arguments = parser.parse_args()
    callbacks(arguments)
    if arguments.groups:
        announcement(arguments.groups)
