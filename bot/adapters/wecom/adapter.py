"""WeCom (企业微信) for community staff: the app callback on ``/wecom`` and app pushes.

WeCom encrypts everything with the same WXBizMsgCrypt algorithm as the Official
Account's safe mode, under the **corp id**; its URL check sends an encrypted
``echostr`` that must be decrypted and echoed. Tasks reach grid workers and
moderators as template cards (``button_interaction``); a press comes back as a
``template_card_event`` whose ``EventKey`` is the button's data. Group robots
post announcements into WeCom groups, at most 20 a minute each.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from aiohttp import web

from bot.adapters.base import RecordingSender
from bot.adapters.callbacks import (
    Signed,
    SignedCallbackAdapter,
)
from bot.adapters.menu import menu_keys
from bot.adapters.outbound import HttpClient, OutboundError
from bot.adapters.port import PlatformStore, utcnow
from bot.adapters.wechat import xml
from bot.adapters.wechat.api import TokenApi, WechatApiError
from bot.adapters.wechat.crypto import CryptoError, MessageCrypt
from bot.adapters.window import SlidingWindow
from bot.config import WecomSettings
from bot.push import PermanentPushError
from bot.router import Router
from kernel.messages import Platform, Reply
from kernel.texts import t

log = logging.getLogger("yishi.wecom")

ROBOT_PREFIX = "robot:"
RATE_LIMITED = 45009
MAX_BUTTON_KEY = 1024
NO_MENU = 46003  # menu/get before any menu was created


class WecomApi(TokenApi):
    """The WeCom app API (token per corp id + app secret)."""

    token_path = "/cgi-bin/gettoken"

    def __init__(
        self,
        http: HttpClient,
        store: PlatformStore,
        settings: WecomSettings,
        *,
        clock: Callable[[], datetime],
    ) -> None:
        super().__init__(
            http,
            store,
            base_url=settings.api_base_url,
            token_name=f"wecom:{settings.corp_id}:{settings.agent_id}",
            clock=clock,
        )
        self.settings = settings

    def token_params(self) -> dict[str, str]:
        return {"corpid": self.settings.corp_id, "corpsecret": self.settings.secret}

    async def create_menu(self, body: dict[str, Any]) -> None:
        """Replace the app's menu (bot/adapters/menu.py renders ``body``)."""
        await self.call("/cgi-bin/menu/create", body, params=self._agent())

    async def current_menu(self) -> dict[str, Any]:
        """The app's menu now, as create's body (none yet: WeCom says 46003)."""
        try:
            return await self.call("/cgi-bin/menu/get", params=self._agent())
        except WechatApiError as exc:
            if exc.errcode == NO_MENU:
                return {"button": []}
            raise

    def _agent(self) -> dict[str, str]:
        return {"agentid": str(self.settings.agent_id)}

    def payload(self, user_id: str, reply: Reply) -> dict[str, Any]:
        """A text message, or a template card with one button per choice."""
        base: dict[str, Any] = {"touser": user_id, "agentid": self.settings.agent_id}
        buttons = [b for b in reply.buttons if len(b.data.encode()) <= MAX_BUTTON_KEY]
        if not buttons:
            return {**base, "msgtype": "text", "text": {"content": reply.text}}
        title, _, rest = reply.text.partition("\n")
        card: dict[str, Any] = {
            "card_type": "button_interaction",
            "main_title": {"title": title[:26], "desc": title[26:60]},
            "task_id": f"t{uuid.uuid4().hex}",
            "button_list": [
                {"text": b.label[:10], "style": 1 if i == 0 else 2, "key": b.data}
                for i, b in enumerate(buttons[:6])
            ],
        }
        if rest:
            card["sub_title_text"] = rest[:200]
        return {**base, "msgtype": "template_card", "template_card": card}


class WecomRobots:
    """Group robots by name; each keeps within its own 20-a-minute window."""

    def __init__(self, http: HttpClient, settings: WecomSettings) -> None:
        self.http = http
        self.webhooks = dict(settings.robot_webhooks)
        self.windows = {
            name: SlidingWindow(settings.robot_per_minute, settings.robot_window_seconds)
            for name in self.webhooks
        }
        self.retries = 3
        self.posted = 0

    async def post(self, name: str, text: str) -> None:
        """Post ``text`` to robot ``name``; waits out WeCom's "too frequent" (45009)."""
        url = self.webhooks.get(name)
        if url is None:
            raise PermanentPushError(f"no WeCom robot named {name!r}")
        window = self.windows[name]
        payload = {"msgtype": "text", "text": {"content": text}}
        for _attempt in range(self.retries + 1):
            async with window:
                _status, body = await self.http.request_json("POST", url, json=payload)
            code = int(body.get("errcode", 0) or 0) if isinstance(body, dict) else -1
            if code == 0:
                self.posted += 1
                return
            if code != RATE_LIMITED:
                raise WechatApiError(code, str(body))
            window.penalise(window.seconds)
        raise WechatApiError(RATE_LIMITED, "robot still rate limited")

    async def announce(self, text: str, names: list[str] | None = None) -> int:
        """Post to every named robot (default: all) concurrently; returns how many took it."""
        chosen = names if names is not None else list(self.webhooks)
        results = await asyncio.gather(
            *(self.post(n, text) for n in chosen), return_exceptions=True
        )
        return sum(1 for r in results if r is None)


class WecomSender(RecordingSender):
    """App messages to staff by WeCom user id; ``robot:<name>`` chats go to a group robot."""

    platform = Platform.WECOM.value

    def __init__(self, api: WecomApi, robots: WecomRobots, store: PlatformStore) -> None:
        self.api = api
        self.robots = robots
        self.store = store

    async def send(self, chat_id: str, reply: Reply) -> None:
        via = "robot" if chat_id.startswith(ROBOT_PREFIX) else "app_message"
        try:
            if via == "robot":
                await self.robots.post(chat_id[len(ROBOT_PREFIX) :], reply.text)
            else:
                await self.api.call("/cgi-bin/message/send", self.api.payload(chat_id, reply))
        except (WechatApiError, OutboundError, PermanentPushError) as exc:
            await self._record(chat_id, via, False, str(exc), reply)
            raise
        await self._record(chat_id, via, True, None, reply)


class WecomAdapter(SignedCallbackAdapter):
    """``/wecom`` callbacks (always encrypted) and staff pushes for one WeCom app."""

    platform = Platform.WECOM.value
    path = "/wecom"

    def __init__(
        self, router: Router, store: PlatformStore, settings: WecomSettings, http: HttpClient
    ) -> None:
        self.router = router
        self.settings = settings
        self.crypt = MessageCrypt(settings.token, settings.encoding_aes_key, settings.corp_id)
        self.api = WecomApi(http, store, settings, clock=router.clock)
        self.robots = WecomRobots(http, settings)
        self.sender = WecomSender(self.api, self.robots, store)
        #: The configured menu's CLICK keys → the text each tap sends.
        self.menu = menu_keys(settings.menu)
        self._serve(router, store, settings)

    def health(self) -> dict[str, Any]:
        return {
            "state": "ok",
            "robots": len(self.robots.webhooks),
            **self.runner_health(),
        }

    def _query(self, request: web.Request) -> tuple[str, str, Signed]:
        """msg_signature, the raw timestamp and the fresh (timestamp, nonce); else a 4xx."""
        sig, signed = self._signed(request, "msg_signature")
        return sig, request.query["timestamp"], signed

    def _open(self, sig: str, ts: str, signed: Signed, encrypted: str) -> str:
        if not encrypted or not self.crypt.verify(sig, ts, signed.nonce, encrypted):
            raise self._refuse(403, "bad msg_signature")
        try:
            return self.crypt.decrypt(encrypted)
        except CryptoError as exc:
            raise self._refuse(403, f"decryption failed: {exc}") from None

    async def _verify_url(self, request: web.Request) -> web.Response:
        sig, ts, signed = self._query(request)
        echoed = self._open(sig, ts, signed, request.query.get("echostr", ""))
        await self._spend(signed)
        return web.Response(text=echoed)

    async def _callback(self, request: web.Request) -> web.Response:
        arrived = asyncio.get_running_loop().time()
        sig, ts, signed = self._query(request)
        body = await self._body(request)
        try:
            outer = xml.read_fields(body, limit=self.settings.max_body_bytes)
            fields = xml.read_fields(self._open(sig, ts, signed, outer.get("Encrypt", "")).encode())
        except xml.XmlError as exc:
            raise self._refuse(400, str(exc)) from None
        replies = await self._answered(fields, signed, arrived)
        if not replies:
            return web.Response(text="")
        return self._passive(replies, fields, signed.nonce)

    def _passive(self, replies: list[Reply], fields: dict[str, str], nonce: str) -> web.Response:
        now = self.guard.now()
        inner = xml.build(
            {
                "ToUserName": fields["FromUserName"],
                "FromUserName": fields.get("ToUserName", self.settings.corp_id),
                "CreateTime": now,
                "MsgType": "text",
                "Content": "\n\n".join(r.text for r in replies),
            }
        )
        body = xml.build(self.crypt.envelope(inner, now, nonce or secrets.token_hex(8)))
        return web.Response(text=body, content_type="application/xml")

    async def _handle(self, fields: dict[str, str], signed: Signed, arrived: float) -> list[Reply]:
        user = fields["FromUserName"]
        msg_type = fields["MsgType"]
        event = fields.get("Event", "").lower()
        if msg_type == "text":
            text = fields.get("Content", "")
        elif msg_type == "event" and event == "template_card_event":
            text = fields.get("EventKey", "")
        elif msg_type == "event" and event == "click":  # the app's menu: its words
            found = self.menu.get(fields.get("EventKey", ""))
            if found is None:
                await self.runner.spend(signed)
                return [Reply(t("menu.unknown"))]
            text = found
        else:
            await self.runner.spend(signed)
            return []  # enter_agent, view, location reports: nothing to say
        # The sender is part of every key (see storage.models.InboundMessage).
        key = fields.get("MsgId") or ":".join(
            (event, fields.get("CreateTime", ""), fields.get("TaskId", ""))
        )
        message = self._message(user, key, text, utcnow())
        return await self.runner.deliver(message, signed, arrived=arrived)
