"""通知发到哪: a resident's pushes go where they prefer, fall back in order, and are recorded."""

from __future__ import annotations

import re

from bot.app import Yishi
from bot.push import PermanentPushError
from consultation.binding import push_to_person
from kernel.messages import ChatType, Inbound, Reply
from storage.platforms import PlatformRepository
from storage.types import utcnow
from tests.conftest import Clock
from tests.kit import said as say


class Platform:
    """A platform stand-in that records what it was sent, or refuses for good."""

    records_deliveries = False

    def __init__(self, *, refuse: bool = False) -> None:
        self.sent: list[tuple[str, str]] = []
        self.refuse = refuse

    async def send(self, chat_id: str, reply: Reply) -> None:
        if self.refuse:
            raise PermanentPushError("the user blocked the bot")
        self.sent.append((chat_id, reply.text))


async def bind_telegram(yishi: Yishi, user: str = "tg-zhang") -> None:
    issued = await say(yishi, "生成绑定码 张阿姨", sender="li")
    code = re.search(r"\d{8}", issued)
    assert code is not None
    assert "绑定成功" in await say(yishi, f"绑定 {code.group(0)}", sender=user, platform="telegram")
    # Her web chat is told at once that her identity was bound elsewhere; then the test's
    # own pushes start from nothing.
    await yishi.push.drain()
    for sender in yishi.push.senders.values():
        if isinstance(sender, Platform):
            warned = [
                (c, m) for c, m in sender.sent if m.startswith("您的身份刚在另一个账号上绑定了")
            ]
            assert warned == [] or warned == [("zhang", warned[0][1])], sender.sent
            sender.sent.clear()


async def zhang_id(yishi: Yishi) -> int:
    async with yishi.uow() as uow:
        found = await uow.get(PlatformRepository).resident_of("web", "zhang")
    assert found is not None
    return found


async def notify_zhang(yishi: Yishi, text: str) -> None:
    rid = await zhang_id(yishi)
    async with yishi.uow() as uow:
        payload = Reply(text).as_json()
        await push_to_person(uow, rid, payload, lambda p, c: f"{text}:{p}:{c}", yishi.clock())


async def deliveries(yishi: Yishi, platform: str, chat: str) -> list[tuple[str, bool]]:
    async with yishi.uow() as uow:
        found = await uow.get(PlatformRepository).deliveries(platform, chat)
    return [(d.via, d.ok) for d in found]


async def test_default_is_the_platform_last_written_on_then_the_next(
    yishi: Yishi, clock: Clock
) -> None:
    web, telegram = Platform(), Platform()
    yishi.push.register("web", web)
    yishi.push.register("telegram", telegram)
    await bind_telegram(yishi)  # she last wrote on Telegram
    await notify_zhang(yishi, "停水通知")
    await yishi.push.drain()
    assert telegram.sent == [("tg-zhang", "停水通知")] and web.sent == []

    clock.advance(minutes=5)
    await say(yishi, "你好")  # now the web chat is the one she used last
    await notify_zhang(yishi, "停电通知")
    await yishi.push.drain()
    assert web.sent == [("zhang", "停电通知")] and len(telegram.sent) == 1


async def test_a_push_that_cannot_arrive_falls_back_in_order_and_every_step_is_recorded(
    yishi: Yishi,
) -> None:
    web, telegram = Platform(), Platform(refuse=True)
    yishi.push.register("web", web)
    yishi.push.register("telegram", telegram)
    await bind_telegram(yishi)
    await notify_zhang(yishi, "议事会改期")
    await yishi.push.drain()
    assert web.sent == [("zhang", "议事会改期")]
    assert await deliveries(yishi, "telegram", "tg-zhang") == [
        ("push", False),
        ("forwarded:web", True),
    ]
    # Her web chat's first push was the word that her identity was bound on Telegram.
    assert await deliveries(yishi, "web", "zhang") == [("push", True), ("push", True)]


async def test_nowhere_left_is_recorded_as_undelivered(yishi: Yishi) -> None:
    yishi.push.register("web", Platform(refuse=True))  # console has no adapter running
    await notify_zhang(yishi, "通知")
    await yishi.push.drain()
    assert await deliveries(yishi, "web", "zhang") == [("push", False), ("undelivered", False)]


async def test_resident_chooses_telegram_first(yishi: Yishi, clock: Clock) -> None:
    web, telegram = Platform(), Platform()
    yishi.push.register("web", web)
    yishi.push.register("telegram", telegram)
    refused = await say(yishi, "通知发到Telegram")
    assert "还没有在Telegram绑定" in refused
    await bind_telegram(yishi)
    clock.advance(minutes=1)
    answer = await say(yishi, "以后通知发到电报")
    assert answer.startswith("好的") and "先发到Telegram" in answer
    assert "发不到时再发到网页版" in answer
    await notify_zhang(yishi, "垃圾分类宣传")  # she last wrote on the web, but chose Telegram
    await yishi.push.drain()
    assert telegram.sent == [("tg-zhang", "垃圾分类宣传")] and web.sent == []
    assert "先发到Telegram" in await say(yishi, "通知发到哪里？")
    async with yishi.uow() as uow:
        [entry] = [
            e
            for e in await uow.audit.for_entity("resident", str(await zhang_id(yishi)))
            if e.action == "push_preference_set"
        ]
    assert entry.after == {"platforms": ["telegram"]}


async def test_order_of_two_platforms_and_all(yishi: Yishi) -> None:
    web, telegram = Platform(), Platform()
    yishi.push.register("web", web)
    yishi.push.register("telegram", telegram)
    await bind_telegram(yishi)
    answer = await say(yishi, "通知先发到网页版再发微信", sender="zhang")
    assert "还没有在微信绑定" in answer
    answer = await say(yishi, "通知先发到网页再发telegram")
    assert "先发到网页版" in answer and "再发到Telegram" in answer
    answer = await say(yishi, "通知都发")
    assert "都发一份" in answer
    await notify_zhang(yishi, "明早8点停水")
    await yishi.push.drain()
    assert web.sent == [("zhang", "明早8点停水")]
    assert telegram.sent == [("tg-zhang", "明早8点停水")]


async def test_unbound_and_unclear_requests_get_a_clear_answer(yishi: Yishi) -> None:
    assert "请先绑定" in await say(yishi, "通知发到微信", sender="stranger")
    [reply] = await yishi.router.handle(
        Inbound(
            platform="web",
            chat_id="zhang",
            chat_type=ChatType.PRIVATE,
            sender_id="zhang",
            message_id="n1",
            text="/notify",
            sent_at=utcnow(),
        )
    )
    assert "现在通知先发到" in reply.text
    assert [b.data for b in reply.buttons] == ["通知发到网页版", "通知发到控制台", "通知都发"]
