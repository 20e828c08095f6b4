"""The WeChat Official Account callback against a local stand-in for WeChat's servers.

The stand-in signs and encrypts each callback as WeChat does, reads our passive
replies as WeChat would, and receives our customer-service pushes on its API.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from html import unescape
from typing import Any
from urllib.parse import quote

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlmodel import func, select

from bot.adapters.wechat import xml as wxml
from bot.adapters.wechat.crypto import CryptoError, MessageCrypt
from bot.app import Yishi, build_web_app, build_yishi
from bot.demo import seed_demo
from consultation.binding import push_to_person
from handlers import default_handlers
from kernel.intents import KeywordClassifier
from kernel.messages import ChatType, Inbound, Reply
from storage.models import InboundMessage
from storage.platforms import CallbackRecord, PlatformRepository, SignatureNonce
from storage.tickets import TicketRepository
from storage.types import utcnow
from tests.bot.adapters.callbacks_support import call, code_for, inbound_count
from tests.bot.adapters.conftest import Bot, LiveClock, SlowHandler, wechat_settings
from tests.bot.adapters.fakes.wechat_server import FakeWechat, WxCrypt
from tests.conftest import Clock, make_settings

ClientFactory = Callable[[web.Application], Awaitable[TestClient[Any, Any]]]


async def ask(
    client: TestClient[Any, Any], fake: FakeWechat, openid: str, text: str, mid: int, **kw: Any
) -> str:
    status, body, query = await call(client, fake, fake.text(openid, text, mid), **kw)
    assert status == 200, body
    if body == "success":
        return body
    return fake.read_reply(body, query)["Content"]


def answers(fake: FakeWechat, user: str) -> list[dict[str, Any]]:
    """The slow handler's pushed answers (a quick reply may be pushed too under load)."""
    return [
        m
        for m in fake.customer_service(user)
        if m.get("text", {}).get("content") == "久等了，这是答复。"
    ]


async def until(check: Callable[[], bool], seconds: float = 3.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out waiting"
        await asyncio.sleep(0.01)


# -- crypto -----------------------------------------------------------------------------


def test_crypto_agrees_with_an_independent_implementation() -> None:
    platform = FakeWechat()
    ours = MessageCrypt(platform.token, platform.encoding_aes_key, platform.app_id)
    theirs = WxCrypt(platform.token, platform.encoding_aes_key, platform.app_id)
    for text in ("", "a", "<xml>楼道灯坏了</xml>", "x" * 31, "y" * 32, "表情😀" * 100):
        assert ours.decrypt(theirs.encrypt(text)) == text
        assert theirs.decrypt(ours.encrypt(text)) == text
    fixed = bytes(range(16))
    assert ours.encrypt("你好", nonce16=fixed) == theirs.encrypt("你好", random16=fixed)


def test_crypto_refuses_another_appid_and_tampering() -> None:
    platform = FakeWechat()
    other = WxCrypt(platform.token, platform.encoding_aes_key, "wxANOTHERAPP")
    ours = MessageCrypt(platform.token, platform.encoding_aes_key, platform.app_id)
    with pytest.raises(CryptoError, match="receive id"):
        ours.decrypt(other.encrypt("hi"))
    with pytest.raises(CryptoError):
        ours.decrypt("not base64!!")
    with pytest.raises(CryptoError):
        MessageCrypt("t", "short", "id")


def test_xml_refuses_entities_and_oversize() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b"<xml><Content>&lol2;</Content></xml>"
    )
    with pytest.raises(wxml.XmlError):
        wxml.read_fields(bomb)
    with pytest.raises(wxml.XmlError):
        wxml.read_fields(b"<xml>" + b"a" * 70_000 + b"</xml>")
    assert wxml.read_fields(wxml.build({"Content": "a]]>b", "CreateTime": 1}).encode()) == {
        "Content": "a]]>b",
        "CreateTime": "1",
    }


def test_xml_refuses_any_dtd_in_any_encoding_and_flattens_nesting() -> None:
    declared = '<?xml version="1.0" encoding="UTF-16"?>'
    utf16 = (declared + '<!DOCTYPE x [<!ENTITY a "b">]><xml><C>&a;</C></xml>').encode("utf-16")
    external = b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><C>&e;</C></xml>'
    for refused in (utf16, external, b"<xml><C>&undefined;</C></xml>", b"<root><C>1</C></root>"):
        with pytest.raises(wxml.XmlError):
            wxml.read_fields(refused)
    nested = (
        b"<xml><Event><![CDATA[scancode_push]]></Event><ScanCodeInfo><ScanType>qrcode"
        b"</ScanType><ScanResult> 1 </ScanResult></ScanCodeInfo><C>a &amp; b</C></xml>"
    )
    assert wxml.read_fields(nested) == {
        "Event": "scancode_push",
        "ScanType": "qrcode",
        "ScanResult": "1",
        "C": "a & b",
    }


# -- URL check --------------------------------------------------------------------------


async def test_url_check_right_and_wrong(
    make_bot: Callable[..., Awaitable[Bot]], fake: FakeWechat
) -> None:
    _bot, client = await make_bot()
    query, _ = fake.callback(fake.text("o1", "x", 1))
    good = await client.get("/wechat", params={**query, "echostr": "8734289473"})
    assert good.status == 200 and await good.text() == "8734289473"
    bad = await client.get("/wechat", params={**query, "signature": "0" * 40, "echostr": "1"})
    assert bad.status == 403
    missing = await client.get("/wechat", params={"echostr": "1"})
    assert missing.status == 400


# -- only WeChat's requests, each once ----------------------------------------------------


def with_clock(fake: FakeWechat, at: float) -> FakeWechat:
    """The same account, its callbacks signed at ``at`` (WeChat's clock set there)."""
    from dataclasses import replace

    return replace(fake, clock=lambda: at)


async def nonces(bot: Yishi) -> list[tuple[int, str]]:
    async with bot.uow() as uow:
        rows = (await uow.session.exec(select(SignatureNonce))).all()
    return sorted((r.stamp, r.nonce) for r in rows)


async def test_plaintext_in_safe_mode_is_refused(
    make_bot: Callable[..., Awaitable[Bot]], fake: FakeWechat
) -> None:
    """With an EncodingAESKey, a correctly signed plaintext body names anyone it likes."""
    bot, client = await make_bot()
    code = await code_for(bot, "李书记")
    forged = fake.text("oAttacker", f"绑定 {code}", 1)
    status, body, _query = await call(client, fake, forged, safe=False)
    assert status == 403 and "encrypted" in body
    # Compatible mode's plaintext copy beside the ciphertext is not what counts either.
    query, outer = fake.callback(fake.text("oHonest", "帮助", 2), safe=True)
    doctored = outer.replace(b"<xml>", b"<xml><FromUserName><![CDATA[oAttacker]]></FromUserName>")
    resp = await client.post("/wechat", params=query, data=doctored)
    assert resp.status == 200
    assert fake.read_reply(await resp.text(), query)["ToUserName"] == "oHonest"
    async with bot.uow() as uow:
        assert await uow.get(PlatformRepository).resident_of("wechat", "oAttacker") is None
        senders = (await uow.session.exec(select(InboundMessage.sender_id))).all()
    assert senders == ["oHonest"]


async def test_a_stale_signature_is_refused_for_post_and_get(
    make_bot: Callable[..., Awaitable[Bot]], fake: FakeWechat, now_clock: LiveClock
) -> None:
    bot, client = await make_bot()
    old = with_clock(fake, 1_600_000_000)  # a triple from 2020, from some access log
    query, body = old.callback(old.text("oOld", "帮助", 1), safe=True)
    assert (await client.post("/wechat", params=query, data=body)).status == 403
    url_check = await client.get("/wechat", params={**query, "echostr": "42"})
    assert url_check.status == 403
    # Freshness is judged on the app's clock, both ways: 5 minutes is the window. The
    # clock runs in real time (the outbox stamps with it), so each request is signed
    # against its own "now" and the margins (20 s) hold on a loaded machine.
    for skew, expected in ((-320, 403), (320, 403), (-280, 200), (280, 200)):
        shifted = with_clock(fake, now_clock().timestamp() + skew)
        q, b = shifted.callback(shifted.text("oSkew", "帮助", 100 + skew), safe=True)
        assert (await client.post("/wechat", params=q, data=b)).status == expected, skew
    fresh_query, fresh_body = fake.callback(fake.text("oNow", "帮助", 2), safe=True)
    now_clock.advance(seconds=301)  # the same request, five minutes late
    assert (await client.post("/wechat", params=fresh_query, data=fresh_body)).status == 403
    assert await inbound_count(bot) == 2  # the two inside the window


async def test_a_replayed_nonce_is_refused_and_a_fresh_one_accepted(
    make_bot: Callable[..., Awaitable[Bot]], fake: FakeWechat
) -> None:
    bot, client = await make_bot()
    query, body = fake.callback(fake.text("oReplay", "帮助", 1), safe=True)
    assert (await client.post("/wechat", params=query, data=body)).status == 200
    again = await client.post("/wechat", params=query, data=body)
    assert again.status == 403 and "replayed" in await again.text()
    # The URL check's triple is spent too.
    triple = {k: query[k] for k in ("signature", "timestamp", "nonce")}
    _q2, _b2 = fake.callback(fake.text("oReplay", "帮助", 2), safe=True)
    url_query = {k: _q2[k] for k in ("signature", "timestamp", "nonce")}
    assert (await client.get("/wechat", params={**url_query, "echostr": "1"})).status == 200
    assert (await client.get("/wechat", params={**url_query, "echostr": "2"})).status == 403
    assert (await client.get("/wechat", params={**triple, "echostr": "3"})).status == 403
    # A fresh signature for the very same message: accepted (WeChat's retry), no new effect.
    status, answer, _ = await call(client, fake, fake.text("oReplay", "帮助", 1))
    assert status == 200 and "<Encrypt>" in answer
    assert await inbound_count(bot) == 1


async def test_a_triple_from_plain_mode_cannot_carry_another_body(
    make_bot: Callable[..., Awaitable[Bot]], fake: FakeWechat
) -> None:
    """Plain mode signs only (timestamp, nonce): a copied triple is good for one body."""
    bot, client = await make_bot(encoding_aes_key="")
    query, body = fake.callback(fake.text("oResident", "帮助", 1))
    assert (await client.post("/wechat", params=query, data=body)).status == 200
    code = await code_for(bot, "李书记")
    forged = fake.callback(fake.text("oAttacker", f"绑定 {code}", 2))[1]
    assert (await client.post("/wechat", params=query, data=forged)).status == 403
    async with bot.uow() as uow:
        assert await uow.get(PlatformRepository).resident_of("wechat", "oAttacker") is None


async def test_used_nonces_are_forgotten_once_outside_the_window(
    make_bot: Callable[..., Awaitable[Bot]], fake: FakeWechat, now_clock: LiveClock
) -> None:
    bot, client = await make_bot()
    for mid in range(3):
        await call(client, fake, fake.text("oN", "帮助", mid))
    assert len(await nonces(bot)) == 3
    now_clock.advance(seconds=400)
    later = with_clock(fake, now_clock().timestamp())
    status, _b, query = await call(client, later, later.text("oN", "帮助", 9))
    assert status == 200
    assert await nonces(bot) == [(int(query["timestamp"]), query["nonce"])]


async def test_two_processes_share_the_used_nonces(
    pg_url: str, fake: FakeWechat, now_clock: Clock, aiohttp_client: ClientFactory
) -> None:
    """A replay sent to the other process behind the same address is refused too."""
    settings = make_settings(pg_url, wechat=wechat_settings(fake))
    bots = [
        build_yishi(settings, classifier=KeywordClassifier(), clock=now_clock) for _ in range(2)
    ]
    await seed_demo(bots[0].uow)
    first, second = [await aiohttp_client(build_web_app(b)) for b in bots]
    query, body = fake.callback(fake.text("oTwin", "帮助", 1), safe=True)
    assert (await first.post("/wechat", params=query, data=body)).status == 200
    assert (await second.post("/wechat", params=query, data=body)).status == 403
    # Sent to both at the same moment: one is answered, the other refused.
    query, body = fake.callback(fake.text("oTwin", "帮助", 2), safe=True)
    statuses = await asyncio.gather(
        *(c.post("/wechat", params=query, data=body) for c in (first, second))
    )
    assert sorted(r.status for r in statuses) == [200, 403]


# -- keys include the sender ------------------------------------------------------------


async def test_the_same_msgid_from_two_openids_is_two_messages(
    make_bot: Callable[..., Awaitable[Bot]], fake: FakeWechat
) -> None:
    """WeChat's MsgId is not unique across users: each resident gets their own answer."""
    bot, client = await make_bot()
    zhang, liu = await code_for(bot, "张阿姨"), await code_for(bot, "刘大爷")
    first = await ask(client, fake, "oZhang", f"绑定 {zhang}", 24_000_001)
    second = await ask(client, fake, "oLiu", f"绑定 {liu}", 24_000_001)
    assert "张阿姨" in first and "刘大爷" in second and "张阿姨" not in second
    async with bot.uow() as uow:
        repo = uow.get(PlatformRepository)
        residents = [await repo.resident_of("wechat", o) for o in ("oZhang", "oLiu")]
    assert None not in residents and residents[0] != residents[1]
    assert await inbound_count(bot) == 2
    # Each one's retry gets their own answer again, with no second effect.
    assert await ask(client, fake, "oLiu", f"绑定 {liu}", 24_000_001) == second
    assert await inbound_count(bot) == 2


# -- late answers survive a crash -------------------------------------------------------


@pytest.mark.loops("push")  # the answer arrives as a push, by itself
async def test_a_late_message_left_by_a_crash_is_handled_by_the_sweep(
    db_url: str, fake: FakeWechat, now_clock: LiveClock, aiohttp_client: ClientFactory
) -> None:
    """Acknowledged ("success") before it was handled, then the process died: WeChat
    will not retry it, so the kept copy is handled by the next process's sweep."""

    async def process(deadline: float) -> tuple[Yishi, TestClient[Any, Any], Any]:
        settings = make_settings(
            db_url,
            wechat=wechat_settings(fake, reply_deadline_seconds=deadline),
            push={"retry_base_seconds": 0.0},
        )
        bot = build_yishi(
            settings,
            classifier=KeywordClassifier(),
            clock=now_clock,
            handlers=[*default_handlers(), SlowHandler()],
        )
        await seed_demo(bot.uow)
        client = await aiohttp_client(build_web_app(bot))
        [wechat] = [a for a in bot.adapters if a.platform == "wechat"]
        return bot, client, wechat

    bot, client, wechat = await process(0.05)
    async with bot.uow() as uow:  # oLate wrote before: the customer-service window is open
        await uow.get(PlatformRepository).touch_contact("wechat", "oLate", now_clock())
    late = fake.text("oLate", "慢慢来", 2)
    if db_url.startswith("sqlite"):
        # One process's SQLite connection is busy with the slow handler until it commits,
        # so a crash after the acknowledgement leaves what this writes: the kept copy only
        # (through the adapter's own port: sealed, as it keeps it).
        await wechat.runner.store.hold_late(
            "wechat",
            "oLate",
            "2",
            {**_kept(late), "sent_at": now_clock().isoformat()},
            now_clock(),
        )
    else:
        status, body, _ = await call(client, fake, late)
        assert status == 200 and body == "success"
        for delivery in list(wechat.runner.in_flight.values()):
            delivery.task.cancel()  # the process dies mid-handling: its transaction is lost
        await wechat.runner.drain()
    async with bot.uow() as uow:
        kept = (await uow.session.exec(select(CallbackRecord))).all()
    assert [(k.sender_id, k.key) for k in kept] == [("oLate", "2")]
    assert list(kept[0].message) == ["sealed"]  # the next process opens it with the secret
    assert await inbound_count(bot) == 0 and answers(fake, "oLate") == []

    restarted, client2, wechat2 = await process(2.0)  # a new process, the same database
    now_clock.advance(seconds=20)
    await ask(client2, fake, "oOther", "帮助", 3)  # not yet stale: left alone
    await wechat2.runner.drain()
    assert answers(fake, "oLate") == []
    now_clock.advance(seconds=20)
    await ask(client2, fake, "oOther", "帮助", 4)  # any traffic: the sweep looks again
    await wechat2.runner.drain()
    await until(lambda: len(answers(fake, "oLate")) == 1)
    async with restarted.uow() as uow:
        assert (await uow.session.exec(select(CallbackRecord))).all() == []
        record = await uow.inbound.get("wechat", "oLate", "2")
    assert record is not None and await inbound_count(restarted) == 3
    assert (await (await client2.get("/healthz")).json())["adapters"]["wechat"]["recovered"] == 1
    await ask(client2, fake, "oLate", "慢慢来", 2)  # a retry now: the pushed answer stands
    await asyncio.sleep(0.7)
    assert len(answers(fake, "oLate")) == 1


def _kept(fields: dict[str, Any]) -> dict[str, Any]:
    """The message a WeChat text callback becomes, as the runner keeps it."""
    return {
        "platform": "wechat",
        "chat_id": fields["FromUserName"],
        "chat_type": "private",
        "sender_id": fields["FromUserName"],
        "message_id": str(fields["MsgId"]),
        "text": fields["Content"],
        "sender_name": None,
        "image_url": None,
        "location": None,
        "addressed": True,
    }


# -- messages ---------------------------------------------------------------------------


async def test_plain_and_safe_mode_text_get_a_passive_reply(
    make_bot: Callable[..., Awaitable[Bot]], fake: FakeWechat
) -> None:
    _bot, plain_client = await make_bot(encoding_aes_key="")  # plain mode: no key
    plain = await ask(plain_client, fake, "oPlain", "帮助", 101, safe=False)
    _bot, client = await make_bot()
    safe = await ask(client, fake, "oSafe", "帮助", 102)
    assert "反映问题" in plain and "反映问题" in safe
    assert "weixin://bizmsgmenu" in plain  # buttons become tappable menu links


async def test_safe_mode_reply_is_addressed_back_and_signed(
    make_bot: Callable[..., Awaitable[Bot]], fake: FakeWechat
) -> None:
    _bot, client = await make_bot()
    status, body, query = await call(client, fake, fake.text("oSafe", "帮助", 7), safe=True)
    assert status == 200 and "<Encrypt>" in body and "帮助" not in body
    reply = fake.read_reply(body, query)
    assert reply["ToUserName"] == "oSafe" and reply["FromUserName"] == fake.account
    assert reply["MsgType"] == "text"


async def test_safe_mode_from_another_appid_is_refused(
    make_bot: Callable[..., Awaitable[Bot]], fake: FakeWechat
) -> None:
    bot, client = await make_bot()
    impostor = FakeWechat(
        token=fake.token, encoding_aes_key=fake.encoding_aes_key, app_id="wxIMPOSTOR000000"
    )
    query, body = impostor.callback(impostor.text("oX", "帮助", 9), safe=True)
    resp = await client.post("/wechat", params=query, data=body)
    assert resp.status == 403 and await inbound_count(bot) == 0


async def test_every_message_type(
    make_bot: Callable[..., Awaitable[Bot]], fake: FakeWechat
) -> None:
    _bot, client = await make_bot()
    base = {"ToUserName": fake.account, "FromUserName": "oTypes", "CreateTime": int(time.time())}

    async def send(mid: int, **fields: Any) -> str:
        status, body, query = await call(client, fake, {**base, "MsgId": mid, **fields})
        assert status == 200, body
        return body if body == "success" else fake.read_reply(body, query)["Content"]

    fake.media["m1"] = JPEG
    image = await send(1, MsgType="image", PicUrl="http://mmbiz/x.jpg", MediaId="m1")
    assert "图片" in image
    voice = await send(2, MsgType="voice", MediaId="m2", Format="amr", Recognition="帮助")
    assert "反映问题" in voice
    unheard = await send(3, MsgType="voice", MediaId="m3", Format="amr")
    assert "没听清" in unheard
    where = await send(
        4,
        MsgType="location",
        Location_X="31.82",
        Location_Y="117.22",
        Scale="15",
        Label="幸福里3号楼",
    )
    assert where
    link = await send(5, MsgType="link", Title="帮助", Description="d", Url="http://e.com")
    assert link
    video = await send(6, MsgType="video", MediaId="m6", ThumbMediaId="t")
    assert "文字" in video

    async def event(name: str, at: int, **fields: Any) -> str:
        status, body, query = await call(client, fake, fake.event("oTypes", name, at, **fields))
        assert status == 200
        return body if body == "success" else fake.read_reply(body, query)["Content"]

    greeting = await event("subscribe", 1000)
    assert "欢迎关注" in greeting and "绑定" in greeting
    # A key no menu entry makes is not read as typed text: see test_menu.py.
    assert "帮助" in await event("CLICK", 1001, EventKey="帮助")
    assert await event("VIEW", 1002, EventKey="http://e.com") == "success"
    assert await event("unsubscribe", 1003) == "success"


#: The start of a real JPEG (its magic bytes) and some data: what a phone's photo begins with.
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4


async def test_a_photo_is_kept_with_the_report_and_reaches_the_grid_worker(
    make_bot: Callable[..., Awaitable[Bot]], fake: FakeWechat
) -> None:
    """Signed and encrypted as WeChat sends it; the photo is fetched by its MediaId at once
    (WeChat keeps it three days) and the worker's task card links the kept copy."""
    bot, client = await make_bot()
    fake.media["MEDIA_abc"] = JPEG
    await ask(client, fake, "oPhoto", "楼道灯坏了", 11)
    photo = {**fake.text("oPhoto", "", 12), "MsgType": "image", "MediaId": "MEDIA_abc"}
    photo["PicUrl"] = "http://mmbiz.qpic.cn/expires-in-three-days"
    del photo["Content"]
    status, body, query = await call(client, fake, photo, safe=True)
    assert status == 200 and "照片收到了" in fake.read_reply(body, query)["Content"]
    # An account not bound is asked whether to send news of the ticket; 确认提交 typed
    # there goes on to the draft (it used to ask the question again).
    assert "通知您" in await ask(client, fake, "oPhoto", "3号楼", 13)
    assert "照片：1 张" in await ask(client, fake, "oPhoto", "确认提交", 14)
    assert "已受理" in await ask(client, fake, "oPhoto", "确认提交", 15)
    async with bot.uow() as uow:
        [card] = [p.payload["text"] for p in await uow.pushes.for_chat("web", "wang")]
    assert "楼道灯坏了" in card and "照片：1 张" in card
    found = re.search(r"https?://\S+/media/([0-9a-f]{32}\.jpg)", card)
    assert found, card
    assert "mmbiz" not in card, "not WeChat's link, which expires"
    shown = await client.get(f"/media/{found.group(1)}")
    assert shown.status == 200 and shown.content_type == "image/jpeg"
    assert await shown.read() == JPEG
    assert (await client.get("/media/" + "0" * 32 + ".jpg")).status == 404


async def test_a_voice_message_is_filed_by_its_recognised_text(
    make_bot: Callable[..., Awaitable[Bot]], fake: FakeWechat
) -> None:
    """WeChat's speech recognition (Recognition) is the message; without it, please type."""
    _bot, client = await make_bot()

    async def voice(mid: int, **extra: str) -> str:
        fields = {**fake.text("oVoice", "", mid), "MsgType": "voice", "MediaId": f"v{mid}"}
        del fields["Content"]
        status, body, query = await call(client, fake, {**fields, "Format": "amr", **extra})
        assert status == 200
        return fake.read_reply(body, query)["Content"]

    assert "在哪里" in await voice(41, Recognition="楼道灯坏了。")
    assert "打字" in await voice(42)
    await ask(client, fake, "oVoice", "3号楼", 43)  # then: whether to send news of it
    draft = await ask(client, fake, "oVoice", "不用了", 44)
    assert "问题：楼道灯坏了" in draft, draft


async def test_a_file_that_is_no_photo_or_too_big_is_refused_with_a_reason(
    make_bot: Callable[..., Awaitable[Bot]], fake: FakeWechat
) -> None:
    _bot, client = await make_bot(url=None)
    fake.media["gif"] = b"GIF89a" + bytes(100)
    fake.media["huge"] = JPEG[:3] + bytes(11 * 1024 * 1024)
    answers = []
    for n, media_id in enumerate(("gif", "huge", "gone")):
        fields = {**fake.text("oFile", "", 30 + n), "MsgType": "image", "MediaId": media_id}
        del fields["Content"]
        status, body, query = await call(client, fake, fields)
        assert status == 200
        answers.append(fake.read_reply(body, query)["Content"])
    assert "不是照片" in answers[0] and "太大" in answers[1] and "再发一次" in answers[2]


async def test_subscribe_by_community_qr_code_binds(
    make_bot: Callable[..., Awaitable[Bot]], fake: FakeWechat
) -> None:
    bot, client = await make_bot()
    code = await code_for(bot, "刘大爷")
    status, body, query = await call(
        client, fake, fake.event("oLiu", "subscribe", 2000, EventKey=f"qrscene_bind_{code}")
    )
    assert status == 200 and "绑定成功" in fake.read_reply(body, query)["Content"]
    assert "已经绑定过了" in await ask(client, fake, "oLiu", f"绑定 {code}", 2001)  # his own
    assert "用过" in await ask(client, fake, "oOther", f"绑定 {code}", 2002)  # single-use


async def moderator_says(bot: Yishi, text: str) -> str:
    """A moderator's message in the web chat (the QR code comes back as a link)."""
    return await moderator_says_as(bot, "li", text)


async def moderator_says_as(bot: Yishi, user: str, text: str) -> str:
    replies = await bot.router.handle(
        Inbound(
            platform="web",
            chat_id=user,
            chat_type=ChatType.PRIVATE,
            sender_id=user,
            message_id=uuid.uuid4().hex,
            text=text,
            sent_at=utcnow(),
        )
    )
    return "\n".join(r.text for r in replies)


async def qr_sent_to_moderator(bot: Yishi) -> str:
    """What reached the moderator's chat once the QR code's after-commit work is done."""
    await bot.router.settle_later()
    async with bot.uow() as uow:
        pushes = await uow.pushes.for_chat("web", "li")
    return "\n".join(str(p.payload["text"]) for p in pushes)


async def test_moderator_makes_a_bind_qr_code_and_scanning_it_binds(
    make_bot: Callable[..., Awaitable[Bot]], fake: FakeWechat
) -> None:
    bot, client = await make_bot()
    assert "正在生成刘大爷的绑定二维码" in await moderator_says(bot, "生成绑定二维码 刘大爷")
    answer = await qr_sent_to_moderator(bot)
    [ticket] = fake.qrcodes
    [made] = [s.body for s in fake.sent if s.path == "qrcode"]
    assert made["action_name"] == "QR_STR_SCENE" and made["expire_seconds"] == 86400
    code = fake.qrcodes[ticket].removeprefix("bind_")
    assert len(code) == 8 and code.isdigit()
    assert "刘大爷的绑定二维码已生成" in answer and f"绑定 {code}" in answer
    assert f"showqrcode?ticket={quote(ticket, safe='')}" in answer
    # A new follower scans: the subscribe event carries qrscene_bind_<code> and binds.
    status, body, query = await call(client, fake, fake.scan(ticket, "oLiu"), safe=True)
    assert status == 200 and "绑定成功！您好，刘大爷" in fake.read_reply(body, query)["Content"]
    async with bot.uow() as uow:
        assert await uow.get(PlatformRepository).resident_of("wechat", "oLiu") is not None
    # The same QR code scanned again (SCAN event of a follower) is spent.
    _, body, query = await call(client, fake, fake.scan(ticket, "oOther", subscribed=True))
    assert "用过" in fake.read_reply(body, query)["Content"]


async def test_bind_qr_code_failures_get_a_clear_answer(
    make_bot: Callable[..., Awaitable[Bot]], fake: FakeWechat, yishi: Yishi
) -> None:
    assert "没有接入微信公众号" in await moderator_says(yishi, "生成绑定二维码 刘大爷")
    assert "请说明给谁生成" in await moderator_says(yishi, "生成绑定二维码")
    bot, _client = await make_bot(app_secret="wrong")  # WeChat refuses the token
    await moderator_says(bot, "生成绑定二维码 刘大爷")
    answer = await qr_sent_to_moderator(bot)
    assert "暂时生成失败" in answer and re.search(r"绑定码 \d{6}", answer)
    assert "需要社区工作者身份" in await moderator_says_as(bot, "zhang", "生成绑定二维码 刘大爷")


async def test_a_slow_qr_code_does_not_hold_up_other_messages(
    make_bot: Callable[..., Awaitable[Bot]], fake: FakeWechat
) -> None:
    """WeChat hasn't made the code yet; meanwhile residents are answered.

    The QR code API answers only when the test says so, so the residents' answers
    arriving first proves they didn't wait for it, however fast the machine is."""
    bot, _client = await make_bot()
    fake.qrcode_gate = gate = asyncio.Event()
    try:
        making = await moderator_says(bot, "生成绑定二维码 刘大爷")
        assert "正在生成" in making
        for _ in range(3):
            assert "反映问题" in await moderator_says_as(bot, "zhang", "帮助")
        assert not gate.is_set() and fake.qrcodes == {}, "WeChat has not answered yet"
    finally:
        gate.set()
    assert "刘大爷的绑定二维码已生成" in await qr_sent_to_moderator(bot)


async def test_same_msgid_three_times_has_one_effect(
    make_bot: Callable[..., Awaitable[Bot]], fake: FakeWechat
) -> None:
    bot, client = await make_bot()
    code = await code_for(bot, "张阿姨")
    fields = fake.text("oZhang", f"绑定 {code}", 555)
    answers = [
        fake.read_reply(b, q)["Content"]
        for _s, b, q in [await call(client, fake, fields) for _ in range(3)]
    ]
    assert answers == [answers[0]] * 3 and "绑定成功" in answers[0]  # not "already used"
    assert await inbound_count(bot) == 1


async def test_concurrent_retries_act_once(
    make_bot: Callable[..., Awaitable[Bot]], fake: FakeWechat
) -> None:
    bot, client = await make_bot()
    fields = fake.text("oRace", "帮助", 777)
    results = await asyncio.gather(*(call(client, fake, fields) for _ in range(3)))
    assert all(status == 200 for status, _b, _q in results)
    assert await inbound_count(bot) == 1


@pytest.mark.loops("push")  # the answer arrives as a push, by itself
async def test_slow_handler_is_acknowledged_then_pushed(
    db_url: str, make_bot: Callable[..., Awaitable[Bot]], fake: FakeWechat
) -> None:
    bot, client = await make_bot(db_url, reply_deadline_seconds=0.2)
    async with bot.uow() as uow:  # oSlow wrote before: the customer-service window is open
        await uow.get(PlatformRepository).touch_contact("wechat", "oSlow", bot.clock())
    fields = fake.text("oSlow", "慢慢来", 901)
    status, body, query = await call(client, fake, fields)
    assert status == 200
    if db_url.startswith("sqlite"):
        # One SQLite connection per process: the copy kept before "success" would wait
        # for the handler's commit, so that commit answers first, passively.
        assert fake.read_reply(body, query)["Content"] == "久等了，这是答复。"
        _, retry, query = await call(client, fake, fields)
        assert fake.read_reply(retry, query)["Content"] == "久等了，这是答复。"
        await asyncio.sleep(0.05)
        assert answers(fake, "oSlow") == [] and await inbound_count(bot) == 1
        return
    assert body == "success"
    _, retry_body, _ = await call(client, fake, fields)  # WeChat retries while we work
    assert retry_body == "success"
    await until(lambda: len(answers(fake, "oSlow")) == 1)
    _, late_retry, _ = await call(client, fake, fields)
    assert late_retry == "success"  # the answer was pushed: not given twice
    await asyncio.sleep(0.05)
    assert len(answers(fake, "oSlow")) == 1 and await inbound_count(bot) == 1
    async with bot.uow() as uow:
        assert (await uow.session.exec(select(CallbackRecord))).all() == []


async def test_token_expiring_mid_run_is_refreshed(
    make_bot: Callable[..., Awaitable[Bot]], fake: FakeWechat
) -> None:
    bot, client = await make_bot()
    await ask(client, fake, "oTok", "你好", 1)  # opens the customer-service window
    for n in range(2):
        async with bot.uow() as uow:
            await uow.pushes.enqueue("wechat", "oTok", Reply(f"通知{n}").as_json())
        await bot.push.drain()
        fake.expire_tokens()
    assert [m["text"]["content"] for m in fake.customer_service("oTok")] == ["通知0", "通知1"]
    assert fake.tokens_issued == 2


async def test_push_outside_window_or_quota_falls_back_and_is_recorded(
    make_bot: Callable[..., Awaitable[Bot]], fake: FakeWechat, now_clock: Clock
) -> None:
    bot, client = await make_bot(cs_quota=2)
    code = await code_for(bot, "张阿姨")
    await ask(client, fake, "oZhang", f"绑定 {code}", 10)
    async with bot.uow() as uow:
        zhang_id = await uow.get(PlatformRepository).resident_of("wechat", "oZhang")
        assert zhang_id is not None
        for n in range(3):  # to the person: WeChat first (last used), then the web chat
            await push_to_person(uow, zhang_id, Reply(f"通知{n}").as_json(), lambda p, c: None)
    await bot.push.drain()
    by_wechat = {m["text"]["content"] for m in fake.customer_service("oZhang")}
    assert len(by_wechat) == 2 and by_wechat < {"通知0", "通知1", "通知2"}
    now_clock.advance(hours=49)
    async with bot.uow() as uow:
        await uow.pushes.enqueue("wechat", "oGhost", Reply("没人收").as_json())
    await bot.push.drain()
    async with bot.uow() as uow:
        repo = uow.get(PlatformRepository)
        zhang = [(d.via, d.ok) for d in await repo.deliveries("wechat", "oZhang")]
        ghost = [(d.via, d.ok) for d in await repo.deliveries("wechat", "oGhost")]
        web_pushes = [p.payload["text"] for p in await uow.pushes.for_chat("web", "zhang")]
    assert sorted(zhang) == [("customer_service", True)] * 2 + [("forwarded:web", True)]
    warned, *web_pushes = web_pushes  # her web chat heard first of the WeChat bind
    assert warned.startswith("您的身份刚在另一个账号上绑定了"), warned
    assert web_pushes == list({"通知0", "通知1", "通知2"} - by_wechat)
    assert ghost == [("undelivered", False)]


async def test_platform_quota_error_falls_back(
    make_bot: Callable[..., Awaitable[Bot]], fake: FakeWechat
) -> None:
    bot, client = await make_bot()
    fake.cs_quota = 0
    await ask(client, fake, "oQ", "你好", 1)
    async with bot.uow() as uow:
        await uow.pushes.enqueue("wechat", "oQ", Reply("通知").as_json())
    await bot.push.drain()
    async with bot.uow() as uow:
        vias = [(d.via, d.ok) for d in await uow.get(PlatformRepository).deliveries("wechat", "oQ")]
    assert vias == [("customer_service", False), ("undelivered", False)]


# -- bad input --------------------------------------------------------------------------


async def test_bad_input_is_a_clean_4xx_and_nothing_is_stored(
    make_bot: Callable[..., Awaitable[Bot]], fake: FakeWechat
) -> None:
    bot, client = await make_bot()
    query, body = fake.callback(fake.text("oBad", "帮助", 1), safe=True)
    forged = await client.post("/wechat", params={**query, "signature": "f" * 40}, data=body)
    assert forged.status == 403
    malformed = await client.post("/wechat", params=query, data=b"<xml><Content>oops</xml")
    assert malformed.status == 400
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>'
        b"<xml><ToUserName>x</ToUserName><FromUserName>oBad</FromUserName>"
        b"<MsgType>text</MsgType><Content>&c;</Content><MsgId>2</MsgId></xml>"
    )
    assert (await client.post("/wechat", params=query, data=bomb)).status == 400
    huge = await client.post("/wechat", params=query, data=b"<xml>" + b"x" * 5_000_000)
    assert huge.status == 413
    _q, safe_body = fake.callback(fake.text("oBad", "帮助", 3), safe=True)
    bad_sig = await client.post("/wechat", params={**_q, "msg_signature": "0" * 40}, data=safe_body)
    assert bad_sig.status == 403
    assert await inbound_count(bot) == 0
    health = await client.get("/healthz")
    assert health.status == 200
    assert (await health.json())["adapters"]["wechat"]["rejected"] == 5
    assert "反映问题" in await ask(client, fake, "oBad", "帮助", 4)


# -- several processes ------------------------------------------------------------------


async def test_two_instances_on_postgres_act_once_on_the_same_msgid(
    pg_url: str, fake: FakeWechat, now_clock: Clock, aiohttp_client: ClientFactory
) -> None:
    """Two bot processes behind one webhook address (two engines, one database) both
    receive WeChat's delivery and its retry of one MsgId at the same moment."""
    settings = make_settings(
        pg_url,
        wechat=wechat_settings(fake),
        push={"retry_base_seconds": 0.0},
    )
    bots = [
        build_yishi(settings, classifier=KeywordClassifier(), clock=now_clock) for _ in range(2)
    ]
    await seed_demo(bots[0].uow)
    clients = [await aiohttp_client(build_web_app(b)) for b in bots]
    code = await code_for(bots[0], "张阿姨")
    for round_ in range(5):
        fields = fake.text(f"oTwin{round_}", f"绑定 {code}" if round_ == 0 else "帮助", 42 + round_)
        results = await asyncio.gather(
            *(call(c, fake, fields, safe=True) for c in clients for _ in range(2))
        )
        assert all(status == 200 for status, _b, _q in results)
        # The first gets the answer; the others "success" (still running) or the same answer.
        answers = {fake.read_reply(b, q)["Content"] for _s, b, q in results if b != "success"}
        assert len(answers) == 1
        if round_ == 0:
            assert "绑定成功" in answers.pop()
    async with bots[1].uow() as uow:
        inbound = int(
            (await uow.session.exec(select(func.count()).select_from(InboundMessage))).one()
        )
        bound = [e for e in await uow.audit.for_entity("platform_account", "wechat:oTwin0")]
        kept = (await uow.session.exec(select(func.count()).select_from(CallbackRecord))).one()
    assert inbound == 5
    assert [e.action for e in bound] == ["bound"]  # not "bind_failed: used"
    assert kept == 0  # answered passively: nothing but the message's own record written


# -- subscription notices: consent ------------------------------------------------------

ONCE, LONG = "TPL_DONE_once", "TPL_NEWS_long"
TEMPLATES = [
    {"id": ONCE, "kind": "once", "notices": ["ticket"]},
    {"id": LONG, "kind": "long", "notices": ["meeting"], "time_field": "time2"},
]


async def consent_bot(
    make_bot: Callable[..., Awaitable[Bot]], fake: FakeWechat, **wechat: Any
) -> Bot:
    fake.template_kinds = {ONCE: "once", LONG: "long"}
    return await make_bot(subscribe_templates=TEMPLATES, **wechat)


async def event_xml(client: TestClient[Any, Any], fake: FakeWechat, document: str) -> str:
    query, body = fake.callback(document, safe=True)
    resp = await client.post("/wechat", params=query, data=body)
    assert resp.status == 200
    return await resp.text()


async def notify(bot: Yishi, openid: str, text: str, about: str) -> list[tuple[str, bool]]:
    """A push outside the 48-hour window; how it went (via, ok), in order."""
    async with bot.uow() as uow:
        await uow.pushes.enqueue("wechat", openid, Reply(text, about=about).as_json())
    await bot.push.drain()
    async with bot.uow() as uow:
        return [
            (d.via, d.ok) for d in await uow.get(PlatformRepository).deliveries("wechat", openid)
        ]


async def test_long_term_consent_lets_a_notice_out_of_the_window_until_withdrawn(
    make_bot: Callable[..., Awaitable[Bot]], fake: FakeWechat
) -> None:
    bot, client = await consent_bot(make_bot, fake)
    # Never asked: WeChat would refuse it, so nothing is sent there.
    assert await notify(bot, "oLi", "本周六上午九点议事日", "meeting") == [
        ("subscribe_notice", False),
        ("undelivered", False),
    ]
    assert fake.subscribe_notices("oLi") == [] and fake.refused_notices == []
    assert await event_xml(client, fake, fake.consent("oLi", {LONG: "accept", ONCE: "reject"})) == (
        "success"
    )
    long_text = "12月6日（周六）上午9点在社区活动室召开协商议事日，议题：电动车充电棚"
    await notify(bot, "oLi", long_text, "meeting")
    await notify(bot, "oLi", "议事日改到下午两点", "meeting")
    [first, second] = fake.subscribe_notices("oLi")
    assert first["template_id"] == LONG
    thing = first["data"]["thing1"]["value"]
    assert len(thing) == 20 and thing.endswith("…") and long_text.startswith(thing[:-1])
    assert re.fullmatch(r"\d{4}年\d{2}月\d{2}日 \d{2}:\d{2}", first["data"]["time2"]["value"])
    assert second["data"]["thing1"]["value"] == "议事日改到下午两点"
    # A ticket notice is not what the meeting template carries, and ONCE was refused.
    assert (await notify(bot, "oLi", "诉求已办结", "ticket"))[-2:] == [
        ("subscribe_notice", False),
        ("undelivered", False),
    ]
    # Withdrawn in the account's settings: not sent any more.
    await event_xml(client, fake, fake.withdraw("oLi", LONG))
    assert (await notify(bot, "oLi", "议事日提醒", "meeting"))[-1] == ("undelivered", False)
    assert len(fake.subscribe_notices("oLi")) == 2 and fake.refused_notices == []
    async with bot.uow() as uow:
        trail = [
            e.action for e in await uow.audit.for_entity("notice_consent", f"wechat:oLi:{LONG}")
        ]
    assert trail == ["consent_accepted", "consent_withdrawn"]


async def test_one_time_consent_is_used_once_and_a_retried_event_counts_once(
    make_bot: Callable[..., Awaitable[Bot]], fake: FakeWechat
) -> None:
    bot, client = await consent_bot(make_bot, fake)
    agreed = fake.consent("oWang", {ONCE: "accept"}, create_time=1_700_000_000)
    await event_xml(client, fake, agreed)
    await event_xml(client, fake, agreed)  # WeChat's retry: a new signature, the same event
    await notify(bot, "oWang", "您反映的R1已办结", "ticket")
    vias = await notify(bot, "oWang", "您反映的R1已回访", "ticket")
    assert [n["data"]["thing1"]["value"] for n in fake.subscribe_notices("oWang")] == [
        "您反映的R1已办结"
    ]
    assert vias == [("subscribe_notice", True), ("subscribe_notice", False), ("undelivered", False)]
    assert fake.refused_notices == []  # the spent agreement was not tried at WeChat
    # Agreeing again allows one more.
    await event_xml(client, fake, fake.consent("oWang", {ONCE: "accept"}))
    await notify(bot, "oWang", "第三条", "ticket")
    assert len(fake.subscribe_notices("oWang")) == 2


async def test_without_consent_the_notice_goes_to_the_persons_other_account(
    make_bot: Callable[..., Awaitable[Bot]], fake: FakeWechat, now_clock: LiveClock
) -> None:
    bot, client = await consent_bot(make_bot, fake)
    code = await code_for(bot, "张阿姨")
    await ask(client, fake, "oZhang", f"绑定 {code}", 10)
    await event_xml(client, fake, fake.consent("oZhang", {ONCE: "accept"}))
    fake.agreed.clear()  # withdrawn on WeChat's side without an event reaching us
    now_clock.advance(hours=49)
    async with bot.uow() as uow:
        zhang_id = await uow.get(PlatformRepository).resident_of("wechat", "oZhang")
        assert zhang_id is not None
        for text in ("R1 已办结", "R1 已回访"):
            payload = Reply(text, about="ticket").as_json()
            await push_to_person(uow, zhang_id, payload, lambda p, c: None)
    await bot.push.drain()
    async with bot.uow() as uow:
        vias = [
            (d.via, d.ok) for d in await uow.get(PlatformRepository).deliveries("wechat", "oZhang")
        ]
        on_web = sorted(p.payload["text"] for p in await uow.pushes.for_chat("web", "zhang"))
    # WeChat refused the first (43101): recorded as withdrawn, so the second isn't tried.
    assert vias.count(("subscribe_notice", False)) == 2 and vias.count(("forwarded:web", True)) == 2
    assert fake.subscribe_notices("oZhang") == [] and len(fake.refused_notices) == 1
    warned = "您的身份刚在另一个账号上绑定了。不是您本人操作的话，请马上联系社区工作者。"
    assert on_web == ["R1 已办结", "R1 已回访", warned]  # the last: told of the WeChat bind
    async with bot.uow() as uow:
        trail = [
            e.action for e in await uow.audit.for_entity("notice_consent", f"wechat:oZhang:{ONCE}")
        ]
    assert trail == ["consent_accepted", "consent_withdrawn"]


async def test_filing_a_report_offers_consent_until_given(
    make_bot: Callable[..., Awaitable[Bot]], fake: FakeWechat
) -> None:
    bot, client = await consent_bot(make_bot, fake)
    code = await code_for(bot, "张阿姨")
    await ask(client, fake, "oZhang", f"绑定 {code}", 20)

    async def report(problem: str, first: int) -> str:
        await ask(client, fake, "oZhang", problem, first)
        return await ask(client, fake, "oZhang", "确认提交", first + 1)

    filed = await report("3号楼楼道灯坏了，晚上很黑", 21)
    assert "已受理" in filed and "办结时通知您？" in filed
    [link] = re.findall(r'<a href="([^"]+)">', filed)
    assert link.endswith("/wechat/subscribe?about=ticket")
    page = await client.get(link[link.index("/wechat/") :])
    assert page.status == 200
    html = await page.text()
    assert f'template="{ONCE}"' in html and "wx-open-subscribe" in html
    assert "res.wx.qq.com" in page.headers["Content-Security-Policy"]
    # Agreed: the next report is filed without asking again.
    await event_xml(client, fake, fake.consent("oZhang", {ONCE: "accept"}))
    again = await report("小区东门的垃圾桶满了没人清", 31)
    assert "已受理" in again and "办结时通知您" not in again
    assert (await client.get("/wechat/subscribe?about=nothing")).status == 404


async def test_the_consent_page_is_signed_for_the_js_sdk(
    make_bot: Callable[..., Awaitable[Bot]], fake: FakeWechat
) -> None:
    bot, client = await consent_bot(make_bot, fake)
    page = await client.get("/wechat/subscribe?about=ticket")
    html = await page.text()
    raw = re.search(r'data-wx="([^"]+)"', html)
    assert raw is not None
    config = json.loads(unescape(raw.group(1)))
    [ticket] = fake.jsapi_tickets
    address = f"{bot.settings.web.base_url}/wechat/subscribe?about=ticket"  # as phones see it
    stamp, nonce = config["timestamp"], config["nonceStr"]
    plain = f"jsapi_ticket={ticket}&noncestr={nonce}&timestamp={stamp}&url={address}"
    assert config["signature"] == hashlib.sha1(plain.encode()).hexdigest()
    assert config["appId"] == fake.app_id
    await client.get("/wechat/subscribe?about=ticket")
    assert len(fake.jsapi_tickets) == 1  # kept, not fetched per page


# -- places and links -------------------------------------------------------------------


def location(
    fake: FakeWechat, openid: str, mid: int, lat: float, lon: float, label: str
) -> dict[str, Any]:
    return {
        **fake.text(openid, "", mid),
        "MsgType": "location",
        "Location_X": str(lat),
        "Location_Y": str(lon),
        "Scale": "15",
        "Label": label,
    }


def link(fake: FakeWechat, openid: str, mid: int, title: str, url: str) -> dict[str, Any]:
    return {**fake.text(openid, "", mid), "MsgType": "link", "Title": title, "Url": url}


async def said(client: TestClient[Any, Any], fake: FakeWechat, fields: dict[str, Any]) -> str:
    status, body, query = await call(client, fake, fields)
    assert status == 200 and body != "success", body
    return fake.read_reply(body, query)["Content"]


async def test_a_location_outside_a_dialogue_offers_a_report_at_the_nearest_building(
    make_bot: Callable[..., Awaitable[Bot]], fake: FakeWechat
) -> None:
    bot, client = await make_bot(tickets={"building_coordinates": {"5号楼": [31.8206, 117.2272]}})
    code = await code_for(bot, "张阿姨")
    await ask(client, fake, "oZhang", f"绑定 {code}", 1)
    offer = await said(client, fake, location(fake, "oZhang", 2, 31.82061, 117.22721, "幸福里小区"))
    assert "要反映这里的问题吗" in offer and "5号楼" in offer
    assert "不用了" in offer  # a button to say no
    draft = await ask(client, fake, "oZhang", "路灯不亮，晚上很黑", 3)
    assert "请确认" in draft and "5号楼" in draft and "路灯不亮" in draft
    # Far from every building: the place is kept as WeChat named it.
    await ask(client, fake, "oZhang", "取消", 4)
    far = await said(client, fake, location(fake, "oZhang", 5, 31.9, 117.3, "滨湖公园北门"))
    assert "滨湖公园北门" in far and "要反映这里的问题吗" in far
    await ask(client, fake, "oZhang", "不用了", 6)
    async with bot.uow() as uow:
        assert await uow.conversations.get("wechat", "oZhang", "oZhang", bot.clock()) is None
    # Not the "did you mean" quiz, and not a location-shaped text.
    assert "您是想" not in offer + far


async def test_a_link_is_acknowledged_and_kept_with_a_report_draft(
    make_bot: Callable[..., Awaitable[Bot]], fake: FakeWechat
) -> None:
    bot, client = await make_bot()
    code = await code_for(bot, "张阿姨")
    await ask(client, fake, "oZhang", f"绑定 {code}", 1)
    alone = await said(client, fake, link(fake, "oZhang", 2, "停水通知", "https://example.org/n/1"))
    assert "收到您分享的链接“停水通知”" in alone and "您是想" not in alone
    await ask(client, fake, "oZhang", "3号楼楼道灯坏了", 3)
    kept = await said(client, fake, link(fake, "oZhang", 4, "照片", "https://example.org/p/2"))
    assert "链接收到了" in kept
    confirm = await ask(client, fake, "oZhang", "3号楼", 5)
    assert "https://example.org/p/2" in confirm and "请确认" in confirm
    filed = await ask(client, fake, "oZhang", "确认提交", 6)
    assert "已受理" in filed
    number = re.search(r"R\d+", filed)
    assert number is not None
    async with bot.uow() as uow:
        [ticket] = await uow.get(TicketRepository).of_reporter("wechat", "oZhang", None)
    assert "https://example.org/p/2" in json.dumps(ticket.details, ensure_ascii=False)
