"""A real browser (Debian's chromium via Playwright) opens the web chat and talks to the bot,
under the Content-Security-Policy, and a page of another origin can't act in it."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from aiohttp import web
from sqlalchemy import func, select
from sqlmodel import select as select_model

from bot.app import Yishi, build_yishi
from bot.config import Settings
from bot.serve import serve
from consultation.binding import issue_code
from kernel.intents import KeywordClassifier
from storage.engine import create_engine
from storage.models import InboundMessage, Resident
from tests.bot.adapters.webchat import Browser
from tests.browser import CHROMIUM, chromium, free_port
from tests.conftest import Clock, make_settings

if TYPE_CHECKING:
    from playwright.async_api import Browser as Chromium
    from playwright.async_api import BrowserContext, Page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="Debian's chromium is not installed (apt-get install chromium; .ci/run does it)",
    ),
]


async def serve_demo(yishi: Yishi) -> asyncio.Task[None]:
    """``yishi demo`` in-process (the same serve() the command uses), once it listens."""
    ready = asyncio.Event()
    task = asyncio.create_task(serve(yishi, demo=True, ready=ready))
    await asyncio.wait_for(ready.wait(), 30)
    return task


async def start_demo(settings: Settings, clock: Clock) -> asyncio.Task[None]:
    return await serve_demo(build_yishi(settings, classifier=KeywordClassifier(), clock=clock))


async def stop_demo(task: asyncio.Task[None]) -> None:
    os.kill(os.getpid(), signal.SIGINT)  # serve() stops on SIGINT like the real command
    await asyncio.wait_for(task, 30)


@pytest.fixture
async def server(sqlite_url: str, clock: Clock) -> AsyncIterator[str]:
    """The demo on a free port."""
    port = free_port()
    task = await start_demo(make_settings(sqlite_url, web={"port": port}), clock)
    yield f"http://127.0.0.1:{port}/"
    await stop_demo(task)


# What a person does on the chat page, as the tests below say it.


async def open_chat(browser: Chromium | BrowserContext, url: str) -> Page:
    """A new tab on the chat, once it has the demo's people to speak as."""
    page = await browser.new_page()
    await page.goto(url)
    await page.wait_for_selector("#person option", state="attached")
    return page


async def speak_as(page: Page, persona: str) -> None:
    """The demo's switcher: the tab speaks as ``persona`` once it says it is ready."""
    await page.select_option("#person", persona)
    await page.wait_for_selector(f"body[data-speaker={persona}]", state="attached")


async def send(page: Page, text: str) -> None:
    await page.fill("#input", text)
    await page.click("#send")


async def bot_says(page: Page, text: str) -> None:
    """Waits for the bot's bubble that holds ``text``."""
    await page.locator(".row.bot .bubble", has_text=text).wait_for(timeout=10_000)


async def test_help_in_the_browser(server: str, tmp_path: Path) -> None:
    async with chromium() as browser:
        page = await open_chat(browser, server)
        await send(page, "帮助")
        bot_bubble = page.locator(".row.bot .bubble").last
        await bot_bubble.wait_for(timeout=10_000)
        assert "反映问题" in await bot_bubble.inner_text()
        # The bot's choice buttons are real buttons that send their text.
        await page.locator(".buttons button", has_text="反映问题").first.click()
        await bot_says(page, "什么问题")
        await send(page, "东门的垃圾桶满了没人清")
        await bot_says(page, "请确认")
        # A draft's 确认提交 carries its draft's stamp; the press reads as the button.
        await page.locator(".buttons button", has_text="确认提交").last.click()
        await bot_says(page, "已受理")
        pressed = await page.locator(".row.me .bubble").last.inner_text()
        assert pressed == "确认提交", pressed
        await page.screenshot(path=str(tmp_path / "webchat.png"))


@pytest.mark.loops("push")  # the push arrives by itself, as in production
async def test_switching_to_the_grid_worker_shows_pushes(server: str) -> None:
    async with chromium() as browser:
        page = await open_chat(browser, server)
        await speak_as(page, "wang")  # ready once its socket is open
        resident = await open_chat(browser, server)
        for text in ("垃圾没人清", "东门", "确认提交"):  # typed without waiting: sent in turn
            await send(resident, text)
        push = page.locator(".bubble.push", has_text="垃圾没人清")
        await push.wait_for(timeout=10_000)
        assert "张阿姨" in await push.inner_text()


async def switch_with_history_held(
    browser: Chromium, server: str, persona: str, *, read_before_release: bool
) -> tuple[Page, asyncio.Event]:
    """A tab that switches to ``persona`` while its history is held back until the
    returned event is set: read at once and delivered late (``read_before_release``),
    or read only once released."""
    page = await open_chat(browser, server)
    await page.wait_for_selector("body[data-speaker]", state="attached")  # the first persona
    release = asyncio.Event()

    async def hold(route: Any) -> None:
        if read_before_release:
            response = await route.fetch()  # the history as it is now
            await release.wait()
            await route.fulfill(response=response)
        else:
            await release.wait()
            await route.continue_()

    await page.route("**/api/history*", hold)
    await page.select_option("#person", persona)
    return page, release


@pytest.mark.loops("push")
@pytest.mark.parametrize("read_before_release", [True, False], ids=["history-first", "push-first"])
async def test_a_push_sent_while_the_page_reads_its_history_is_shown_once(
    server: str, read_before_release: bool
) -> None:
    """王网格员 opens the chat just as 张阿姨's report is filed: the task reaches the tab
    whether the history it reads was taken before the push (the page read its history
    before opening its socket, and missed it) or after (it is in the history and heard
    live: shown once)."""
    async with chromium() as browser:
        watcher = await open_chat(browser, server)  # 王网格员's other tab, already live
        await speak_as(watcher, "wang")
        late, release = await switch_with_history_held(
            browser, server, "wang", read_before_release=read_before_release
        )
        resident = await open_chat(browser, server)
        for text in ("东门垃圾没人清", "确认提交"):
            await send(resident, text)
        await watcher.locator(".bubble.push", has_text="东门垃圾没人清").wait_for(timeout=10_000)
        release.set()
        await late.wait_for_selector("body[data-speaker=wang]", state="attached")
        assert await late.locator(".bubble.push", has_text="东门垃圾没人清").count() == 1


async def test_messages_typed_before_the_answer_are_read_in_order(server: str) -> None:
    """张阿姨 types 东门 and, before its answer comes back on a slow line, 确认提交: the
    second leaves only once the first is answered, so the bot reads the place first and
    the report is filed there (sent at once, 确认提交 overtook 东门)."""
    async with chromium() as browser:
        resident = await open_chat(browser, server)
        await send(resident, "垃圾没人清")
        await bot_says(resident, "请确认")
        next_sent = asyncio.Event()
        slowed: list[str] = []

        async def slow_line(route: Any) -> None:
            if not slowed:  # 东门: held until 确认提交 is sent, or a second at most
                slowed.append(route.request.post_data or "")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(next_sent.wait(), 1)
            else:
                next_sent.set()
            await route.continue_()

        await resident.route("**/api/messages", slow_line)
        await send(resident, "东门")
        await send(resident, "确认提交")
        await bot_says(resident, "已受理")
        assert "东门" in slowed[0]
        said = await resident.locator(".row.bot .bubble").all_inner_texts()
        assert "位置：东门" in said[-2] and said[-1].startswith("已受理"), said


#: Records every CSP violation the page reports (an init script runs outside the CSP).
WATCH_CSP = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`);
});
"""


async def test_the_chat_works_under_its_content_security_policy(
    server: str, tmp_path: Path
) -> None:
    """Private chat, the persona switcher, the group and pushes all work with no
    inline script or style: no CSP violation, no console error."""
    from playwright.async_api import ConsoleMessage

    complaints: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            complaints.append(message.text)

    async with chromium() as browser:
        context = await browser.new_context(viewport={"width": 1000, "height": 700})
        await context.add_init_script(WATCH_CSP)
        page = await context.new_page()
        page.on("console", on_console)
        page.on("pageerror", lambda error: complaints.append(str(error)))
        response = await page.goto(server)
        assert response is not None
        assert "script-src 'self'" in (await response.all_headers())["content-security-policy"]
        await page.wait_for_selector("#person option", state="attached")
        await speak_as(page, "zhang")
        await send(page, "帮助")
        await bot_says(page, "反映问题")

        other_browser = await browser.new_context()  # another person's browser
        await other_browser.add_init_script(WATCH_CSP)
        other_browser.on("console", on_console)
        neighbour = await open_chat(other_browser, server)
        await speak_as(neighbour, "liu")  # ready once its socket is open

        await page.locator("#chats li").nth(1).click()  # the group
        await send(page, "@议事通 这个月议事日是哪天")
        await page.locator(".row.bot .bubble").last.wait_for(timeout=10_000)
        await neighbour.locator("#chats li").nth(1).click()
        said = neighbour.locator(".row.other", has_text="这个月议事日是哪天")
        await said.wait_for(timeout=10_000)
        assert await said.locator(".name").inner_text() == "张阿姨", "the server's name"
        await page.screenshot(path=str(tmp_path / "webchat-csp.png"))
        await neighbour.screenshot(path=str(tmp_path / "webchat-group.png"))
        for tab in (page, neighbour):
            assert await tab.evaluate("window.__violations") == []
    assert not [c for c in complaints if "Content Security Policy" in c or "Refused" in c]
    assert complaints == []


EVIL_PAGE = """<!doctype html><html><head><title>抽奖</title></head>
<body data-target="{target}"><script src="/evil.js"></script></body></html>"""

#: What the issue's attacker page did: post as the visitor (a text/plain body needs no
#: CORS preflight, so it is sent with the cookie) and listen to their pushes.
EVIL_SCRIPT = """
const target = document.body.dataset.target;
const results = {};
async function run() {
  try {
    const r = await fetch(target + "/api/messages", {
      method: "POST", mode: "no-cors", credentials: "include",
      headers: { "Content-Type": "text/plain" },
      body: JSON.stringify({ text: "楼道灯坏了", sender_id: "li" }),
    });
    results.plain = r.type;
  } catch (e) { results.plain = "error"; }
  try {
    const r = await fetch(target + "/api/messages", {
      method: "POST", credentials: "include",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ text: "诉求统计" }),
    });
    results.json = r.status;
  } catch (e) { results.json = "error"; }
  results.ws = await new Promise((resolve) => {
    const ws = new WebSocket(target.replace("http", "ws") + "/api/ws?user=li");
    ws.onopen = () => resolve("open");
    ws.onerror = () => resolve("refused");
    setTimeout(() => resolve("timeout"), 5000);
  });
  window.results = results;
}
run();
"""


async def inbound_count(url: str) -> int:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return int(
                (await conn.execute(select(func.count()).select_from(InboundMessage))).scalar_one()
            )
    finally:
        await engine.dispose()


@pytest.fixture
async def evil_site(server: str) -> AsyncIterator[str]:
    """A page on another port of the same host, aimed at the chat."""
    target = server.rstrip("/")

    async def page(_request: web.Request) -> web.Response:
        return web.Response(text=EVIL_PAGE.format(target=target), content_type="text/html")

    async def script(_request: web.Request) -> web.Response:
        return web.Response(text=EVIL_SCRIPT, content_type="text/javascript")

    app = web.Application()
    app.router.add_get("/", page)
    app.router.add_get("/evil.js", script)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}/"
    await runner.cleanup()


async def test_a_page_on_another_port_can_neither_post_nor_listen_as_the_visitor(
    server: str, evil_site: str, sqlite_url: str
) -> None:
    async with chromium() as browser:
        context = await browser.new_context()
        chat = await open_chat(context, server)  # the visitor has the chat open: the cookie is set
        await send(chat, "帮助")
        await chat.locator(".row.bot .bubble").last.wait_for(timeout=10_000)
        before = await inbound_count(sqlite_url)

        evil = await context.new_page()
        await evil.goto(evil_site)
        await evil.wait_for_function("window.results !== undefined", timeout=15_000)
        results: dict[str, Any] = await evil.evaluate("window.results")
    assert results["ws"] == "refused", results
    assert results["json"] == "error", "the JSON post needs CORS, which the chat never grants"
    assert await inbound_count(sqlite_url) == before, "the cross-origin post was handled"


#: A 120×80 PNG (a real image the browser decodes), as a phone would send a photo.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000780000005008020000005df926de00000082494441"
    "5478daedd0310d00000803b07dd8c42ace7041389a544153d31c8802d1a2112d5ab405d1a2112d5a"
    "b405d1a2112d5a34a245235ab468448b46b468d188168d68d1a2112d1ad1a245235a34a2458b46b4"
    "68448b168d68d188162d1ad1a2112d5a34a245235ab468448b46b468d188168d68d1a2112d1ad1a2"
    "45235a34a2ff581d105e8644e55fa90000000049454e44ae426082"
)


#: What a phone must not do: scroll sideways, cut 发送 off, or zoom into a small input.
PHONE_LAYOUT = """() => {
  const send = document.getElementById("send").getBoundingClientRect();
  return {
    scroll: document.documentElement.scrollWidth,
    width: window.innerWidth,
    height: window.innerHeight,
    send: [send.left, send.top, send.right, send.bottom],
    input: parseFloat(getComputedStyle(document.getElementById("input")).fontSize),
    sidebar: document.getElementById("sidebar").getBoundingClientRect().right,
  };
}"""


def fits(layout: dict[str, Any]) -> None:
    left, top, right, bottom = layout["send"]
    assert layout["scroll"] <= layout["width"], layout
    assert left >= 0 and right <= layout["width"] and top >= 0 and bottom <= layout["height"]
    assert layout["input"] >= 16, "a smaller input makes iOS zoom in"


async def test_a_reload_on_a_phone_shows_the_history_and_fits(server: str) -> None:
    """At 390×844: the chat list folds away behind ☰, nothing scrolls sideways, 发送 is
    on screen; after a reload both the private chat and the group show what was said."""

    async def shoot(page: Page, name: str) -> None:
        await page.wait_for_timeout(300)  # the list slides in 0.2 s
        await page.screenshot(path=f"/tmp/webchat-phone-{name}.png")

    async with chromium() as browser:
        phone = await browser.new_context(
            viewport={"width": 390, "height": 844}, device_scale_factor=2, has_touch=True
        )
        page = await open_chat(phone, server)
        layout = await page.evaluate(PHONE_LAYOUT)
        fits(layout)
        assert layout["sidebar"] <= 0, "the chat list is folded away"
        await page.click("#menu")
        await speak_as(page, "zhang")
        await page.click("#menu")
        await page.locator("#chats li").first.click()  # the private chat
        await send(page, "帮助")
        await bot_says(page, "反映问题")
        await page.set_input_files(
            "#photo", files=[{"name": "楼道.png", "mimeType": "image/png", "buffer": PNG}]
        )
        await page.locator(".row.me .bubble img").wait_for(timeout=10_000)

        await page.click("#menu")
        await page.locator("#chats li").nth(1).click()  # the group
        await send(page, "明天上午一起打扫楼道，欢迎参加")
        await page.locator(".row.me .bubble", has_text="打扫楼道").wait_for(timeout=10_000)
        await shoot(page, "before")

        await page.reload()
        await page.wait_for_selector("body[data-speaker=zhang]", state="attached")
        mine = page.locator(".row.me .bubble", has_text="帮助")
        await mine.wait_for(timeout=10_000)
        await bot_says(page, "反映问题")
        assert await page.locator(".row.bot .buttons button").count() > 0
        photo = page.locator(".row.me .bubble img")
        await photo.wait_for(timeout=10_000)
        assert await photo.evaluate("img => img.complete && img.naturalWidth") == 120
        fits(await page.evaluate(PHONE_LAYOUT))
        await shoot(page, "reloaded")
        await page.click("#menu")
        await shoot(page, "list")
        await page.locator("#chats li").nth(1).click()
        await page.locator(".row.me .bubble", has_text="打扫楼道").wait_for(timeout=10_000)
        fits(await page.evaluate(PHONE_LAYOUT))
        await shoot(page, "group")

        neighbour = await open_chat(await browser.new_context(), server)  # opens it later
        await speak_as(neighbour, "liu")
        await neighbour.locator("#chats li").nth(1).click()
        said = neighbour.locator(".row.other", has_text="打扫楼道")
        await said.wait_for(timeout=10_000)
        assert await said.locator(".name").inner_text() == "张阿姨"


async def test_the_grid_worker_opens_the_reported_photo_from_the_card(server: str) -> None:
    """The card's photo link is a tap (查看照片) that opens the kept photo; a look-alike
    link a resident typed, repeated in the bot's words, stays text."""
    async with chromium() as browser:
        page = await open_chat(await browser.new_context(), server)
        await speak_as(page, "zhang")
        await send(page, "3号楼电梯按钮坏了")
        await bot_says(page, "请确认")
        await page.set_input_files(
            "#photo", files=[{"name": "电梯.png", "mimeType": "image/png", "buffer": PNG}]
        )
        await page.locator(".row.bot .bubble", has_text="照片").last.wait_for(timeout=10_000)
        await send(page, "确认提交")
        await bot_says(page, "已受理")
        fake = f"{server.rstrip('/')}/media/{'0' * 32}.png".replace("127.0.0.1", "evil.test")
        await send(page, f"2号楼楼道灯坏了，照片在这 {fake}")
        echoed = page.locator(".row.bot .bubble", has_text="evil.test")
        await echoed.last.wait_for(timeout=10_000)  # the draft repeats what she wrote
        assert await echoed.locator("a").count() == 0, "a look-alike link stays text"

        await speak_as(page, "wang")
        await page.locator("#chats li").first.click()
        link = page.locator(".row.bot .bubble a.photo-link", has_text="查看照片")
        await link.wait_for(timeout=10_000)
        href = await link.get_attribute("href")
        assert href is not None and "/media/" in href
        shown = await page.request.get(href)
        assert shown.status == 200 and await shown.body() == PNG


@pytest.mark.loops("push")
async def test_an_open_tab_gets_pushes_again_after_the_server_restarts(
    sqlite_url: str, clock: Clock
) -> None:
    """王网格员's tab stays open while the server stops and starts again on the same
    port: it says it is reconnecting, comes back by itself, and the task 张阿姨 files
    after the restart arrives without a reload."""
    port = free_port()
    settings = make_settings(sqlite_url, web={"port": port})
    url = f"http://127.0.0.1:{port}/"

    running = await start_demo(settings, clock)
    try:
        async with chromium() as browser:
            worker = await open_chat(browser, url)
            await speak_as(worker, "wang")

            await stop_demo(running)
            await worker.locator(".system", has_text="正在重新连接").wait_for(timeout=10_000)
            running = await start_demo(settings, clock)

            resident = await open_chat(browser, url)
            await speak_as(resident, "zhang")
            for text in ("东门垃圾没人清", "确认提交"):
                await send(resident, text)
            push = worker.locator(".bubble.push", has_text="东门垃圾没人清")
            await push.wait_for(timeout=15_000)
            assert await worker.locator(".system", has_text="正在重新连接").count() == 0
    finally:
        if not running.done():
            await stop_demo(running)


async def test_a_visitor_sees_the_group_locked_until_bound(sqlite_url: str, clock: Clock) -> None:
    """Under `yishi run` a new browser read and wrote the residents' group. Now the
    group is shown locked, with the line on how to 绑定 and no way to type; the private
    chat answers; after 绑定 in it the group opens without a reload, with what the
    neighbours said, and the resident's words reach them."""
    port = free_port()
    settings = make_settings(sqlite_url, web={"port": port, "demo_personas": False})
    yishi = build_yishi(settings, classifier=KeywordClassifier(), clock=clock)
    running = await serve_demo(yishi)
    url = f"http://127.0.0.1:{port}/"

    async def code_for(name: str) -> str:
        async with yishi.uow() as uow:
            found = await uow.session.exec(select_model(Resident).where(Resident.name == name))
            resident = found.one()
            assert resident.id is not None
            return await issue_code(uow, resident.id, "cli", yishi.clock())

    zhang = Browser(url)
    try:
        await zhang.open()
        assert "张阿姨" in (await zhang.say(f"绑定 {await code_for('张阿姨')}"))[0]
        await zhang.say("明天上午一起打扫楼道", chat_id="group:main")
        async with chromium() as browser:
            page = await browser.new_page()
            await page.goto(url)
            await page.wait_for_selector("body[data-speaker]", state="attached")
            group = page.locator("#chats li").nth(1)
            assert "需绑定" in await group.inner_text()
            await group.click()
            locked = page.locator(".system.locked")
            await locked.wait_for(timeout=10_000)
            assert "绑定" in await locked.inner_text()
            assert await page.locator("#input").is_disabled()
            assert await page.locator("#send").is_disabled()
            assert await page.locator("text=打扫楼道").count() == 0
            await page.screenshot(path="/tmp/webchat-group-locked.png")

            await page.locator("#chats li").first.click()  # the private chat works
            await send(page, "帮助")
            await bot_says(page, "反映问题")
            await send(page, f"绑定 {await code_for('刘大爷')}")
            await bot_says(page, "绑定成功")
            await page.locator("#chats li.locked").wait_for(state="detached", timeout=10_000)

            await page.locator("#chats li").nth(1).click()
            said = page.locator(".row.other", has_text="打扫楼道")
            await said.wait_for(timeout=10_000)
            assert await said.locator(".name").inner_text() == "张阿姨"
            assert await page.locator(".system.locked").count() == 0
            await send(page, "我也来，带扫帚")
            await page.locator(".row.me .bubble", has_text="带扫帚").wait_for(timeout=10_000)
            assert await page.locator(".system").count() == 0, "no error under it"
        _, history = await zhang.history("group:main")
        assert ("other", "刘大爷", "我也来，带扫帚") in [
            (e["kind"], e.get("name"), e["text"]) for e in history["entries"]
        ], history
    finally:
        await zhang.close()
        await stop_demo(running)


async def test_the_moderators_workbench_link_is_a_tap_that_opens_it(server: str) -> None:
    """李书记's `工作台` in the web chat: the login link in the bot's answer was plain
    text to copy; now it is a link, and a tap opens the 工作台 logged in."""
    async with chromium() as browser:
        context = await browser.new_context()
        page = await open_chat(context, server)
        await speak_as(page, "li")
        await send(page, "工作台")
        link = page.locator(".row.bot .bubble a.link", has_text="/console/login")
        await link.wait_for(timeout=10_000)
        href = await link.get_attribute("href")
        assert href is not None and href.startswith(f"{server}console/login?token="), href
        assert await link.inner_text() == href, "the address is shown as it was sent"
        async with context.expect_page() as opened:
            await link.click()
        desk = await opened.value
        await desk.wait_for_load_state()
        assert desk.url.startswith(f"{server}console") and "login" not in desk.url, desk.url
        assert await desk.locator("text=退出").count() > 0, "logged in (退出 is there)"


async def test_only_links_to_this_site_are_taps_and_no_script_runs(
    sqlite_url: str, clock: Clock
) -> None:
    """Words the bot repeats from a resident (her draft) can't make a script run: markup
    stays text, a `javascript:` address is no link, nor an address elsewhere; an address
    of this site, or of the public address the server is configured with, is a link."""
    port = free_port()
    public = "https://yishi.example.org"
    settings = make_settings(sqlite_url, web={"port": port, "public_url": public})
    running = await start_demo(settings, clock)
    url = f"http://127.0.0.1:{port}/"
    dialogs: list[str] = []
    try:
        async with chromium() as browser:
            page = await open_chat(await browser.new_context(), url)
            page.on("dialog", lambda dialog: dialogs.append(dialog.message))
            await page.evaluate("window.__pwned = false")
            await speak_as(page, "zhang")
            said = (
                "3号楼电梯坏了 javascript:window.__pwned=true;alert(1) "
                '<img src=x onerror="window.__pwned=true"> '
                "<a href=javascript:alert(2)>点我</a> "
                "javascript://%0aalert(3)//http://evil.test/x "
                f"看这里 {url}public/ 还有 {public}/public/，以及 http://evil.test/public/"
            )
            await send(page, said)
            echoed = page.locator(".row.bot .bubble", has_text="evil.test")
            await echoed.last.wait_for(timeout=10_000)
            bubble = echoed.last
            hrefs = await bubble.locator("a").evaluate_all("links => links.map(a => a.href)")
            assert hrefs == [f"{url}public/", f"{public}/public/"], hrefs
            assert await bubble.locator("img").count() == 0
            assert "<img src=x" in await bubble.inner_text(), "the markup is shown as text"
            await page.wait_for_timeout(300)
            assert await page.evaluate("window.__pwned") is False
            assert dialogs == []
    finally:
        await stop_demo(running)


async def test_a_visitor_in_the_demo_sees_what_a_stranger_sees(server: str) -> None:
    """The demo's 「我是」 offers 访客（未绑定）, this browser bound to no resident: the
    group is locked with how to 绑定, the private chat answers; the choice holds over a
    reload, and 张阿姨 is one choice away again."""
    async with chromium() as browser:
        page = await open_chat(await browser.new_context(), server)
        await page.wait_for_selector("body[data-speaker]", state="attached")
        first = await page.evaluate("document.body.dataset.speaker")
        assert not first.startswith("w-"), "a new browser starts as the demo's first person"
        await page.select_option("#person", label="访客（未绑定）")
        await page.wait_for_selector('body[data-speaker^="w-"]', state="attached")
        group = page.locator("#chats li").nth(1)
        assert "需绑定" in await group.inner_text()
        await send(page, "帮助")
        await bot_says(page, "反映问题")
        mine = page.locator(".row.me").last
        assert (await mine.locator(".name").inner_text()).startswith("居民·")
        await group.click()
        await page.locator(".system.locked", has_text="绑定").wait_for(timeout=10_000)
        assert await page.locator("#input").is_disabled()

        await page.reload()
        await page.wait_for_selector('body[data-speaker^="w-"]', state="attached")
        assert "需绑定" in await page.locator("#chats li").nth(1).inner_text()
        await speak_as(page, "zhang")
        assert "需绑定" not in await page.locator("#chats li").nth(1).inner_text()
