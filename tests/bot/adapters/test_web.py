"""The web chat over real HTTP on loopback: messages, pushes on the WebSocket, bad input."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.app import YISHI_KEY, Yishi, build_web_app, build_yishi
from bot.demo import seed_demo
from kernel.intents import KeywordClassifier
from kernel.messages import BOT_NAMES, Reply
from storage.platforms import PlatformRepository
from storage.web_chat import WebChatRepository
from tests.bot.adapters.webchat import Browser, ClientFactory, WebChat
from tests.conftest import Clock, make_settings
from tests.kit import TICKET_NUMBER


async def test_healthz_reports_database_and_adapters(client: TestClient[Any, Any]) -> None:
    resp = await client.get("/healthz")
    body = await resp.json()
    assert resp.status == 200
    assert body["database"] == "ok" and body["adapters"]["web"]["state"] == "ok"


async def test_healthz_while_messages_are_handled_does_not_stall(
    client: TestClient[Any, Any], chat: WebChat
) -> None:
    """The health check shares the database with messages in flight: neither waits on the
    other's lock (on SQLite a second connection's write lock used to stall the loop 10 s)."""
    zhang = await chat.as_("zhang")
    started = asyncio.get_running_loop().time()
    checks = [client.get("/healthz") for _ in range(5)]
    messages = [zhang.post(text="帮助", message_id=f"h{n}") for n in range(5)]
    results = await asyncio.gather(*checks, *messages)
    assert asyncio.get_running_loop().time() - started < 5
    assert all(r.status == 200 for r in results[:5])
    assert all(status == 200 for status, _ in results[5:])


async def test_index_and_people(client: TestClient[Any, Any]) -> None:
    page = await client.get("/")
    assert page.status == 200 and "议事通" in await page.text()
    people = await (await client.get("/api/people")).json()
    assert people["me"]["personas"] is True and people["me"]["csrf_token"]
    names = {p["user_id"]: p for p in people["people"]}
    assert names["li"]["roles"] == ["moderator"] and names["wang"]["roles"] == ["grid_worker"]
    assert "phone" not in names["zhang"]


async def test_the_demos_people_end_with_an_unbound_visitor(
    client: TestClient[Any, Any],
) -> None:
    """The demo's 「我是」 offers this browser itself, bound to no resident, last: as it,
    the private chat answers and the residents' group is closed, saying how to 绑定."""
    browser = Browser(client.make_url("/"))
    try:
        async with browser.http.get(browser.url("/api/people")) as resp:
            people = await resp.json()
        assert people["new"] is True, "a new browser: the page starts it as the first person"
        visitor = people["people"][-1]
        assert visitor == {
            "user_id": people["me"]["user_id"],
            "name": "访客（未绑定）",
            "verified": None,
            "roles": [],
            "visitor": True,
        }
        assert not any(p.get("visitor") for p in people["people"][:-1])
        browser.token = people["me"]["csrf_token"]
        await browser.act_as("zhang")
        await browser.act_as(None)  # the visitor
        assert browser.me["bound"] is False and browser.me["name"].startswith("居民·")
        assert "反映问题" in (await browser.say("帮助"))[0]
        status, body = await browser.post(chat_id="group:main", text="大家好")
        assert status == 403 and "绑定" in body["error"]
        async with browser.http.get(browser.url("/api/people")) as resp:
            again = await resp.json()
        assert again["new"] is False and again["me"]["user_id"] == visitor["user_id"]
    finally:
        await browser.close()


async def test_help_reply_comes_back_on_the_post(chat: WebChat) -> None:
    status, body = await chat.post("zhang", text="帮助")
    assert status == 200
    assert "反映问题" in body["replies"][0]["text"]
    assert body["replies"][0]["buttons"][0]["label"] == "反映问题"


async def test_a_tab_left_behind_by_a_persona_switch_is_told_not_obeyed(
    client: TestClient[Any, Any],
) -> None:
    """The persona is the browser's, on the server: a tab still showing 张阿姨 after
    another tab switched to 刘大爷 gets 409 instead of speaking as either."""
    browser = Browser(client.make_url("/"))
    try:
        await browser.open()
        await browser.act_as("zhang")
        await browser.act_as("liu")  # in another tab
        status, body = await browser.post(sender_id="zhang", text="楼道灯坏了")
        assert status == 409 and "刷新" in body["error"]
        status, body = await browser.post(sender_id="liu", text="帮助")
        assert status == 200 and "反映问题" in body["replies"][0]["text"]
    finally:
        await browser.close()


async def test_same_message_id_twice_has_one_effect(chat: WebChat) -> None:
    await chat.post("zhang", text="楼道灯坏了", message_id="w1")
    await chat.post("zhang", text="3号楼", message_id="w2")
    first = await chat.post("zhang", text="确认提交", message_id="w3")
    second = await chat.post("zhang", text="确认提交", message_id="w3")
    assert first == second
    _, history = await (await chat.as_("wang")).history("wang")
    assert len(history["pushes"]) == 1


@pytest.mark.loops("push")  # the push arrives by itself, as in production
async def test_grid_worker_sees_the_push_arrive_on_the_websocket(
    client: TestClient[Any, Any], chat: WebChat
) -> None:
    ws = await (await chat.as_("wang")).ws()
    await chat.post("zhang", text="垃圾桶满了")
    await chat.post("zhang", text="东门")
    await chat.post("zhang", text="确认提交")
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
    client: TestClient[Any, Any], chat: WebChat
) -> None:
    bot = client.server.app[YISHI_KEY]
    assert isinstance(bot, Yishi)
    async with bot.uow() as uow:
        await uow.pushes.enqueue("web", "liu", Reply("明天停水").as_json(), now=bot.clock())
    await bot.push.drain()
    async with bot.uow() as uow:
        [record] = await uow.get(PlatformRepository).deliveries("web", "liu")
    assert (record.via, record.ok) == ("history", True)
    _, history = await (await chat.as_("liu")).history()
    assert [p["reply"]["text"] for p in history["pushes"]] == ["明天停水"]


async def test_group_messages_reach_other_members(chat: WebChat) -> None:
    """Others see the sender's public id and the name the server has for them."""
    ws = await (await chat.as_("liu")).ws()
    await chat.post("zhang", chat_id="group:main", text="大家好")
    event = await asyncio.wait_for(ws.receive_json(), 5)
    assert event == {
        "type": "group_message",
        "chat_id": "group:main",
        "sender_id": "zhang",
        "sender_name": "张阿姨",
        "text": "大家好",
    }
    await ws.close()


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1, 2]",
        b'{"chat_id": "", "text": "hi"}',
        b'{"sender_id": "zhang", "text": 5}',
        b'{"chat_id": "' + b"x" * 300 + b'", "text": "a"}',
    ],
)
async def test_bad_bodies_are_clean_400s(
    client: TestClient[Any, Any], chat: WebChat, body: bytes
) -> None:
    zhang = await chat.as_("zhang")
    resp = await zhang.http.post(
        zhang.url("/api/messages"),
        data=body,
        headers=zhang.headers(**{"Content-Type": "application/json"}),
    )
    assert resp.status == 400
    assert "error" in await resp.json()
    assert (await client.get("/healthz")).status == 200


async def test_oversized_body_is_413_and_server_keeps_serving(
    client: TestClient[Any, Any], chat: WebChat
) -> None:
    zhang = await chat.as_("zhang")
    resp = await zhang.http.post(
        zhang.url("/api/messages"),
        data=b"x" * 2_000_000,
        headers=zhang.headers(**{"Content-Type": "application/json"}),
    )
    assert resp.status == 413
    status, _ = await chat.post("zhang", text="帮助")
    assert status == 200


async def test_restart_resumes_a_half_finished_conversation(sqlite_url: str, clock: Clock) -> None:
    """A draft begun before a restart is finished after it: the state lives in the database."""
    settings = make_settings(sqlite_url)
    first = Yishi(settings, classifier=KeywordClassifier(), clock=clock)
    await seed_demo(first.uow)
    from tests.kit import say

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


async def test_a_mention_addresses_the_bot_and_is_not_read_as_content(chat: WebChat) -> None:
    _, quiet = await chat.post("liu", chat_id="group:main", text="大家晚上好")
    assert quiet["replies"] == []
    _, asked = await chat.post("liu", chat_id="group:main", text="@议事通 帮助")
    assert "反映问题" in asked["replies"][0]["text"], "'@议事通 帮助' is the help command"


@pytest.mark.parametrize("name", BOT_NAMES)
async def test_each_of_the_bots_names_addresses_it_in_the_group(chat: WebChat, name: str) -> None:
    """The bot's names are one list: each, as an @ or typed bare at the start of a group
    message, gets the help that '帮助' asks for, and is not read as part of the words."""
    for said in (f"@{name} 帮助", f"{name}，帮助"):
        _, asked = await chat.post("liu", chat_id="group:main", text=said)
        assert "反映问题" in asked["replies"][0]["text"], said


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

    browser = Browser(client.make_url("/"))
    try:
        people = await (await browser.http.get(browser.url("/api/people"))).json()
        [me] = people["people"]
        assert me["user_id"].startswith("w-") and len(me["user_id"]) == 18
        assert me["name"] == f"居民·{me['user_id'][-4:]}"
        browser.token = people["me"]["csrf_token"]
        status, _ = await browser.post(sender_id="li", text="诉求统计")
        assert status == 403, "a browser cannot claim the moderator's identity"
        status, _ = await browser.history("li")
        assert status == 403
        async with browser.http.post(
            browser.url("/api/persona"), json={"user_id": "li"}, headers=browser.headers()
        ) as switch:
            assert switch.status == 403, "no persona switcher outside the demo"

        assert "反映问题" in (await browser.say("帮助"))[0]
        again = await browser.open()
        assert again["user_id"] == me["user_id"], "the cookie keeps the identity"
    finally:
        await browser.close()


async def test_a_persona_switched_through_another_process_is_obeyed(
    sqlite_url: str, clock: Clock, aiohttp_client: ClientFactory
) -> None:
    """Two processes serve one database: each remembers sessions, but a message that
    says who it is from makes a process re-read a persona another process switched."""
    bots = [
        build_yishi(make_settings(sqlite_url), classifier=KeywordClassifier(), clock=clock)
        for _ in range(2)
    ]
    await seed_demo(bots[0].uow)
    first, second = [await aiohttp_client(build_web_app(bot)) for bot in bots]
    here, there = Browser(first.make_url("/")), Browser(second.make_url("/"))
    try:
        await here.open()
        await here.act_as("zhang")
        there.set_cookie(here.credential or "")
        there.token = here.token
        await there.say("帮助", sender_id="zhang")  # the second process now remembers 张阿姨
        await here.act_as("liu")  # switched through the first
        status, _ = await there.post(sender_id="liu", text="帮助", message_id="after-switch")
        assert status == 200
        async with bots[1].uow() as uow:
            message = await uow.inbound.get("web", "liu", "after-switch")
        assert message is not None, "recorded as 刘大爷's message"
    finally:
        await here.close()
        await there.close()


async def test_a_vote_tapped_in_the_group_stays_between_voter_and_bot(chat: WebChat) -> None:
    """A tap on a poll's button in the group is the voter's alone (as a Telegram callback
    is): the neighbours neither see '投票 P1 赞成' nor the answer, live or in the history."""
    status, body = await chat.post(
        "li", text="开启投票 是否更换物业 匿名 单独表决", chat_id="group:main"
    )
    opened_replies = body["replies"]
    assert status == 200 and "P1" in opened_replies[0]["text"], body
    ws = await (await chat.as_("liu")).ws()
    [button] = [b for r in opened_replies for b in r["buttons"] if b["label"] == "赞成"]
    assert button["private"] is True, "the poll's buttons say their press is private"
    answer = await chat.say("zhang", button["data"], chat_id="group:main", private=True)
    assert any("P1" in text for text in answer), answer
    await chat.say("zhang", "投完了", chat_id="group:main")  # typed: the group sees it
    event = await asyncio.wait_for(ws.receive_json(), 5)
    assert (event["type"], event["text"]) == ("group_message", "投完了"), event
    await ws.close()
    _, history = await (await chat.as_("liu")).history("group:main")
    said = [str(entry["text"]) for entry in history["entries"]]
    assert "投完了" in said and not [x for x in said if x.startswith("投票") or "已投出" in x], said
    progress = await chat.say("li", "投票情况 P1")
    assert any("1" in text for text in progress), progress


async def test_a_vote_typed_in_the_group_is_answered_to_the_voter_alone(chat: WebChat) -> None:
    """“反对” typed in the group was shown to every neighbour and answered there, and the
    group's history kept it next to the voter. Now it is between the voter and the bot,
    as a tap is: the receipt goes to the voter's own chat and the group sees nothing."""
    status, _ = await chat.post(
        "li", text="开启投票 是否更换物业 匿名 单独表决", chat_id="group:main"
    )
    assert status == 200
    ws = await (await chat.as_("liu")).ws()
    status, answer = await chat.post("zhang", text="反对", chat_id="group:main")
    [receipt] = answer["replies"]
    assert status == 200 and receipt["chat_id"] == "zhang", answer
    assert "匿名票已投出" in receipt["text"] and "反对" not in receipt["text"]
    await chat.say("zhang", "大家好", chat_id="group:main")  # not a vote: the group sees it
    event = await asyncio.wait_for(ws.receive_json(), 5)
    assert (event["type"], event["text"]) == ("group_message", "大家好"), event
    await ws.close()
    for who in ("liu", "zhang"):
        _, group = await (await chat.as_(who)).history("group:main")
        said = [str(entry["text"]) for entry in group["entries"]]
        assert "大家好" in said and "反对" not in said, said
        assert not [x for x in said if "已投出" in x], said
    _, own = await (await chat.as_("zhang")).history()
    mine = [str(entry["text"]) for entry in own["entries"]]
    assert any("匿名票已投出" in x for x in mine) and "反对" not in mine, mine


async def test_my_tickets_asked_in_the_group_are_answered_in_my_own_chat(
    client: TestClient[Any, Any], chat: WebChat
) -> None:
    """刘大爷 typed “@议事通 我的诉求” in the group and every member saw his 邻里纠纷 and
    its detail with his address, kept in the group's history. Now the answer is in his
    own chat; the group is shown neither his message nor the answer, and keeps none."""
    await chat.say("liu", "楼上邻居家漏水漏到我家，找他好几次了都不管，天天半夜拖椅子")
    await chat.say("liu", "3号楼2单元401室")
    [filed] = await chat.say("liu", "确认提交")
    found = TICKET_NUMBER.search(filed)
    assert found, filed
    number = found.group(0)
    ws = await (await chat.as_("zhang")).ws()
    for asked in ("@议事通 我的诉求", f"@议事通 {number}"):
        status, answer = await chat.post("liu", text=asked, chat_id="group:main")
        assert status == 200 and answer["replies"], answer
        assert all(r["chat_id"] == "liu" for r in answer["replies"]), answer
        assert any("邻里纠纷" in r["text"] for r in answer["replies"]), answer
    await chat.say("liu", "大家早上好", chat_id="group:main")
    event = await asyncio.wait_for(ws.receive_json(), 5)
    assert (event["type"], event["text"]) == ("group_message", "大家早上好"), event
    await ws.close()
    _, group = await (await chat.as_("zhang")).history("group:main")
    shown = "\n".join(str(entry["text"]) for entry in group["entries"])
    bot = client.server.app[YISHI_KEY]
    assert isinstance(bot, Yishi)
    async with bot.uow() as uow:
        lines = await uow.get(WebChatRepository).recent("group:main")
    kept = "\n".join(f"{line.text} {line.payload}" for line in lines)
    for secret in (number, "邻里纠纷", "漏水", "拖椅子", "401", "5号楼", "我的诉求"):
        assert secret not in shown and secret not in kept, (secret, kept)
    _, own = await (await chat.as_("liu")).history()
    mine = "\n".join(str(entry["text"]) for entry in own["entries"])
    assert mine.count(number) >= 3, mine


async def test_a_card_in_the_group_answers_only_to_whom_it_was_for(chat: WebChat) -> None:
    """A neighbour pressing a button of someone else's card in the group got “现在没有待确认
    的草稿了” posted to the group, or his press taken as his own. The card names whom it
    answered; a press by anyone else is answered to him alone and changes nothing."""
    status, answer = await chat.post("zhang", text="@议事通 呜啦啦哇", chat_id="group:main")
    [card] = answer["replies"]
    assert status == 200 and card["buttons"] and card.get("for") == "zhang", answer
    data = card["buttons"][0]["data"]
    status, answer = await chat.post("liu", text=data, chat_id="group:main", card_of="zhang")
    [told] = answer["replies"]
    assert status == 200 and told["chat_id"] == "liu" and "别人的消息" in told["text"], answer
    _, group = await (await chat.as_("zhang")).history("group:main")
    said = [str(entry["text"]) for entry in group["entries"]]
    assert not [x for x in said if "别人的消息" in x or "草稿" in x], said
    assert [e.get("for") for e in group["entries"] if e.get("buttons")] == ["zhang"], group
    mine = await chat.post("zhang", text=data, chat_id="group:main", card_of="zhang")
    assert not [r for r in mine[1]["replies"] if "别人的消息" in r["text"]], mine


async def test_an_old_draft_card_pressed_in_the_web_chat_acts_on_its_own_draft(
    chat: WebChat,
) -> None:
    """The last walk, in the browser: 刘大爷's topic card, a problem typed, and the old
    card's 确认提交 filed the report. It files nothing now, and the chat keeps the press as
    the button's words, without the stamp it carries."""
    _, topic = await chat.post("liu", text="我想提个议题：楼下加装休息长椅")
    [card] = topic["replies"]
    submit = next(b["data"] for b in card["buttons"] if b["label"] == "确认提交")
    assert submit.startswith("确认提交 v"), card
    _, report = await chat.post("liu", text="7号楼门口的垃圾桶满了没人清")
    assert any("先放下了" in r["text"] for r in report["replies"]), report
    status, old = await chat.post("liu", text=submit)
    told = "\n".join(r["text"] for r in old["replies"])
    assert status == 200 and "先放下的议题草稿" in told and "已受理" not in told, old
    _, own = await (await chat.as_("liu")).history()
    pressed = [e["text"] for e in own["entries"] if e["kind"] == "me"]
    assert pressed[-1] == "确认提交", pressed
