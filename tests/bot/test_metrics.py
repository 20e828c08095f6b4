"""What an operator watches: /metrics in Prometheus text, /healthz with its three facts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from bot.app import Yishi, build_web_app, build_yishi
from bot.demo import seed_demo
from bot.metrics import CountedSender, intent_label
from kernel.intents import Intent, KeywordClassifier
from kernel.messages import Reply
from tests.conftest import Clock, make_settings
from tests.kit import message as msg

ClientFactory = Callable[[web.Application], Awaitable[TestClient[Any, Any]]]
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


@pytest.fixture
async def served(
    sqlite_url: str, clock: Clock, aiohttp_client: ClientFactory
) -> AsyncIterator[tuple[Yishi, TestClient[Any, Any]]]:
    bot = build_yishi(make_settings(sqlite_url), classifier=KeywordClassifier(), clock=clock)
    bot.watch.ttl = 0  # every probe reads afresh here; in production a few seconds
    await seed_demo(bot.uow, clock())
    yield bot, await aiohttp_client(build_web_app(bot))


async def scrape(client: TestClient[Any, Any]) -> tuple[Samples, str]:
    resp = await client.get("/metrics")
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    body = await resp.text()
    samples: Samples = {}
    for family in text_string_to_metric_families(body):  # raises on malformed text
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return samples, body


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def send(bot: Yishi, sender: str, words: str, mid: str) -> str:
    """A message in the web chat, through the router as every adapter hands it over."""
    replies = await bot.router.handle(msg(words, sender, mid=mid))
    return "\n".join(r.text for r in replies)


async def test_a_message_moves_its_counter_and_the_latency_histogram(
    served: tuple[Yishi, TestClient[Any, Any]],
) -> None:
    bot, client = served
    before, _ = await scrape(client)
    assert "反映问题" in await send(bot, "zhang", "帮助", "m1")
    await send(bot, "zhang", "帮助", "m1")  # WeChat-style redelivery: once, as a duplicate
    after, body = await scrape(client)
    web_command = {"platform": "web", "intent": "command"}
    assert value(after, "yishi_messages_total", **web_command) == (
        value(before, "yishi_messages_total", **web_command) + 1
    )
    duplicate = {"platform": "web", "intent": "duplicate"}
    assert value(after, "yishi_messages_total", **duplicate) == (
        value(before, "yishi_messages_total", **duplicate) + 1
    )
    count = ("yishi_message_seconds_count", {"intent": "command"})
    assert value(after, count[0], **count[1]) == value(before, count[0], **count[1]) + 1
    assert "# TYPE yishi_message_seconds histogram" in body


async def test_push_attempts_failures_and_backlog(
    served: tuple[Yishi, TestClient[Any, Any]],
) -> None:
    bot, client = served

    class Refusing:
        async def send(self, chat_id: str, reply: Reply) -> None:
            raise RuntimeError("platform down")

    before, _ = await scrape(client)
    async with bot.uow() as uow:
        await uow.pushes.enqueue("web", "wang", Reply("新任务").as_json(), now=bot.clock())
        await uow.pushes.enqueue("web", "li", Reply("月报").as_json(), now=bot.clock())
        await uow.pushes.enqueue("refusing", "x", Reply("试试").as_json(), now=bot.clock())
    bot.push.register("refusing", CountedSender("refusing", Refusing()))
    waiting, _ = await scrape(client)
    assert value(waiting, "yishi_push_backlog") == 3
    assert (await (await client.get("/healthz")).json())["push_backlog"] == 3
    await bot.push.deliver_due()
    after, _ = await scrape(client)
    for platform, attempts, failures in (("web", 2, 0), ("refusing", 1, 1)):
        key = {"platform": platform}
        assert value(after, "yishi_push_attempts_total", **key) == (
            value(before, "yishi_push_attempts_total", **key) + attempts
        )
        assert value(after, "yishi_push_failures_total", **key) == (
            value(before, "yishi_push_failures_total", **key) + failures
        )
    assert value(after, "yishi_push_backlog") == 1  # the refused one waits for its retry


async def test_database_errors_are_counted_once_each(
    served: tuple[Yishi, TestClient[Any, Any]],
) -> None:
    bot, client = served
    before, _ = await scrape(client)
    with pytest.raises(Exception, match="no_such_table"):
        async with bot.uow() as uow:  # through SQLAlchemy
            await uow.session.execute(text("SELECT * FROM no_such_table"))
    with pytest.raises(Exception, match="no_such_column"):
        async with bot.uow() as uow:  # straight on the SQLite driver (the router's own path)
            driver = await uow.session.driver()  # type: ignore[attr-defined]
            driver.execute("SELECT no_such_column FROM pushes")
    after, _ = await scrape(client)
    error = {"error": "OperationalError"}
    assert value(after, "yishi_database_errors_total", **error) == (
        value(before, "yishi_database_errors_total", **error) + 2
    )


@pytest.mark.loops("scheduler")
async def test_healthz_reports_database_push_backlog_and_scheduler_role(
    served: tuple[Yishi, TestClient[Any, Any]],
) -> None:
    bot, client = served
    for _ in range(200):  # the scheduler's first tick takes the lease at start-up
        if bot.scheduler.leader:
            break
        await asyncio.sleep(0.01)
    health = await (await client.get("/healthz")).json()
    assert health["database"] == "ok" and health["push_backlog"] == 0
    assert health["scheduler"] == {"role": "leader", "leader": bot.scheduler.holder}
    samples, _ = await scrape(client)
    assert value(samples, "yishi_scheduler_leader") == 1


async def test_a_process_without_the_scheduler_says_so(
    served: tuple[Yishi, TestClient[Any, Any]],
) -> None:
    _bot, client = served
    health = await (await client.get("/healthz")).json()
    assert health["scheduler"] == {"role": "off", "leader": None}


async def test_no_label_names_a_choice_a_person_or_what_was_typed(
    served: tuple[Yishi, TestClient[Any, Any]],
) -> None:
    bot, client = served
    assert "【表决 P1】" in await send(bot, "li", "开启投票 小区是否加装电梯", "v0")
    for n, (who, choice) in enumerate((("zhang", "赞成"), ("liu", "反对"), ("chen", "弃权"))):
        assert "已记录您对 P1 的投票" in await send(bot, who, f"投票 P1 {choice}", f"v{n + 1}")
    await send(bot, "zhang", "绑定483920", "b1")
    samples, body = await scrape(client)
    for word in ("赞成", "反对", "弃权", "zhang", "liu", "chen", "483920", "P1"):
        assert word not in body
    labels = {v for (_name, pairs) in samples for k, v in pairs if k == "intent"}
    fixed = {i.value for i in Intent} | {"command", "ask", "clarify", "flow", "none"}
    assert labels <= fixed | {"cancel", "duplicate", "error"}
    assert "vote" in labels or "command" in labels
    assert intent_label("command:绑定483920") == "command"


@pytest.mark.parametrize(
    ("intent", "label"),
    [
        (None, "none"),
        ("vote", "vote"),
        ("command:帮助", "command"),
        ("command:审核T2通过:x", "command"),
        ("ask:report_issue", "ask"),
        ("clarify:none", "clarify"),
        ("report", "flow"),  # a flow's next step, by the flow's name
        ("duplicate", "duplicate"),
    ],
)
def test_intent_labels_are_a_fixed_list(intent: str | None, label: str) -> None:
    assert intent_label(intent) == label


async def test_how_late_the_schedule_and_the_pushes_run(
    served: tuple[Yishi, TestClient[Any, Any]],
) -> None:
    from datetime import timedelta

    from storage.scheduler import ScheduledSend, ScheduledSendRepository

    bot, client = served
    now = bot.clock()
    async with bot.uow() as uow:
        sends = uow.get(ScheduledSendRepository)
        for key, status, due, recorded in (
            (
                "a",
                "sent",
                now - timedelta(hours=2),
                now - timedelta(hours=2) + timedelta(seconds=5),
            ),
            (
                "b",
                "sent",
                now - timedelta(minutes=3),
                now - timedelta(minutes=3) + timedelta(seconds=90),
            ),
            ("c", "dropped", now - timedelta(days=3), now),  # too late to send: not a lag
        ):
            await sends.claim(
                ScheduledSend(
                    key=key,
                    kind="t",
                    ref=key,
                    due_at=due,
                    status=status,
                    recorded_at=recorded,
                    actor="t",
                )
            )
        await uow.pushes.enqueue(
            "web", "wang", Reply("x").as_json(), now=now - timedelta(minutes=2)
        )
    samples, _ = await scrape(client)
    assert value(samples, "yishi_scheduler_lag_seconds") == 90.0
    assert value(samples, "yishi_push_oldest_due_seconds") == 120.0
    assert value(samples, "yishi_scheduler_leader") == 0  # not started here


async def test_probes_within_a_few_seconds_share_one_reading(
    served: tuple[Yishi, TestClient[Any, Any]],
) -> None:
    bot, client = served
    bot.watch.ttl = 60.0
    assert (await (await client.get("/healthz")).json())["push_backlog"] == 0
    async with bot.uow() as uow:
        await uow.pushes.enqueue("web", "wang", Reply("x").as_json(), now=bot.clock())
    assert (await (await client.get("/healthz")).json())["push_backlog"] == 0  # cached
    bot.watch.ttl = 0.0
    assert (await (await client.get("/healthz")).json())["push_backlog"] == 1


async def test_counting_leaves_a_failed_unit_of_work_rolled_back(
    served: tuple[Yishi, TestClient[Any, Any]],
) -> None:
    bot, _client = served
    with pytest.raises(RuntimeError):
        async with bot.uow() as uow:
            await uow.pushes.enqueue("web", "wang", Reply("x").as_json(), now=bot.clock())
            raise RuntimeError("the handler failed")
    async with bot.uow() as uow:
        assert await uow.pushes.for_chat("web", "wang") == []
