"""The adapter port: how a platform plugs into the one aiohttp server and the push service."""

from __future__ import annotations

from typing import Any, Protocol

from aiohttp import web

from bot.adapters.port import PlatformStore
from bot.push import Sender
from kernel.messages import Reply


class Adapter(Protocol):
    """A platform connection: HTTP routes (if any), a sender for pushes, a lifecycle."""

    platform: str

    @property
    def sender(self) -> Sender:
        """Delivers pushes on this platform."""

    def add_routes(self, app: web.Application) -> None:
        """Register this platform's HTTP endpoints on the shared server."""

    async def start(self) -> None:
        """Begin serving (polling loops, token refresh, …)."""

    async def stop(self) -> None:
        """Stop serving; in-flight messages finish first."""

    def health(self) -> dict[str, Any]:
        """State for ``GET /healthz``."""


class RecordingSender:
    """A sender that writes its own ``push_deliveries`` rows (see :class:`~bot.push.Sender`):
    it knows the route each push took (customer service, subscription notice, robot)."""

    records_deliveries = True
    #: The platform its records are filed under.
    platform: str
    store: PlatformStore

    async def _record(
        self, chat_id: str, via: str, ok: bool, detail: str | None, reply: Reply
    ) -> None:
        await self.store.record_delivery(self.platform, chat_id, via, ok, detail, reply.text)
