"""The public meeting page in a real browser (Debian's chromium), readable without login."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer

from bot.app import Yishi, build_web_app
from tests.conftest import Clock
from tests.kit import say

CHROMIUM = "/usr/bin/chromium"
HAVE_CHROMIUM = Path(CHROMIUM).exists()
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


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
