"""Benchmark the WeChat path and a 1,000-group announcement under the platforms' limits.

Run: ``python benchmarks/wechat.py [--messages N] [--groups N]``.

1. Encrypted (safe-mode) WeChat callbacks through the whole path — real HTTP on
   loopback, signature check, AES decrypt, database claim, router, encrypted
   passive reply — at 1, 50 and 200 concurrent senders; prints throughput and
   latency percentiles. The callbacks come from the local WeChat stand-in.
2. A 1,000-group announcement through the push outbox: to Telegram groups via
   python-telegram-bot against the fake Bot API at the real limits (30 messages/s
   overall, 20/min per group), and to WeCom group robots (20/min each); timed.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
from aiohttp import web  # noqa: E402

from bot.app import Yishi, build_web_app, build_yishi  # noqa: E402
from bot.config import Settings  # noqa: E402
from kernel.intents import KeywordClassifier  # noqa: E402
from kernel.messages import Reply  # noqa: E402
from tests.bot.adapters.fakes.telegram_server import FakeTelegram  # noqa: E402
from tests.bot.adapters.fakes.wechat_server import FakeWechat  # noqa: E402


def settings(db: Path, wechat: FakeWechat, telegram: FakeTelegram, groups: int) -> Settings:
    return Settings(
        storage={"url": f"sqlite:///{db}"},
        log={"level": "WARNING", "format": "text"},
        web={"host": "127.0.0.1", "port": 1},
        push={"telegram_per_second": 30.0, "wecom_per_second": 1000.0},
        wechat={
            "enabled": True,
            "token": wechat.token,
            "encoding_aes_key": wechat.encoding_aes_key,
            "app_id": wechat.app_id,
            "app_secret": wechat.app_secret,
            "api_base_url": wechat.url,
        },
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
                f"g{n}": f"{wechat.url}/cgi-bin/webhook/send?key=g{n}" for n in range(groups)
            },
        },
    )


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def callbacks(url: str, fake: FakeWechat, senders: int, total: int, base: int) -> None:
    per_sender = max(1, total // senders)
    latencies: list[float] = []
    failures = 0
    late = 0  # acknowledged with "success", answer pushed afterwards
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:

        async def sender(s: int) -> None:
            nonlocal failures, late
            for i in range(per_sender):
                mid = base + s * per_sender + i
                query, body = fake.callback(fake.text(f"oBench{s}", "帮助", mid), safe=True)
                t0 = time.perf_counter()
                try:
                    async with session.post(url, params=query, data=body) as resp:
                        text = await resp.text()
                        ok = resp.status == 200 and ("<Encrypt>" in text or text == "success")
                        late += text == "success"
                except TimeoutError:  # WeChat gives up after 5 s
                    ok = False
                latencies.append(time.perf_counter() - t0)
                failures += not ok

        started = time.perf_counter()
        await asyncio.gather(*(sender(s) for s in range(senders)))
        wall = time.perf_counter() - started
    n = len(latencies)
    print(
        f"  {senders:>3} senders: {n:>5} callbacks in {wall:6.2f} s = {n / wall:7.1f}/s   "
        f"p50 {pct(latencies, 50) * 1000:6.1f} ms  p99 {pct(latencies, 99) * 1000:7.1f} ms  "
        f"max {max(latencies) * 1000:7.1f} ms  pushed-late {late}  failed {failures}"
    )


async def announcement(
    yishi: Yishi, telegram: FakeTelegram, wechat: FakeWechat, groups: int
) -> None:
    text = "【通知】本月协商议事日定于12月5日（周六）上午9:30在社区服务中心举行，欢迎参加。"
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


async def main(messages: int, groups: int) -> None:
    wechat = await FakeWechat().start()
    telegram = await FakeTelegram().start()
    with tempfile.TemporaryDirectory() as tmp:
        yishi = build_yishi(
            settings(Path(tmp) / "bench.db", wechat, telegram, groups),
            classifier=KeywordClassifier(),
        )
        await yishi.prepare_database()
        runner = web.AppRunner(build_web_app(yishi), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        url = f"http://127.0.0.1:{port}/wechat"
        print(f"WeChat safe-mode callbacks, {messages} per level, whole path (SQLite):")
        for level, senders in enumerate((1, 50, 200)):
            await callbacks(url, wechat, senders, messages, base=1_000_000 * (level + 1))
        await yishi.push.stop()  # drain by hand below, so the timing is the outbox's alone
        print(f"Announcement to {groups} groups through the outbox:")
        await announcement(yishi, telegram, wechat, groups)
        await runner.cleanup()
    await wechat.close()
    await telegram.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=400)
    parser.add_argument("--groups", type=int, default=1000)
    args = parser.parse_args()
    asyncio.run(main(args.messages, args.groups))
