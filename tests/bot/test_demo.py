"""A fresh demo greets nobody with a late-delivery notice for a past it never had."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import Yishi, build_web_app
from bot.demo import seed_demo, seed_demo_community
from kernel.intents import KeywordClassifier
from storage.models import Push
from tests.conftest import Clock, make_settings
from tests.kit import Town

# Wednesday 2 December 2026, 10:00 in Shanghai: a day after November's report was
# due, three days before the consultation day (Saturday 5 December), so four days
# past its 7-day announcement.
DEC_2 = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)


async def _pushes(bot: Yishi) -> list[Push]:
    from sqlmodel import select

    async with bot.uow() as uow:
        return list((await uow.session.exec(select(Push).order_by(Push.id))).all())


@pytest.mark.parametrize("when", [DEC_2, datetime(2026, 12, 31, 15, 59, 50, tzinfo=UTC)])
async def test_a_fresh_demo_has_no_late_delivery_notices(
    sqlite_url: str, clock: Clock, when: datetime
) -> None:
    clock.now = when
    bot = Yishi(make_settings(sqlite_url), classifier=KeywordClassifier(), clock=clock)
    try:
        # What `yishi demo` does on a new database, then the scheduler's first tick.
        code = await seed_demo_community(
            bot.uow, bot.settings.consultation.rules(), bot.community.zone, clock()
        )
        await bot.scheduler.tick()
        await bot.scheduler.run_due()
        texts = [str(p.payload.get("text", "")) for p in await _pushes(bot)]
        assert not [t for t in texts if "补发" in t or "延后送达" in t], texts
        assert not [t for t in texts if "工作月报" in t], "no report of a month before the demo"
        if when == DEC_2:
            [announcement] = [t for t in texts if "协商议事日通知" in t]
            assert code == "M202612" and code in announcement  # announced now, on time
    finally:
        await bot.stop()


async def test_a_community_that_lived_part_of_the_month_gets_its_report(
    sqlite_url: str, clock: Clock
) -> None:
    clock.now = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    bot = Yishi(make_settings(sqlite_url), classifier=KeywordClassifier(), clock=clock)
    try:
        await seed_demo(bot.uow, clock())
        clock.now = DEC_2 + timedelta(days=1)  # the bot was down on the 1st
        await bot.scheduler.tick()
        await bot.scheduler.run_due()
        reports = [str(p.payload["text"]) for p in await _pushes(bot) if p.chat_id == "li"]
        [report] = [t for t in reports if "2026年11月工作月报" in t]
        assert report.startswith("【补发】")  # this one really was delayed
    finally:
        await bot.stop()


def test_the_demo_community_has_a_duty_phone_and_its_own_faq() -> None:
    from bot.cli import DEMO_DUTY_PHONE, _demo_settings
    from bot.config import Settings
    from nlu.faq import load_faq

    demo = _demo_settings(Settings())
    assert demo.community.duty_phone == DEMO_DUTY_PHONE
    answer = load_faq(demo.community.faq_path).answer("物业费多少钱")
    assert answer is not None and "1.2 元" in answer


def test_the_demo_account_has_the_community_menu() -> None:
    """反映问题 · 我的诉求 · 议事日 (tapped through WeChat in tests/bot/adapters/test_menu.py);
    居务公开 opens the demo's own /public/ page once it has a public address."""
    from bot.adapters.menu import DEFAULT_MENU, create_body
    from bot.cli import _demo_settings
    from bot.config import Settings

    demo = _demo_settings(Settings(web={"public_url": "https://demo.example.org"}))
    assert demo.wechat.menu == DEFAULT_MENU
    body, left_out = create_body(demo.wechat.menu, demo.web.public_url)
    assert [b["name"] for b in body["button"]] == ["反映问题", "我的诉求", "议事日"]
    assert body["button"][2]["sub_button"][-1] == {
        "type": "view",
        "name": "居务公开",
        "url": "https://demo.example.org/public/",
    }
    assert left_out == []


async def test_the_demo_tells_the_whole_loop(sqlite_url: str, clock: Clock) -> None:
    """A newcomer finds last month's consultation day held, its vote passed and its
    decision being carried out on 居务公开, and this month's topic one 附议 short."""
    clock.now = DEC_2
    bot = Yishi(make_settings(sqlite_url), classifier=KeywordClassifier(), clock=clock)
    try:
        await seed_demo_community(
            bot.uow, bot.settings.consultation.rules(), bot.community.zone, clock()
        )
        assert await _pushes(bot) == [], "past events tell nobody again"
        town = Town(bot, clock)
        async with TestClient(TestServer(build_web_app(bot))) as web:
            listing = await (await web.get("/public/")).text()
            meeting = await (await web.get("/public/meetings/M202611")).text()
        assert "M202611" in listing and "落实中" in listing, listing
        assert "楼道" in meeting and "通过" in meeting and "王网格员" in meeting, meeting
        qualified = await town.liu.says("附议 T1")
        assert "10" in qualified and ("已满" in qualified or "议程" in qualified), qualified.text
        [told] = await town.li.receives()
        assert "可以安排进 M202612 的议程：议程 M202612 T1 20分钟" in told.text, told.text
    finally:
        await bot.stop()
