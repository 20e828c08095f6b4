"""The residents' group is the residents': under `yishi run` (no persona switcher) a
browser that is not bound to a resident neither reads the group, posts in it nor is
shown what is said there, and no group but the configured ones exists. Its private chat
with the bot still works, so the visitor can 绑定 (or ask); once bound, the group opens.

Real HTTP on loopback, each browser with its own cookies (tests/bot/adapters/webchat.py).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.app import build_web_app, build_yishi
from bot.demo import seed_demo
from bot.media import LocalBlobs
from kernel.intents import KeywordClassifier
from kernel.messages import Reply
from storage.web_chat import WebChatRepository
from tests.bot.adapters.webchat import PNG, Browser, ClientFactory, bind, bot_of, code_for, upload
from tests.conftest import Clock, make_settings

GROUP = "group:main"
SPAM = "免费领鸡蛋 加微信xxx"


@pytest.fixture
async def client(
    sqlite_url: str, clock: Clock, aiohttp_client: ClientFactory
) -> TestClient[Any, Any]:
    """`yishi run`'s web chat on the demo community; a second web group announced to."""
    settings = make_settings(
        sqlite_url,
        web={"demo_personas": False},
        consultation={"announce_chats": ["web:group:main", "web:group:east", "telegram:-100"]},
    )
    bot = build_yishi(settings, classifier=KeywordClassifier(), clock=clock)
    await seed_demo(bot.uow)
    return await aiohttp_client(build_web_app(bot))


async def resident(client: TestClient[Any, Any], browser: Browser, name: str) -> Browser:
    await browser.open()
    await bind(client, browser, name)
    return browser


async def next_event(ws: Any) -> dict[str, Any]:
    event = await asyncio.wait_for(ws.receive_json(), 5)
    assert isinstance(event, dict)
    return event


async def shown_up_to(ws: Any, text: str) -> list[dict[str, Any]]:
    """What a member's open tab was shown, up to the group message ``text``: whatever
    came before it was shown too."""
    shown = [await next_event(ws)]
    while shown[-1].get("text") != text:
        shown.append(await next_event(ws))
    return shown


async def test_a_visitor_neither_reads_nor_posts_in_the_residents_group(
    client: TestClient[Any, Any], browsers: Callable[[], Browser]
) -> None:
    """The tester's walk: fresh cookies read the group's history and posted an ad that
    residents saw as “居民·7d95: 免费领鸡蛋…”. Now the visitor is told how to 绑定, the
    group shows nothing of it, and its own chat with the bot still answers."""
    zhang = await resident(client, browsers(), "张阿姨")
    await zhang.say("明天上午九点一起打扫楼道", chat_id=GROUP)
    visitor = browsers()
    me = await visitor.open()

    status, body = await visitor.history(GROUP)
    assert status == 403 and "绑定" in body["error"], body
    assert "打扫楼道" not in str(body)
    neighbour = await resident(client, browsers(), "陈委员")
    watching = await neighbour.ws()
    listening = await visitor.ws()
    status, body = await visitor.post(chat_id=GROUP, text=SPAM)
    assert status == 403 and "绑定" in body["error"], body
    status, body = await upload(visitor, PNG, chat_id=GROUP)
    assert status == 403 and "绑定" in body["error"], body
    blobs = bot_of(client).media.blobs
    assert isinstance(blobs, LocalBlobs) and not list(blobs.directory.glob("*")), "not kept"

    # The page shows the group locked, with that line; a resident's is open.
    assert me["bound"] is False and "绑定" in me["group_locked"]
    assert (await zhang.open())["bound"] is True and zhang.me["group_locked"] is None
    # The visitor's own chat works: it can ask, and bind.
    assert "反映问题" in (await visitor.say("帮助"))[0]

    # A resident speaks: the residents see it live; the visitor's open tab is shown nothing.
    await zhang.say("大家好", chat_id=GROUP)
    bot = bot_of(client)
    async with bot.uow() as uow:
        await uow.pushes.enqueue("web", me["user_id"], Reply("您的私信").as_json(), now=bot.clock())
    await bot.push.drain()
    seen = await next_event(listening)
    assert seen["type"] == "push" and seen["reply"]["text"] == "您的私信", seen
    heard = await next_event(watching)
    assert (heard["type"], heard["text"]) == ("group_message", "大家好"), heard

    _, group = await zhang.history(GROUP)
    said = [str(e["text"]) for e in group["entries"]]
    assert said == ["明天上午九点一起打扫楼道", "大家好"], said
    async with bot.uow() as uow:
        kept = await uow.get(WebChatRepository).recent(GROUP)
    assert not [line for line in kept if SPAM in line.text or line.sender_id == me["user_id"]]

    # Bound with a code from the moderator, the same browser (and its open tab) is in.
    bound = await visitor.say(f"绑定 {await code_for(client, '刘大爷')}")
    assert "刘大爷" in bound[0], bound
    status, body = await visitor.history(GROUP)
    assert status == 200 and "大家好" in str(body["entries"]), body
    await zhang.say("刘大爷也来了", chat_id=GROUP)
    for tab in (listening, watching):
        heard = await next_event(tab)
        assert (heard["type"], heard["text"]) == ("group_message", "刘大爷也来了"), heard
    status, _ = await visitor.post(chat_id=GROUP, text="大家好，我是刘大爷")
    assert status == 200
    heard = await next_event(watching)
    assert (heard["sender_name"], heard["text"]) == ("刘大爷", "大家好，我是刘大爷"), heard
    await watching.close()
    await listening.close()


async def test_only_the_configured_groups_exist(
    client: TestClient[Any, Any], browsers: Callable[[], Browser]
) -> None:
    """A made-up ``group:…`` was accepted and kept a history of its own. Only group:main
    and the web groups [consultation] announce_chats names are groups; any other is a
    clean 404, for residents and visitors alike."""
    zhang = await resident(client, browsers(), "张阿姨")
    visitor = browsers()
    await visitor.open()
    for browser in (zhang, visitor):
        for made_up in ("group:fake", "group:", "group:MAIN"):
            status, body = await browser.post(chat_id=made_up, text="有人吗")
            assert status == 404 and "error" in body, (made_up, body)
            status, body = await browser.history(made_up)
            assert status == 404 and "error" in body, (made_up, body)
    status, _ = await zhang.post(chat_id="group:east", text="东区的邻居好")
    assert status == 200
    status, body = await visitor.history("group:east")
    assert status == 403, body
    async with bot_of(client).uow() as uow:
        assert await uow.get(WebChatRepository).recent("group:fake") == []


async def test_staff_business_typed_in_the_group_is_answered_to_the_staff_member_alone(
    client: TestClient[Any, Any], browsers: Callable[[], Browser]
) -> None:
    """The staff walk: 李书记's `@议事通 生成绑定码 刘大爷` typed in the residents' group
    reached every open tab live — “刘大爷的绑定码：52251343” — and a fresh browser then
    bound as 刘大爷 and voted as him. A 代办 vote showed the group how 张阿姨 voted, and
    the lists of who signed up or co-signed named residents there. Now a credential, a
    vote cast for someone and the staff's lists come in the staff member's own chat; the
    group's tabs and its history see neither the command nor the answer."""
    li = await resident(client, browsers(), "李书记")
    wang = await resident(client, browsers(), "王网格员")
    zhang = await resident(client, browsers(), "张阿姨")
    watching = await zhang.ws()

    status, answer = await li.post(chat_id=GROUP, text="@议事通 生成绑定码 刘大爷")
    assert status == 200, answer
    issued = [r for r in answer["replies"] if "绑定码" in r["text"]]
    assert issued and all(r.get("chat_id") == li.me["user_id"] for r in issued), answer
    found = re.search(r"\d{8}", issued[0]["text"])
    assert found, issued
    code = found.group(0)

    opened = " ".join(await li.say("开启投票 小区是否加装电梯 单独表决"))
    poll = re.search(r"P\d+", opened)
    assert poll, opened
    status, answer = await wang.post(
        chat_id=GROUP, text=f"@议事通 代办 投票 {poll.group(0)} 赞成 张阿姨"
    )
    assert status == 200 and "赞成" in str(answer["replies"]), answer
    assert all(r.get("chat_id") == wang.me["user_id"] for r in answer["replies"]), answer
    for command in ("@议事通 报名名单", "@议事通 认证 刘大爷", "@议事通 接下来的通知"):
        status, answer = await li.post(chat_id=GROUP, text=command)
        assert status == 200 and answer["replies"], (command, answer)
        assert all(r.get("chat_id") == li.me["user_id"] for r in answer["replies"]), answer

    # Up to what is said next in the group, the tab was shown nothing of the staff's
    # business (the poll's card waits in the outbox, not drained here).
    await li.say("大家好", chat_id=GROUP)
    shown = await shown_up_to(watching, "大家好")
    assert [e["type"] for e in shown] == ["group_message"], shown
    _, group = await zhang.history(GROUP)
    kept = str(group["entries"])
    assert code not in kept and "代办" not in kept and "绑定码" not in kept, kept
    said = [str(e["text"]) for e in group["entries"]]
    assert "大家好" in said and not [s for s in said if "张阿姨" in s or "刘大爷" in s], said
    await watching.close()


async def test_a_paper_ballot_entered_in_the_group_reaches_nobody_else(
    client: TestClient[Any, Any], browsers: Callable[[], Browser]
) -> None:
    """The walk: 李书记 typed `录入纸质票 P1 刘大爷 反对` in the residents' group during an
    anonymous poll, and every member's open tab was shown it live (the group's history
    kept “（投票内容不保存）”, so whoever checked later thought nothing had leaked),
    with the bot's public “已录入 刘大爷 的纸质票”. Now the entry is answered in his own
    chat and the group's tabs are shown nothing of it, live or kept."""
    li = await resident(client, browsers(), "李书记")
    zhang = await resident(client, browsers(), "张阿姨")
    watching = await zhang.ws()
    opened = " ".join(await li.say("开启投票 是否同意养犬公约 单独表决 匿名"))
    poll = re.search(r"P\d+", opened)
    assert poll, opened

    status, answer = await li.post(
        chat_id=GROUP, text=f"@议事通 录入纸质票 {poll.group(0)} 刘大爷 反对"
    )
    assert status == 200 and "已录入 刘大爷 的纸质票" in str(answer["replies"]), answer
    assert all(r.get("chat_id") == li.me["user_id"] for r in answer["replies"]), answer

    await li.say("大家好", chat_id=GROUP)
    shown = await shown_up_to(watching, "大家好")
    assert [e["type"] for e in shown] == ["group_message"], shown
    _, group = await zhang.history(GROUP)
    assert "刘大爷" not in str(group["entries"]), group
    await watching.close()
