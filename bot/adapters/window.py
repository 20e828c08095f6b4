"""A sliding-window limit: at most ``count`` events in any ``seconds``-long window.

Used where a platform states its limit that way (Telegram: 20 messages a
minute per group; WeCom robots: 20 a minute). Unlike a leaky bucket, it never
lets a burst and its refill land inside the same window.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable


class SlidingWindow:
    """``async with window:`` waits until one more event fits."""

    def __init__(
        self,
        count: int,
        seconds: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.count = max(1, int(count))
        self.seconds = seconds
        self.clock = clock
        self.sleep = sleep
        self._times: deque[float] = deque()
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        async with self._lock:
            while True:
                now = self.clock()
                while self._times and now - self._times[0] >= self.seconds:
                    self._times.popleft()
                if len(self._times) < self.count:
                    self._times.append(now)
                    return
                await self.sleep(self._times[0] + self.seconds - now)

    def penalise(self, seconds: float) -> None:
        """The platform said "too many": count the window as full for ``seconds``."""
        now = self.clock()
        self._times.clear()
        self._times.extend([now + seconds - self.seconds] * self.count)

    async def __aenter__(self) -> None:
        await self.acquire()

    async def __aexit__(self, *_exc_info: object) -> None:
        return None  # a slot once taken stays taken, whatever happened inside
