"""The push outbox: delivered once, retried on failure, rate limited, every push recorded."""

from __future__ import annotations

import time

from bot.app import Yishi
from bot.config import PushSettings
from bot.push import PermanentPushError, PushService
from kernel.messages import Reply
from storage.engine import create_engine, session_factory
from storage.unit_of_work import UnitOfWorkFactory
from tests.conftest import Clock


class RecordingSender:
    """A platform stand-in that records deliveries and can be told to fail."""

    def __init__(self, failures: int = 0, permanent: bool = False) -> None:
        self.sent: list[tuple[str, str]] = []
        self.failures = failures
        self.permanent = permanent

    async def send(self, chat_id: str, reply: Reply) -> None:
        if self.failures > 0:
            self.failures -= 1
            if self.permanent:
                raise PermanentPushError("chat blocked the bot")
            raise ConnectionError("platform unreachable")
        self.sent.append((chat_id, reply.text))


async def _service(
    url: str, clock: Clock, sender: RecordingSender, **settings: float
) -> tuple[PushService, UnitOfWorkFactory]:
    engine = create_engine(url)
    uow = UnitOfWorkFactory(session_factory(engine))
    service = PushService(uow, {"web": sender}, PushSettings(**settings), clock=clock)
    return service, uow


async def test_pushes_are_sent_once_and_recorded(db_url: str, clock: Clock) -> None:
    sender = RecordingSender()
    service, uow = await _service(db_url, clock, sender)
    async with uow() as u:
        assert await u.pushes.enqueue("web", "zhang", Reply("您好").as_json(), "k1", now=clock())
        assert not await u.pushes.enqueue(
            "web", "zhang", Reply("您好").as_json(), "k1", now=clock()
        )
        await u.pushes.enqueue("web", "li", Reply("新反映").as_json(), now=clock())
    assert await service.drain() == 2
    assert await service.drain() == 0
    assert sorted(sender.sent) == [("li", "新反映"), ("zhang", "您好")]
    async with uow() as u:
        [push] = await u.pushes.for_chat("web", "zhang")
    assert push.status == "sent" and push.sent_at is not None and push.attempts == 1


async def test_failures_are_retried_with_backoff_then_given_up(
    sqlite_url: str, clock: Clock
) -> None:
    sender = RecordingSender(failures=1)
    service, uow = await _service(sqlite_url, clock, sender, retry_base_seconds=10)
    async with uow() as u:
        await u.pushes.enqueue("web", "zhang", Reply("通知").as_json(), now=clock())
    await service.deliver_due()
    assert sender.sent == []
    assert await service.deliver_due() == 0, "not due again before the backoff"
    clock.advance(seconds=11)
    await service.deliver_due()
    assert sender.sent == [("zhang", "通知")]

    stubborn = RecordingSender(failures=99)
    service2, uow2 = await _service(
        sqlite_url, clock, stubborn, max_attempts=2, retry_base_seconds=1
    )
    async with uow2() as u:
        await u.pushes.enqueue("web", "wang", Reply("任务").as_json(), now=clock())
    for _ in range(3):
        await service2.deliver_due()
        clock.advance(seconds=5)
    async with uow2() as u:
        [push] = await u.pushes.for_chat("web", "wang")
    assert push.status == "failed" and push.attempts == 2
    assert "platform unreachable" in (push.last_error or "")


async def test_permanent_failure_is_not_retried(sqlite_url: str, clock: Clock) -> None:
    sender = RecordingSender(failures=1, permanent=True)
    service, uow = await _service(sqlite_url, clock, sender)
    async with uow() as u:
        await u.pushes.enqueue("web", "zhang", Reply("x").as_json(), now=clock())
        await u.pushes.enqueue("telegram", "42", Reply("no adapter").as_json(), now=clock())
    await service.drain()
    clock.advance(hours=1)
    await service.drain()
    async with uow() as u:
        [blocked] = await u.pushes.for_chat("web", "zhang")
        [orphan] = await u.pushes.for_chat("telegram", "42")
    assert (blocked.status, blocked.attempts) == ("failed", 1)
    assert orphan.status == "failed" and "no adapter" in (orphan.last_error or "")


async def test_rate_limit_spreads_a_burst(sqlite_url: str, clock: Clock) -> None:
    sender = RecordingSender()
    service, uow = await _service(sqlite_url, clock, sender, web_per_second=20)
    async with uow() as u:
        for i in range(30):
            await u.pushes.enqueue("web", f"user{i}", Reply("公告").as_json(), now=clock())
    started = time.perf_counter()
    await service.drain()
    elapsed = time.perf_counter() - started
    assert len(sender.sent) == 30
    assert elapsed >= 0.4, f"30 pushes at 20/s cannot all go out at once ({elapsed:.2f}s)"


async def test_a_crashed_senders_claim_runs_out(sqlite_url: str, clock: Clock) -> None:
    sender = RecordingSender()
    service, uow = await _service(sqlite_url, clock, sender)
    async with uow() as u:
        await u.pushes.enqueue("web", "zhang", Reply("x").as_json(), now=clock())
    async with uow() as u:  # another process claimed it and died before settling
        from datetime import timedelta

        assert len(await u.pushes.claim_due(clock(), 10, timedelta(seconds=60))) == 1
    assert await service.deliver_due() == 0
    clock.advance(seconds=61)
    assert await service.deliver_due() == 1 and sender.sent == [("zhang", "x")]


async def test_router_commit_wakes_delivery(yishi: Yishi) -> None:
    sender = RecordingSender()
    yishi.push.register("web", sender)
    await yishi.push.start()
    from tests.kit import say

    await say(yishi, "路灯不亮")
    await say(yishi, "东门")
    await say(yishi, "确认提交")
    for _ in range(200):
        if sender.sent:
            break
        import asyncio

        await asyncio.sleep(0.005)
    assert sender.sent and sender.sent[0][0] == "wang"


async def test_a_burst_of_live_updates_leaves_one_push_with_the_latest_state(
    db_url: str, clock: Clock
) -> None:
    sender = RecordingSender()
    service, uow = await _service(db_url, clock, sender)
    key = "live:web:g1:poll:P1"
    for n in range(1, 6):
        async with uow() as tx:
            await tx.pushes.enqueue_latest(
                "web", "g1", Reply(f"已投 {n}/7").as_json(), key, now=clock()
            )
    await service.drain()
    assert sender.sent == [("g1", "已投 5/7")]
    async with uow() as tx:  # sent: the key is free again for the next update
        await tx.pushes.enqueue_latest("web", "g1", Reply("已投 6/7").as_json(), key, now=clock())
    await service.drain()
    assert sender.sent[-1] == ("g1", "已投 6/7")
    async with uow() as tx:
        assert [p.status for p in await tx.pushes.for_chat("web", "g1")] == ["sent", "sent"]
