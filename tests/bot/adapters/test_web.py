"""The web chat over real HTTP on loopback: messages, pushes on the WebSocket, bad input."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from bot.app import YISHI_KEY, Yishi, build_web_app, build_yishi
from bot.demo import seed_demo
from kernel.intents import KeywordClassifier
from kernel.messages import Reply
from storage.platforms import PlatformRepository
from tests.conftest import Clock, make_settings

ClientFactory = Callable[[web.Application], Awaitable[TestClient[Any, Any]]]


@pytest.fixture
async def client(
    sqlite_url: str, clock: Clock, aiohttp_client: ClientFactory
) -> AsyncIterator[TestClient[Any, Any]]:
    bot = build_yishi(make_settings(sqlite_url), classifier=KeywordClassifier(), clock=clock)
    await seed_demo(bot.uow)
    yield await aiohttp_client(build_web_app(bot))


async def post(client: TestClient[Any, Any], **body: Any) -> tuple[int, dict[str, Any]]:
    resp = await client.post("/api/messages", json=body)
    return resp.status, await resp.json()


async def test_healthz_reports_database_and_adapters(client: TestClient[Any, Any]) -> None:
    resp = await client.get("/healthz")
    body = await resp.json()
    assert resp.status == 200
    assert body["database"] == "ok" and body["adapters"]["web"]["state"] == "ok"


async def test_healthz_while_messages_are_handled_does_not_stall(
    client: TestClient[Any, Any],
) -> None:
    """The health check shares the database with messages in flight: neither waits on the
    other's lock (on SQLite a second connection's write lock used to stall the loop 10 s)."""
    started = asyncio.get_running_loop().time()
    checks = [client.get("/healthz") for _ in range(5)]
    messages = [post(client, sender_id="zhang", text="帮助", message_id=f"h{n}") for n in range(5)]
    results = await asyncio.gather(*checks, *messages)
    assert asyncio.get_running_loop().time() - started < 5
    assert all(r.status == 200 for r in results[:5])
    assert all(status == 200 for status, _ in results[5:])


async def test_index_and_people(client: TestClient[Any, Any]) -> None:
    page = await client.get("/")
    assert page.status == 200 and "议事通" in await page.text()
    people = await (await client.get("/api/people")).json()
    names = {p["user_id"]: p for p in people["people"]}
    assert names["li"]["roles"] == ["moderator"] and names["wang"]["roles"] == ["grid_worker"]
    assert "phone" not in names["zhang"]


async def test_help_reply_comes_back_on_the_post(client: TestClient[Any, Any]) -> None:
    status, body = await post(client, sender_id="zhang", text="帮助")
    assert status == 200
    assert "反映问题" in body["replies"][0]["text"]
    assert body["replies"][0]["buttons"][0]["label"] == "反映问题"


async def test_same_message_id_twice_has_one_effect(client: TestClient[Any, Any]) -> None:
    await post(client, sender_id="zhang", text="楼道灯坏了", message_id="w1")
    await post(client, sender_id="zhang", text="3号楼", message_id="w2")
    first = await post(client, sender_id="zhang", text="确认提交", message_id="w3")
    second = await post(client, sender_id="zhang", text="确认提交", message_id="w3")
    assert first == second
    history = await (await client.get("/api/history", params={"chat_id": "wang"})).json()
    assert len(history["pushes"]) == 1


async def test_grid_worker_sees_the_push_arrive_on_the_websocket(
    client: TestClient[Any, Any],
) -> None:
    ws = await client.ws_connect("/api/ws", params={"user": "wang"})
    await post(client, sender_id="zhang", text="垃圾桶满了")
    await post(client, sender_id="zhang", text="东门")
    await post(client, sender_id="zhang", text="确认提交")
    event = await asyncio.wait_for(ws.receive_json(), 5)
    assert event["type"] == "push" and event["chat_id"] == "wang"
    assert "垃圾桶满了" in event["reply"]["text"] and "张阿姨" in event["reply"]["text"]
    await ws.close()
    bot = client.server.app[YISHI_KEY]
    assert isinstance(bot, Yishi)
    async with bot.uow() as uow:
        [record] = await uow.get(PlatformRepository).deliveries("web", "wang")
    assert (record.via, record.ok, record.detail) == ("websocket", True, "1 open tab(s)")


async def test_a_push_with_no_tab_open_is_kept_for_the_history_and_recorded(
    client: TestClient[Any, Any],
) -> None:
    bot = client.server.app[YISHI_KEY]
    assert isinstance(bot, Yishi)
    async with bot.uow() as uow:
        await uow.pushes.enqueue("web", "liu", Reply("明天停水").as_json(), now=bot.clock())
    await bot.push.drain()
    async with bot.uow() as uow:
        [record] = await uow.get(PlatformRepository).deliveries("web", "liu")
    assert (record.via, record.ok) == ("history", True)
    history = await (await client.get("/api/history", params={"chat_id": "liu"})).json()
    assert [p["reply"]["text"] for p in history["pushes"]] == ["明天停水"]


async def test_group_messages_reach_other_members(client: TestClient[Any, Any]) -> None:
    ws = await client.ws_connect("/api/ws", params={"user": "liu"})
    await post(client, sender_id="zhang", chat_id="group:main", text="大家好")
    event = await asyncio.wait_for(ws.receive_json(), 5)
    assert event == {
        "type": "group_message",
        "chat_id": "group:main",
        "sender_id": "zhang",
        "sender_name": None,
        "text": "大家好",
    }
    await ws.close()


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1, 2]",
        b'{"text": "hi"}',
        b'{"sender_id": "", "text": "hi"}',
        b'{"sender_id": "zhang", "text": 5}',
        b'{"sender_id": "' + b"x" * 300 + b'", "text": "a"}',
    ],
)
async def test_bad_bodies_are_clean_400s(client: TestClient[Any, Any], body: bytes) -> None:
    resp = await client.post(
        "/api/messages", data=body, headers={"Content-Type": "application/json"}
    )
    assert resp.status == 400
    assert "error" in await resp.json()
    assert (await client.get("/healthz")).status == 200


async def test_oversized_body_is_413_and_server_keeps_serving(client: TestClient[Any, Any]) -> None:
    resp = await client.post("/api/messages", data=b"x" * 2_000_000)
    assert resp.status == 413
    status, _ = await post(client, sender_id="zhang", text="帮助")
    assert status == 200


async def test_restart_resumes_a_half_finished_conversation(sqlite_url: str, clock: Clock) -> None:
    """A draft begun before a restart is finished after it: the state lives in the database."""
    settings = make_settings(sqlite_url)
    first = Yishi(settings, classifier=KeywordClassifier(), clock=clock)
    await seed_demo(first.uow)
    from tests.bot.test_router import say

    await say(first, "路灯不亮了")
    [question] = await say(first, "5号楼")
    assert "请确认" in question.text
    await first.stop()

    clock.advance(minutes=5)
    second = Yishi(settings, classifier=KeywordClassifier(), clock=clock)
    [done] = await say(second, "确认提交")
    assert "已受理" in done.text
    async with second.uow() as uow:
        [push] = await uow.pushes.for_chat("web", "zhao")
    assert "路灯不亮了" in push.payload["text"] and "5号楼" in push.payload["text"]
    await second.stop()


async def test_a_mention_addresses_the_bot_and_is_not_read_as_content(
    client: TestClient[Any, Any],
) -> None:
    _, quiet = await post(client, sender_id="liu", chat_id="group:main", text="大家晚上好")
    assert quiet["replies"] == []
    _, asked = await post(client, sender_id="liu", chat_id="group:main", text="@议事通 帮助")
    assert "反映问题" in asked["replies"][0]["text"], "'@议事通 帮助' is the help command"


async def test_outside_the_demo_a_browser_speaks_only_as_itself(
    sqlite_url: str, clock: Clock, aiohttp_client: ClientFactory
) -> None:
    """`yishi run`: nobody can post as the moderator or read someone else's pushes."""
    settings = make_settings(sqlite_url, web={"demo_personas": False})
    bot = build_yishi(settings, classifier=KeywordClassifier(), clock=clock)
    await seed_demo(bot.uow)
    client = await aiohttp_client(build_web_app(bot))

    refused = await client.post("/api/messages", json={"sender_id": "li", "text": "帮助"})
    assert refused.status == 403, "no identity cookie yet"

    people = await (await client.get("/api/people")).json()
    [me] = people["people"]
    assert me["user_id"].startswith("w-") and len(me["user_id"]) == 34
    as_li = await client.post("/api/messages", json={"sender_id": "li", "text": "诉求统计"})
    assert as_li.status == 403, "a browser cannot claim the moderator's identity"
    spying = await client.get("/api/history", params={"chat_id": "li"})
    assert spying.status == 403

    ok = await client.post("/api/messages", json={"text": "帮助"})
    body = await ok.json()
    assert ok.status == 200 and "反映问题" in body["replies"][0]["text"]
    again = await (await client.get("/api/people")).json()
    assert again["people"][0]["user_id"] == me["user_id"], "the cookie keeps the identity"
