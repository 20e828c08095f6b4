"""The adapter port: how a platform plugs into the one aiohttp server and the push service."""

from __future__ import annotations

from typing import Any, Protocol

from aiohttp import web

from bot.push import Sender


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
