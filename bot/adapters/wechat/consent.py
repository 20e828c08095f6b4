"""Subscription-notice consent (订阅通知): recorded as WeChat reports it, asked for
when it is useful, and spent when a notice goes out.

WeChat tells the account what a person chose in three events: the consent popup
(``subscribe_msg_popup_event``: accept or reject per template), the account's
settings page (``subscribe_msg_change_event``: withdrawn), and each notice's fate
(``subscribe_msg_sent_event``: 43101 when the person refused it). A notice outside
the customer-service window goes only on a template the person agreed to: a
long-term one until withdrawn, a one-time one once per agreement. The consent
popup itself is WeChat's ``wx-open-subscribe`` tag on a page of ours
(``/wechat/subscribe``), offered in chat right after a report is filed.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass, replace
from datetime import datetime
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.adapters.outbound import OutboundError
from bot.adapters.port import PlatformStore
from bot.adapters.wechat import xml
from bot.adapters.wechat.api import WechatApi, WechatApiError
from bot.config import SubscribeTemplate, WechatSettings
from kernel.messages import Platform, Reply
from kernel.texts import catalog, t

#: subscribe_msg_sent_event / bizsend: the person refused notices of this template.
REFUSED = 43101
CONSENT_EVENTS = frozenset(
    {"subscribe_msg_popup_event", "subscribe_msg_change_event", "subscribe_msg_sent_event"}
)
#: A subscription notice's ``thing`` keyword holds at most this many characters.
THING_MAX = 20
SCRIPT = Path(__file__).resolve().parent / "subscribe.js"
JS_SDK = "https://res.wx.qq.com/open/js/jweixin-1.6.0.js"


def consent_changes(
    fields: dict[str, str], event: str, settings: WechatSettings
) -> list[tuple[str, bool, bool]]:
    """``(template id, accepted?, one-time?)`` for each template the event speaks of."""
    changes: list[tuple[str, bool, bool]] = []
    for item in xml.list_items(fields) or [fields]:
        template_id = item.get("TemplateId", "")
        if not template_id:
            continue
        if event == "subscribe_msg_sent_event":
            if item.get("ErrorCode", "0") != str(REFUSED):
                continue  # delivered, or failed for a reason that says nothing of consent
            accepted = False
        else:
            accepted = item.get("SubscribeStatusString", "").lower() == "accept"
        known = settings.template(template_id)
        changes.append((template_id, accepted, known is not None and known.kind == "once"))
    return changes


@dataclass(eq=False)
class SubscribeNotices:
    """Sends a push as a subscription notice when, and only when, the person agreed."""

    api: WechatApi
    store: PlatformStore
    settings: WechatSettings
    _: KW_ONLY
    clock: Callable[[], datetime]
    zone: ZoneInfo

    def carriers(self, reply: Reply) -> list[SubscribeTemplate]:
        """The configured templates that may carry this notice."""
        return [t for t in self.settings.templates() if t.carries(reply.about)]

    async def send(
        self, openid: str, reply: Reply, templates: list[SubscribeTemplate]
    ) -> str | None:
        """Send ``reply`` on one of ``templates`` (its :meth:`carriers`) the person agreed
        to; the reason it could not go (None: it went). Raises :class:`OutboundError` to
        be tried again later."""
        offered = [(t.id, t.kind == "once") for t in templates]
        taken = await self.store.take_consent(Platform.WECHAT, openid, offered)
        template = self.settings.template(taken) if taken else None
        if template is None:
            return "the person has not agreed to a subscription notice"
        try:
            await self.api.send_subscribe_notice(self._payload(openid, template, reply))
        except WechatApiError as exc:
            if exc.errcode == REFUSED:
                await self._withdrawn(openid, template)
            elif template.kind == "once":
                await self.store.give_back_consent(Platform.WECHAT, openid, template.id)
            return str(exc)
        except OutboundError:
            if template.kind == "once":
                await self.store.give_back_consent(Platform.WECHAT, openid, template.id)
            raise
        return None

    def _payload(self, openid: str, template: SubscribeTemplate, reply: Reply) -> dict[str, Any]:
        text = " ".join(reply.text.split())
        if len(text) > THING_MAX:
            text = text[: THING_MAX - 1] + "…"
        data: dict[str, Any] = {template.text_field: {"value": text}}
        if template.time_field:
            local = self.clock().astimezone(self.zone)
            data[template.time_field] = {"value": local.strftime("%Y年%m月%d日 %H:%M")}
        payload: dict[str, Any] = {"touser": openid, "template_id": template.id, "data": data}
        if template.page:
            payload["page"] = template.page
        return payload

    async def _withdrawn(self, openid: str, template: SubscribeTemplate) -> None:
        """WeChat says the person refused this template: never try it again unasked."""
        async with self.store.transaction() as tx:
            await tx.record_consents(
                Platform.WECHAT,
                openid,
                [(template.id, False, template.kind == "once")],
                stamp=f"refused:{self.clock().timestamp():.0f}",
                now=self.clock(),
                why="refused at send",
            )


class ConsentOffer:
    """After a report is filed (a reply that ``offers_notices``), a person who has not
    agreed to a one-time template for those notices is asked: 办结时通知您？"""

    def __init__(self, store: PlatformStore, settings: WechatSettings, base_url: str) -> None:
        self.store = store
        self.settings = settings
        self.base_url = base_url.rstrip("/")

    async def add(self, openid: str, replies: list[Reply]) -> list[Reply]:
        families = {r.offers_notices for r in replies if r.offers_notices}
        if not families:
            return replies
        agreed = await self.store.consented(Platform.WECHAT, openid)
        out: list[Reply] = []
        for reply in replies:
            templates = self._askable(reply.offers_notices, agreed)
            if templates:
                link = f"{self.base_url}/wechat/subscribe?" + urlencode(
                    {"about": reply.offers_notices}
                )
                offer = t(f"wechat.consent_offer_{reply.offers_notices}", link=link)
                reply = replace(reply, text=reply.text + "\n" + offer, offers_notices=None)
            out.append(reply)
        return out

    def _askable(self, family: str | None, agreed: dict[str, int]) -> list[SubscribeTemplate]:
        """One-time templates for ``family`` the person has no notice left on (a
        long-term agreement covering it needs no asking)."""
        if family is None or f"wechat.consent_offer_{family}" not in catalog():
            return []
        covering = [t for t in self.settings.templates() if t.carries(family)]
        if any(t.kind == "long" and t.id in agreed for t in covering):
            return []
        return [t for t in covering if t.kind == "once" and agreed.get(t.id, 0) <= 0]


class SubscribePage:
    """``GET /wechat/subscribe?about=…``: WeChat's consent button for the templates that
    carry those notices, on a page opened inside WeChat (the JS-SDK signs its address)."""

    def __init__(self, api: WechatApi, settings: WechatSettings, base_url: str) -> None:
        self.api = api
        self.settings = settings
        self.base_url = base_url.rstrip("/")

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/wechat/subscribe", self.page)
        app.router.add_get("/wechat/subscribe.js", self.script)

    async def script(self, _request: web.Request) -> web.FileResponse:
        return web.FileResponse(SCRIPT)

    async def page(self, request: web.Request) -> web.Response:
        about = request.query.get("about", "")
        templates = [t.id for t in self.settings.templates() if about and t.carries(about)]
        if not templates:
            raise web.HTTPNotFound(text="没有可订阅的通知。")
        url = self.base_url + request.path_qs
        try:
            ticket = await self.api.jsapi_ticket()
        except (WechatApiError, OutboundError):
            raise web.HTTPServiceUnavailable(text="微信暂时连不上，请稍后再打开。") from None
        stamp, nonce = str(int(self.api.clock().timestamp())), secrets.token_hex(8)
        config = {
            "appId": self.settings.app_id,
            "timestamp": stamp,
            "nonceStr": nonce,
            "signature": jsapi_signature(ticket, nonce, stamp, url),
        }
        body = PAGE.format(
            config=escape(json.dumps(config), quote=True),
            templates=escape(",".join(templates), quote=True),
            title=escape(t("wechat.consent_page_title")),
            explain=escape(t("wechat.consent_page_explain")),
            button=escape(t("wechat.consent_page_button")),
            done=escape(t("wechat.consent_page_done")),
            sdk=JS_SDK,
        )
        return web.Response(
            text=body,
            content_type="text/html",
            headers={
                "Content-Security-Policy": (
                    f"default-src 'self'; script-src 'self' {JS_SDK}; style-src 'self'; "
                    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
                ),
                "Cache-Control": "no-store",
            },
        )


def jsapi_signature(ticket: str, nonce: str, stamp: str, url: str) -> str:
    """WeChat JS-SDK's page signature: SHA-1 over the ticket, nonce, time and address."""
    plain = f"jsapi_ticket={ticket}&noncestr={nonce}&timestamp={stamp}&url={url.split('#')[0]}"
    return hashlib.sha1(plain.encode()).hexdigest()


PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><link rel="stylesheet" href="/public/style.css"></head>
<body><main id="subscribe" data-wx="{config}">
<h1>{title}</h1><p>{explain}</p>
<wx-open-subscribe id="subscribe-button" template="{templates}">
<script type="text/wxtag-template"><button>{button}</button></script>
</wx-open-subscribe>
<p id="subscribe-done" hidden>{done}</p>
</main><script src="{sdk}"></script><script src="/wechat/subscribe.js"></script></body></html>
"""
