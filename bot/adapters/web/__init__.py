"""The built-in web chat: a WeChat-like page over HTTP + WebSocket, same router as every platform.

Private chats use the user's id as chat id (as WeChat uses the openid); the
demo's group chat is ``group:main``. Bot replies come back on the POST; pushes
and other people's group messages arrive on the WebSocket.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import uuid
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType, web

from bot.http import json_body, json_bytes, json_error, json_reply
from bot.router import Router
from kernel.messages import ChatType, Inbound, Platform, Reply
from storage.platforms import PlatformRepository
from storage.types import utcnow
from storage.unit_of_work import UnitOfWork

log = logging.getLogger("yishi.web")

STATIC_DIR = Path(__file__).resolve().parent / "static"
GROUP_PREFIX = "group:"
DEFAULT_GROUP = "group:main"
BOT_NAMES = ("@议事通", "@小助手", "@bot")
MAX_ID = 128


COOKIE = "yishi_web_id"
BROWSER_PREFIX = "w-"
_BROWSER_ID = re.compile(r"w-[0-9a-f]{32}")


def _browser_identity(request: web.Request) -> str | None:
    """This browser's identity from its cookie, if it is one the server could have issued."""
    value = request.cookies.get(COOKIE)
    return value if value is not None and _BROWSER_ID.fullmatch(value) else None


def _without_mentions(text: str) -> str:
    """ "@议事通 楼下吵" is about 楼下吵: the mention addresses the bot, it isn't content."""
    for name in BOT_NAMES:
        text = text.replace(name, " ")
    return text.strip()


class WebSender:
    """Delivers pushes to the browser tabs that have the chat open, and records it.

    With no tab open the push still arrives: the chat shows it from its history
    when the person next opens the page; the record says which of the two it was.
    """

    records_deliveries = True

    def __init__(self, hub: WebHub, uow_factory: Callable[[], UnitOfWork]) -> None:
        self.hub = hub
        self.uow_factory = uow_factory

    async def send(self, chat_id: str, reply: Reply) -> None:
        tabs = await self.hub.deliver(
            chat_id, {"type": "push", "chat_id": chat_id, "reply": reply.as_json()}
        )
        via, detail = ("websocket", f"{tabs} open tab(s)") if tabs else ("history", "no open tab")
        async with self.uow_factory() as uow:
            await uow.get(PlatformRepository).record_delivery(
                Platform.WEB, chat_id, via, True, detail, reply.text
            )


class WebHub:
    """Open WebSockets by user; a group message reaches every user's tabs."""

    def __init__(self) -> None:
        self.sockets: dict[str, weakref.WeakSet[web.WebSocketResponse]] = {}

    def add(self, user_id: str, ws: web.WebSocketResponse) -> None:
        self.sockets.setdefault(user_id, weakref.WeakSet()).add(ws)

    def remove(self, user_id: str, ws: web.WebSocketResponse) -> None:
        self.sockets.get(user_id, weakref.WeakSet()).discard(ws)

    def _targets(self, chat_id: str) -> list[web.WebSocketResponse]:
        if chat_id.startswith(GROUP_PREFIX):
            return [ws for group in self.sockets.values() for ws in group]
        return list(self.sockets.get(chat_id, ()))

    async def deliver(self, chat_id: str, event: dict[str, Any], skip: str | None = None) -> int:
        targets = [
            ws
            for ws in self._targets(chat_id)
            if not ws.closed and (skip is None or ws not in self.sockets.get(skip, ()))
        ]
        data = json_bytes(event).decode()
        await asyncio.gather(*(ws.send_str(data) for ws in targets), return_exceptions=True)
        return len(targets)

    @property
    def connections(self) -> int:
        return sum(len(s) for s in self.sockets.values())


def _clean_id(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_ID:
        raise json_error(400, f"{field} must be a non-empty string of at most {MAX_ID} characters")
    return value.strip()


class WebChatAdapter:
    """HTTP routes of the web chat and its push sender."""

    platform = Platform.WEB.value

    def __init__(self, router: Router, *, personas: bool = False) -> None:
        self.router = router
        self.personas = personas
        self.hub = WebHub()
        self.sender = WebSender(self.hub, router.uow_factory)

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/", self._index)
        app.router.add_static("/static/", STATIC_DIR, name="webchat-static")
        app.router.add_get("/api/people", self._people)
        app.router.add_get("/api/history", self._history)
        app.router.add_post("/api/messages", self._post_message)
        app.router.add_get("/api/ws", self._websocket)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        for group in list(self.hub.sockets.values()):
            for ws in list(group):
                await ws.close()

    def health(self) -> dict[str, Any]:
        return {"state": "ok", "connections": self.hub.connections}

    async def _index(self, _request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC_DIR / "index.html")

    async def _people(self, request: web.Request) -> web.Response:
        """The demo's people to switch between, or (outside the demo) just this browser."""
        body: dict[str, Any] = {"community": self.router.community.name, "group": DEFAULT_GROUP}
        if self.personas:
            body["people"] = await self.router.directory(self.platform)
            return json_reply(body)
        me = _browser_identity(request) or f"{BROWSER_PREFIX}{secrets.token_hex(16)}"
        body["people"] = [{"user_id": me, "name": "我", "verified": None, "roles": []}]
        response = json_reply(body)
        response.set_cookie(COOKIE, me, max_age=400 * 86400, httponly=True, samesite="Lax")
        return response

    def _speaker(self, request: web.Request, claimed: Any, field: str) -> str:
        """Who this request speaks as: anyone in the demo, else only this browser's identity."""
        if self.personas:
            return _clean_id(claimed, field)
        me = _browser_identity(request)
        if me is None:
            raise json_error(403, "open the chat page first (it gives this browser an identity)")
        if claimed not in (None, me):
            raise json_error(403, f"{field} must be this browser's own identity")
        return me

    async def _history(self, request: web.Request) -> web.Response:
        chat_id = request.query.get("chat_id")
        if not (isinstance(chat_id, str) and chat_id.startswith(GROUP_PREFIX)):
            chat_id = self._speaker(request, chat_id, "chat_id")
        chat_id = _clean_id(chat_id, "chat_id")
        return json_reply({"pushes": await self.router.history(self.platform, chat_id)})

    async def _post_message(self, request: web.Request) -> web.Response:
        body = await json_body(request)
        if not isinstance(body, dict):
            raise json_error(400, "body must be a JSON object")
        sender_id = self._speaker(request, body.get("sender_id"), "sender_id")
        chat_id = _clean_id(body.get("chat_id", sender_id), "chat_id")
        if chat_id != sender_id and not chat_id.startswith(GROUP_PREFIX):
            raise json_error(403, "chat_id must be your own private chat or a group")
        text = body.get("text", "")
        if not isinstance(text, str):
            raise json_error(400, "text must be a string")
        message_id = body.get("message_id") or uuid.uuid4().hex
        message_id = _clean_id(str(message_id), "message_id")
        name = body.get("sender_name")
        is_group = chat_id.startswith(GROUP_PREFIX)
        message = Inbound(
            platform=self.platform,
            chat_id=chat_id,
            chat_type=ChatType.GROUP if is_group else ChatType.PRIVATE,
            sender_id=sender_id,
            message_id=message_id,
            text=_without_mentions(text),
            sent_at=utcnow(),
            sender_name=name if isinstance(name, str) else None,
            addressed=not is_group or any(n in text for n in BOT_NAMES),
            source=request.remote,
        )
        if is_group:
            await self.hub.deliver(
                chat_id,
                {
                    "type": "group_message",
                    "chat_id": chat_id,
                    "sender_id": sender_id,
                    "sender_name": message.sender_name,
                    "text": text,
                },
                skip=sender_id,
            )
        replies = await self.router.handle(message)
        payload = [r.as_json() for r in replies]
        if is_group and payload:
            await self.hub.deliver(
                chat_id,
                {"type": "bot_replies", "chat_id": chat_id, "replies": payload},
                skip=sender_id,
            )
        return json_reply({"message_id": message_id, "replies": payload})

    async def _websocket(self, request: web.Request) -> web.WebSocketResponse:
        user_id = self._speaker(request, request.query.get("user"), "user")
        ws = web.WebSocketResponse(heartbeat=30)
        await ws.prepare(request)
        self.hub.add(user_id, ws)
        try:
            async for msg in ws:
                if msg.type == WSMsgType.ERROR:
                    break
        finally:
            self.hub.remove(user_id, ws)
        return ws
