"""Telegram's sending limits, kept: 30 messages/s overall, 1/s per private chat, 20/min per group.

A 429 answer carries ``retry_after``; the message is held for that long and
sent again (up to ``max_retries`` times), never dropped silently.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

from aiolimiter import AsyncLimiter
from telegram.error import RetryAfter

from bot.adapters.window import SlidingWindow
from bot.config import TelegramSettings

log = logging.getLogger("yishi.telegram.limits")

T = TypeVar("T")


def retry_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns that the int form will become timedelta
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramLimiter:
    """Leaky buckets per chat and overall; waits out 429s."""

    def __init__(
        self,
        settings: TelegramSettings,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        group_window: float = 60.0,
    ) -> None:
        self.settings = settings
        self.sleep = sleep
        self.group_window = group_window
        # 30 a second, counted over any one-second window (a bucket would allow 60 in one).
        per_window = max(1, round(settings.global_per_second))
        self.overall = SlidingWindow(per_window, per_window / settings.global_per_second)
        self._chats: dict[str, AsyncLimiter | SlidingWindow] = {}
        self.waited: list[float] = []

    def _chat(self, chat_id: str) -> AsyncLimiter | SlidingWindow:
        limiter = self._chats.get(chat_id)
        if limiter is None:
            if chat_id.startswith("-"):  # groups and supergroups have negative ids
                # 20 a minute: never more than 20 in any 60 s.
                limiter = SlidingWindow(int(self.settings.group_per_minute), self.group_window)
            else:
                # 1 a second, no burst: one message, then the next a second later.
                limiter = AsyncLimiter(1, 1.0 / self.settings.private_per_second)
            self._chats[chat_id] = limiter
        return limiter

    async def run(self, chat_id: str, call: Callable[[], Awaitable[T]]) -> T:
        """Run one API call for ``chat_id`` within the limits, retrying after 429s."""
        attempt = 0
        while True:
            # Overall first: the chat bucket, taken last, spaces the actual sends.
            async with self.overall, self._chat(chat_id):
                try:
                    return await call()
                except RetryAfter as exc:
                    if attempt >= self.settings.max_retries:
                        raise
                    wait = retry_seconds(exc)
            attempt += 1
            self.waited.append(wait)
            log.info("telegram flood control", extra={"chat_id": chat_id, "retry_after": wait})
            await self.sleep(wait)
