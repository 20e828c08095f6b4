"""One shared aiohttp client session for every platform API call, with timeouts and one
retry policy.

The client retries only what cannot send a message twice: a request that certainly
never reached the server (connection refused, DNS, a connect timeout), whatever its
method, and a GET (idempotent) on a 5xx or a read timeout. A POST that may have
reached the server (it answered 5xx, or went quiet) is never re-sent here: it raises
:class:`OutboundError` and the caller decides — for a push, the outbox, which records
the attempt and the error and retries on its own schedule. A WeChat customer-service
message sent twice is a message the resident reads twice and a slot of the per-user
quota gone. A 4xx is never retried: it would only be refused again.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp

log = logging.getLogger("yishi.outbound")

#: The request never left this machine: safe to send again, whatever it was.
NEVER_SENT: tuple[type[Exception], ...] = (
    aiohttp.ClientConnectorError,  # refused, unreachable, DNS
    aiohttp.ConnectionTimeoutError,  # no connection within the connect timeout
)
#: Methods whose repetition changes nothing on the server.
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS"})


class OutboundError(Exception):
    """The platform could not be reached or answered with a server error.

    ``maybe_sent`` is True when the request may have reached the server (the caller
    must not assume it did nothing).
    """

    def __init__(self, message: str, *, maybe_sent: bool = True) -> None:
        super().__init__(message)
        self.maybe_sent = maybe_sent


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
        """Status and decoded JSON body, retried only where that cannot send twice.

        Any method: retried when the connection was never made. GET/HEAD: also on a
        5xx or a timeout. Anything else that may have reached the server raises at once.
        """
        safe = method.upper() in IDEMPOTENT
        where = f"{method} {url.split('?')[0]}"
        last: Exception | None = None
        maybe_sent = False
        for attempt in range(self.retries + 1):
            try:
                async with self.session.request(method, url, params=params, json=json) as resp:
                    if resp.status >= 500:
                        raise OutboundError(f"{where}: HTTP {resp.status}")
                    body = await resp.json(content_type=None)
                    return resp.status, body
            except NEVER_SENT as exc:
                last = exc
            except (aiohttp.ClientError, TimeoutError, OutboundError) as exc:
                last, maybe_sent = exc, True
                if not safe:
                    break  # it may have arrived: the caller (the outbox) decides
            if attempt < self.retries:
                await asyncio.sleep(self.backoff_seconds * (2**attempt))
        log.warning(
            "outbound request failed",
            extra={"url": url.split("?")[0], "error": repr(last), "maybe_sent": maybe_sent},
        )
        raise OutboundError(f"{where}: {last!r}", maybe_sent=maybe_sent) from last
