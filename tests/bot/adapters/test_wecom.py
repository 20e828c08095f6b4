"""WeCom (企业微信) against the local stand-in: encrypted URL check, cards, robots."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlmodel import func, select

from bot.adapters.wecom import WecomAdapter
from bot.app import Yishi, build_web_app, build_yishi
from bot.demo import seed_demo
from handlers import default_handlers
from kernel.commands import Command, rest
from kernel.context import Context
from kernel.handler import Handler
from kernel.intents import KeywordClassifier
from kernel.messages import Button, Reply
from storage.models import InboundMessage
from storage.platforms import PlatformRepository
from tests.bot.adapters.callbacks_support import corp_crypt, post, read, signed
from tests.bot.adapters.conftest import wecom_settings
from tests.bot.adapters.fakes.wechat_server import FakeWechat, WxCrypt, message_xml
from tests.bot.adapters.webchat import ClientFactory
from tests.conftest import make_settings

TICKET = "R20261122-0007"


class AcceptTask(Handler):
    """A test-only grid-worker action: the card's button data comes back as text."""

    grammar = (Command("认领", "handle", (rest("what", "R20261122-0007"),)),)

    async def handle(self, ctx: Context, what: str | None = None) -> Sequence[Reply]:
        return [
            Reply(f"{ctx.user.platform_user_id} 已认领：{ctx.text.removeprefix('认领').strip()}")
        ]


Bot = tuple[Yishi, WecomAdapter, TestClient[Any, Any]]


@pytest.fixture
def make_bot(
    sqlite_url: str, fake: FakeWechat, aiohttp_client: ClientFactory
) -> Callable[..., Awaitable[Bot]]:
    async def make(**wecom: Any) -> Bot:
        robots = {f"群{n}": f"{fake.url}/cgi-bin/webhook/send?key=k{n}" for n in range(3)}
        settings = make_settings(
            sqlite_url, wecom=wecom_settings(fake, robot_webhooks=robots, **wecom)
        )
        bot = build_yishi(
            settings, classifier=KeywordClassifier(), handlers=[*default_handlers(), AcceptTask()]
        )
        await seed_demo(bot.uow)
        [adapter] = [a for a in bot.adapters if isinstance(a, WecomAdapter)]
        return bot, adapter, await aiohttp_client(build_web_app(bot))

    return make


async def test_encrypted_url_check(
    make_bot: Callable[..., Awaitable[Bot]], fake: FakeWechat
) -> None:
    _bot, _adapter, client = await make_bot()
    echostr = corp_crypt(fake).encrypt("5927782489442352469")
    good = await client.get("/wecom", params={**signed(fake, echostr), "echostr": echostr})
    assert good.status == 200 and await good.text() == "5927782489442352469"
    forged = {**signed(fake, echostr), "msg_signature": "0" * 40, "echostr": echostr}
    assert (await client.get("/wecom", params=forged)).status == 403
    other_corp = WxCrypt(fake.token, fake.encoding_aes_key, "wwANOTHERCORP").encrypt("1")
    resp = await client.get("/wecom", params={**signed(fake, other_corp), "echostr": other_corp})
    assert resp.status == 403


async def test_staff_text_gets_an_encrypted_passive_reply(
    make_bot: Callable[..., Awaitable[Bot]], fake: FakeWechat
) -> None:
    _bot, _adapter, client = await make_bot()
    fields = fake.wecom_text("WangWu", "帮助", 1234567)
    status, body = await post(client, fake, fields)
    assert status == 200
    reply = read(fake, body)
    assert reply["ToUserName"] == "WangWu" and "反映问题" in reply["Content"]
    assert (await post(client, fake, fields))[0] == 200  # a retry: same answer, no new effect
    bad = await client.post("/wecom", params=signed(fake, "x"), data=b"<xml><Encrypt>x")
    assert bad.status == 400


async def test_stale_and_replayed_signatures_are_refused(
    make_bot: Callable[..., Awaitable[Bot]], fake: FakeWechat
) -> None:
    bot, _adapter, client = await make_bot()
    crypt = corp_crypt(fake)
    echostr = crypt.encrypt("5927782489442352469")
    stale = {**signed(fake, echostr, at=1_600_000_000), "echostr": echostr}
    assert (await client.get("/wecom", params=stale)).status == 403
    fresh = {**signed(fake, echostr), "echostr": echostr}
    assert (await client.get("/wecom", params=fresh)).status == 200
    assert (await client.get("/wecom", params=fresh)).status == 403  # replayed

    fields = fake.wecom_text("WangWu", "帮助", 7654321)
    encrypted = crypt.encrypt(message_xml(fields))
    outer = message_xml({"ToUserName": fake.corp_id, "Encrypt": encrypted}).encode()
    old = signed(fake, encrypted, at=1_600_000_000)
    assert (await client.post("/wecom", params=old, data=outer)).status == 403
    query = signed(fake, encrypted)
    assert (await client.post("/wecom", params=query, data=outer)).status == 200
    replay = await client.post("/wecom", params=query, data=outer)
    assert replay.status == 403
    # The same message signed afresh (WeCom's retry): the same answer, no second record.
    status, body = await post(client, fake, fields)
    assert status == 200 and "反映问题" in read(fake, body)["Content"]
    async with bot.uow() as uow:
        assert await uow.inbound.get("wecom", "WangWu", "7654321") is not None
        records = (await uow.session.exec(select(func.count()).select_from(InboundMessage))).one()
    assert records == 1


async def test_task_card_button_press(
    make_bot: Callable[..., Awaitable[Bot]], fake: FakeWechat
) -> None:
    bot, _adapter, client = await make_bot()
    task = Reply(
        f"【新任务】{TICKET}\n3号楼2单元楼道灯坏了，请48小时内处理",
        buttons=(Button("认领", f"认领 {TICKET}"), Button("转交", f"转交 {TICKET}")),
    )
    async with bot.uow() as uow:
        await uow.pushes.enqueue("wecom", "WangWu", task.as_json())
    await bot.push.drain()
    [sent] = [s.body for s in fake.sent if s.path == "wecom"]
    card = sent["template_card"]
    assert sent["msgtype"] == "template_card" and sent["agentid"] == fake.agent_id
    assert card["card_type"] == "button_interaction"
    assert card["main_title"]["title"] == f"【新任务】{TICKET}"
    assert [b["key"] for b in card["button_list"]] == [f"认领 {TICKET}", f"转交 {TICKET}"]
    press = {
        "ToUserName": fake.corp_id,
        "FromUserName": "WangWu",
        "CreateTime": int(time.time()),
        "MsgType": "event",
        "Event": "template_card_event",
        "EventKey": card["button_list"][0]["key"],
        "TaskId": card["task_id"],
        "CardType": "button_interaction",
        "AgentID": fake.agent_id,
    }
    status, body = await post(client, fake, press)
    assert status == 200 and read(fake, body)["Content"] == f"WangWu 已认领：{TICKET}"
    async with bot.uow() as uow:
        [delivery] = await uow.get(PlatformRepository).deliveries("wecom", "WangWu")
    assert delivery.via == "app_message" and delivery.ok


async def test_group_robot_stays_within_its_rate(
    make_bot: Callable[..., Awaitable[Bot]], fake: FakeWechat
) -> None:
    # WeCom's 20 a minute, with the window scaled to 0.4 s so the test is short.
    fake.robot_window = 0.4
    _bot, adapter, _client = await make_bot(robot_window_seconds=0.4)
    started = time.monotonic()
    await asyncio.gather(*(adapter.robots.post("群0", f"公告{n}") for n in range(25)))
    elapsed = time.monotonic() - started
    posts = [s for s in fake.sent if s.path == "robot:k0"]
    assert len(posts) == 25 and elapsed >= 0.4
    times = [p.at for p in posts]
    assert max(sum(1 for t in times if t0 <= t < t0 + 0.4) for t0 in times) <= 20
    assert await adapter.robots.announce("议事日通知") == 3
