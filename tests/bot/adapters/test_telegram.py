"""The Telegram adapter through python-telegram-bot against a local fake Bot API server."""

from __future__ import annotations

import asyncio
import itertools
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any, ClassVar

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from bot.adapters.telegram import TelegramAdapter
from bot.adapters.telegram.limiter import TelegramLimiter
from bot.app import Yishi, build_web_app, build_yishi
from bot.demo import seed_demo
from bot.router import normalise
from handlers import default_handlers
from kernel.commands import Command, rest
from kernel.context import Context
from kernel.handler import Handler
from kernel.intents import KeywordClassifier
from kernel.messages import Button, Reply
from storage.people import PeopleRepository
from storage.platforms import PlatformRepository
from storage.polls import PollRepository
from tests.bot.adapters.ballot_support import choices_beside_voters, every_row
from tests.bot.adapters.fakes.telegram_server import BOT_USERNAME, FakeTelegram
from tests.bot.adapters.webchat import Browser
from tests.conftest import Clock, make_settings
from tests.kit import TICKET_NUMBER

ClientFactory = Callable[[web.Application], Awaitable[TestClient[Any, Any]]]
SECRET = "webhook-s3cret"
LONG = "评价 R20261122-0007 非常满意，处理及时，网格员态度很好，谢谢社区的各位工作人员"


class TallyHandler(Handler):
    """A test-only count: each press answers with the tally and the same buttons again
    (the pressed message is edited; real polls use live messages, tested below). Its
    buttons are anyone's to press, as a poll's are (:attr:`Button.private`)."""

    grammar = (Command("/vote", "handle"), Command("计数", "handle", (rest("choice", "赞成"),)))
    tally: ClassVar[dict[str, int]] = {}

    async def handle(self, ctx: Context, choice: str | None = None) -> Sequence[Reply]:
        if choice:
            self.tally[choice] = self.tally.get(choice, 0) + 1
        counts = " ".join(f"{k}{self.tally.get(k, 0)}" for k in ("赞成", "反对", "弃权"))
        buttons = tuple(Button(k, f"计数 {k}", private=True) for k in ("赞成", "反对", "弃权"))
        rate = Button("评价", LONG, private=True)
        return [Reply(f"P1 加装电梯：{counts}", buttons=(*buttons, rate))]


class RatingEcho(Handler):
    grammar = (Command("评价", "handle", (rest("what", "R20261122-0007 满意"),)),)

    async def handle(self, ctx: Context, what: str | None = None) -> Sequence[Reply]:
        return [Reply(f"收到：{ctx.text}")]


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    server = await FakeTelegram().start()
    yield server
    await server.close()


Bot = tuple[Yishi, TelegramAdapter, TestClient[Any, Any]]


@pytest.fixture
def make_bot(
    sqlite_url: str, fake: FakeTelegram, clock: Clock, aiohttp_client: ClientFactory
) -> Callable[..., Awaitable[Bot]]:
    async def make(**telegram: Any) -> Bot:
        TallyHandler.tally = {}
        settings = make_settings(
            sqlite_url,
            telegram={
                "enabled": True,
                "token": fake.token,
                "base_url": fake.base_url,
                "mode": "webhook",
                "webhook_secret": SECRET,
                "global_per_second": 1000.0,
                "private_per_second": 1000.0,
                "group_per_minute": 60000.0,
                **telegram,
            },
        )
        bot = build_yishi(
            settings,
            classifier=KeywordClassifier(),
            handlers=[TallyHandler(), RatingEcho(), *default_handlers()],
            clock=clock,
        )
        await seed_demo(bot.uow)
        [adapter] = [a for a in bot.adapters if isinstance(a, TelegramAdapter)]

        async def quick_sleep(_seconds: float) -> None:
            await asyncio.sleep(0.001)

        adapter.limiter.sleep = quick_sleep
        client = await aiohttp_client(build_web_app(bot))
        return bot, adapter, client

    return make


async def deliver(client: TestClient[Any, Any], update: dict[str, Any]) -> int:
    resp = await client.post(
        "/telegram", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
    )
    return resp.status


async def until(check: Callable[[], bool], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out waiting"
        await asyncio.sleep(0.01)


async def test_start_registers_chinese_commands_and_reports_health(
    make_bot: Callable[..., Awaitable[Bot]], fake: FakeTelegram
) -> None:
    _bot, _adapter, client = await make_bot()
    assert [c.method for c in fake.calls][:2] == ["getMe", "setMyCommands"]
    described = {c["command"]: c["description"] for c in fake.commands}
    assert described["help"] == "帮助与功能菜单" and "bind" in described
    health = await (await client.get("/healthz")).json()
    assert health["adapters"]["telegram"]["state"] == "ok"


async def test_private_help_comes_with_an_inline_keyboard(
    make_bot: Callable[..., Awaitable[Bot]], fake: FakeTelegram
) -> None:
    _bot, _adapter, client = await make_bot()
    assert await deliver(client, fake.message("/help")) == 200
    [sent] = fake.sent()
    assert sent["chat_id"] == 42 and "反映问题" in sent["text"]
    keyboard = sent["reply_markup"]["inline_keyboard"]
    assert keyboard[0][0] == {"text": "反映问题", "callback_data": "我要反映问题"}


async def test_webhook_checks_the_secret_and_the_body(
    make_bot: Callable[..., Awaitable[Bot]], fake: FakeTelegram
) -> None:
    _bot, adapter, client = await make_bot()
    wrong = await client.post(
        "/telegram", json=fake.message("/help"), headers={"X-Telegram-Bot-Api-Secret-Token": "x"}
    )
    assert wrong.status == 403
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    assert (await client.post("/telegram", data=b"{not json", headers=headers)).status == 400
    assert (await client.post("/telegram", json=[1, 2], headers=headers)).status == 400
    assert fake.sent() == [] and adapter.counts["rejected"] == 3
    assert (await client.get("/healthz")).status == 200


async def test_group_report_addressed_to_the_bot(
    make_bot: Callable[..., Awaitable[Bot]], fake: FakeTelegram
) -> None:
    """A problem reported in the group is drafted in the reporter's own chat (the draft
    shows their address): the questions, the presses and the ticket are there, and the
    group is sent nothing."""
    _bot, _adapter, client = await make_bot()
    await deliver(client, fake.message("今天天气真好", group=True))
    assert fake.sent() == []  # not addressed, nothing to say
    await deliver(client, fake.message(f"@{BOT_USERNAME} 3号楼2单元楼道灯坏了", group=True))
    for _step in range(6):  # answer the flow's questions: press the first offered button
        last = latest(fake)
        assert last["chat_id"] == 42
        if "已受理" in last["text"]:
            break
        keyboard = last.get("reply_markup") or {"inline_keyboard": []}
        buttons = [b for row in keyboard["inline_keyboard"] for b in row]
        if buttons:
            await deliver(client, fake.press(buttons[0]["callback_data"], confirm_message(fake)))
        else:
            await deliver(client, fake.message("3号楼2单元"))
    assert "已受理" in latest(fake)["text"] and "R20" in latest(fake)["text"]
    assert fake.sent("answerCallbackQuery")
    assert [s for s in fake.sent() if s["chat_id"] == -100123] == []


def latest(fake: FakeTelegram) -> dict[str, Any]:
    """The bot's newest words: a new message, or an older one edited (a button's answer)."""
    return [c.params for c in fake.calls if c.method in ("sendMessage", "editMessageText")][-1]


def confirm_message(fake: FakeTelegram) -> dict[str, Any]:
    last = latest(fake)
    return {
        "message_id": 555,
        "date": int(time.time()),
        "chat": {
            "id": last["chat_id"],
            "type": "supergroup" if int(last["chat_id"]) < 0 else "private",
            "title": "群",
        },
        "from": {"id": 7000001, "is_bot": True, "first_name": "议事通"},
        "text": last["text"],
    }


async def test_a_press_answered_with_buttons_edits_the_pressed_message(
    make_bot: Callable[..., Awaitable[Bot]], fake: FakeTelegram
) -> None:
    _bot, _adapter, client = await make_bot()
    await deliver(client, fake.message("/vote", group=True))
    [poll] = fake.sent()
    buttons = [b for row in poll["reply_markup"]["inline_keyboard"] for b in row]
    assert [b["callback_data"] for b in buttons][:3] == ["计数 赞成", "计数 反对", "计数 弃权"]
    long_key = buttons[3]["callback_data"]
    assert long_key.startswith("k:") and len(long_key.encode()) <= 64
    on = confirm_message(fake)
    await deliver(client, fake.press("计数 赞成", on, user_id=1))
    await deliver(client, fake.press("计数 赞成", on, user_id=2))
    await deliver(client, fake.press("计数 反对", on, user_id=3))
    edits = fake.sent("editMessageText")
    assert [e["message_id"] for e in edits] == [555, 555, 555]
    assert edits[-1]["text"] == "P1 加装电梯：赞成2 反对1 弃权0"
    assert len(fake.sent()) == 1  # no new messages: the tally was edited in place
    assert len(fake.sent("answerCallbackQuery")) == 3
    await deliver(client, fake.press(long_key, on, user_id=4))
    assert fake.sent()[-1]["text"] == f"收到：{normalise(LONG)}"


async def test_redelivered_update_has_one_effect(
    make_bot: Callable[..., Awaitable[Bot]], fake: FakeTelegram
) -> None:
    bot, _adapter, client = await make_bot()
    update = fake.message("/vote", group=True)
    for _ in range(3):
        assert await deliver(client, update) == 200
    assert len(fake.sent()) == 1
    async with bot.uow() as uow:
        record = await uow.inbound.get("telegram", "42", f"update:{update['update_id']}")
    assert record is not None and record.reply[0]["text"].startswith("P1 加装电梯")


async def test_429_burst_is_waited_out_and_nothing_is_lost(
    make_bot: Callable[..., Awaitable[Bot]], fake: FakeTelegram
) -> None:
    bot, adapter, client = await make_bot()
    fake.flood, fake.flood_retry_after = 3, 7
    await deliver(client, fake.message("/help"))
    assert adapter.limiter.waited == [7.0, 7.0, 7.0]
    assert len(fake.sent()) == 1
    fake.flood = 4
    async with bot.uow() as uow:
        for n in range(5):
            await uow.pushes.enqueue(
                "telegram", "-100123", Reply(f"公告{n}").as_json(), now=bot.clock()
            )
    await bot.push.drain()
    assert sorted(s["text"] for s in fake.sent()[1:]) == [f"公告{n}" for n in range(5)]
    async with bot.uow() as uow:
        records = await uow.get(PlatformRepository).deliveries("telegram", "-100123")
    assert [r.ok for r in records] == [True] * 5


class TimedLimiter(TelegramLimiter):
    """Notes when each call is let through (what the limiter controls)."""

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.starts: list[tuple[str, float]] = []

    async def run(self, chat_id: str, call: Callable[[], Awaitable[Any]]) -> Any:
        async def timed() -> Any:
            self.starts.append((chat_id, time.monotonic()))
            return await call()

        return await super().run(chat_id, timed)


async def test_rate_limits_per_private_chat_per_group_and_overall(
    make_bot: Callable[..., Awaitable[Bot]], fake: FakeTelegram
) -> None:
    # Scaled limits keep the test short; the buckets are the ones used at 30/s, 1/s, 20/min.
    _bot, adapter, _client = await make_bot(
        private_per_second=20.0, group_per_minute=5.0, global_per_second=40.0
    )
    adapter.limiter = limiter = TimedLimiter(adapter.settings, group_window=0.5)
    await asyncio.gather(
        *(adapter.send_reply("42", Reply(f"p{n}")) for n in range(6)),
        *(adapter.send_reply("-100999", Reply(f"g{n}")) for n in range(8)),
        *(adapter.send_reply(str(1000 + n), Reply("o")) for n in range(50)),
    )
    assert len(fake.sent()) == 64
    starts = limiter.starts
    private = [at for chat, at in starts if chat == "42"]
    group = [at for chat, at in starts if chat.startswith("-")]
    gaps = [b - a for a, b in itertools.pairwise(private)]
    assert min(gaps) >= 0.04  # one per 1/20 s, no burst
    assert max(sum(1 for t in group if t0 <= t < t0 + 0.45) for t0 in group) <= 5
    assert starts[-1][1] - starts[0][1] >= 0.5  # 64 sends at 40/s: a burst of 40, then 24 × 25 ms


async def test_polling_mode_receives_and_answers(
    make_bot: Callable[..., Awaitable[Bot]], fake: FakeTelegram
) -> None:
    _bot, adapter, _client = await make_bot(mode="polling")
    fake.updates.append(fake.message("/help", user_id=77))
    await until(lambda: any(s["chat_id"] == 77 for s in fake.sent()))
    assert adapter.health()["mode"] == "polling"


# -- live poll messages: the real 表决 handlers, votes from every platform -------------------

GROUP = -100123
MODERATOR, ZHANG, WANG, LIU = 9, 1, 2, 3


async def bind_telegram(bot: Yishi) -> None:
    """Telegram accounts of the demo's moderator, a grid worker and two residents."""
    async with bot.uow() as uow:
        for user_id, name in (
            (MODERATOR, "李书记"),
            (ZHANG, "张阿姨"),
            (WANG, "王网格员"),
            (LIU, "刘大爷"),
        ):
            [person] = await uow.get(PeopleRepository).by_name(name)
            assert person.id is not None
            await uow.identities.bind("telegram", str(user_id), person.id)


def group_sends(fake: FakeTelegram) -> list[dict[str, Any]]:
    return [s for s in fake.sent() if s["chat_id"] == GROUP]


def as_message(fake: FakeTelegram, message_id: int) -> dict[str, Any]:
    """The group message ``message_id`` as it now shows, for a button press on it."""
    text, markup = fake.shown[message_id]
    return {
        "message_id": message_id,
        "date": int(time.time()),
        "chat": {"id": GROUP, "type": "supergroup", "title": "幸福里居民群"},
        "from": {"id": 7000001, "is_bot": True, "first_name": "议事通"},
        "text": text,
        "reply_markup": markup,
    }


async def web_says(client: TestClient[Any, Any], sender: str, text: str, **body: Any) -> str:
    """``sender`` (a demo person) says ``text`` in the web chat, from a browser of their own."""
    browser = Browser(client.make_url("/"))
    try:
        await browser.open()
        await browser.act_as(sender)
        return (await browser.say(text, **body))[0]
    finally:
        await browser.close()


async def settled(bot: Yishi, fake: FakeTelegram, message_id: int) -> str:
    """Once every push to the group went out (here or by the running push loop):
    what the live message shows."""
    deadline = time.monotonic() + 5
    while True:
        await bot.push.drain()
        async with bot.uow() as uow:
            pushes = await uow.pushes.for_chat("telegram", str(GROUP))
        if all(p.status in ("sent", "failed") for p in pushes):
            return fake.shown[message_id][0]
        assert time.monotonic() < deadline, "pushes not delivered"
        await asyncio.sleep(0.01)


async def open_poll(client: TestClient[Any, Any], fake: FakeTelegram, words: str) -> int:
    await deliver(
        client, fake.message(f"@{BOT_USERNAME} 开启投票 {words}", user_id=MODERATOR, group=True)
    )
    [announcement] = group_sends(fake)
    assert announcement["text"].startswith("【表决 P1】")
    [message_id] = [m for m, (text, _) in fake.shown.items() if text == announcement["text"]]
    return message_id


async def test_poll_message_is_edited_in_place_as_votes_arrive_from_everywhere(
    make_bot: Callable[..., Awaitable[Bot]], fake: FakeTelegram
) -> None:
    bot, _adapter, client = await make_bot()
    await bind_telegram(bot)
    poll_id = await open_poll(client, fake, "是否加装电梯 法定:50%")
    buttons = fake.shown[poll_id][1]["inline_keyboard"]
    assert [b["callback_data"] for row in buttons for b in row] == [
        "投票 P1 赞成",
        "投票 P1 反对",
        "投票 P1 弃权",
    ]

    await deliver(client, fake.press("投票 P1 赞成", as_message(fake, poll_id), user_id=ZHANG))
    answer = fake.sent("answerCallbackQuery")[-1]
    assert answer["show_alert"] is True and "已记录您对 P1 的投票：赞成" in answer["text"]
    shown = await settled(bot, fake, poll_id)
    assert "📊 已投 1/5，法定人数 50%｜当前：赞成 1，反对 0，弃权 0" in shown
    assert shown.startswith("【表决 P1】是否加装电梯")

    await deliver(client, fake.press("投票 P1 反对", as_message(fake, poll_id), user_id=WANG))
    assert "已记录" in await web_says(client, "liu", "投票 P1 反对")
    assert "已录入 陈委员 的纸质票" in await web_says(client, "li", "录入纸质票 P1 陈委员 赞成")
    await deliver(client, fake.press("投票 P1 反对", as_message(fake, poll_id), user_id=ZHANG))
    assert "已改票" in fake.sent("answerCallbackQuery")[-1]["text"]
    shown = await settled(bot, fake, poll_id)
    assert "已投 4/5，法定人数 50%｜当前：赞成 1，反对 3，弃权 0" in shown
    assert fake.shown[poll_id][1] == {"inline_keyboard": buttons}  # the same keyboard
    assert len(group_sends(fake)) == 1  # votes added nothing to the group

    await deliver(
        client, fake.message(f"@{BOT_USERNAME} 结束投票 P1", user_id=MODERATOR, group=True)
    )
    final = await settled(bot, fake, poll_id)
    assert "🔒 投票已结束" in final and "反对：3 票（75.0%）" in final
    assert fake.shown[poll_id][1] is None  # no buttons on a closed poll
    edits = fake.sent("editMessageText")
    assert {e["message_id"] for e in edits} == {poll_id} and len(edits) <= 6
    [_, result] = group_sends(fake)  # the announcement, then the result as before
    assert result["text"].startswith("【表决结果 P1】")
    assert len(fake.sent("answerCallbackQuery")) == 3


async def test_a_vote_typed_in_the_group_is_answered_privately_or_not_at_all_there(
    make_bot: Callable[..., Awaitable[Bot]], fake: FakeTelegram
) -> None:
    """“@议事通 反对” typed in the group was answered in the group, so every member saw
    the receipt. It goes to the voter's own chat; for one the bot can't write to first
    (never started a chat with it) the group is told only that, never the choice."""
    bot, _adapter, client = await make_bot()
    await bind_telegram(bot)
    await open_poll(client, fake, "是否更换物业 匿名")
    before = len(group_sends(fake))
    await deliver(client, fake.message(f"@{BOT_USERNAME} 反对", user_id=ZHANG, group=True))
    [receipt] = [s for s in fake.sent() if s["chat_id"] == ZHANG]
    assert "匿名票已投出" in receipt["text"] and "反对" not in receipt["text"]
    assert len(group_sends(fake)) == before, "the group is told nothing"

    fake.unreachable.add(WANG)
    await deliver(client, fake.message(f"@{BOT_USERNAME} 赞成", user_id=WANG, group=True))
    [instead] = group_sends(fake)[before:]
    assert "私聊" in instead["text"] and "赞成" not in instead["text"], instead
    assert "匿名" not in instead["text"] and "已投出" not in instead["text"]
    async with bot.uow() as uow:
        assert await uow.get(PollRepository).turnout(1) == 2, "both votes counted"


async def test_my_tickets_asked_in_the_group_go_to_my_own_chat_or_nowhere(
    make_bot: Callable[..., Awaitable[Bot]], fake: FakeTelegram
) -> None:
    """“@议事通 我的诉求” in the group showed the group the resident's tickets. They go
    to her own chat; a worker the bot can't write to first gets his 我的任务 nowhere, and
    the group only a line saying it went privately."""
    bot, _adapter, client = await make_bot()
    await bind_telegram(bot)
    await deliver(client, fake.message("3号楼2单元的楼道灯坏了好几天了", user_id=ZHANG))
    await deliver(client, fake.message("确认提交", user_id=ZHANG))
    filed = [s["text"] for s in fake.sent() if s["chat_id"] == ZHANG]
    found = TICKET_NUMBER.search("\n".join(filed))
    assert found, filed
    number, before = found.group(0), len(fake.sent())
    await deliver(client, fake.message(f"@{BOT_USERNAME} 我的诉求", user_id=ZHANG, group=True))
    [mine] = fake.sent()[before:]
    assert mine["chat_id"] == ZHANG and number in mine["text"], mine

    fake.unreachable.add(WANG)
    await deliver(client, fake.message(f"@{BOT_USERNAME} 我的任务", user_id=WANG, group=True))
    [instead] = [s for s in group_sends(fake) if s not in fake.sent()[:before]]
    assert "私聊" in instead["text"], instead
    said = "\n".join(s["text"] for s in group_sends(fake))
    assert number not in said and "楼道灯" not in said and "3号楼" not in said, said


async def test_hidden_results_poll_edits_show_turnout_only(
    make_bot: Callable[..., Awaitable[Bot]], fake: FakeTelegram
) -> None:
    bot, _adapter, client = await make_bot()
    await bind_telegram(bot)
    poll_id = await open_poll(client, fake, "是否更换物业 隐藏结果 法定:60%")
    await deliver(client, fake.press("投票 P1 赞成", as_message(fake, poll_id), user_id=ZHANG))
    await web_says(client, "liu", "投票 P1 反对")
    shown = await settled(bot, fake, poll_id)
    assert shown.endswith("📊 已投 2/5，法定人数 60%")
    assert "当前" not in shown and "赞成 1" not in shown
    answer = fake.sent("answerCallbackQuery")[0]["text"]
    assert "当前" not in answer
    await web_says(client, "li", "结束投票 P1")
    final = await settled(bot, fake, poll_id)
    assert "赞成：1 票" in final and "反对：1 票" in final


async def test_refused_edit_falls_back_to_a_new_message_that_is_edited_next(
    make_bot: Callable[..., Awaitable[Bot]], fake: FakeTelegram
) -> None:
    bot, _adapter, client = await make_bot()
    await bind_telegram(bot)
    poll_id = await open_poll(client, fake, "是否加装电梯")
    fake.lost.add(poll_id)  # deleted by a group admin
    await web_says(client, "liu", "投票 P1 反对")
    await settled(bot, fake, poll_id)  # the running push loop may be the one sending it
    [_, anew] = group_sends(fake)
    assert "已投 1/5" in anew["text"] and anew["reply_markup"]["inline_keyboard"]
    [new_id] = [m for m, (text, _) in fake.shown.items() if text == anew["text"] and m != poll_id]
    async with bot.uow() as uow:
        live = await uow.get(PlatformRepository).live_message("telegram", str(GROUP), "poll:P1")
    assert live == str(new_id)
    await deliver(client, fake.press("投票 P1 赞成", as_message(fake, new_id), user_id=ZHANG))
    assert "已投 2/5" in await settled(bot, fake, new_id)
    assert len(group_sends(fake)) == 2
    async with bot.uow() as uow:
        records = await uow.get(PlatformRepository).deliveries("telegram", str(GROUP))
    assert records and all(r.ok for r in records)


async def test_web_chat_polls_get_no_update_per_vote(
    make_bot: Callable[..., Awaitable[Bot]], fake: FakeTelegram
) -> None:
    bot, _adapter, client = await make_bot()
    await web_says(client, "li", "开启投票 是否加装电梯", chat_id="group:main")
    await web_says(client, "liu", "投票 P1 反对")
    await web_says(client, "zhang", "投票 P1 赞成")
    async with bot.uow() as uow:
        assert await uow.pushes.for_chat("web", "group:main") == []
    assert fake.sent() == []


async def test_a_burst_of_votes_is_one_edit_showing_the_latest_count(
    make_bot: Callable[..., Awaitable[Bot]], fake: FakeTelegram
) -> None:
    bot, _adapter, client = await make_bot()
    await bind_telegram(bot)
    poll_id = await open_poll(client, fake, "是否加装电梯")
    await bot.push.stop()  # hold deliveries while the votes land
    await deliver(client, fake.press("投票 P1 赞成", as_message(fake, poll_id), user_id=ZHANG))
    await deliver(client, fake.press("投票 P1 赞成", as_message(fake, poll_id), user_id=WANG))
    await web_says(client, "liu", "投票 P1 反对")
    await bot.push.drain()
    [edit] = fake.sent("editMessageText")
    assert edit["message_id"] == poll_id and "已投 3/5" in edit["text"]
    assert "赞成 2，反对 1" in edit["text"]


#: A JPEG's first bytes and some data: what a phone's photo begins with.
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4


async def test_anonymous_taps_and_words_leave_no_choice_beside_the_voter(
    make_bot: Callable[..., Awaitable[Bot]], fake: FakeTelegram, sqlite_url: str
) -> None:
    """Telegram votes in an anonymous poll: a tap on the group's poll, a tap in a private
    chat (a reminder's button), words typed privately, a changed vote. Read by someone
    with the whole database afterwards, no row naming a voter carries a choice."""
    bot, _adapter, client = await make_bot()
    await bind_telegram(bot)
    poll_id = await open_poll(client, fake, "是否同意养犬公约 匿名")
    await deliver(client, fake.press("投票 P1 赞成", as_message(fake, poll_id), user_id=ZHANG))
    assert "匿名票已投出" in fake.sent("answerCallbackQuery")[-1]["text"]
    reminder = {
        "message_id": 9001,
        "date": int(time.time()),
        "chat": {"id": WANG, "type": "private", "first_name": "王"},
        "from": {"id": 7000001, "is_bot": True, "first_name": "议事通"},
        "text": "【投票提醒】P1“是否同意养犬公约”还没收到您的票。",
    }
    await deliver(client, fake.press("投票 P1 反对", reminder, user_id=WANG))
    await deliver(client, fake.message("P1 弃权", user_id=WANG))  # changed, in words
    # changed in her own chat (a bare word over a cast vote is asked about, not counted)
    await deliver(client, fake.message("投票 P1 反对", user_id=ZHANG))
    receipts = [s["text"] for s in fake.sent() if s["chat_id"] in (ZHANG, WANG)]
    assert len(receipts) == 3 and all("P1" in r for r in receipts), receipts
    await deliver(
        client, fake.message(f"@{BOT_USERNAME} 结束投票 P1", user_id=MODERATOR, group=True)
    )
    final = await settled(bot, fake, poll_id)  # two votes: too few to publish counts
    assert "参与 2 人，不足 5 人" in final and "票（" not in final, final

    rows = every_row(sqlite_url)
    names = {"张阿姨", "王网格员"}
    resident_ids = {r["id"] for r in rows["residents"] if r["name"] in names}
    ids = {str(ZHANG), str(WANG)}
    leaks = choices_beside_voters(rows, ids, names, resident_ids)
    assert leaks == [], "\n".join(map(str, leaks))


async def test_a_photo_is_fetched_kept_and_reaches_the_grid_worker(
    make_bot: Callable[..., Awaitable[Bot]], fake: FakeTelegram
) -> None:
    """getFile, then the download: the report keeps the stored copy, not the file id."""
    bot, _adapter, client = await make_bot()
    fake.files["AgACphoto"] = JPEG
    await deliver(client, fake.message("楼道灯坏了"))
    assert await deliver(client, fake.photo("AgACphoto")) == 200
    assert "照片收到了" in fake.sent()[-1]["text"]
    await deliver(client, fake.message("3号楼"))
    assert "通知您" in fake.sent()[-1]["text"]  # whether to send news of the ticket
    await deliver(client, fake.message("不用了"))
    assert "照片：1 张" in fake.sent()[-1]["text"]  # the draft
    await deliver(client, fake.message("确认提交"))
    assert "已受理" in fake.sent()[-1]["text"], [s["text"] for s in fake.sent()]
    async with bot.uow() as uow:
        [card] = [p.payload["text"] for p in await uow.pushes.for_chat("web", "wang")]
    found = re.search(r"https?://\S+(/media/[0-9a-f]{32}\.jpg)", card)
    assert found and "AgAC" not in card, card
    shown = await client.get(found.group(1))
    assert await shown.read() == JPEG
    assert [c.method for c in fake.calls].count("getFile") == 1


async def test_a_telegram_file_that_is_no_photo_is_refused(
    make_bot: Callable[..., Awaitable[Bot]], fake: FakeTelegram
) -> None:
    _bot, _adapter, client = await make_bot()
    fake.files["AgACgif"] = b"GIF89a" + bytes(64)
    assert await deliver(client, fake.photo("AgACgif")) == 200
    assert "不是照片" in fake.sent()[-1]["text"]


async def dialogues_of(bot: Yishi, user_id: int) -> list[str | None]:
    """The dialogues ``user_id`` has open on Telegram, in the group or their own chat."""
    async with bot.uow() as uow:
        found = [
            await uow.conversations.get("telegram", chat, str(user_id), bot.clock())
            for chat in (str(GROUP), str(user_id))
        ]
    return [state.flow for state in found if state is not None]


async def test_a_neighbour_pressing_her_card_in_the_group_is_told_so_and_nothing_moves(
    make_bot: Callable[..., Awaitable[Bot]], fake: FakeTelegram
) -> None:
    """刘大爷 pressed 反映问题 on the card the group was shown for 张阿姨's message: his
    press was taken as his own (a report begun in his name). The card is hers, also
    after the bot restarts: he gets an alert saying so, nothing is sent and nothing
    changes; her own press still works."""
    bot, _adapter, client = await make_bot()
    await bind_telegram(bot)
    await deliver(client, fake.message(f"@{BOT_USERNAME} 呜啦啦哇", user_id=ZHANG, group=True))
    [card] = group_sends(fake)
    [card_id] = [m for m, (text, _) in fake.shown.items() if text == card["text"]]
    buttons = {
        b["text"]: b["callback_data"]
        for row in card["reply_markup"]["inline_keyboard"]
        for b in row
    }
    report = buttons["反映问题"]

    await client.close()  # a restart: what the card is, is kept in the database
    bot, _adapter, client = await make_bot()
    before = len(fake.sent())
    await deliver(client, fake.press(report, as_message(fake, card_id), user_id=LIU, name="刘"))
    alert = fake.sent("answerCallbackQuery")[-1]
    assert alert["show_alert"] is True and "别人的消息" in alert["text"], alert
    assert fake.sent()[before:] == [] and fake.sent("editMessageText") == []
    assert await dialogues_of(bot, LIU) == [], "no report begun in his name"
    assert fake.shown[card_id][0] == card["text"]

    await deliver(client, fake.press(report, as_message(fake, card_id), user_id=ZHANG))
    asked = fake.sent("answerCallbackQuery")[-1]
    assert "什么问题" in asked["text"] and "别人" not in asked["text"], asked
    assert await dialogues_of(bot, ZHANG) == ["report"]


async def test_a_card_whose_buttons_are_anyones_stays_everyones(
    make_bot: Callable[..., Awaitable[Bot]], fake: FakeTelegram
) -> None:
    """A count 张阿姨 brought up in the group (buttons anyone may press, as a poll's
    votes or 附议) is no one's card: 刘大爷's press counts."""
    bot, _adapter, client = await make_bot()
    await bind_telegram(bot)
    await deliver(client, fake.message("/vote", user_id=ZHANG, group=True))
    [card] = group_sends(fake)
    [card_id] = [m for m, (text, _) in fake.shown.items() if text == card["text"]]
    await deliver(client, fake.press("计数 赞成", as_message(fake, card_id), user_id=LIU))
    assert fake.shown[card_id][0] == "P1 加装电梯：赞成1 反对0 弃权0"
    assert not fake.sent("answerCallbackQuery")[-1].get("text")
