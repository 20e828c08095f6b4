"""The public meeting page in a real browser (Debian's chromium), readable without login."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import text as sql

from bot.app import Yishi, build_web_app
from bot.config import PushSettings
from bot.push import PermanentPushError, PushService
from kernel.messages import Reply
from tests.browser import CHROMIUM as CHROMIUM_PATH
from tests.browser import CHROMIUM_ARGS as ARGS
from tests.conftest import Clock
from tests.handlers.agenda_support import on_the_agenda_and_met
from tests.kit import Town, say

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
    vote, its progress and 评议, and apart the votes that decided nothing — one taken outside
    a meeting — and the meeting's page with its decided poll and how many households its
    notices reached, on a phone too."""
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
                assert "D1 同意更换路灯" in body and "通过" in body
                # Nobody voted on the chickens: void, said so in grey, not a red 未通过,
                # among the votes that decided nothing (no decision number).
                assert "是否同意在小区里养鸡" in body and "无效：无人投票" in body
                assert "未形成决定的表决" in body and "未通过" not in body
                assert "D2" not in body
                void = page.locator("li:has-text('是否同意在小区里养鸡') span.void")
                grey = await void.evaluate("e => getComputedStyle(e).color")
                assert grey == "rgb(119, 119, 119)"
                assert "刘大爷" not in body and "张阿姨" not in body
                wide = await page.evaluate("document.documentElement.scrollWidth")
                assert wide <= size[0], f"{name}: the page scrolls sideways ({wide}px)"
                await page.screenshot(path=str(SHOTS / f"index-{name}.png"), full_page=True)
                # The undecided poll has a page of its own (no meeting to sit on), under
                # its poll's number: nothing to carry out, nothing to evaluate.
                await page.click("text=是否同意在小区里养鸡")
                body = await page.inner_text("body")
                assert "表决 P2" in body and "无人投票，未形成决定" in body
                assert "未形成决议，不编决议号，无需落实和评议" in body
                assert "居民评议" not in body and "落实情况" not in body
                await page.screenshot(path=str(SHOTS / f"decision-{name}.png"), full_page=True)
                # The meeting: its decided poll, the tally, the follow-up, 评议, and proof
                # of notice — the reminders that arrived, by household, and the group post.
                await page.goto(str(server.make_url("/public/")))
                await page.click("a[href='/public/meetings/M202612']")
                body = await page.inner_text("body")
                assert "已通知 2/5 户" in body and "另已在 1 个居民群发布" in body
                assert "D1 同意更换路灯" in body and "表决事项：是否同意更换路灯" in body
                assert "赞成：3 票" in body
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


async def test_a_void_vote_is_said_void_and_why_with_no_decision_number(town: Town) -> None:
    """A vote that missed its quorum was listed as decision D1 with 落实 and 评议 lines:
    it decided nothing. It is said apart, under its poll's number, with why."""
    await town.li.says("创建议事日")
    await town.li.says("开启投票 是否同意更换路灯？ M202612 法定:100%")
    assert "已记录" in await town.zhang.says("投票 P1 赞成")
    await town.li.says("结束投票 P1")
    await town.li.says("开启投票 是否同意装充电桩 M202612 法定:0%")
    assert "已记录" in await town.zhang.says("投票 P2 赞成")
    assert "决议编号 D1" in await town.li.says("结束投票 P2")
    town.clock.now = datetime(2026, 12, 5, 4, 0, tzinfo=UTC)  # after the meeting
    assert "纪要已发布" in await town.li.says("发布纪要 M202612")
    [minutes] = [p.text for p in await town.group.new() if "【会议纪要】" in p.text]
    assert "D1 同意装充电桩：通过" in minutes, minutes
    # The question's own “？” was followed by “：无效：未达法定人数”.
    void_line = (
        "P1 表决事项：是否同意更换路灯？ 结果：无效（未达法定人数；赞成 1，反对 0，弃权 0；"
        "投票 1/5），未形成决议"
    )
    assert void_line in minutes and "？：" not in minutes, minutes

    async with TestClient(TestServer(build_web_app(town.bot))) as web:
        index = await (await web.get("/public/")).text()
        listed, void = index.split("未形成决定的表决", 1)
        assert "D1 同意装充电桩" in listed and "更换路灯" not in listed
        assert "P1 是否同意更换路灯" in void and "无效：未达法定人数" in void
        [entry] = [line for line in void.splitlines() if "P1 是否同意更换路灯" in line]
        assert "投票 1/5，法定人数 100%" in entry and "评议" not in entry, entry
        meeting = await (await web.get("/public/meetings/M202612")).text()
        assert "表决 P1 是否同意更换路灯" in meeting and "未形成决议，不编决议号" in meeting
        assert meeting.count("居民评议") == 1 and "D2" not in meeting
        page = await web.get("/public/polls/P1")
        body = await page.text()
        assert page.status == 200 and "赞成：1 票" in body and "未达到法定人数" in body
        assert "评议" not in body.replace("无需落实和评议", "") and "决议编号" not in body
        decided = await web.get("/public/polls/P2", allow_redirects=False)
        assert decided.status == 302 and decided.headers["Location"] == "/public/decisions/D1"
        assert (await web.get("/public/polls/P9")).status == 404


async def test_decisions_read_as_decided_and_a_void_votes_topic_says_where_it_stands(
    one_cosign: Town,
) -> None:
    """Minutes and /public/decisions/D1 read “是否同意议题 T1《…》的提议？” as a decision:
    the question. A decision reads as what was decided (同意… / 不同意… / the option
    chosen), its question kept as 表决事项 — also a row recorded before, whose text is
    the question. A void vote's page says where its topic stands now."""
    town = one_cosign
    await on_the_agenda_and_met(town)  # T1 on M202612, 10:00 on the day
    for spec, vote in (
        ("T1 法定:100%", "赞成"),  # P1: too few, void; T1 goes back
        ("T1 M202612 法定:0%", "赞成"),  # P2 → D1, put again at the meeting
        ("停车位改造方案 M202612 选项:地面划线/立体车库 法定:0%", "A"),  # P3 → D2
        ("是否同意砍树 M202612 法定:0%", "反对"),  # P4 → D3
    ):
        opened = await town.li.says(f"开启投票 {spec}")
        ref = re.search(r"P\d+", opened.text)
        assert ref, opened.text
        assert "已记录" in await town.zhang.says(f"投票 {ref.group(0)} {vote}")
        await town.li.says(f"结束投票 {ref.group(0)}")
        if ref.group(0) == "P1":
            async with TestClient(TestServer(build_web_app(town.bot))) as web:
                void = await (await web.get("/public/polls/P1")).text()
            topic_now = (
                "议题 T1《3号楼东侧空地改成停车位》现在：已达附议人数，等待列入以后议事日的议程"
            )
            assert topic_now in void, void
    async with town.bot.uow() as uow:  # D3 as an earlier version worded it: the question
        await uow.session.execute(sql("UPDATE decisions SET text = '是否同意砍树' WHERE id = 3"))
    town.clock.now = datetime(2026, 12, 5, 4, 0, tzinfo=UTC)
    await town.li.says("发布纪要 M202612")
    [minutes] = [p.text for p in await town.group.new() if "【会议纪要】" in p.text]
    decided = "D1 同意议题 T1《3号楼东侧空地改成停车位》的提议：通过"
    assert decided in minutes and "D2 停车位改造方案：选定 A.地面划线：通过" in minutes
    assert "D3 不同意砍树：未通过" in minutes, minutes
    assert not [line for line in minutes.splitlines() if line.startswith("D") and "是否" in line]

    async with TestClient(TestServer(build_web_app(town.bot))) as web:
        d1 = await (await web.get("/public/decisions/D1")).text()
        d3 = await (await web.get("/public/decisions/D3")).text()
        index = await (await web.get("/public/")).text()
    assert "D1 同意议题 T1《3号楼东侧空地改成停车位》的提议" in d1, d1
    assert "表决事项：是否同意议题 T1《3号楼东侧空地改成停车位》的提议？" in d1
    assert "D3 不同意砍树" in d3 and "表决事项：是否同意砍树" in d3, d3
    assert "D2 停车位改造方案：选定 A.地面划线" in index and "D3 不同意砍树" in index


async def test_a_phone_typed_into_the_notes_is_masked_in_the_minutes_and_public_pages(
    one_cosign: Town,
) -> None:
    """Found walking the demo: 李书记 recorded "刘大爷（电话13923456789…）说车位不够" and
    发布纪要 put the whole number in the group's 【会议纪要】 and on /public/meetings/M202612,
    which anyone reads without login. Phone and ID numbers in what a moderator types for
    the record are kept masked, and he is told so when he types one."""
    town = one_cosign
    await on_the_agenda_and_met(town)  # T1 on M202612, 10:00 on the day
    await town.li.says("开启投票 T1 M202612 法定:0%")
    assert "已记录" in await town.zhang.says("投票 P1 赞成")
    assert "D1" in await town.li.says("结束投票 P1")
    town.clock.now = datetime(2026, 12, 5, 4, 0, tzinfo=UTC)  # after the meeting
    noted = await town.li.says(
        "记录 M202612 T1 刘大爷（电话13923456789，5号楼1单元102）说车位不够，"
        "身份证110101199003071234"
    )
    assert "已记录" in noted and "139****6789" in noted, noted.text
    assert "13923456789" not in noted.text
    plain = await town.li.says("记录 M202612 T1 大家同意先划临时车位")
    assert "已记录" in plain and "****" not in plain.text, plain.text
    assert "纪要已发布" in await town.li.says("发布纪要 M202612")
    [minutes] = [p.text for p in await town.group.new() if "【会议纪要】" in p.text]
    assert "139****6789" in minutes and "临时车位" in minutes, minutes
    assert "13923456789" not in minutes and "110101199003071234" not in minutes, minutes
    assert "5号楼1单元102" in minutes  # a room typed for the record stays as typed
    assert "已记录" in await town.li.says("进展 D1 施工队王师傅 13812345678 明天进场")
    pushed = "\n".join(p.text for p in await town.group.new())
    assert "138****5678" in pushed and "13812345678" not in pushed, pushed

    async with TestClient(TestServer(build_web_app(town.bot))) as web:
        for path in ("/public/meetings/M202612", "/public/decisions/D1"):
            page = await web.get(path)
            body = await page.text()
            assert page.status == 200, path
            for whole in ("13923456789", "110101199003071234", "13812345678"):
                assert whole not in body, (path, whole)
        meeting = await (await web.get("/public/meetings/M202612")).text()
        assert "139****6789" in meeting and "临时车位" in meeting
        decision = await (await web.get("/public/decisions/D1")).text()
        assert "138****5678" in decision and "明天进场" in decision
