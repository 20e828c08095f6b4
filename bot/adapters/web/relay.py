"""The web chat across worker processes (``--workers N``): every tab sees what one tab would.

A browser's WebSocket is held by one worker, yet the push meant for it may be sent
by another (the outbox is shared), and a group message posted through one worker
must reach the tabs on all of them. A demo persona switched through one worker must
also be forgotten by the others' session caches, or a stale tab served by another
worker would go on speaking as the persona it left.

Each worker therefore listens on a PostgreSQL channel (LISTEN/NOTIFY, on one
connection of its own) and publishes there what it shows its own tabs; the others
show it to theirs. Nothing is stored: a tab that misses a live event (its worker
restarting, an event larger than NOTIFY's 8,000 bytes) finds a push in the chat's
history when the page next loads, as with no tab open at all.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from typing import TYPE_CHECKING, Any

import asyncpg  # type: ignore[import-untyped]
import orjson
from sqlalchemy.engine import URL

from bot.http import json_bytes
from bot.tasks import cancel_and_wait

if TYPE_CHECKING:
    from bot.adapters.web import WebHub
    from bot.adapters.web.sessions import WebSessions

log = logging.getLogger("yishi.web.relay")

CHANNEL = "yishi_web"
#: PostgreSQL refuses NOTIFY payloads of 8,000 bytes or more.
MAX_PAYLOAD_BYTES = 7_900
RECONNECT_SECONDS = 2.0


class PgRelay:
    """Publishes this process's web events and shows the other processes' here."""

    def __init__(self, url: URL, hub: WebHub, sessions: WebSessions) -> None:
        self.dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self.hub = hub
        self.sessions = sessions
        #: Tells this process's own events apart when they come back from the channel.
        self.origin = uuid.uuid4().hex[:12]
        self.listening = asyncio.Event()
        self._conn: asyncpg.Connection | None = None
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._shown: set[asyncio.Task[int]] = set()
        hub.relay = self
        sessions.relay = self

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._listen(), name="web-relay")

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None

    async def _listen(self) -> None:
        """Stay subscribed; after a lost connection, subscribe again."""
        while True:
            conn: asyncpg.Connection | None = None
            try:
                conn = await asyncpg.connect(self.dsn, timeout=5)
                closed = asyncio.Event()
                conn.add_termination_listener(lambda _c, done=closed: done.set())
                await conn.add_listener(CHANNEL, self._received)
                self._conn = conn
                self.listening.set()
                await closed.wait()
                log.warning("web relay connection lost; reconnecting")
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("web relay cannot listen; retrying")
            finally:
                self._conn = None
                self.listening.clear()
                if conn is not None and not conn.is_closed():
                    with contextlib.suppress(Exception):
                        await asyncio.shield(conn.close(timeout=2))
            await asyncio.sleep(RECONNECT_SECONDS)

    async def _publish(self, message: dict[str, Any]) -> None:
        payload = json_bytes({"o": self.origin, **message}).decode()
        if len(payload.encode()) > MAX_PAYLOAD_BYTES:
            log.info("web event too large to relay; other workers' tabs read it from history")
            return
        conn = self._conn
        if conn is None:
            return
        try:
            async with self._lock:  # one query at a time on an asyncpg connection
                await conn.execute("SELECT pg_notify($1, $2)", CHANNEL, payload, timeout=2)
        except Exception:
            log.exception("web relay could not publish")

    async def deliver(self, chat_id: str, event: dict[str, Any], skip: str | None) -> None:
        """Show ``event`` to the tabs of ``chat_id`` on the other workers."""
        await self._publish({"k": "deliver", "chat": chat_id, "event": event, "skip": skip})

    async def forget(self, key: str) -> None:
        """Tell the other workers a session changed (a demo persona switch)."""
        await self._publish({"k": "forget", "key": key})

    def _received(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        try:
            message = orjson.loads(payload)
        except orjson.JSONDecodeError:
            return
        if not isinstance(message, dict) or message.get("o") == self.origin:
            return
        if message.get("k") == "forget":
            self.sessions.forget(str(message.get("key", "")))
        elif message.get("k") == "deliver":
            skip = message.get("skip")
            task = asyncio.ensure_future(
                self.hub.deliver_here(
                    str(message["chat"]), message["event"], str(skip) if skip else None
                )
            )
            self._shown.add(task)
            task.add_done_callback(self._shown.discard)
