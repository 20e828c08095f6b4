"""A brute force on 绑定 over real HTTP, with a new identity for every guess: slowed down by
the address it comes from, told when to try again in Chinese, while a resident at the same
address (the reverse proxy, a 小区's NAT) binds with the right code all the same."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from bot.app import build_web_app, build_yishi
from bot.demo import DEMO_PEOPLE, seed_demo
from kernel.intents import KeywordClassifier
from tests.bot.adapters.webchat import Browser
from tests.conftest import Clock, make_settings

ClientFactory = Callable[[web.Application], Awaitable[TestClient[Any, Any]]]


async def test_guessing_from_one_address_is_slowed_but_a_neighbour_still_binds(
    sqlite_url: str, clock: Clock, aiohttp_client: ClientFactory
) -> None:
    bot = build_yishi(make_settings(sqlite_url), classifier=KeywordClassifier(), clock=clock)
    await seed_demo(bot.uow)
    client = await aiohttp_client(build_web_app(bot))

    browsers: list[Browser] = []

    async def browser_of(sender: str) -> Browser:
        browser = Browser(client.server.make_url("/"))
        browsers.append(browser)
        await browser.open()
        if sender in DEMO_PEOPLE:
            await browser.act_as(sender)
        return browser

    async def say(sender: str, words: str) -> str:
        """``words`` from a browser of its own: a demo persona, or a new identity."""
        return "\n".join(await (await browser_of(sender)).say(words))

    issued = await say("li", "生成绑定码 小陈")
    found = re.search(r"\d{8}", issued)
    assert found and "24小时内有效" in issued and f"绑定 {found.group(0)}" in issued
    code = found.group(0)
    second = re.search(r"\d{8}", await say("li", "生成绑定码 小陈"))
    assert second
    # A resident who mistypes three times is told so gently, then binds.
    phone = await browser_of("xiaochen-phone")
    for typo in ("10000001", "10000002", "10000003"):
        assert "绑定码不对" in "\n".join(await phone.say(f"绑定 {typo}"))
    assert "绑定成功！您好，小陈" in "\n".join(await phone.say(f"绑定 {second.group(0)}"))

    wrong = (f"{10_000_000 + i * 104_729}" for i in range(60))
    tries = [g for g in wrong if g != code][:50]
    tries.insert(30, code)
    answers = []
    for i, guess in enumerate(tries):  # every guess as a newly made-up person
        answers.append(await say(f"visitor-{i}", f"绑定 {guess}"))
    assert all("绑定码不对" in a for a in answers[:17]), "3 typos + 17 = the address's 20"
    waits = answers[17:30] + answers[31:]
    # Told the truth: the code was checked and is wrong; no lock-out is promised, as
    # the right code still binds (it did, at answers[30]).
    [said] = set(waits)
    assert said.startswith("绑定码不对") and "对的绑定码随时都能用" in said, said
    assert "尝试次数太多" not in said and "分钟后再试" not in said, said
    assert answers[30].startswith("绑定成功！您好，小陈"), "the right code, same address"
    async with bot.uow() as uow:
        failed = [e for e in await uow.audit.for_entity("bind_limit", "bind:source:127.0.0.1")]
    assert [e.action for e in failed] == ["bind_locked"], "one entry for the lock-out"
    clock.advance(minutes=60)
    assert "绑定码不对" in await say("visitor-x", f"绑定 {tries[0]}"), "the address may try again"
    for browser in browsers:
        await browser.close()
    await bot.stop()
