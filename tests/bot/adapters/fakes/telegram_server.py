"""A local fake of the Telegram Bot API, reached through python-telegram-bot's ``base_url``.

It implements the methods PTB calls for us — getMe, setMyCommands, sendMessage,
editMessageText, answerCallbackQuery, getUpdates, setWebhook, deleteWebhook —
with the Bot API's JSON envelope (``{"ok": true, "result": …}``), and can be
told to answer the next sends with ``429 Too Many Requests`` and a
``retry_after``, as Telegram does under flood control. Edits are refused as
Telegram refuses them: "message to edit not found" for a message in ``lost``,
"message is not modified" when nothing would change.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

BOT_ID = 7000001
BOT_USERNAME = "yishi_test_bot"


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float


@dataclass
class FakeTelegram:
    token: str = "123456:TEST-token"
    calls: list[Call] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    flood: int = 0
    flood_retry_after: int = 3
    next_message_id: int = 100
    server: TestServer | None = None
    commands: list[dict[str, Any]] = field(default_factory=list)
    webhook: str = ""
    next_update_id: int = 1000
    #: what each message the bot sent now shows: message_id → (text, reply_markup)
    shown: dict[int, tuple[str, Any]] = field(default_factory=dict)
    #: message ids Telegram no longer lets the bot edit (deleted, too old)
    lost: set[int] = field(default_factory=set)
    #: Files users sent (a photo's bytes by its file_id), for getFile and /file/bot….
    files: dict[str, bytes] = field(default_factory=dict)
    #: Users who never started a chat with the bot: it may not write to them first.
    unreachable: set[int] = field(default_factory=set)

    @property
    def base_url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("/bot"))

    async def start(self) -> FakeTelegram:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._dispatch)
        app.router.add_get("/bot{token}/{method}", self._dispatch)
        app.router.add_get("/file/bot{token}/{path:.+}", self._file)
        self.server = TestServer(app, host="127.0.0.1", port=0)
        await self.server.start_server()
        return self

    async def close(self) -> None:
        if self.server is not None:
            await self.server.close()

    def sent(self, method: str = "sendMessage") -> list[dict[str, Any]]:
        return [c.params for c in self.calls if c.method == method]

    # -- updates as Telegram writes them -----------------------------------------------
    def _uid(self) -> int:
        self.next_update_id += 1
        return self.next_update_id

    def message(
        self,
        text: str,
        *,
        user_id: int = 42,
        chat_id: int | None = None,
        group: bool = False,
        name: str = "张",
        update_id: int | None = None,
    ) -> dict[str, Any]:
        chat = (
            {"id": chat_id or -100123, "type": "supergroup", "title": "幸福里居民群"}
            if group
            else {"id": chat_id or user_id, "type": "private", "first_name": name}
        )
        entities = []
        if text.startswith("/"):
            entities.append({"type": "bot_command", "offset": 0, "length": len(text.split()[0])})
        return {
            "update_id": update_id or self._uid(),
            "message": {
                "message_id": self._mid(),
                "date": int(time.time()),
                "chat": chat,
                "from": {"id": user_id, "is_bot": False, "first_name": name},
                "text": text,
                "entities": entities,
            },
        }

    def press(
        self, data: str, on: dict[str, Any], *, user_id: int = 42, name: str = "张"
    ) -> dict[str, Any]:
        """A callback query from a button on message ``on`` (a sendMessage result)."""
        return {
            "update_id": self._uid(),
            "callback_query": {
                "id": f"cq{self._uid()}",
                "from": {"id": user_id, "is_bot": False, "first_name": name},
                "chat_instance": "ci1",
                "data": data,
                "message": on,
            },
        }

    def _mid(self) -> int:
        self.next_message_id += 1
        return self.next_message_id

    # -- the API -------------------------------------------------------------------------
    async def _params(self, request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            data = await request.json()
            return dict(data) if isinstance(data, dict) else {}
        form = await request.post()
        params: dict[str, Any] = {}
        for key, value in form.items():
            text = str(value)
            try:
                params[key] = json.loads(text)
            except ValueError:
                params[key] = text
        return params

    async def _dispatch(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        method = request.match_info["method"]
        params = await self._params(request)
        if method in ("sendMessage", "editMessageText") and self.flood > 0:
            self.flood -= 1
            self.calls.append(Call(f"429:{method}", params, time.monotonic()))
            return web.json_response(
                {
                    "ok": False,
                    "error_code": 429,
                    "description": f"Too Many Requests: retry after {self.flood_retry_after}",
                    "parameters": {"retry_after": self.flood_retry_after},
                },
                status=429,
            )
        if method != "getUpdates":
            self.calls.append(Call(method, params, time.monotonic()))
        if method == "sendMessage" and int(params.get("chat_id", 0)) in self.unreachable:
            return web.json_response(
                {
                    "ok": False,
                    "error_code": 403,
                    "description": "Forbidden: bot can't initiate conversation with a user",
                },
                status=403,
            )
        refusal = self._refuse_edit(params) if method == "editMessageText" else None
        if refusal is not None:
            return web.json_response(
                {"ok": False, "error_code": 400, "description": f"Bad Request: {refusal}"},
                status=400,
            )
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found: method not found"},
                status=404,
            )
        result = await handler(params)
        return web.json_response({"ok": True, "result": result})

    async def _m_getFile(self, p: dict[str, Any]) -> Any:
        file_id = str(p.get("file_id", ""))
        data = self.files.get(file_id)
        if data is None:
            return None  # _dispatch answers ok; the test asks for a known id
        return {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_size": len(data),
            "file_path": f"photos/{file_id}.jpg",
        }

    async def _file(self, request: web.Request) -> web.Response:
        """The download URL getFile's file_path points to (with the bot's token)."""
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        name = request.match_info["path"].removeprefix("photos/").removesuffix(".jpg")
        data = self.files.get(name)
        if data is None:
            return web.Response(status=404)
        return web.Response(body=data, content_type="application/octet-stream")

    def photo(self, file_id: str, *, user_id: int = 42, caption: str = "") -> dict[str, Any]:
        """A private photo message: Telegram sends its sizes, the largest last."""
        update = self.message("", user_id=user_id)
        message = update["message"]
        del message["text"], message["entities"]
        message["photo"] = [
            {"file_id": f"{file_id}-small", "file_unique_id": "s", "width": 90, "height": 60},
            {"file_id": file_id, "file_unique_id": "b", "width": 1280, "height": 960},
        ]
        if caption:
            message["caption"] = caption
        return update

    async def _m_getMe(self, _p: dict[str, Any]) -> Any:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "议事通",
            "username": BOT_USERNAME,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _m_setMyCommands(self, p: dict[str, Any]) -> Any:
        self.commands = list(p.get("commands", []))
        return True

    async def _m_deleteWebhook(self, _p: dict[str, Any]) -> Any:
        self.webhook = ""
        return True

    async def _m_setWebhook(self, p: dict[str, Any]) -> Any:
        self.webhook = str(p.get("url", ""))
        return True

    async def _m_answerCallbackQuery(self, _p: dict[str, Any]) -> Any:
        return True

    def _msg(self, chat_id: Any, text: str, markup: Any, message_id: int | None = None) -> Any:
        cid = int(chat_id)
        chat = {"id": cid, "type": "supergroup" if cid < 0 else "private", "title": "群"}
        out: dict[str, Any] = {
            "message_id": message_id or self._mid(),
            "date": int(time.time()),
            "chat": chat,
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "议事通"},
            "text": text,
        }
        if markup:
            out["reply_markup"] = markup
        return out

    def _refuse_edit(self, p: dict[str, Any]) -> str | None:
        """Telegram's answers to an edit it will not make."""
        message_id = int(p["message_id"])
        if message_id in self.lost:
            return "message to edit not found"
        if self.shown.get(message_id) == (str(p["text"]), p.get("reply_markup")):
            return (
                "message is not modified: specified new message content and reply markup"
                " are exactly the same as a current content and reply markup of the message"
            )
        return None

    async def _m_sendMessage(self, p: dict[str, Any]) -> Any:
        out = self._msg(p["chat_id"], str(p["text"]), p.get("reply_markup"))
        self.shown[out["message_id"]] = (str(p["text"]), p.get("reply_markup"))
        return out

    async def _m_editMessageText(self, p: dict[str, Any]) -> Any:
        message_id = int(p["message_id"])
        self.shown[message_id] = (str(p["text"]), p.get("reply_markup"))
        return self._msg(p["chat_id"], str(p["text"]), p.get("reply_markup"), message_id)

    async def _m_getUpdates(self, p: dict[str, Any]) -> Any:
        offset = int(p.get("offset", 0) or 0)
        self.updates = [u for u in self.updates if u["update_id"] >= offset]
        if not self.updates:
            await asyncio.sleep(0.05)
        return list(self.updates)
