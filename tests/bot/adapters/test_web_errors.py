"""Whatever the web chat's API refuses, the page can show: a short Chinese sentence in
``{"error": …}`` with the right status — the handlers' refusals and aiohttp's own (an
over-size body, no such path, a wrong method) and a bug alike. Real HTTP on loopback."""

from __future__ import annotations

import re
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from kernel.texts import t
from tests.bot.adapters.webchat import PNG, Browser, WebChat, bot_of, upload

MAX = 8192


@pytest.fixture
def web_settings() -> dict[str, Any]:
    return {"media": {"max_bytes": MAX}}


def said_in_chinese(body: Any) -> str:
    """The refusal's sentence: Chinese, with no English word in it."""
    assert isinstance(body, dict) and isinstance(body.get("error"), str), body
    sentence: str = body["error"]
    assert re.search(r"[\u4e00-\u9fff]", sentence), sentence
    assert not re.search(r"[A-Za-z]{3,}", sentence), sentence
    return sentence


async def answer(resp: aiohttp.ClientResponse) -> tuple[int, str]:
    assert resp.content_type == "application/json", (resp.status, await resp.text())
    return resp.status, said_in_chinese(await resp.json())


async def test_a_message_too_long_for_the_server_is_413_in_chinese(chat: WebChat) -> None:
    zhang = await chat.as_("zhang")
    async with zhang.http.post(
        zhang.url("/api/messages"),
        json={"text": "楼道灯坏了" * 300_000},
        headers=zhang.headers(),
    ) as resp:
        status, sentence = await answer(resp)
    assert status == 413 and sentence == t("web.errors.too_long")
    assert (await zhang.say("帮助"))[0], "the next message goes through"


async def test_a_photo_form_that_is_empty_or_too_big_is_refused_in_chinese(
    chat: WebChat,
) -> None:
    zhang = await chat.as_("zhang")
    form = aiohttp.FormData(default_to_multipart=True)  # as the page sends it
    form.add_field("chat_id", "zhang")
    async with zhang.http.post(zhang.url("/api/photos"), data=form, headers=zhang.headers()) as r:
        assert await answer(r) == (400, t("web.errors.no_photo"))
    async with zhang.http.post(
        zhang.url("/api/photos"), json={"photo": "x"}, headers=zhang.headers()
    ) as r:
        assert (await answer(r))[0] == 415
    status, body = await upload(zhang, PNG[:8] + bytes(MAX))
    assert status == 413 and said_in_chinese(body) == t("media.too_big")
    status, body = await upload(zhang, PNG, chat_id="li")
    assert status == 403 and said_in_chinese(body) == t("web.errors.not_your_chat")


async def test_aiohttps_own_refusals_on_the_api_are_in_chinese(
    client: TestClient[Any, Any], chat: WebChat
) -> None:
    zhang = await chat.as_("zhang")
    async with zhang.http.get(zhang.url("/api/nothing-here")) as resp:
        assert await answer(resp) == (404, t("web.errors.not_found"))
    async with zhang.http.get(zhang.url("/api/messages")) as resp:
        assert await answer(resp) == (405, t("web.errors.not_allowed"))
        assert resp.headers["Allow"] == "POST"
    page = await client.get("/no-such-page")
    assert page.status == 404 and page.content_type != "application/json", "pages: not the API"


async def test_every_refusal_of_a_message_is_in_chinese(
    client: TestClient[Any, Any], chat: WebChat
) -> None:
    zhang = await chat.as_("zhang")
    url = zhang.url("/api/messages")
    stranger = Browser(client.make_url("/"))
    try:
        async with stranger.http.post(url, json={"text": "帮助"}) as resp:
            assert await answer(resp) == (403, t("web.errors.stale_page")), "no session yet"
    finally:
        await stranger.close()
    refusals = [
        ({"text": "帮助"}, {}, 403),  # no CSRF token
        ({"text": "帮助"}, {"Origin": "http://evil.test"}, 403),
        ({"text": "帮助", "chat_id": "group:nowhere"}, None, 404),
        ({"text": "帮助", "chat_id": "li"}, None, 403),
        ({"text": 5}, None, 400),
        ({"text": "帮助", "chat_id": ""}, None, 400),
        ({"text": "帮助", "sender_id": "liu"}, None, 409),  # another tab switched
    ]
    for body, headers, expected in refusals:
        sent = zhang.headers() if headers is None else {**headers}
        if headers and "Origin" in headers:
            sent.update(zhang.headers())
        async with zhang.http.post(url, json=body, headers=sent) as resp:
            assert (await answer(resp))[0] == expected, (body, headers)
    async with zhang.http.post(
        url, data="帮助", headers=zhang.headers(**{"Content-Type": "text/plain"})
    ) as resp:
        assert (await answer(resp))[0] == 415


async def test_a_bug_behind_the_api_is_a_500_in_chinese(
    client: TestClient[Any, Any], chat: WebChat, monkeypatch: pytest.MonkeyPatch
) -> None:
    zhang = await chat.as_("zhang")

    async def broken(_platform: str) -> list[dict[str, Any]]:
        raise RuntimeError("a bug")

    monkeypatch.setattr(bot_of(client).router, "directory", broken)
    async with zhang.http.get(zhang.url("/api/people")) as resp:
        assert await answer(resp) == (500, t("web.errors.server"))
