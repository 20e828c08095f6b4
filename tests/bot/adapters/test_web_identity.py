"""Web chat identities can't be stolen: the credential is a server-issued secret that is
never broadcast, logged, exported or stored; everyone else sees a separate public id.

Each test runs `yishi run`'s web chat (no persona switcher) over real HTTP on loopback,
with two browsers of their own: a victim and an attacker.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from click.testing import CliRunner
from sqlmodel import select

from bot.app import build_web_app, build_yishi
from bot.cli import main
from bot.demo import seed_demo
from kernel.intents import KeywordClassifier
from storage.models import PlatformIdentity
from tests.bot.adapters.webchat import Browser, bind, bot_of
from tests.conftest import Clock, make_settings
from tests.storage.scan import cells_containing

ClientFactory = Callable[[web.Application], Awaitable[TestClient[Any, Any]]]
GROUP = "group:main"


@pytest.fixture
async def client(
    db_url: str, clock: Clock, aiohttp_client: ClientFactory
) -> AsyncIterator[TestClient[Any, Any]]:
    """`yishi run`'s web chat on the demo community (SQLite and PostgreSQL)."""
    settings = make_settings(db_url, web={"demo_personas": False})
    bot = build_yishi(settings, classifier=KeywordClassifier(), clock=clock)
    await seed_demo(bot.uow)
    yield await aiohttp_client(build_web_app(bot))


async def make_moderator(client: TestClient[Any, Any], browser: Browser) -> None:
    """The moderator 李书记 binds this browser with a code."""
    await bind(client, browser, "李书记")
    assert "诉求统计" in (await browser.say("诉求统计"))[0]


async def next_event(ws: Any, kind: str) -> tuple[str, dict[str, Any]]:
    """The next WebSocket event of ``kind``: its raw text and its JSON."""
    while True:
        raw = await asyncio.wait_for(ws.receive_str(), 5)
        event = json.loads(raw)
        if event["type"] == kind:
            return raw, event


async def test_group_broadcast_does_not_hand_out_the_moderator_identity(
    client: TestClient[Any, Any], browsers: Callable[[], Browser]
) -> None:
    """The takeover: a resident in the group sees the moderator speak, and tries to
    become the moderator with whatever the group showed, or with a made-up cookie."""
    victim, attacker = browsers(), browsers()
    await victim.open()
    await make_moderator(client, victim)
    await attacker.open()
    await bind(client, attacker, "刘大爷")
    ws = await attacker.ws()

    await victim.say("明天上午九点议事，请大家准时参加", chat_id=GROUP)
    raw, event = await next_event(ws, "group_message")
    credential = victim.credential
    assert credential and credential not in raw, "the group saw the moderator's credential"
    assert event["sender_id"] == victim.me["user_id"] and event["sender_name"] == "李书记"
    await ws.close()

    # Everything the group showed, and a forged cookie of the right shape, as the cookie.
    for value in (*[v for v in event.values() if isinstance(v, str)], secrets.token_urlsafe(32)):
        thief = browsers()
        thief.set_cookie(value)
        me = await thief.open()
        assert me["user_id"] not in (victim.me["user_id"], "li"), f"{value!r} opened a session"
        assert thief.credential not in (value, credential), "a new credential is issued"
        refused = (await thief.say("诉求统计"))[0]
        assert "需要社区工作者身份" in refused and "收集" not in refused
        assert "需要社区工作者身份" in (await thief.say("生成绑定码 张阿姨"))[0]
    # The victim is still the moderator.
    assert "诉求统计" in (await victim.say("诉求统计"))[0]


async def test_a_name_the_browser_sends_is_not_shown(
    client: TestClient[Any, Any], browsers: Callable[[], Browser]
) -> None:
    """A resident claims to be 李书记; the group shows the server's name for it instead."""
    visitor, member = browsers(), browsers()
    me = await visitor.open()
    await bind(client, visitor, "小陈")
    await member.open()
    await bind(client, member, "刘大爷")
    ws = await member.ws()
    await visitor.say(
        "我是李书记，大家把身份证号发我", chat_id=GROUP, sender_name="李书记（社区工作者）"
    )
    raw, event = await next_event(ws, "group_message")
    assert event["sender_name"] == "小陈"
    assert "社区工作者" not in raw and "李书记" not in event["sender_name"]
    await ws.close()
    async with bot_of(client).uow() as uow:
        identity = (
            await uow.session.exec(
                select(PlatformIdentity).where(PlatformIdentity.platform_user_id == me["user_id"])
            )
        ).one()
    assert identity.display_name is None


async def test_the_credential_is_never_logged_exported_or_stored(
    client: TestClient[Any, Any],
    browsers: Callable[[], Browser],
    db_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A visitor talks privately and in the group and files a ticket (an audit entry);
    its credential is in no log record, no `yishi export audit` line and no table."""
    caplog.set_level(logging.DEBUG)
    visitor = browsers()
    me = await visitor.open()
    credential = visitor.credential
    assert credential
    for said in ("帮助", "楼道灯坏了", "3号楼", "要", "确认提交"):
        await visitor.say(said)
    status, _ = await visitor.post(text="@议事通 帮助", chat_id=GROUP)
    assert status == 403, "the residents' group is not a visitor's"
    await bot_of(client).router.settle_later()

    assert caplog.records, "the messages were logged"
    for record in caplog.records:
        assert credential not in f"{record.getMessage()} {record.__dict__}"
    assert any(me["user_id"] in str(r.__dict__) for r in caplog.records if r.msg == "handled")

    runner = CliRunner()
    result = await asyncio.to_thread(
        runner.invoke, main, ["export", "audit"], env={"YISHI_STORAGE__URL": db_url}
    )
    assert result.exit_code == 0, result.output
    assert f"web:{me['user_id']}" in result.output, "the audit names the public id"
    assert credential not in result.output

    assert await cells_containing(db_url, credential) == []
    assert await cells_containing(db_url, me["user_id"]), "the public id is what is stored"
    async with bot_of(client).uow() as uow:
        identity = (
            await uow.session.exec(
                select(PlatformIdentity).where(PlatformIdentity.platform_user_id == me["user_id"])
            )
        ).one()
    assert identity.platform == "web" and identity.resident_id is None
