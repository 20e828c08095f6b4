"""A real browser (Debian's chromium via Playwright) opens the web chat and talks to the bot."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import build_yishi
from bot.serve import serve
from kernel.intents import KeywordClassifier
from tests.conftest import make_settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="Debian's chromium is not installed (apt-get install chromium; .ci/run does it)",
    ),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def server(sqlite_url: str) -> AsyncIterator[str]:
    """``yishi demo`` in-process on a free port (the same serve() the command uses)."""
    port = free_port()
    settings = make_settings(sqlite_url, web={"port": port})
    ready = asyncio.Event()
    task = asyncio.create_task(
        serve(build_yishi(settings, classifier=KeywordClassifier()), demo=True, ready=ready)
    )
    await asyncio.wait_for(ready.wait(), 30)
    yield f"http://127.0.0.1:{port}/"
    import os
    import signal

    os.kill(os.getpid(), signal.SIGINT)  # serve() stops on SIGINT like the real command
    await asyncio.wait_for(task, 30)


async def test_help_in_the_browser(server: str, tmp_path: Path) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page()
            await page.goto(server)
            await page.wait_for_selector("#person option", state="attached")
            await page.fill("#input", "帮助")
            await page.click("#send")
            bot_bubble = page.locator(".row.bot .bubble").last
            await bot_bubble.wait_for(timeout=10_000)
            assert "反映问题" in await bot_bubble.inner_text()
            # The bot's choice buttons are real buttons that send their text.
            await page.locator(".buttons button", has_text="反映问题").first.click()
            await page.locator(".row.bot .bubble", has_text="什么问题").wait_for(timeout=10_000)
            await page.screenshot(path=str(tmp_path / "webchat.png"))
        finally:
            await browser.close()


async def test_switching_to_the_grid_worker_shows_pushes(server: str) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page()
            await page.goto(server)
            await page.wait_for_selector("#person option", state="attached")
            await page.select_option("#person", "wang")
            await page.wait_for_timeout(200)
            resident = await browser.new_page()
            await resident.goto(server)
            await resident.wait_for_selector("#person option", state="attached")
            for text in ("垃圾没人清", "东门", "确认提交"):
                await resident.fill("#input", text)
                await resident.click("#send")
                await resident.wait_for_timeout(150)
            push = page.locator(".bubble.push", has_text="垃圾没人清")
            await push.wait_for(timeout=10_000)
            assert "张阿姨" in await push.inner_text()
        finally:
            await browser.close()
