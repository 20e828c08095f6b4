"""The 工作台's 报名与签到 and the public page say who was there and how: a walk-in signed
in was listed as "现场 · 已报名" and everyone signed in counted as one "签到 N 人", whether
in the hall or at home."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from aiohttp.test_utils import TestClient

from tests.console.conftest import login_with, token_in
from tests.kit import Town


def _row(html: str, name: str) -> list[str]:
    """The cells of ``name``'s row in the 报名与签到 table, as text."""
    found = re.search(rf"<tr><td>{name}</td>(.*?)</tr>", html, re.DOTALL)
    assert found, f"no row for {name}"
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", found[1])]


async def test_the_desk_and_the_page_tell_hall_from_home(town: Town, served: TestClient) -> None:
    await town.li.says("创建议事日")
    assert "报名成功" in await town.liu.says("报名")
    assert "线上报名成功" in await town.wang.says("线上报名")
    town.clock.now = datetime(2026, 12, 5, 1, 20, tzinfo=UTC)  # 09:20 on the day
    assert "已为 刘大爷 签到" in await town.li.says("签到 刘大爷")
    assert "线上参加" in await town.wang.says("签到")
    pin = re.search(r"签到码：(\d+)", (await town.li.says("签到码 M202612")).text)
    assert pin
    assert "签到成功" in await town.zhao.says(f"签到 {pin[1]}")
    assert "签到码" in await town.zhang.says("签到")  # told how: never signed in

    as_li = await login_with(served, token_in((await town.li.says("工作台")).text))
    status, html = await as_li.page("/console/meetings/M202612")
    assert status == 200
    liu, wang, zhao = _row(html, "刘大爷"), _row(html, "王网格员"), _row(html, "赵网格员")
    assert liu[:2] == ["现场", "已报名"] and liu[2].endswith("（现场）"), liu
    assert wang[:2] == ["线上", "已报名"] and wang[2].endswith("（线上）"), wang
    assert zhao[:2] == ["—", "未报名"] and zhao[2].endswith("（现场）"), zhao
    assert "张阿姨" not in html

    town.clock.now = datetime(2026, 12, 5, 4, 0, tzinfo=UTC)  # noon: over
    assert "/public/meetings/M202612" in await town.li.says("发布纪要 M202612")
    page = await (await served.get("/public/meetings/M202612")).text()
    assert "报名：现场 1 人，线上 1 人；签到：到会 2 人，线上参会 1 人" in page, page
    [minutes] = [r.text for r in await town.group.all() if "【会议纪要】" in r.text]
    assert "签到：到会 2 人，线上参会 1 人" in minutes, minutes


async def test_the_desk_makes_and_shows_the_halls_code(town: Town, served: TestClient) -> None:
    await town.li.says("创建议事日")
    as_li = await login_with(served, token_in((await town.li.says("工作台")).text))
    _, ahead = await as_li.page("/console/meetings/M202612")
    assert "生成会场签到码" not in ahead and "会场签到码：" not in ahead  # not the day yet

    town.clock.now = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)  # 09:00 on the day
    as_li = await login_with(served, token_in((await town.li.says("工作台")).text))
    _, before = await as_li.page("/console/meetings/M202612")
    assert "生成会场签到码" in before
    response = await as_li.client.post(
        "/console/meetings/M202612/hallcode", data={"csrf": as_li.csrf}, allow_redirects=False
    )
    assert response.status == 303
    html = await (await as_li.client.get(response.headers["Location"])).text()
    shown = re.search(r"会场签到码：<strong>(\d{6})</strong>", html)
    assert shown and shown[1] not in response.headers["Location"], html
    assert "签到成功" in await town.zhao.says(f"签到 {shown[1]}")
    assert shown[1] in (await town.li.says("签到码")).text  # the chat gives the same code
