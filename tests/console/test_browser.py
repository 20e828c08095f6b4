"""The workbench in a real browser (Debian's chromium via Playwright): the link from chat,
an approval and a re-assignment that reach people, charts with real figures, 1280/390 px."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import build_yishi
from bot.serve import serve
from kernel.intents import KeywordClassifier
from tests.browser import CHROMIUM, chromium, free_port
from tests.conftest import make_settings
from tests.kit import Town

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
]
SHOTS = Path(__file__).parent / "screenshots"


@pytest.fixture
async def site(sqlite_url: str, clock: object) -> AsyncIterator[tuple[str, Town]]:
    """``yishi demo`` on a free port; the test's chat goes through the same bot."""
    port = free_port()
    settings = make_settings(sqlite_url, web={"port": port})
    bot = build_yishi(settings, classifier=KeywordClassifier())
    ready = asyncio.Event()
    task = asyncio.create_task(serve(bot, demo=True, ready=ready))
    await asyncio.wait_for(ready.wait(), 30)
    from tests.conftest import Clock

    yield f"http://127.0.0.1:{port}", Town(bot, Clock())
    import os
    import signal

    os.kill(os.getpid(), signal.SIGINT)
    await asyncio.wait_for(task, 30)


async def test_the_workbench_in_a_browser(site: tuple[str, Town], tmp_path: Path) -> None:
    base, town = site
    town.clock.now = town.bot.clock()  # the server runs on the real clock
    SHOTS.mkdir(exist_ok=True)
    draft = await town.zhang.says("3号楼2单元的楼道灯坏了好几天了")
    number = (await town.zhang.taps("确认提交", draft)).ticket
    proposal = await town.zhang.says("我想提个议题：小区停车位太少，建议在3号楼旁边增设停车位")
    if "确认提交" in proposal.labels:
        await town.zhang.taps("确认提交", proposal)
    await town.zhang.receives()
    await town.zhao.receives()
    async with chromium() as browser:
        # A resident gets no link.
        assert "/console/login" not in (await town.zhang.says("工作台")).text
        link = re.search(r"http://\S+", (await town.li.says("工作台")).text)
        assert link is not None
        page = await browser.new_page(viewport={"width": 1280, "height": 900})
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        url = link.group(0).replace("http://127.0.0.1:8080", base)
        await page.goto(url)
        await page.wait_for_selector("text=今天要关注")
        # Charts drawn by ECharts from the month's real figures.
        await page.wait_for_selector("#chart-months[data-drawn='1'] canvas")
        drawn = await page.evaluate(
            "() => echarts.getInstanceByDom(document.getElementById('chart-months'))"
            ".getOption().series.map(s => s.data[s.data.length - 1])"
        )
        assert drawn[0] == 1  # 收集: the one ticket filed this month
        assert await page.inner_text("[data-kpi=received]") == "1"
        await page.screenshot(path=str(SHOTS / "overview-1280.png"), full_page=True)
        assert not [e for e in errors if "Content Security Policy" in e], errors
        # A used link does not open the workbench again (another browser).
        other = await browser.new_page()
        await other.goto(url)
        await other.wait_for_selector("text=已经用过或已过期")
        # Approve the topic: its proposer hears it.
        await page.click(".menu a:has-text('议题')")
        page.once("dialog", lambda d: asyncio.ensure_future(d.accept()))
        await page.click("button:has-text('通过')")
        await page.wait_for_selector("text=已通过审核")
        assert any("附议" in p.text for p in await town.zhang.receives())
        # Re-assign the ticket to 赵网格员: he gets the task.
        await page.goto(f"{base}/console/tickets/{number}")
        await page.select_option("select[name=worker]", label="赵网格员")
        await page.click("button:has-text('分派')")
        await page.wait_for_selector("text=已分派")
        assert any(number in p.text for p in await town.zhao.receives())
        await page.screenshot(path=str(SHOTS / "ticket-1280.png"), full_page=True)
        # A phone-sized screen.
        await page.set_viewport_size({"width": 390, "height": 844})
        for name, path in (("overview", "/console/"), ("tickets", "/console/tickets")):
            await page.goto(base + path)
            await page.screenshot(path=str(SHOTS / f"{name}-390.png"), full_page=True)
            width = await page.evaluate("document.documentElement.scrollWidth")
            assert width <= 400, f"{path} scrolls sideways at 390 px ({width})"
