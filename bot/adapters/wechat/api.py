"""The WeChat Official Account API: access token, customer-service messages, QR codes.

The token is kept in the database, so every process behind the webhook uses the
same one (WeChat invalidates a token when a new one is fetched), and renewed a
few minutes before it expires. When WeChat says a token is invalid or expired
(40001, 40014, 42001) — another process refreshed it, or the clock was off — it
is dropped and fetched again, once.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from bot.adapters.menu import from_selfmenu
from bot.adapters.outbound import HttpClient
from bot.adapters.port import PlatformStore

log = logging.getLogger("yishi.wechat.api")

TOKEN_ERRORS = frozenset({40001, 40014, 42001})
QUOTA_ERRORS = frozenset({45015, 45047})  # outside the 48 h window / reply count exceeded
BLOCKED_ERRORS = frozenset({43004, 40003})  # unsubscribed / not a user of this account


QR_MAX_SECONDS = 2_592_000  # a temporary QR code lives at most 30 days
SHOW_QRCODE = "https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket="


@dataclass(frozen=True, slots=True)
class QrCode:
    """A temporary QR code: show ``image_url`` (or encode ``url``) for people to scan."""

    ticket: str
    image_url: str
    url: str
    expire_seconds: int


class WechatApiError(Exception):
    """WeChat answered with a non-zero errcode."""

    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"errcode {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


class TokenApi:
    """A token endpoint + an API root; subclassed by WeChat and WeCom."""

    token_path = "/cgi-bin/token"

    def __init__(
        self,
        http: HttpClient,
        store: PlatformStore,
        *,
        base_url: str,
        token_name: str,
        clock: Callable[[], datetime],
        refresh_margin: timedelta = timedelta(minutes=5),
    ) -> None:
        self.http = http
        self.store = store
        self.base_url = base_url.rstrip("/")
        self.token_name = token_name
        self.clock = clock
        self.refresh_margin = refresh_margin
        self._lock = asyncio.Lock()
        self.fetches = 0

    def token_params(self) -> dict[str, str]:
        raise NotImplementedError

    async def access_token(self) -> str:
        """The shared token, fetched when missing or about to expire. Each look is a
        transaction of its own: none is held open while the platform is asked for a
        token (on SQLite that would stall every message)."""
        found = await self.store.token(self.token_name, self.clock())
        if found is not None:
            return found
        async with self._lock:
            found = await self.store.token(self.token_name, self.clock())
            if found is not None:
                return found
            return await self._fetch()

    async def _fetch(self) -> str:
        _status, body = await self.http.request_json(
            "GET", self.base_url + self.token_path, params=self.token_params()
        )
        if not isinstance(body, dict) or body.get("errcode", 0) or "access_token" not in body:
            body = body if isinstance(body, dict) else {}
            raise WechatApiError(int(body.get("errcode", -1)), str(body.get("errmsg", "no token")))
        self.fetches += 1
        value = str(body["access_token"])
        lifetime = timedelta(seconds=int(body.get("expires_in", 7200)))
        expires = self.clock() + max(lifetime - self.refresh_margin, lifetime / 2)
        await self.store.save_token(self.token_name, value, expires)
        log.info("access token refreshed", extra={"token": self.token_name})
        return value

    async def _drop(self, value: str) -> None:
        await self.store.expire_token(self.token_name, value)

    async def call(
        self,
        path: str,
        payload: dict[str, Any] | None = None,
        *,
        params: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """POST ``payload`` (GET without one) with the token and any other ``params``; one
        refresh-and-retry on a token error.

        Never from inside a unit of work: see :meth:`kernel.context.Context.later`."""
        method = "GET" if payload is None else "POST"
        for attempt in range(2):
            token = await self.access_token()
            _status, body = await self.http.request_json(
                method,
                self.base_url + path,
                params={**(params or {}), "access_token": token},
                json=payload,
            )
            if not isinstance(body, dict):
                raise WechatApiError(-1, "response is not a JSON object")
            code = int(body.get("errcode", 0) or 0)
            if code in TOKEN_ERRORS and attempt == 0:
                log.info("access token rejected; refreshing", extra={"errcode": code})
                await self._drop(token)
                continue
            if code:
                raise WechatApiError(code, str(body.get("errmsg", "")))
            return body
        raise AssertionError("unreachable")


class WechatApi(TokenApi):
    """Official Account API client."""

    def __init__(
        self,
        http: HttpClient,
        store: PlatformStore,
        *,
        base_url: str,
        app_id: str,
        app_secret: str,
        clock: Callable[[], datetime],
    ) -> None:
        super().__init__(http, store, base_url=base_url, token_name=f"wechat:{app_id}", clock=clock)
        self.app_id = app_id
        self.app_secret = app_secret

    def token_params(self) -> dict[str, str]:
        return {"grant_type": "client_credential", "appid": self.app_id, "secret": self.app_secret}

    async def media_get(self, media_id: str, limit: int) -> bytes:
        """A message's media (a photo) by its MediaId, at most ``limit`` + 1 bytes: WeChat
        keeps it three days. An error comes back as JSON instead of the file."""
        for attempt in range(2):
            token = await self.access_token()
            kind, body = await self.http.download(
                self.base_url + "/cgi-bin/media/get",
                params={"access_token": token, "media_id": media_id},
                limit=limit,
            )
            if kind not in ("application/json", "text/plain"):
                return body
            try:
                error = json.loads(body)
            except ValueError:
                return body
            if not isinstance(error, dict):
                raise WechatApiError(-1, "media/get answered neither a file nor an error")
            code = int(error.get("errcode", 0) or 0)
            if code in TOKEN_ERRORS and attempt == 0:
                await self._drop(token)
                continue
            raise WechatApiError(code, str(error.get("errmsg", "")))
        raise AssertionError("unreachable")

    async def send_custom(self, payload: dict[str, Any]) -> None:
        """A customer-service message (``touser`` + ``msgtype`` + body)."""
        await self.call("/cgi-bin/message/custom/send", payload)

    async def send_subscribe_notice(self, payload: dict[str, Any]) -> None:
        """A subscription notice (订阅通知), allowed outside the 48-hour window."""
        await self.call("/cgi-bin/message/subscribe/bizsend", payload)

    async def jsapi_ticket(self) -> str:
        """The JS-SDK ticket our pages inside WeChat are signed with: kept with the token
        (every process uses the same one) and renewed before it expires."""
        name = f"wechat-jsapi:{self.app_id}"
        found = await self.store.token(name, self.clock())
        if found is not None:
            return found
        body = await self.call("/cgi-bin/ticket/getticket", params={"type": "jsapi"})
        ticket = str(body.get("ticket", ""))
        if not ticket:
            raise WechatApiError(-1, "no ticket in the getticket answer")
        lifetime = timedelta(seconds=int(body.get("expires_in", 7200)))
        await self.store.save_token(name, ticket, self.clock() + lifetime - self.refresh_margin)
        return ticket

    async def create_temporary_qrcode(self, scene: str, expire_seconds: int) -> QrCode:
        """A temporary QR code carrying ``scene`` (scanning it sends us a subscribe or
        SCAN event with that scene): ticket, the picture's address, and the link in it."""
        body = await self.call(
            "/cgi-bin/qrcode/create",
            {
                "expire_seconds": max(60, min(expire_seconds, QR_MAX_SECONDS)),
                "action_name": "QR_STR_SCENE",
                "action_info": {"scene": {"scene_str": scene}},
            },
        )
        ticket = str(body.get("ticket", ""))
        if not ticket:
            raise WechatApiError(-1, "no ticket in the qrcode answer")
        return QrCode(
            ticket=ticket,
            image_url=SHOW_QRCODE + quote(ticket, safe=""),
            url=str(body.get("url", "")),
            expire_seconds=int(body.get("expire_seconds", expire_seconds)),
        )

    async def bind_qrcode(self, code: str, expire_seconds: int) -> QrCode:
        """The QR code that binds whoever scans it with bind code ``code``."""
        return await self.create_temporary_qrcode(f"bind_{code}", expire_seconds)

    async def create_menu(self, body: dict[str, Any]) -> None:
        """Replace the account's custom menu (bot/adapters/menu.py renders ``body``)."""
        await self.call("/cgi-bin/menu/create", body)

    async def current_menu(self) -> dict[str, Any]:
        """The menu people see now, as create's body (WeChat answers in its own shape)."""
        return from_selfmenu(await self.call("/cgi-bin/get_current_selfmenu_info"))
