"""Outbound pushes: an outbox in the database, delivered under per-platform rate limits.

Handlers queue pushes inside their own transaction (``Context.push``), so a push
exists exactly when its cause was committed. This service claims due pushes,
sends them through the platform's :class:`Sender`, and records the outcome;
failures are retried with backoff up to ``max_attempts``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Protocol

from aiolimiter import AsyncLimiter

from bot.config import PushSettings
from bot.messages import Reply
from storage.models import Push
from storage.types import utcnow
from storage.unit_of_work import UnitOfWork

log = logging.getLogger("yishi.push")

LEASE = timedelta(seconds=60)


class PermanentPushError(Exception):
    """The push can never succeed (blocked the bot, unknown chat); don't retry."""


class Sender(Protocol):
    """Port: delivers one reply to one chat on one platform, raising on failure."""

    async def send(self, chat_id: str, reply: Reply) -> None: ...


class PushService:
    """Delivers queued pushes; ``wake()`` after a commit that queued some."""

    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        senders: Mapping[str, Sender],
        settings: PushSettings,
        *,
        clock: Callable[[], datetime] = utcnow,
        batch: int = 200,
        idle_poll_seconds: float = 5.0,
    ) -> None:
        self.uow_factory = uow_factory
        self.senders = dict(senders)
        self.settings = settings
        self.clock = clock
        self.batch = batch
        self.idle_poll_seconds = idle_poll_seconds
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._limiters: dict[str, AsyncLimiter] = {}

    def register(self, platform: str, sender: Sender) -> None:
        self.senders[platform] = sender

    def wake(self) -> None:
        self._wake.set()

    def _limiter(self, platform: str) -> AsyncLimiter:
        limiter = self._limiters.get(platform)
        if limiter is None:
            rate = getattr(self.settings, f"{platform}_per_second", 20.0)
            limiter = AsyncLimiter(max(1.0, rate), 1.0)
            self._limiters[platform] = limiter
        return limiter

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="push-service")

    async def stop(self) -> None:
        """Finish the batch in flight, then stop."""
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def _loop(self) -> None:
        while True:
            # Clear before looking, so a wake() that lands while we look is not lost.
            self._wake.clear()
            try:
                sent = await self.deliver_due()
            except Exception:
                log.exception("push loop failed; retrying")
                sent = 0
            if sent == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.idle_poll_seconds)

    async def deliver_due(self) -> int:
        """Claim and send one batch of due pushes; returns how many were attempted."""
        now = self.clock()
        async with self.uow_factory() as uow:
            claimed = await uow.pushes.claim_due(now, self.batch, LEASE)
        if not claimed:
            return 0
        outcomes = await asyncio.gather(*(self._send_one(p) for p in claimed))
        async with self.uow_factory() as uow:
            for push, (status, error, retry_at) in zip(claimed, outcomes, strict=True):
                assert push.id is not None
                await uow.pushes.settle(push.id, status=status, error=error, retry_at=retry_at)
        return len(claimed)

    async def _send_one(self, push: Push) -> tuple[str, str | None, datetime | None]:
        sender = self.senders.get(push.platform)
        if sender is None:
            return "failed", f"no adapter for platform {push.platform!r}", None
        try:
            async with self._limiter(push.platform):
                await sender.send(push.chat_id, Reply.from_json(push.payload))
        except PermanentPushError as exc:
            log.warning("push undeliverable", extra={"push_id": push.id, "error": str(exc)})
            return "failed", str(exc)[:500], None
        except Exception as exc:
            if push.attempts >= self.settings.max_attempts:
                log.warning("push gave up", extra={"push_id": push.id, "error": repr(exc)})
                return "failed", repr(exc)[:500], None
            delay = self.settings.retry_base_seconds * (2 ** (push.attempts - 1))
            return "pending", repr(exc)[:500], self.clock() + timedelta(seconds=delay)
        return "sent", None, None

    async def drain(self, rounds: int = 50) -> int:
        """Deliver until nothing is due (tests and shutdown)."""
        total = 0
        for _ in range(rounds):
            sent = await self.deliver_due()
            if sent == 0:
                break
            total += sent
        return total
