"""A local stand-in for WeChat's servers: it calls back as WeChat does and answers its API.

It signs and encrypts callbacks with its **own** implementation of the
WXBizMsgCrypt algorithm (``cryptography``'s PKCS7 padder at a 256-bit block,
written separately from ``bot.adapters.wechat.crypto``), so a mistake in ours
does not cancel out. Its API side implements ``/cgi-bin/token``,
``/cgi-bin/message/custom/send`` and ``/cgi-bin/message/subscribe/bizsend``
with WeChat's errcodes: 40001 (invalid token), 42001 (token expired), 45047
(customer-service quota spent). WeCom's ``/cgi-bin/gettoken`` and
``/cgi-bin/message/send`` and the group robot ``/cgi-bin/webhook/send`` (45009
past 20 a minute) are here too, since WeCom speaks the same dialect.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import random
import string
import struct
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree

from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from tests.bot.adapters.fakes.menu_server import FakeMenus


def sha1_sign(*parts: str) -> str:
    items = list(parts)
    items.sort()
    return hashlib.sha1("".join(items).encode()).hexdigest()


class WxCrypt:
    """WeChat's side of the message crypto, from the published algorithm."""

    def __init__(self, token: str, encoding_aes_key: str, receive_id: str) -> None:
        self.token = token
        self.key = base64.b64decode(encoding_aes_key + "=")
        self.receive_id = receive_id.encode()

    def encrypt(self, text: str, random16: bytes | None = None) -> str:
        raw = text.encode()
        plain = (random16 or os.urandom(16)) + struct.pack("!I", len(raw)) + raw + self.receive_id
        padder = padding.PKCS7(256).padder()
        padded = padder.update(plain) + padder.finalize()
        enc = Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16])).encryptor()
        return base64.b64encode(enc.update(padded) + enc.finalize()).decode()

    def decrypt(self, encrypted: str) -> str:
        dec = Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16])).decryptor()
        padded = dec.update(base64.b64decode(encrypted)) + dec.finalize()
        unpadder = padding.PKCS7(256).unpadder()
        plain = unpadder.update(padded) + unpadder.finalize()
        length = struct.unpack("!I", plain[16:20])[0]
        assert plain[20 + length :] == self.receive_id, "receive id mismatch"
        return plain[20 : 20 + length].decode()


def random_aes_key() -> str:
    return base64.b64encode(os.urandom(32)).decode().rstrip("=")


def _nonce() -> str:
    return "".join(random.choices(string.digits, k=10))


def message_xml(fields: dict[str, str | int]) -> str:
    """A callback body as WeChat writes it (CDATA strings, bare integers)."""
    parts = ["<xml>"]
    for key, value in fields.items():
        inner = str(value) if isinstance(value, int) else f"<![CDATA[{value}]]>"
        parts.append(f"<{key}>{inner}</{key}>")
    return "".join([*parts, "</xml>"])


def parse_xml(body: str) -> dict[str, str]:
    root = ElementTree.fromstring(body)
    return {child.tag: child.text or "" for child in root}


@dataclass
class Sent:
    path: str
    body: dict[str, Any]
    at: float


@dataclass
class FakeWechat:
    """The platform: account credentials, issued tokens, received API calls."""

    token: str = "yishi-token"
    app_id: str = "wx1234567890abcdef"
    app_secret: str = "s3cret"
    encoding_aes_key: str = field(default_factory=random_aes_key)
    account: str = "gh_0123456789ab"
    token_lifetime: int = 7200
    cs_quota: int = 100
    corp_id: str = "ww0123456789abcdef"
    corp_secret: str = "corp-s3cret"
    agent_id: int = 1000002  # the corp's app the bot runs as (WeCom's AgentID)
    robot_per_minute: int = 20
    robot_window: float = 60.0
    sent: list[Sent] = field(default_factory=list)
    tokens_issued: int = 0
    valid_tokens: set[str] = field(default_factory=set)
    expired_tokens: set[str] = field(default_factory=set)
    cs_counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    robot_posts: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    qrcodes: dict[str, str] = field(default_factory=dict)
    #: Media a user sent (a photo's bytes by its MediaId), for /cgi-bin/media/get.
    media: dict[str, bytes] = field(default_factory=dict)
    #: Seconds the QR code API takes to answer (a slow platform).
    qrcode_delay: float = 0.0
    #: When set, the QR code API answers only once the test opens this gate.
    qrcode_gate: asyncio.Event | None = None
    #: Subscription templates' kinds ("once" or "long"); what each person agreed to on
    #: WeChat's side: a long-term template (None) or one-time notices left.
    template_kinds: dict[str, str] = field(default_factory=dict)
    agreed: dict[tuple[str, str], int | None] = field(default_factory=dict)
    jsapi_tickets: list[str] = field(default_factory=list)
    #: Subscription notices refused for want of consent (43101).
    refused_notices: list[dict[str, Any]] = field(default_factory=list)
    #: The account's and the WeCom apps' custom menus (fakes/menu_server.py).
    menus: FakeMenus = field(default_factory=FakeMenus)
    #: WeChat's clock, which stamps each callback's signature (seconds since the epoch).
    clock: Callable[[], float] = time.time
    server: TestServer | None = None

    @property
    def crypt(self) -> WxCrypt:
        return WxCrypt(self.token, self.encoding_aes_key, self.app_id)

    @property
    def url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("")).rstrip("/")

    # -- the API ------------------------------------------------------------------------
    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/cgi-bin/token", self._token)
        app.router.add_get("/cgi-bin/gettoken", self._corp_token)
        app.router.add_post("/cgi-bin/message/custom/send", self._custom_send)
        app.router.add_post("/cgi-bin/message/subscribe/bizsend", self._bizsend)
        app.router.add_post("/cgi-bin/message/send", self._wecom_send)
        app.router.add_post("/cgi-bin/webhook/send", self._robot_send)
        app.router.add_post("/cgi-bin/qrcode/create", self._qrcode_create)
        app.router.add_get("/cgi-bin/media/get", self._media_get)
        app.router.add_get("/cgi-bin/ticket/getticket", self._jsapi_ticket)
        self.menus.add_routes(app, self._check_token)
        return app

    async def start(self) -> FakeWechat:
        self.server = TestServer(self.app(), host="127.0.0.1", port=0)
        await self.server.start_server()
        return self

    async def close(self) -> None:
        if self.server is not None:
            await self.server.close()

    def expire_tokens(self) -> None:
        """Every token issued so far expires now (WeChat answers 42001 for them)."""
        self.expired_tokens |= self.valid_tokens
        self.valid_tokens.clear()

    def _issue(self) -> web.Response:
        self.tokens_issued += 1
        value = f"ACCESS_TOKEN_{self.tokens_issued}_{os.urandom(4).hex()}"
        self.valid_tokens.add(value)
        return web.json_response({"access_token": value, "expires_in": self.token_lifetime})

    async def _token(self, request: web.Request) -> web.Response:
        q = request.query
        if q.get("grant_type") != "client_credential" or q.get("appid") != self.app_id:
            return web.json_response({"errcode": 40013, "errmsg": "invalid appid"})
        if q.get("secret") != self.app_secret:
            return web.json_response({"errcode": 40001, "errmsg": "invalid credential"})
        return self._issue()

    async def _corp_token(self, request: web.Request) -> web.Response:
        q = request.query
        if q.get("corpid") != self.corp_id or q.get("corpsecret") != self.corp_secret:
            return web.json_response({"errcode": 40001, "errmsg": "invalid credential"})
        return self._issue()

    def _check_token(self, request: web.Request) -> web.Response | None:
        token = request.query.get("access_token", "")
        if token in self.expired_tokens:
            return web.json_response({"errcode": 42001, "errmsg": "access_token expired"})
        if token not in self.valid_tokens:
            return web.json_response({"errcode": 40001, "errmsg": "invalid credential"})
        return None

    async def _media_get(self, request: web.Request) -> web.Response:
        """The file as WeChat sends it (its type in Content-Type), or a JSON error."""
        refused = self._check_token(request)
        if refused is not None:
            return refused
        data = self.media.get(request.query.get("media_id", ""))
        if data is None:
            return web.json_response({"errcode": 40007, "errmsg": "invalid media_id"})
        return web.Response(
            body=data,
            content_type="image/jpeg",
            headers={"Content-disposition": 'attachment; filename="photo.jpg"'},
        )

    async def _custom_send(self, request: web.Request) -> web.Response:
        refused = self._check_token(request)
        if refused is not None:
            return refused
        body = await request.json()
        if body.get("msgtype") not in ("text", "msgmenu", "news", "image"):
            return web.json_response({"errcode": 40008, "errmsg": "invalid message type"})
        user = body.get("touser", "")
        if self.cs_counts[user] >= self.cs_quota:
            return web.json_response({"errcode": 45047, "errmsg": "out of response count limit"})
        self.cs_counts[user] += 1
        self.sent.append(Sent("custom", body, time.monotonic()))
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    async def _bizsend(self, request: web.Request) -> web.Response:
        """A subscription notice goes only to someone who agreed to its template
        (43101 otherwise); a one-time agreement is used up by it."""
        refused = self._check_token(request)
        if refused is not None:
            return refused
        body = await request.json()
        key = (body.get("touser", ""), body.get("template_id", ""))
        if key not in self.agreed:
            self.refused_notices.append(body)
            return web.json_response({"errcode": 43101, "errmsg": "user refuse to accept the msg"})
        left = self.agreed[key]
        if left is not None:
            if left <= 1:
                del self.agreed[key]
            else:
                self.agreed[key] = left - 1
        self.sent.append(Sent("subscribe", body, time.monotonic()))
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    async def _jsapi_ticket(self, request: web.Request) -> web.Response:
        refused = self._check_token(request)
        if refused is not None:
            return refused
        if request.query.get("type") != "jsapi":
            return web.json_response({"errcode": 40097, "errmsg": "invalid args"})
        self.jsapi_tickets.append(f"JSAPI_{len(self.jsapi_tickets) + 1}_{os.urandom(4).hex()}")
        return web.json_response(
            {"errcode": 0, "errmsg": "ok", "ticket": self.jsapi_tickets[-1], "expires_in": 7200}
        )

    def subscribe_notices(self, user: str) -> list[dict[str, Any]]:
        return [s.body for s in self.sent if s.path == "subscribe" and s.body["touser"] == user]

    def consent(self, openid: str, choices: dict[str, str], create_time: int | None = None) -> str:
        """The consent popup's event: each template accepted or rejected (and WeChat's
        own record of it updated)."""
        for template, status in choices.items():
            if status != "accept":
                self.agreed.pop((openid, template), None)
            elif self.template_kinds.get(template, "long") == "once":
                self.agreed[(openid, template)] = (self.agreed.get((openid, template)) or 0) + 1
            else:
                self.agreed[(openid, template)] = None
        items = "".join(
            f"<List><TemplateId><![CDATA[{t}]]></TemplateId><SubscribeStatusString>"
            f"<![CDATA[{s}]]></SubscribeStatusString><PopupScene>2</PopupScene></List>"
            for t, s in choices.items()
        )
        return self._event_xml(
            openid, "subscribe_msg_popup_event", create_time, "SubscribeMsgPopupEvent", items
        )

    def withdraw(self, openid: str, template: str, create_time: int | None = None) -> str:
        """The person turned the template off in the account's settings."""
        self.agreed.pop((openid, template), None)
        item = (
            f"<List><TemplateId><![CDATA[{template}]]></TemplateId><SubscribeStatusString>"
            "<![CDATA[reject]]></SubscribeStatusString></List>"
        )
        return self._event_xml(
            openid, "subscribe_msg_change_event", create_time, "SubscribeMsgChangeEvent", item
        )

    def _event_xml(
        self, openid: str, event: str, create_time: int | None, wrapper: str, inner: str
    ) -> str:
        head = message_xml(self.event(openid, event, create_time or int(time.time())))
        return head.removesuffix("</xml>") + f"<{wrapper}>{inner}</{wrapper}></xml>"

    async def _wecom_send(self, request: web.Request) -> web.Response:
        refused = self._check_token(request)
        if refused is not None:
            return refused
        body = await request.json()
        self.sent.append(Sent("wecom", body, time.monotonic()))
        return web.json_response({"errcode": 0, "errmsg": "ok", "msgid": f"m{len(self.sent)}"})

    async def _robot_send(self, request: web.Request) -> web.Response:
        key = request.query.get("key", "")
        now = time.monotonic()
        recent = [t for t in self.robot_posts[key] if now - t < self.robot_window]
        if len(recent) >= self.robot_per_minute:
            return web.json_response({"errcode": 45009, "errmsg": "api freq out of limit"})
        recent.append(now)
        self.robot_posts[key] = recent
        self.sent.append(Sent(f"robot:{key}", await request.json(), now))
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    async def _qrcode_create(self, request: web.Request) -> web.Response:
        await asyncio.sleep(self.qrcode_delay)
        if self.qrcode_gate is not None:
            await self.qrcode_gate.wait()
        refused = self._check_token(request)
        if refused is not None:
            return refused
        body = await request.json()
        scene = body.get("action_info", {}).get("scene", {})
        expire = body.get("expire_seconds", 60)
        if body.get("action_name") != "QR_STR_SCENE" or not scene.get("scene_str"):
            return web.json_response({"errcode": 40097, "errmsg": "invalid args"})
        if not isinstance(expire, int) or not 60 <= expire <= 2_592_000:
            return web.json_response({"errcode": 40097, "errmsg": "invalid expire_seconds"})
        ticket = f"gQH47joAAAAAAAAAASxodHRwOi8v{os.urandom(6).hex()}=="
        self.qrcodes[ticket] = str(scene["scene_str"])
        self.sent.append(Sent("qrcode", body, time.monotonic()))
        return web.json_response(
            {
                "ticket": ticket,
                "expire_seconds": expire,
                "url": f"http://weixin.qq.com/q/{ticket[-14:-2]}",
            }
        )

    def scan(self, ticket: str, openid: str, *, subscribed: bool = False) -> dict[str, str | int]:
        """The event WeChat sends when ``openid`` scans the QR code of ``ticket``: a
        subscribe with ``qrscene_`` + scene for a new follower, else SCAN with the scene."""
        scene = self.qrcodes[ticket]
        if subscribed:
            return self.event(openid, "SCAN", int(time.time()), EventKey=scene, Ticket=ticket)
        return self.event(
            openid, "subscribe", int(time.time()), EventKey=f"qrscene_{scene}", Ticket=ticket
        )

    def customer_service(self, user: str | None = None) -> list[dict[str, Any]]:
        return [
            s.body
            for s in self.sent
            if s.path == "custom" and (user is None or s.body.get("touser") == user)
        ]

    # -- callbacks ----------------------------------------------------------------------
    def callback(
        self,
        fields: dict[str, str | int] | str,
        *,
        safe: bool = False,
        openid: str | None = None,
    ) -> tuple[dict[str, str], bytes]:
        """Query string and body of a callback (``fields``, or a whole message document
        as WeChat writes it), signed (and encrypted) as WeChat does: each call is a new
        request with its own timestamp and nonce (a retry too)."""
        timestamp, nonce = str(int(self.clock())), _nonce()
        inner = fields if isinstance(fields, str) else message_xml(fields)
        query = {
            "signature": sha1_sign(self.token, timestamp, nonce),
            "timestamp": timestamp,
            "nonce": nonce,
            "openid": openid or parse_xml(inner).get("FromUserName", ""),
        }
        if not safe:
            return query, inner.encode()
        encrypted = self.crypt.encrypt(inner)
        query["encrypt_type"] = "aes"
        query["msg_signature"] = sha1_sign(self.token, timestamp, nonce, encrypted)
        outer = message_xml({"ToUserName": self.account, "Encrypt": encrypted})
        return query, outer.encode()

    def callback_document(
        self, document: str, *, openid: str, safe: bool = True
    ) -> tuple[dict[str, str], bytes]:
        """Query string and body of a callback carrying ``document`` exactly as given,
        signed (and encrypted) as :meth:`callback` does: a recorded message keeps its
        nested elements (``<ScanCodeInfo>``, ``<SendPicsInfo><PicList><item>``) and
        whitespace, which a dict of fields cannot hold."""
        return self.callback(document, safe=safe, openid=openid)

    def text(self, openid: str, content: str, msg_id: int, **extra: str) -> dict[str, str | int]:
        return {
            "ToUserName": self.account,
            "FromUserName": openid,
            "CreateTime": int(time.time()),
            "MsgType": "text",
            "Content": content,
            "MsgId": msg_id,
            **extra,
        }

    def wecom_text(self, user: str, content: str, msg_id: int) -> dict[str, str | int]:
        """A text a corp member sends the app (WeCom): :meth:`text` to the corp's app."""
        return {
            **self.text(user, content, msg_id),
            "ToUserName": self.corp_id,
            "AgentID": self.agent_id,
        }

    def event(
        self, openid: str, event: str, create_time: int, **extra: str
    ) -> dict[str, str | int]:
        return {
            "ToUserName": self.account,
            "FromUserName": openid,
            "CreateTime": create_time,
            "MsgType": "event",
            "Event": event,
            **extra,
        }

    def read_reply(self, body: str, query: dict[str, str]) -> dict[str, str]:
        """A passive reply as WeChat reads it: decrypted and signature-checked in safe mode."""
        outer = parse_xml(body)
        if "Encrypt" not in outer:
            return outer
        expected = sha1_sign(self.token, outer["TimeStamp"], outer["Nonce"], outer["Encrypt"])
        assert outer["MsgSignature"] == expected, "reply msg_signature is wrong"
        return parse_xml(self.crypt.decrypt(outer["Encrypt"]))
