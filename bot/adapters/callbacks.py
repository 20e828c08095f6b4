"""Answer-within-the-deadline for platforms that call back and retry (WeChat, WeCom).

The first delivery of a callback is claimed in the database; its handling runs
in a task. If it finishes within the budget the answer goes back in the HTTP
response (a passive reply); the router has stored it with the message, so a
later retry gets the very same answer without another write here. If not, the
claim is marked ``late``, the platform is told ``success`` and the answer is
queued as a push when it is ready. A retry that arrives while the first is still running —
in this process or another — is told ``success`` and has no effect.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from bot.router import Router
from kernel.messages import Inbound, Reply
from storage.platforms import PlatformRepository

log = logging.getLogger("yishi.callbacks")


@dataclass(frozen=True, slots=True)
class Outcome:
    """What to answer the platform: replies to send back now, or nothing (ack only)."""

    passive: list[Reply]


class CallbackRunner:
    """Claims, runs with a deadline, and hands late answers to the outbox."""

    def __init__(
        self,
        router: Router,
        platform: str,
        *,
        deadline_seconds: float,
        passive_ok: Callable[[list[Reply]], bool] = lambda _r: True,
    ) -> None:
        self.router = router
        self.platform = platform
        self.deadline_seconds = deadline_seconds
        self.passive_ok = passive_ok
        self.in_flight: set[asyncio.Task[list[Reply]]] = set()
        self.late = 0

    async def claim(
        self, key: str, user_id: str | None, chat_id: str | None = None
    ) -> tuple[bool, list[Reply] | None]:
        """(fresh, stored passive replies for a retry of a finished callback)."""
        async with self.router.uow_factory() as uow:
            repo = uow.get(PlatformRepository)
            fresh = await repo.claim_callback(self.platform, key)
            if fresh and user_id:
                await repo.touch_contact(self.platform, user_id, self.router.clock())
            if fresh:
                return True, None
            record = await repo.callback(self.platform, key)
            if record is None or record.state in ("late", "pushed", "failed"):
                return False, None
            if record.state == "passive":
                return False, [Reply.from_json(r) for r in record.reply]
            # "running": still at work, or answered passively (the router's record of
            # the message then holds the answer; a late answer is marked "late" first).
            handled = await uow.inbound.get(self.platform, key)
        if handled is None:
            return False, None
        replies = [Reply.from_json(r) for r in handled.reply]
        return False, [r for r in replies if r.chat_id in (None, chat_id)]

    async def run(self, key: str, message: Inbound, *, arrived: float | None = None) -> Outcome:
        """Handle a freshly claimed callback within the deadline.

        ``arrived`` (loop time) is when the request came in: time spent reading,
        checking and claiming counts against the platform's patience too.
        """
        loop = asyncio.get_running_loop()
        spent = loop.time() - arrived if arrived is not None else 0.0
        budget = max(0.0, self.deadline_seconds - spent)
        task = asyncio.create_task(self.router.handle(message), name=f"{self.platform}:{key}")
        self.in_flight.add(task)
        task.add_done_callback(self.in_flight.discard)
        done, _pending = await asyncio.wait({task}, timeout=budget)
        if task in done and not task.exception():
            replies = task.result()
            own = [r for r in replies if r.chat_id in (None, message.chat_id)]
            others = [r for r in replies if r not in own]
            if self.passive_ok(own):
                # The fast path writes nothing more: a retry finds the answer in the
                # router's record of the message (the claim stays "running").
                if others:
                    await self._settle(key, "passive", own, others, message.chat_id)
                return Outcome(passive=own)
            await self._settle(key, "pushed", [], replies, message.chat_id)
            return Outcome(passive=[])
        self.late += 1
        self._spawn(self._finish_late(key, message.chat_id, task))
        return Outcome(passive=[])

    async def _finish_late(
        self, key: str, chat_id: str, task: asyncio.Task[list[Reply]]
    ) -> list[Reply]:
        """Mark the claim ``late`` (a retry is then told "success", not the answer, which
        goes out as a push), then deliver the answer when it is ready. The mark is not
        awaited by the acknowledgement: on SQLite it may wait for the handler's
        connection, but it is queued long before any retry can come."""
        async with self.router.uow_factory() as uow:
            await uow.get(PlatformRepository).settle_callback(self.platform, key, "late", [])
        await asyncio.wait({task})
        return await self._deliver_late(key, chat_id, task)

    def _spawn(self, coro: Coroutine[Any, Any, list[Reply]]) -> None:
        follow = asyncio.ensure_future(coro)
        self.in_flight.add(follow)
        follow.add_done_callback(self.in_flight.discard)

    async def _deliver_late(
        self, key: str, chat_id: str, task: asyncio.Task[list[Reply]]
    ) -> list[Reply]:
        if task.cancelled() or task.exception() is not None:
            log.error("late callback failed", extra={"platform": self.platform, "key": key})
            async with self.router.uow_factory() as uow:
                await uow.get(PlatformRepository).settle_callback(self.platform, key, "failed", [])
            return []
        await self._settle(key, "pushed", [], task.result(), chat_id)
        return []

    async def _settle(
        self, key: str, state: str, passive: list[Reply], push: list[Reply], chat_id: str
    ) -> None:
        async with self.router.uow_factory() as uow:
            await uow.get(PlatformRepository).settle_callback(
                self.platform, key, state, [r.as_json() for r in passive]
            )
            for index, reply in enumerate(push):
                await uow.pushes.enqueue(
                    self.platform,
                    reply.chat_id or chat_id,
                    reply.as_json(),
                    f"{self.platform}:reply:{key}:{index}",
                )
        if push and self.router.on_commit is not None:
            self.router.on_commit()

    async def drain(self) -> None:
        """Wait for in-flight callbacks (shutdown, tests)."""
        while self.in_flight:
            await asyncio.gather(*list(self.in_flight), return_exceptions=True)


class BodyTooLarge(Exception):
    """The request body is over the limit (answered 413 without reading the rest)."""


async def read_bounded(request: object, limit: int) -> bytes:
    """Read at most ``limit`` bytes of an aiohttp request body, refusing more."""
    from aiohttp import web

    assert isinstance(request, web.Request)
    if request.content_length is not None and request.content_length > limit:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(16384):
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)
