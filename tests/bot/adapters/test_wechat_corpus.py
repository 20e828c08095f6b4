"""wechatpy's corpus of callbacks replayed through our ``/wechat``, as WeChat sends them.

Each sample (``fakes/wechatpy_corpus.py``) is posted byte for byte but for whom it is
from and to, and when: the stand-in signs and encrypts it (safe mode) and reads the
answer back as WeChat would. Every one must be answered within WeChat's five
seconds with nothing logged at ERROR; a resident's message gets a Chinese answer and
is kept once; what no resident said (send-job receipts, location reports, page
views, the platform's notices) gets neither an answer nor a record. Each is posted
twice, as WeChat retries, and has one effect.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlmodel import func, select

from bot.adapters.wechat.adapter import WechatAdapter
from bot.app import Yishi
from kernel.texts import t
from storage.models import InboundMessage
from tests.bot.adapters.conftest import Bot
from tests.bot.adapters.fakes.wechat_server import FakeWechat
from tests.bot.adapters.fakes.wechatpy_corpus import SAMPLES, Sample

#: WeChat gives up on an answer after this long (and retries).
WECHAT_PATIENCE_SECONDS = 5.0
#: The start of a real JPEG: what WeChat serves for the samples' MediaId.
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4
CHINESE = re.compile(r"[\u4e00-\u9fff]")


class Expect(Enum):
    """What a sample should come to."""

    #: A resident's message the bot acts on: a Chinese answer, kept once.
    ANSWER = "answer"
    #: A resident's message it cannot act on: a Chinese explanation, nothing kept.
    EXPLAIN = "explain"
    #: A resident's tap on a menu or consent prompt, being built elsewhere: only that
    #: it is taken in quietly (200, nothing logged, one effect), not what it answers.
    TAKEN = "taken"
    #: Nothing a resident said: no answer, no record.
    SILENT = "silent"


A, E, T, S = Expect.ANSWER, Expect.EXPLAIN, Expect.TAKEN, Expect.SILENT

EXPECTED: dict[str, Expect] = {
    "parser.text_message": A,
    "parser.image_message": A,
    "parser.voice_message": E,  # no Recognition: please type it
    "parser.video_message": E,
    "parser.location_message": A,
    "parser.link_message": A,
    "parser.subscribe_event": A,
    "parser.subscribe_event_with_last_trade_no": A,
    "parser.subscribe_scan_event": A,
    "parser.scan_event": A,
    "parser.location_event": S,  # the phone reports where it is: nobody said anything
    "parser.click_event": T,
    "parser.view_event": S,
    "parser.unknown_message": E,  # a kind of message we don't know yet: please type it
    "parser.subscribe_scan_product_event.1": A,  # a follow, from a product's barcode
    "parser.subscribe_scan_product_event.2": A,
    "parser.user_authorize_invoice_event": S,
    "parser.update_invoice_status_event": S,
    "parser.submit_invoice_title_event": S,
    "parser.device_text_event": S,  # a hardware device's data, not a resident's words
    "parser.device_bind_event": S,
    "events.subscribe_event": A,
    "events.unsubscribe_event": S,
    "events.subscribe_scan_event": A,
    "events.scan_event": A,
    "events.location_event": S,
    "events.click_event": T,
    "events.view_event": S,
    "events.mass_send_job_finish_event": S,
    "events.scan_code_push_event": T,
    "events.scan_code_waitmsg_event": T,
    "events.pic_sysphoto_event": T,  # the photos themselves follow as image messages
    "events.pic_photo_or_album_event": T,
    "events.pic_wechat_event": T,
    "events.location_select_event": T,
    "events.merchant_order_event": S,
    "events.kf_create_session_event": S,
    "events.kf_close_session_event": S,
    "events.kf_switch_session_event": S,
    "events.template_send_job_finish_event": S,
    "events.template_subscribe_msg_popup_event": T,
    "events.template_subscribe_msg_change_event": T,
    "events.template_subscribe_msg_sent_event": S,  # a receipt for a notice we sent
    "events.shakearound_user_shake_event": S,
    "events.wifi_connected_event": S,
    "events.qualification_verify_success_event": S,
    "events.qualification_verify_fail_event": S,
    "events.naming_verify_success_event": S,
    "events.naming_verify_fail_event": S,
    "events.annual_renew_event": S,
    "events.verify_expired_event": S,
}


def test_every_sample_has_an_expectation() -> None:
    """A sample added to the corpus is replayed only once someone says what it should do."""
    assert sorted(EXPECTED) == sorted(s.name for s in SAMPLES)


def addressed(sample: Sample, account: str, openid: str, create_time: int, msg_id: int) -> str:
    """The sample from ``openid`` to ``account`` at ``create_time`` (with ``msg_id`` if it
    has one), everything else as recorded: fresh senders and ids keep samples that share
    them apart (a message is handled once per sender and MsgId)."""
    document = sample.xml
    for tag, value in (
        ("ToUserName", f"<![CDATA[{account}]]>"),
        ("FromUserName", f"<![CDATA[{openid}]]>"),
        ("CreateTime", str(create_time)),
        ("MsgId", str(msg_id)),
    ):
        # The message's own fields come first; nested ones (an item's MsgID) are left.
        document, found = re.subn(
            rf"<{tag}>.*?</{tag}>", f"<{tag}>{value}</{tag}>", document, count=1, flags=re.S
        )
        assert found or tag == "MsgId", f"{sample.name} has no {tag}"
    return document


async def post(
    client: TestClient[Any, Any], fake: FakeWechat, document: str, openid: str
) -> tuple[int, str, dict[str, str], float]:
    """One delivery of ``document``, signed and encrypted afresh as WeChat does (a retry
    too): status, body, query and the seconds it took to be answered."""
    query, body = fake.callback_document(document, openid=openid)
    started = time.perf_counter()
    resp = await client.post("/wechat", params=query, data=body)
    text = await resp.text()
    return resp.status, text, query, time.perf_counter() - started


def answer_of(fake: FakeWechat, body: str, query: dict[str, str], openid: str) -> str | None:
    """The passive answer's text as WeChat reads it (None for a bare acknowledgement),
    checked to be signed and addressed back to the sender."""
    if body in ("", "success"):
        return None
    reply = fake.read_reply(body, query)
    assert reply["ToUserName"] == openid and reply["FromUserName"] == fake.account
    assert reply["MsgType"] == "text" and reply["Content"]
    return reply["Content"]


async def kept(bot: Yishi, openid: str) -> int:
    """How many of ``openid``'s messages were kept (each handled once)."""
    async with bot.uow() as uow:
        stmt = (
            select(func.count())
            .select_from(InboundMessage)
            .where(InboundMessage.platform == "wechat", InboundMessage.sender_id == openid)
        )
        return int((await uow.session.exec(stmt)).one())


async def pushed(bot: Yishi, openid: str) -> int:
    """How many pushes were queued to ``openid`` (a late or second answer)."""
    async with bot.uow() as uow:
        return len(await uow.pushes.for_chat("wechat", openid))


@pytest.mark.parametrize("sample", SAMPLES, ids=[s.name for s in SAMPLES])
async def test_a_wechatpy_sample_is_answered_in_time_and_once(
    sample: Sample,
    make_bot: Callable[..., Awaitable[Bot]],
    fake: FakeWechat,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Posted twice as WeChat would (the second is its retry, signed afresh): answered
    in time both times, the same way, with one effect and nothing logged at ERROR."""
    caplog.set_level(logging.WARNING)
    expect = EXPECTED[sample.name]
    bot, client = await make_bot()
    [wechat] = [a for a in bot.adapters if isinstance(a, WechatAdapter)]
    fake.media["media_id"] = JPEG  # the image sample's MediaId, as WeChat would serve it
    openid = f"o{uuid.uuid4().hex[:27]}"
    document = addressed(sample, fake.account, openid, int(time.time()), uuid.uuid4().int % 10**16)

    deliveries = [await post(client, fake, document, openid) for _retry in range(2)]
    await wechat.runner.drain()
    await bot.push.drain()

    for status, body, _query, seconds in deliveries:
        assert status == 200, body
        assert seconds < WECHAT_PATIENCE_SECONDS, f"answered after {seconds:.2f} s"
    errors = [
        f"{r.name} {r.levelname}: {r.getMessage()}"
        for r in caplog.records
        if r.levelno >= logging.ERROR
    ]
    assert errors == []
    answers = [answer_of(fake, body, query, openid) for _s, body, query, _t in deliveries]
    assert answers[1] == answers[0], "the retry is answered differently"
    first = answers[0]
    if expect is Expect.ANSWER:
        assert first is not None and CHINESE.search(first), first
        assert first != t("wechat.unsupported"), first  # not "I can't read this kind"
        assert await kept(bot, openid) == 1
    elif expect is Expect.EXPLAIN:
        assert first is not None and CHINESE.search(first), first
        assert await kept(bot, openid) == 0
    elif expect is Expect.SILENT:
        assert first is None, first
        assert await kept(bot, openid) == 0
    else:
        assert await kept(bot, openid) <= 1
    assert await pushed(bot, openid) == 0  # answered in the response, once
    assert fake.customer_service(openid) == []
