"""One shared aiohttp client session for every platform API call, with timeouts and retries.

Connection pooling across adapters, one place for timeouts, and a bounded retry
for the failures that are worth retrying (connection errors, 5xx) — never for a
4xx, which would only be refused again.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp

log = logging.getLogger("yishi.outbound")


class OutboundError(Exception):
    """The platform could not be reached or answered with a server error."""


class HttpClient:
    """Lazily opened, explicitly closed; safe to share between adapters."""

    def __init__(
        self, *, timeout_seconds: float = 10.0, retries: int = 2, backoff_seconds: float = 0.2
    ) -> None:
        self.timeout = aiohttp.ClientTimeout(total=timeout_seconds, connect=min(5, timeout_seconds))
        self.retries = retries
        self.backoff_seconds = backoff_seconds
        self._session: aiohttp.ClientSession | None = None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=self.timeout, connector=aiohttp.TCPConnector(limit=200)
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def download(
        self, url: str, *, params: dict[str, str] | None = None, limit: int
    ) -> tuple[str, bytes]:
        """The body's Content-Type and bytes (a file: no retry); OutboundError on a failure
        or a body over ``limit`` bytes (read no further than that)."""
        try:
            async with self.session.get(url, params=params) as resp:
                if resp.status != 200:
                    raise OutboundError(f"GET {url.split('?')[0]}: HTTP {resp.status}")
                body = bytearray()
                while len(body) <= limit and (chunk := await resp.content.read(64 * 1024)):
                    body += chunk
                return resp.content_type, bytes(body[: limit + 1])
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise OutboundError(repr(exc)) from exc

    async def request_json(
        self,
        method: str,
        url: str,
        *,
        params: dict[str, str] | None = None,
        json: Any = None,
    ) -> tuple[int, Any]:
        """Status and decoded JSON body; retries connection errors and 5xx."""
        last: Exception | None = None
        for attempt in range(self.retries + 1):
            try:
                async with self.session.request(method, url, params=params, json=json) as resp:
                    if resp.status >= 500:
                        raise OutboundError(f"{method} {url.split('?')[0]}: HTTP {resp.status}")
                    body = await resp.json(content_type=None)
                    return resp.status, body
            except (aiohttp.ClientError, TimeoutError, OutboundError) as exc:
                last = exc
                if attempt < self.retries:
                    await asyncio.sleep(self.backoff_seconds * (2**attempt))
        log.warning(
            "outbound request failed", extra={"url": url.split("?")[0], "error": repr(last)}
        )
        raise OutboundError(repr(last)) from last
