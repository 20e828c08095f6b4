"""The WeChat Official Account (公众号) callback on ``GET/POST /wechat`` and its sender.

GET is the URL check (SHA-1 of token, timestamp, nonce; constant-time compare).
POST carries one message in XML, plain or in safe mode (``encrypt_type=aes``:
``msg_signature`` over the ciphertext, AES-256-CBC, the appid checked). With an
EncodingAESKey configured only safe-mode bodies are accepted: a plaintext body is
signed by nothing, so its FromUserName would be anyone's word. Every signature
must be fresh and is used once (:class:`~bot.adapters.callbacks.SignatureGuard`).
WeChat waits five seconds and retries three times; each message is handled once
per sender and MsgId (events: sender, event and CreateTime) by
:class:`~bot.adapters.callbacks.CallbackRunner`, in one transaction: a passive
reply when quick, ``success`` and a customer-service push when not.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any
from urllib.parse import quote

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
from bot.adapters.wechat.api import BLOCKED_ERRORS, QUOTA_ERRORS, WechatApi, WechatApiError
from bot.adapters.wechat.consent import (
    CONSENT_EVENTS,
    ConsentOffer,
    SubscribeNotices,
    SubscribePage,
    consent_changes,
)
from bot.adapters.wechat.crypto import CryptoError, MessageCrypt, check_signature
from bot.config import WechatSettings
from bot.media import MediaRefused, MediaStore
from bot.push import PermanentPushError
from bot.router import Router
from kernel.messages import Button, Link, Location, Platform, Reply
from kernel.texts import t

log = logging.getLogger("yishi.wechat")

PASSIVE_MAX_BYTES = 2048  # WeChat truncates longer passive text replies
SUCCESS = "success"
BIND_SCENES = ("qrscene_bind_", "bind_")
#: WeChat hardware's messages (device_text, device_event): a device's data or its
#: binding, not words a resident typed, so not answered "please type it".
DEVICE_PREFIX = "device_"


@lru_cache(maxsize=4096)
def button_key(data: str) -> str:
    """A short stable id for button data (WeChat msgmenuid, Telegram callback_data)."""
    return "b" + hashlib.sha256(data.encode("utf-8")).hexdigest()[:20]


async def remember_buttons(store: PlatformStore, buttons: tuple[Button, ...]) -> None:
    """Store each button's data under its short key so a press can be mapped back."""
    if not buttons:
        return
    await store.save_callback_data([(button_key(b.data), b.data) for b in buttons])


@lru_cache(maxsize=1024)
def render_text(reply: Reply) -> str:
    """Reply text with its buttons as WeChat menu links (a tap sends the choice back).

    Kept for the replies that recur (帮助's menu): each is rendered once, not once to
    see whether it fits a passive reply and again to send it."""
    if not reply.buttons:
        return reply.text
    links = [
        f'<a href="weixin://bizmsgmenu?msgmenucontent={quote(b.label)}'
        f'&msgmenuid={button_key(b.data)}">{b.label}</a>'
        for b in reply.buttons
    ]
    return reply.text + "\n" + "  ".join(links)


class WechatSender(RecordingSender):
    """Pushes through the customer-service API within the 48-hour window, else falls back."""

    platform = Platform.WECHAT.value

    def __init__(self, notices: SubscribeNotices, offer: ConsentOffer) -> None:
        """Over the API, store, settings and clock its fallback, ``notices``, sends with."""
        self.notices = notices
        self.offer = offer
        self.api = notices.api
        self.store = notices.store
        self.settings = notices.settings
        self.clock = notices.clock
        self.window = timedelta(hours=self.settings.cs_window_hours)

    async def send(self, chat_id: str, reply: Reply) -> None:
        """A push (a late answer, a notice): the consent offer rides along when due."""
        [reply] = await self.offer.add(chat_id, [reply])
        await self._send(chat_id, reply)

    async def _send(self, chat_id: str, reply: Reply) -> None:
        slot = await self.store.take_window_slot(
            Platform.WECHAT, chat_id, self.clock(), self.window, self.settings.cs_quota
        )
        if slot:
            await remember_buttons(self.store, reply.buttons)
            try:
                await self.api.send_custom(self._custom_payload(chat_id, reply))
            except WechatApiError as exc:
                if exc.errcode in QUOTA_ERRORS:
                    await self.store.close_window(Platform.WECHAT, chat_id, self.settings.cs_quota)
                    await self._record(chat_id, "customer_service", False, str(exc), reply)
                    await self._fall_back(chat_id, reply, str(exc))
                    return
                await self._record(chat_id, "customer_service", False, str(exc), reply)
                if exc.errcode in BLOCKED_ERRORS:
                    raise PermanentPushError(str(exc)) from exc
                raise
            except OutboundError as exc:
                await self._record(chat_id, "customer_service", False, str(exc), reply)
                raise
            await self._record(chat_id, "customer_service", True, None, reply)
            return
        await self._fall_back(chat_id, reply, "outside the 48-hour customer-service window")

    def _custom_payload(self, chat_id: str, reply: Reply) -> dict[str, Any]:
        if reply.buttons:
            return {
                "touser": chat_id,
                "msgtype": "msgmenu",
                "msgmenu": {
                    "head_content": reply.text,
                    "list": [{"id": button_key(b.data), "content": b.label} for b in reply.buttons],
                    "tail_content": "",
                },
            }
        return {"touser": chat_id, "msgtype": "text", "text": {"content": reply.text}}

    async def _fall_back(self, chat_id: str, reply: Reply, why: str) -> None:
        """A subscription notice on a template the person agreed to, else undeliverable
        here (the push service then tries the person's next bound platform)."""
        templates = self.notices.carriers(reply)
        if not templates:
            raise PermanentPushError(why)
        try:
            refused = await self.notices.send(chat_id, reply, templates)
        except OutboundError as exc:
            await self._record(chat_id, "subscribe_notice", False, str(exc), reply)
            raise
        if refused is None:
            await self._record(chat_id, "subscribe_notice", True, why, reply)
            return
        await self._record(chat_id, "subscribe_notice", False, refused, reply)
        # The push service hands it to the person's next account, in their order.
        raise PermanentPushError(f"{why}; {refused}")


class WechatAdapter(SignedCallbackAdapter):
    """``/wechat`` callbacks and customer-service pushes for one Official Account."""

    platform = Platform.WECHAT.value
    path = "/wechat"

    def __init__(
        self,
        router: Router,
        store: PlatformStore,
        settings: WechatSettings,
        http: HttpClient,
        media: MediaStore | None = None,
        *,
        base_url: str = "",
    ) -> None:
        self.router = router
        self.store = store
        self.settings = settings
        #: Where photos are kept (None: a photo is kept as WeChat's link, which expires).
        self.media = media
        self.crypt = (
            MessageCrypt(settings.token, settings.encoding_aes_key, settings.app_id)
            if settings.encoding_aes_key
            else None
        )
        self.api = WechatApi(
            http,
            store,
            base_url=settings.api_base_url,
            app_id=settings.app_id,
            app_secret=settings.app_secret,
            clock=router.clock,
        )
        #: Where residents' phones reach this server (the consent page's address).
        self.base_url = base_url or "http://localhost"
        self.consent_offer = ConsentOffer(store, settings, self.base_url)
        self.subscribe_page = SubscribePage(self.api, settings, self.base_url)
        notices = SubscribeNotices(
            self.api, store, settings, clock=router.clock, zone=router.community.zone
        )
        self.sender = WechatSender(notices, self.consent_offer)
        #: The configured menu's CLICK keys → the text each tap sends.
        self.menu = menu_keys(settings.menu)
        self._serve(router, store, settings, passive_ok=self._passive_fits, touch_contacts=True)

    def health(self) -> dict[str, Any]:
        return {
            "state": "ok",
            "mode": "safe" if self.crypt else "plain",
            "token_fetches": self.api.fetches,
            **self.runner_health(),
        }

    def add_routes(self, app: web.Application) -> None:
        super().add_routes(app)
        self.subscribe_page.add_routes(app)

    # -- HTTP ----------------------------------------------------------------------------
    def _check_url_signature(self, request: web.Request) -> Signed:
        """The URL signature, fresh and right (not yet spent); else a 4xx to raise."""
        sig, signed = self._signed(request, "signature")
        if not check_signature(sig, self.settings.token, request.query["timestamp"], signed.nonce):
            raise self._refuse(403, "bad signature")
        return signed

    async def _verify_url(self, request: web.Request) -> web.Response:
        await self._spend(self._check_url_signature(request))
        return web.Response(text=request.query.get("echostr", ""))

    async def _callback(self, request: web.Request) -> web.Response:
        arrived = asyncio.get_running_loop().time()
        signed = self._check_url_signature(request)
        safe = request.query.get("encrypt_type") == "aes"
        if self.crypt is not None and not safe:
            # Safe mode: WeChat encrypts every message; a plaintext one is not WeChat's.
            raise self._refuse(403, "safe mode: only encrypted messages are accepted")
        body = await self._body(request)
        try:
            fields = xml.read_fields(body, limit=self.settings.max_body_bytes)
            if safe:
                fields = self._decrypt(request, signed, fields)
        except xml.XmlError as exc:
            raise self._refuse(400, str(exc)) from None
        except CryptoError as exc:
            raise self._refuse(403, f"decryption failed: {exc}") from None
        replies = await self._answered(fields, signed, arrived)
        if not replies:
            return web.Response(text=SUCCESS)
        return self._passive(replies, fields, safe=safe, nonce=signed.nonce)

    def _decrypt(
        self, request: web.Request, signed: Signed, outer: dict[str, str]
    ) -> dict[str, str]:
        """The message inside ``Encrypt``, once ``msg_signature`` over it checks out (a
        compatible-mode body's plaintext copy beside it is ignored: nothing signs it)."""
        if self.crypt is None:
            raise xml.XmlError("safe mode is not configured (no encoding_aes_key)")
        encrypted = outer.get("Encrypt", "")
        stamp = request.query.get("timestamp", "")
        if not encrypted or not self.crypt.verify(
            request.query.get("msg_signature", ""), stamp, signed.nonce, encrypted
        ):
            raise CryptoError("bad msg_signature")
        return xml.read_fields(self.crypt.decrypt(encrypted).encode("utf-8"))

    def _passive_fits(self, replies: list[Reply]) -> bool:
        return len("\n\n".join(render_text(r) for r in replies).encode()) <= PASSIVE_MAX_BYTES

    def _passive(
        self, replies: list[Reply], fields: dict[str, str], *, safe: bool, nonce: str
    ) -> web.Response:
        content = "\n\n".join(render_text(r) for r in replies)
        now = self.guard.now()
        reply_xml = xml.build(
            {
                "ToUserName": fields["FromUserName"],
                "FromUserName": fields.get("ToUserName", ""),
                "CreateTime": now,
                "MsgType": "text",
                "Content": content,
            }
        )
        if safe and self.crypt is not None:
            reply_xml = xml.build(
                self.crypt.envelope(reply_xml, now, nonce or secrets.token_hex(8))
            )
        return web.Response(text=reply_xml, content_type="application/xml")

    # -- messages ------------------------------------------------------------------------
    async def _handle(self, fields: dict[str, str], signed: Signed, arrived: float) -> list[Reply]:
        openid = fields["FromUserName"]
        msg_type = fields["MsgType"]
        event = fields.get("Event", "").lower() if msg_type == "event" else ""
        # The sender is part of every key; an event's CreateTime alone is not unique
        # (a LOCATION report and a VIEW click can share one), so the event is in it.
        key = fields.get("MsgId") or f"{event}:{fields.get('CreateTime', '')}"
        if event == "unsubscribe":
            async with self.store.transaction() as tx:
                await self.guard.spend(tx, signed)
                await tx.unsubscribed(self.platform, openid, self.router.clock())
            return []
        if event in CONSENT_EVENTS:
            async with self.store.transaction() as tx:
                await self.guard.spend(tx, signed)
                await tx.record_consents(
                    self.platform,
                    openid,
                    consent_changes(fields, event, self.settings),
                    stamp=f"{event}:{fields.get('CreateTime', '')}",
                    now=self.router.clock(),
                    why=event,
                )
            return []
        if msg_type.startswith(DEVICE_PREFIX) or (
            msg_type == "event" and event not in ("subscribe", "scan", "click")
        ):
            await self.runner.spend(signed)
            return []  # VIEW, LOCATION reports, send-job receipts, devices: nothing to say
        text, extra = await self._text_of(fields, msg_type, event)
        if text is None:  # answered as it is, with no effect to keep
            await self.runner.spend(signed)
            return [Reply(extra.get("answer", t("wechat.unsupported")))]
        message = self._message(openid, key, text, _sent_at(fields), **extra)
        replies = await self.runner.deliver(message, signed, arrived=arrived)
        return await self.consent_offer.add(openid, replies)

    async def _text_of(
        self, fields: dict[str, str], msg_type: str, event: str
    ) -> tuple[str | None, dict[str, Any]]:
        """The message as text for the router, and what else it carries (``image_url``,
        ``location`` or ``link``); None: answer ``extra['answer']`` directly."""
        if msg_type == "text":
            menu_id = fields.get("bizmsgmenuid")
            if menu_id:
                data = await self.store.callback_data(menu_id)
                if data is not None:
                    return data, {}
            return fields.get("Content", ""), {}
        if msg_type == "image":
            return await self._photo(fields)
        if msg_type == "voice":
            recognised = fields.get("Recognition", "").strip()
            if recognised:
                return recognised, {}
            return None, {"answer": t("wechat.voice_unrecognised")}
        if msg_type == "location":
            try:
                where = Location(
                    float(fields.get("Location_X", "")),
                    float(fields.get("Location_Y", "")),
                    fields.get("Label") or None,
                )
            except ValueError:
                return None, {"answer": t("wechat.unsupported")}
            return "", {"location": where}
        if msg_type == "link":
            url = fields.get("Url", "").strip()
            if not url:
                return None, {"answer": t("wechat.unsupported")}
            return "", {"link": Link(url[:1000], fields.get("Title", "").strip()[:100])}
        if event in ("subscribe", "scan"):
            scene = fields.get("EventKey", "")
            for prefix in BIND_SCENES:
                if scene.startswith(prefix) and scene[len(prefix) :].isdigit():
                    return f"绑定 {scene[len(prefix) :]}", {}
            return "/welcome", {}
        if event == "click":  # a menu button: the words it stands for, as if typed
            send = self.menu.get(fields.get("EventKey", ""))
            if send is None:
                return None, {"answer": t("menu.unknown")}
            return send, {}
        return None, {}

    async def _photo(self, fields: dict[str, str]) -> tuple[str | None, dict[str, Any]]:
        """A photo is downloaded at once (its MediaId lasts three days) and kept with the
        report; one that can't be fetched or isn't a photo is answered, not filed."""
        media_id = fields.get("MediaId", "")
        if self.media is None or not media_id:
            return "", {"image_url": fields.get("PicUrl") or None}
        try:
            data = await self.api.media_get(media_id, self.media.max_bytes)
            link = await self.media.save(data)
        except MediaRefused as refused:
            return None, {"answer": t(f"media.{refused.reason}")}
        except (OutboundError, WechatApiError) as exc:
            log.warning("photo not fetched", extra={"error": type(exc).__name__})
            return None, {"answer": t("media.unavailable")}
        return "", {"image_url": link}


def _sent_at(fields: dict[str, str]) -> datetime:
    try:
        return datetime.fromtimestamp(int(fields.get("CreateTime", "")), tz=utcnow().tzinfo)
    except (ValueError, OverflowError, OSError):
        return utcnow()
