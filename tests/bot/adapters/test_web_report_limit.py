"""Over real HTTP, under `yishi run` (no persona switcher): a web visitor nobody bound
filed report after report, and a fresh cookie started the count again. Now an unbound
session files ``[tickets] unbound_reports_per_day`` a day and one address
``unbound_reports_per_address_per_day``, whatever the sessions; past that the visitor is
told to 绑定 or call the duty phone. Here the caps are configured to 2 and 3."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.bot.adapters.webchat import Browser, bind


@pytest.fixture
def web_settings() -> dict[str, Any]:
    return {
        "web": {"demo_personas": False},
        "community": {"duty_phone": "0562-1234567"},
        "tickets": {"unbound_reports_per_day": 2, "unbound_reports_per_address_per_day": 3},
    }


async def report(browser: Browser, text: str) -> str:
    """Report ``text`` as the page does, answer what is asked, tap 确认提交: the answer."""
    status, body = await browser.post(text=text)
    assert status == 200, body
    if "通知您" in body["replies"][-1]["text"]:
        status, body = await browser.post(text="要")
    [card] = body["replies"]
    assert "请确认" in card["text"], card
    [submit] = [b["data"] for b in card["buttons"] if b["label"] == "确认提交"]
    status, body = await browser.post(text=submit)
    assert status == 200, body
    return "\n".join(r["text"] for r in body["replies"])


async def test_an_unbound_visitor_is_capped_per_session_and_per_address(
    client: TestClient[Any, Any], browsers: Callable[[], Browser]
) -> None:
    visitor = browsers()
    await visitor.open()
    assert "已受理" in await report(visitor, "东门的路灯坏了")
    assert "已受理" in await report(visitor, "西门的垃圾桶满了没人清")
    refused = await report(visitor, "1号楼门口的路灯坏了")
    assert "已受理" not in refused and "绑定" in refused and "0562-1234567" in refused
    # A fresh cookie from the same address: one more, then the address is full.
    again = browsers()
    await again.open()
    assert "已受理" in await report(again, "2号楼门口的路灯坏了")
    refused = await report(again, "3号楼门口的路灯坏了")
    assert "已受理" not in refused and "绑定" in refused, refused
    # An emergency is filed all the same, with the duty phone.
    urgent = "\n".join(await again.say("4号楼楼道里冒烟了"))
    assert "已按紧急诉求受理" in urgent and "0562-1234567" in urgent, urgent
    # A resident who binds on that address reports as ever.
    resident = browsers()
    await resident.open()
    await bind(client, resident, "张阿姨")
    assert "已受理" in await report(resident, "5号楼门口的路灯坏了")
