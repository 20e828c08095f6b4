"""The public meeting page in a real browser (Debian's chromium), readable without login."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer

from bot.app import Yishi, build_web_app
from bot.config import PushSettings
from bot.push import PermanentPushError, PushService
from kernel.messages import Reply
from tests.browser import CHROMIUM as CHROMIUM_PATH
from tests.browser import CHROMIUM_ARGS as ARGS
from tests.conftest import Clock
from tests.kit import say

CHROMIUM = str(CHROMIUM_PATH)
HAVE_CHROMIUM = CHROMIUM_PATH.exists()
SHOTS = Path("/tmp/shots")


class WebChat:
    """The web chat as the outbox sees it: one resident has blocked the account."""

    async def send(self, chat_id: str, reply: Reply) -> None:
        if chat_id == "liu":
            raise PermanentPushError("blocked")


@pytest.mark.browser
async def test_public_meeting_page_in_chromium(yishi: Yishi, clock: Clock) -> None:
    if not HAVE_CHROMIUM:
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install -y chromium)")
    playwright = pytest.importorskip("playwright.async_api")
    await say(yishi, "创建议事日", sender="li")
    await say(
        yishi,
        "开启投票 是否同意更换路灯 M202612 截止:23:00",
        sender="li",
        chat="group:main",
        group=True,
    )
    await say(yishi, "赞成", sender="liu")
    await say(yishi, "结束投票 P1", sender="li", chat="group:main", group=True)
    await say(yishi, "发布纪要 M202612", sender="li")
    server = TestServer(build_web_app(yishi), host="127.0.0.1", port=0)
    await server.start_server()
    try:
        async with playwright.async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = await browser.new_page()
            response = await page.goto(str(server.make_url("/public/meetings/M202612")))
            assert response is not None and response.status == 200
            body = await page.inner_text("body")
            assert "协商议事日 M202612" in body and "陈委员" in body
            assert "刘大爷" not in body and "13" not in body.replace("2026", "")
            missing = await page.goto(str(server.make_url("/public/meetings/M209901")))
            assert missing is not None and missing.status == 404
            await browser.close()
    finally:
        await server.close()


@pytest.mark.browser
async def test_public_index_and_a_decision_on_desktop_and_phone(yishi: Yishi, clock: Clock) -> None:
    """居务公开 starts at /public/: the consultation days and every decision with its
    vote, its progress and 评议 — also a poll decided outside a meeting — and the meeting's
    page with its decided poll and how many households its notices reached, on a phone too."""
    if not HAVE_CHROMIUM:
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install -y chromium)")
    playwright = pytest.importorskip("playwright.async_api")
    await say(yishi, "创建议事日", sender="li")
    await yishi.scheduler.tick()  # leads, and announces the meeting to the group
    for who in ("zhang", "liu", "chen"):
        await say(yishi, "报名", sender=who)
    clock.now = datetime(2026, 12, 4, 1, 30, tzinfo=UTC)  # the day before: the reminder
    await yishi.scheduler.run_due()
    outbox = PushService(yishi.uow, {"web": WebChat()}, PushSettings(), clock=clock)
    await outbox.drain()  # 张阿姨's and 陈委员's reminders arrive; 刘大爷's can't
    await say(
        yishi, "开启投票 是否同意更换路灯 M202612", sender="li", chat="group:main", group=True
    )
    for who in ("liu", "zhang", "wang"):
        await say(yishi, "赞成", sender=who)
    await say(yishi, "结束投票 P1", sender="li", chat="group:main", group=True)
    await say(yishi, "落实 D1 负责人 王网格员 期限 2026-12-31", sender="li")
    await say(yishi, "进展 D1 已联系施工队，下周进场", sender="li")
    await say(yishi, "办结 D1", sender="li")
    await say(yishi, "评议 D1 满意", sender="zhang")
    await say(yishi, "评议 D1 不满意", sender="liu")
    await say(
        yishi, "开启投票 是否同意在小区里养鸡 单独表决", sender="li", chat="group:main", group=True
    )
    await say(yishi, "结束投票 P2", sender="li", chat="group:main", group=True)
    server = TestServer(build_web_app(yishi), host="127.0.0.1", port=0)
    await server.start_server()
    SHOTS.mkdir(exist_ok=True)  # noqa: ASYNC240 - once, before the browser starts
    try:
        async with playwright.async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for name, size in (("desktop", (1280, 800)), ("phone", (390, 844))):
                page = await browser.new_page(viewport={"width": size[0], "height": size[1]})
                response = await page.goto(str(server.make_url("/public/")))
                assert response is not None and response.status == 200
                body = await page.inner_text("body")
                assert "居务公开" in body and "M202612" in body and "即将召开" in body
                assert "是否同意更换路灯" in body and "通过" in body
                # Nobody voted on the chickens: void, said so in grey, not a red 未通过.
                assert "是否同意在小区里养鸡" in body and "无效：无人投票" in body
                assert "未形成决定，无需落实" in body and "未通过" not in body
                void = page.locator("li:has-text('是否同意在小区里养鸡') span.void")
                grey = await void.evaluate("e => getComputedStyle(e).color")
                assert grey == "rgb(119, 119, 119)"
                assert "刘大爷" not in body and "张阿姨" not in body
                wide = await page.evaluate("document.documentElement.scrollWidth")
                assert wide <= size[0], f"{name}: the page scrolls sideways ({wide}px)"
                await page.screenshot(path=str(SHOTS / f"index-{name}.png"), full_page=True)
                # The undecided poll's decision has a page of its own: no meeting to sit on.
                await page.click("text=是否同意在小区里养鸡")
                body = await page.inner_text("body")
                assert "无人投票，未形成决定" in body and "落实情况" in body
                assert "居民评议：满意 0 人" in body
                await page.screenshot(path=str(SHOTS / f"decision-{name}.png"), full_page=True)
                # The meeting: its decided poll, the tally, the follow-up, 评议, and proof
                # of notice — the reminders that arrived, by household, and the group post.
                await page.goto(str(server.make_url("/public/")))
                await page.click("a[href='/public/meetings/M202612']")
                body = await page.inner_text("body")
                assert "已通知 2/5 户" in body and "另已在 1 个居民群发布" in body
                assert "是否同意更换路灯" in body and "赞成：3 票" in body
                assert "落实情况：已落实，负责人 王网格员，期限 2026-12-31" in body
                assert "已联系施工队" in body and "居民评议：满意 1 人，不满意 1 人" in body
                assert "刘大爷" not in body and "张阿姨" not in body
                wide = await page.evaluate("document.documentElement.scrollWidth")
                assert wide <= size[0], f"{name}: the meeting scrolls sideways ({wide}px)"
                await page.screenshot(path=str(SHOTS / f"meeting-{name}.png"), full_page=True)
                await page.close()
            page = await browser.new_page()
            bad = await page.goto(str(server.make_url("/public/decisions/D99")))
            assert bad is not None and bad.status == 404
            await browser.close()
    finally:
        await server.close()
