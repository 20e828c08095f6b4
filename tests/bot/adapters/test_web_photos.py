"""A photo uploaded in the web chat (multipart over real HTTP): checked, kept, filed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from yarl import URL

from bot.app import YISHI_KEY, Yishi
from bot.media import LocalBlobs, S3Blobs
from tests.bot.adapters.webchat import PNG, WebChat, upload

MAX = 8192


@pytest.fixture(params=["local", "s3"])
def web_settings(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The photos kept in a local directory, then in a bucket of a local S3 server."""
    if request.param == "s3":
        return {"media": {**request.getfixturevalue("s3_media"), "max_bytes": MAX}}
    return {"media": {"max_bytes": MAX}}


def kept_files(client: TestClient[Any, Any]) -> list[str]:
    """What the bot's media store holds, read from the store itself (disk or bucket)."""
    bot = client.server.app[YISHI_KEY]
    assert isinstance(bot, Yishi)
    blobs = bot.media.blobs
    if isinstance(blobs, LocalBlobs):
        directory: Path = blobs.directory
        return [p.name for p in directory.glob("*")] if directory.exists() else []
    assert isinstance(blobs, S3Blobs)
    listed = blobs.client.list_objects_v2(Bucket=blobs.bucket)
    return [item["Key"] for item in listed.get("Contents", [])]


async def test_a_photo_in_a_report_reaches_the_grid_worker(
    chat: WebChat, client: TestClient[Any, Any]
) -> None:
    zhang = await chat.as_("zhang")
    await zhang.say("楼道灯坏了")
    status, body = await upload(zhang, PNG, chat_id="zhang")
    assert status == 200, body
    assert "照片：1 张" in body["replies"][0]["text"], "her home address was known: the draft"
    link = body["photo"]
    assert link.endswith(".png")
    shown = await zhang.http.get(zhang.url(URL(link).path))
    assert shown.content_type == "image/png" and await shown.read() == PNG
    assert "已受理" in (await zhang.say("确认提交"))[0]
    _, wang = await (await chat.as_("wang")).history("wang")
    [card] = [e["text"] for e in wang["entries"] if e.get("push")]
    assert "照片：1 张" in card and link in card
    assert [name.rsplit("/", 1)[-1] for name in kept_files(client)] == [URL(link).name]
    _, mine = await zhang.history()
    assert [e.get("photo") for e in mine["entries"] if e["kind"] == "me"] == [None, link, None]


async def test_what_is_no_photo_or_too_big_is_refused_and_not_kept(
    chat: WebChat, client: TestClient[Any, Any]
) -> None:
    zhang = await chat.as_("zhang")
    status, body = await upload(zhang, b"GIF89a" + bytes(64))
    assert status == 415 and "不是照片" in body["error"]
    status, body = await upload(zhang, PNG[:8] + bytes(MAX))
    assert status == 413 and "太大" in body["error"]
    status, body = await upload(zhang, PNG, token=False)
    assert status == 403, "no CSRF token, no photo"
    status, body = await upload(zhang, PNG, chat_id="li")
    assert status == 403, "not into someone else's private chat"
    async with zhang.http.post(
        zhang.url("/api/photos"), json={"photo": "x"}, headers=zhang.headers()
    ) as resp:
        assert resp.status == 415
    assert kept_files(client) == []
    _, mine = await zhang.history()
    assert mine["entries"] == []


async def test_a_photo_posted_in_the_group_is_shown_there_unanswered_and_kept_for_the_report(
    chat: WebChat,
) -> None:
    """The outside walk: a photo posted in the group got "收到图片了…" in front of
    everyone, and the report "@议事通 这里垃圾堆了好几天" made next was filed without it.
    Now the neighbours see the photo and no answer; the report, drafted in 张阿姨's own
    chat, carries it to the grid worker."""
    liu = await chat.as_("liu")
    watching = await liu.ws()
    zhang = await chat.as_("zhang")
    status, body = await upload(zhang, PNG, chat_id="group:main")
    assert status == 200, body
    assert body["replies"] == [], "nothing said to a photo in the group"
    link = body["photo"]
    shown = await watching.receive_json(timeout=5)
    assert (shown["type"], shown.get("photo")) == ("group_message", link), shown
    status, body = await zhang.post(chat_id="group:main", text="@议事通 这里垃圾堆了好几天")
    assert status == 200, body
    [card] = body["replies"]
    assert card["chat_id"] == "zhang" and "照片：1 张" in card["text"], card
    assert "已受理" in (await zhang.say("确认提交"))[0]
    _, wang = await (await chat.as_("wang")).history("wang")
    [task] = [e["text"] for e in wang["entries"] if e.get("push")]
    assert link in task, task
    _, group = await liu.history("group:main")
    assert [e.get("photo") for e in group["entries"]] == [link], group["entries"]
    await watching.close()
