"""Outbound pushes: an outbox in the database, delivered under per-platform rate limits.

Handlers queue pushes inside their own transaction (``Context.push``), so a push
exists exactly when its cause was committed. This service claims due pushes,
sends them through the platform's :class:`Sender`, and records the outcome;
failures are retried with backoff up to ``max_attempts``. A push that cannot
arrive (blocked, outside WeChat's window, no adapter, out of attempts) is handed
to the person's next account in their preferred order, so every push to a
person picks the preferred platform and falls back the same way; every attempt
lands in ``push_deliveries`` (by the sender when it records its own, with how it
went, else here).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

from aiolimiter import AsyncLimiter

from bot.config import PushSettings
from bot.tasks import cancel_and_wait
from consultation.binding import FALLBACK
from kernel.messages import Reply
from storage.models import Push
from storage.platforms import PlatformRepository
from storage.types import utcnow
from storage.unit_of_work import UnitOfWork

log = logging.getLogger("yishi.push")

LEASE = timedelta(seconds=60)
#: Pushes claimed or settled per transaction: on SQLite each runs on the event loop's
#: thread, and 200 at once held it for hundreds of milliseconds.
PAGE = 10


class PermanentPushError(Exception):
    """The push can never succeed (blocked the bot, unknown chat); don't retry."""


class Sender(Protocol):
    """Port: delivers one reply to one chat on one platform, raising on failure.

    A sender whose ``records_deliveries`` is true writes its own ``push_deliveries``
    rows (it knows the route: customer service, subscription notice, robot).
    """

    async def send(self, chat_id: str, reply: Reply) -> None: ...


@dataclass(frozen=True, slots=True)
class _Outcome:
    """One attempt's result: the push's new status and whether the sender recorded it."""

    status: str
    error: str | None
    retry_at: datetime | None
    via: str = "push"
    recorded: bool = False


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

    def _rate(self, platform: str) -> float:
        return float(getattr(self.settings, f"{platform}_per_second", 20.0))

    def claim_size(self) -> int:
        """How many pushes one claim takes: no more than the slowest platform sends in
        half a lease. A claimed push still waiting for its turn when the lease runs out
        would be claimed, and sent, again by another process (with ``--workers N`` each
        sends at 1/N of the rate, so a full batch of 200 could wait longer than that)."""
        slowest = min((self._rate(p) for p in self.senders), default=20.0)
        return max(1, min(self.batch, int(slowest * LEASE.total_seconds() / 2)))

    def _limiter(self, platform: str) -> AsyncLimiter:
        limiter = self._limiters.get(platform)
        if limiter is None:
            rate = self._rate(platform)
            # Below one a second (a small limit shared by many workers): one per 1/rate s.
            limiter = AsyncLimiter(rate, 1.0) if rate >= 1 else AsyncLimiter(1, 1.0 / rate)
            self._limiters[platform] = limiter
        return limiter

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="push-service")

    async def stop(self) -> None:
        """Stop; of the batch in flight, what was sent is settled and what was not is
        given back (see :meth:`deliver_due`)."""
        await cancel_and_wait(self._task)
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
        now, size = self.clock(), self.claim_size()
        claimed: list[Push] = []
        while len(claimed) < size:  # a page per transaction: replies go in between
            want = min(PAGE, size - len(claimed))
            async with self.uow_factory() as uow:
                page = await uow.pushes.claim_due(now, want, LEASE)
            claimed += page
            if len(page) < want:
                break
        if not claimed:
            return 0
        done: dict[int, _Outcome] = {}
        leaving: set[int] = set()

        async def send(push: Push) -> None:
            assert push.id is not None
            done[push.id] = await self._send_one(push, leaving)

        try:
            await asyncio.gather(*(send(p) for p in claimed))
        except asyncio.CancelledError:
            # Stopped mid-batch (a restart): what went out is settled now, or the lease
            # would send it again; what never left goes back at once for another worker.
            await asyncio.shield(self._settle(claimed, done, leaving, stopping=True))
            raise
        if await self._settle(claimed, done, leaving):
            self.wake()
        return len(claimed)

    async def _settle(
        self,
        claimed: list[Push],
        done: dict[int, _Outcome],
        leaving: set[int],
        stopping: bool = False,
    ) -> bool:
        """Record each outcome; True when a push was handed on to another account."""
        forwarded = False
        for start in range(0, len(claimed), PAGE):  # a page per transaction, as claimed
            async with self.uow_factory() as uow:
                for push in claimed[start : start + PAGE]:
                    assert push.id is not None
                    outcome = done.get(push.id)
                    if outcome is None:
                        if stopping and push.id not in leaving:
                            await uow.pushes.release(push.id, push.attempts, self.clock())
                        continue  # cut off while sending: its lease decides
                    await uow.pushes.settle(
                        push.id,
                        status=outcome.status,
                        error=outcome.error,
                        retry_at=outcome.retry_at,
                    )
                    forwarded |= await self._account_for(uow, push, outcome)
                    await asyncio.sleep(0)  # ~3 ms of ORM each on SQLite: let the loop run
        return forwarded

    async def _account_for(self, uow: UnitOfWork, push: Push, outcome: _Outcome) -> bool:
        """Record where the push went (unless its sender did) and, when it cannot arrive,
        hand it to the person's next account; True when it was handed on."""
        repo = uow.get(PlatformRepository)
        excerpt = str(push.payload.get("text", ""))
        if not outcome.recorded and outcome.status != "pending":
            ok = outcome.status == "sent"
            await repo.record_delivery(
                push.platform, push.chat_id, outcome.via, ok, outcome.error, excerpt
            )
        if outcome.status != "failed":
            return False
        # Only a push addressed to a person (see consultation.binding.push_to_person)
        # knows their other accounts; a push to a chat has nowhere else to go.
        route = push.payload.get(FALLBACK) or []
        rest = [(str(p), str(c)) for p, c in route if p in self.senders]
        if not rest:
            await repo.record_delivery(
                push.platform, push.chat_id, "undelivered", False, outcome.error, excerpt
            )
            return False
        (platform, chat_id), *later = rest
        payload = {**push.payload, FALLBACK: [list(a) for a in later]}
        key = f"{push.dedupe_key}>{platform}" if push.dedupe_key else None
        dedupe = key[:191] if key else None
        await uow.pushes.enqueue(platform, chat_id, payload, dedupe, now=self.clock())
        await repo.record_delivery(
            push.platform, push.chat_id, f"forwarded:{platform}", True, outcome.error, excerpt
        )
        return True

    async def _send_one(self, push: Push, leaving: set[int] | None = None) -> _Outcome:
        sender = self.senders.get(push.platform)
        if sender is None:
            error = f"no adapter for platform {push.platform!r}"
            return _Outcome("failed", error, None, via="no_adapter", recorded=False)
        recorded = bool(getattr(sender, "records_deliveries", False))
        try:
            async with self._limiter(push.platform):
                if leaving is not None and push.id is not None:
                    leaving.add(push.id)
                reply = Reply.from_json(push.payload)
                await sender.send(push.chat_id, replace(reply, ref=f"p{push.id}"))
        except PermanentPushError as exc:
            log.warning("push undeliverable", extra={"push_id": push.id, "error": str(exc)})
            return _Outcome("failed", str(exc)[:500], None, recorded=recorded)
        except Exception as exc:
            if push.attempts >= self.settings.max_attempts:
                log.warning("push gave up", extra={"push_id": push.id, "error": repr(exc)})
                return _Outcome("failed", repr(exc)[:500], None, recorded=recorded)
            delay = self.settings.retry_base_seconds * (2 ** (push.attempts - 1))
            retry = self.clock() + timedelta(seconds=delay)
            return _Outcome("pending", repr(exc)[:500], retry, recorded=recorded)
        return _Outcome("sent", None, None, recorded=recorded)

    async def drain(self, rounds: int = 50) -> int:
        """Deliver until nothing is due (tests and shutdown)."""
        total = 0
        for _ in range(rounds):
            sent = await self.deliver_due()
            if sent == 0:
                break
            total += sent
        return total
