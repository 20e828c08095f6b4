"""Getting into the workbench: a one-time link from chat, sessions, CSRF on every change."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from tests.conftest import Clock
from tests.console.conftest import Browserless, login_with, token_in
from tests.kit import Town


async def test_a_moderator_gets_a_link_that_opens_the_workbench_once(
    town: Town, served: TestClient
) -> None:
    answer = await town.li.says("工作台")
    assert "10分钟内有效" in answer.text and "http://127.0.0.1:8080/console/login?token=" in answer
    token = token_in(answer.text)
    li = await login_with(served, token)
    status, page = await li.page("/console/")
    assert status == 200 and "李书记" in page and "总览" in page
    again = await served.post("/console/login", data={"token": token})
    assert again.status == 403 and "已经用过或已过期" in await again.text()


async def test_a_resident_gets_no_link_and_a_group_gets_none(town: Town) -> None:
    answer = await town.zhang.says("工作台")
    assert "/console/login" not in answer.text and "社区工作者" in answer.text
    in_group = await town.li.says("工作台", in_group=True, addressed=True)
    assert "/console/login" not in in_group.text and "私聊" in in_group.text


async def test_a_link_expires_after_ten_minutes(
    town: Town, served: TestClient, clock: Clock
) -> None:
    token = token_in((await town.wang.says("工作台")).text)
    clock.advance(minutes=10, seconds=1)
    response = await served.post("/console/login", data={"token": token})
    assert response.status == 403


async def test_without_a_session_the_visitor_is_told_how_to_log_in(served: TestClient) -> None:
    response = await served.get("/console/tickets")
    assert response.url.path == "/console/welcome"
    assert "发送“<strong>工作台</strong>”" in await response.text()


async def test_the_session_cookie_and_logout(town: Town, served: TestClient) -> None:
    token = token_in((await town.li.says("工作台")).text)
    await served.get(f"/console/login?token={token}")
    response = await served.post("/console/login", data={"token": token}, allow_redirects=False)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/console" in cookie
    li = await login_with(served, "x")  # the jar already holds the session
    status, page = await li.page("/console/")
    assert status == 200
    import re

    li.csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)  # type: ignore[union-attr]
    status, page = await li.post("/console/logout")
    assert "发送“<strong>工作台</strong>”" in page
    after = await served.get("/console/", allow_redirects=False)
    assert after.status == 303 and after.headers["Location"].endswith("/console/welcome")
    async with town.bot.uow() as uow:
        actions = [e.action for e in await uow.audit.for_entity("resident", "4")]
    assert {"console_link_issued", "console_login", "console_logout"} <= set(actions)


async def test_every_change_without_a_valid_csrf_token_is_refused(
    town: Town, served: TestClient, as_li: Browserless
) -> None:
    """Sweep: every POST route under /console/, with a live session but no (or a wrong)
    token, or from another site, is refused and changes nothing."""
    posts = [
        r.resource.canonical
        for r in served.app.router.routes()
        if r.method == "POST"
        and r.resource is not None
        and r.resource.canonical.startswith("/console/")
    ]
    assert len(posts) >= 25, posts
    async with town.bot.uow() as uow:
        before = len(await uow.audit.for_entity("resident", "4"))
    for path in posts:
        concrete = (
            path.replace("{number}", "R20261122-0001")
            .replace("{id}", "1")
            .replace("{code}", "M202612")
        )
        for form in ({}, {"csrf": "0" * 40}):
            response = await served.post(concrete, data=form, allow_redirects=False)
            assert response.status == 403, (concrete, form, response.status)
        forged = await served.post(
            concrete,
            data={"csrf": as_li.csrf},
            headers={"Origin": "https://evil.example"},
            allow_redirects=False,
        )
        assert forged.status == 403, concrete
    async with town.bot.uow() as uow:
        assert len(await uow.audit.for_entity("resident", "4")) == before
    status, _ = await as_li.page("/console/")
    assert status == 200  # still signed in: refusals revoke nothing


async def test_roles_are_checked_on_the_server(town: Town, served: TestClient) -> None:
    wang = await login_with(served, token_in((await town.wang.says("工作台")).text))
    status, page = await wang.page("/console/topics")
    assert status == 403
    status, page = await wang.post("/console/topics/1/accept")
    assert status == 403
    status, page = await wang.page("/console/tickets")
    assert status == 200 and "议题" not in page.split("<main>")[0]
