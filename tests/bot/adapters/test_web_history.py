"""The web chat's history: what a reload shows, and to whom (real HTTP on loopback)."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import text

from bot.app import YISHI_KEY
from consultation.polls import PollService
from handlers.help import HelpHandler
from kernel.texts import t
from tests.bot.adapters.ballot_support import CHOICES, choices_beside_voters, every_row
from tests.bot.adapters.webchat import Browser, WebChat

GROUP = "group:main"


def said(entries: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(e["kind"], e["text"].splitlines()[0]) for e in entries]


async def test_a_reload_shows_the_private_conversation(chat: WebChat) -> None:
    zhang = await chat.as_("zhang")
    [reply] = await zhang.say("帮助")
    await zhang.say("帮助", message_id="again")
    await zhang.post(text="帮助", message_id="again")  # a retry is not said twice
    status, body = await zhang.history("zhang")  # what the page asks for after a reload
    assert status == 200
    assert said(body["entries"]) == [
        ("me", "帮助"),
        ("bot", reply.splitlines()[0]),
        ("me", "帮助"),
        ("bot", reply.splitlines()[0]),
    ]
    assert body["entries"][1]["buttons"][0]["label"] == "反映问题"


async def test_the_group_history_names_people_but_not_their_ids(chat: WebChat) -> None:
    await chat.say("zhang", "大家好，明天一起打扫楼道", chat_id=GROUP)
    await chat.say("liu", "好的", chat_id=GROUP)
    _, body = await (await chat.as_("liu")).history(GROUP)
    assert [(e["kind"], e.get("name"), e["text"]) for e in body["entries"]] == [
        ("other", "张阿姨", "大家好，明天一起打扫楼道"),
        ("me", None, "好的"),
    ]
    assert "zhang" not in json.dumps(body["entries"]) and "sender" not in json.dumps(body)


async def test_a_stranger_gets_no_one_elses_private_history(
    chat: WebChat, client: TestClient[Any, Any]
) -> None:
    await chat.say("zhang", "楼道灯坏了")
    stranger = Browser(client.make_url("/"))
    try:
        await stranger.open()
        status, _ = await stranger.history("zhang")
        assert status == 403
        _, own = await stranger.history()
        assert own["entries"] == []
    finally:
        await stranger.close()


async def test_a_late_arrival_gets_an_open_polls_buttons_until_it_closes(chat: WebChat) -> None:
    [opened, *_] = await chat.say("li", "开启投票 明年是否更换物业", chat_id=GROUP)
    found = re.search(r"P(\d+)", opened)
    assert found, opened
    ref = found.group(0)
    late = await chat.as_("chen")  # opens the group only now
    _, body = await late.history(GROUP)
    [poll] = [e for e in body["entries"] if ref in e["text"]]
    assert [b["label"] for b in poll["buttons"]] == ["赞成", "反对", "弃权"]
    await late.post(text=poll["buttons"][0]["data"], chat_id=GROUP)
    await chat.say("li", f"结束投票 {ref}", chat_id=GROUP)
    _, body = await late.history(GROUP)
    [poll] = [e for e in body["entries"] if ref in e["text"] and "赞成" in e["text"]][:1]
    assert poll["buttons"] == [], "a closed poll has no buttons to tap"


async def test_a_workbench_link_is_shown_once_and_never_in_the_history(chat: WebChat) -> None:
    li = await chat.as_("li")
    [link] = await li.say("工作台")
    token = re.search(r"token=([A-Za-z0-9_-]+)", link)
    assert token, link
    _, body = await li.history()
    [kept] = [e["text"] for e in body["entries"] if e["kind"] == "bot"]
    assert token.group(1) not in json.dumps(body) and "不再重复显示" in kept


async def test_an_anonymous_vote_leaves_no_choice_beside_the_voter(
    chat: WebChat, client: TestClient[Any, Any], sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The history kept what a voter said in their own chat, with their id — (liu,
    "投票 P1 反对") — and the moderator's 录入纸质票 P1 王网格员 赞成: anyone with the
    database read who chose what in an anonymous poll. A secret ballot's words are kept
    as a sentence; an attacker reading every table finds no choice beside a voter."""
    caplog.set_level(logging.DEBUG)
    [opened] = await chat.say("li", "开启投票 是否同意养犬公约 匿名", chat_id=GROUP)
    assert "【表决 P1】" in opened, opened
    zhang = await chat.as_("zhang")
    status, tapped = await zhang.post(text="投票 P1 反对", chat_id=GROUP, private=True)
    assert status == 200 and "匿名票已投出" in tapped["replies"][0]["text"], tapped
    status, tapped = await chat.post("liu", text="投票 P1 反对", private=True)  # own chat
    assert status == 200 and "匿名票已投出" in tapped["replies"][0]["text"], tapped
    cast = {
        "zhao": await chat.say("zhao", "P1 弃权"),
        "chen": await chat.say("chen", "我赞成", chat_id=GROUP),  # typed in the group
    }
    for who, replies in cast.items():
        assert "匿名票已投出" in replies[0], (who, replies)
    changed = await zhang.say("投票 P1 赞成")  # a bare word over her vote would be asked about
    assert "最后一次" in changed[0], changed
    entered = await chat.say("li", "录入纸质票 P1 王网格员 赞成")
    assert "已录入 王网格员 的纸质票" in entered[0], entered
    refused = await chat.say("li", "录入纸质票 P1 刘大爷 反对")
    assert "不能" in refused[0], refused

    _, mine = await zhang.history("zhang")
    kept = [e["text"] for e in mine["entries"] if e["kind"] == "me"]
    assert set(kept) <= {"（投票内容不保存）"}, mine  # or not kept at all
    _, group = await zhang.history(GROUP)
    assert "我赞成" not in json.dumps(group, ensure_ascii=False), group
    _, moderator = await chat.browsers["li"].history("li")
    entries = [(e["kind"], e["text"]) for e in moderator["entries"]]
    assert entries[0] == entries[2] == ("me", "（投票内容不保存）"), entries
    assert "王网格员 赞成" not in json.dumps(moderator, ensure_ascii=False), moderator

    voters = {"zhang": "张阿姨", "liu": "刘大爷", "wang": "王网格员", "zhao": "赵网格员"}
    voters["chen"] = "陈委员"
    for when in ("open", "closed"):
        if when == "closed":
            [result] = await chat.say("li", "结束投票 P1", chat_id=GROUP)
            assert "赞成：3 票" in result and "决议编号 D1" in result, result
            page = await client.get("/public/decisions/D1")
            published = await page.text()
            assert page.status == 200 and "养犬公约" in published
            assert not any(n in published for n in voters.values()), published
        rows = every_row(sqlite_url)
        resident_ids = {r["id"] for r in rows["residents"] if r["name"] in voters.values()}
        assert len(resident_ids) == len(voters)
        leaks = choices_beside_voters(rows, voters.keys(), voters.values(), resident_ids)
        assert leaks == [], (when, leaks)
    for record in caplog.records:
        line = f"{record.getMessage()} {record.__dict__}"
        assert not any(c in line for c in CHOICES), line


async def test_an_anonymous_vote_whose_handler_crashed_keeps_no_words(
    chat: WebChat, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Kept with the apology, a crashed vote's words would still name the choice."""

    async def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("a bug while sealing the ballot")

    await chat.say("li", "开启投票 是否同意养犬公约 匿名", chat_id=GROUP)
    monkeypatch.setattr(PollService, "cast", broken)
    liu = await chat.as_("liu")
    [apology] = await liu.say("投票 P1 反对")
    assert apology == t("router.error")
    _, body = await liu.history("liu")
    assert said(body["entries"]) == [("me", "（投票内容不保存）"), ("bot", apology)]


async def test_a_message_whose_handler_crashed_is_kept_with_the_apology(
    chat: WebChat, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("a bug in the help handler")

    monkeypatch.setattr(HelpHandler, "handle", broken)
    zhang = await chat.as_("zhang")
    [apology] = await zhang.say("帮助", message_id="m1")
    assert apology == t("router.error")
    await zhang.post(text="帮助", message_id="m1")  # the retry gets the same answer
    _, body = await zhang.history("zhang")
    assert said(body["entries"]) == [("me", "帮助"), ("bot", apology.splitlines()[0])]


async def test_a_vote_typed_in_private_is_not_kept_next_to_the_voter(
    chat: WebChat, client: TestClient[Any, Any]
) -> None:
    """The private history kept “反对” as 张阿姨's line: in an anonymous poll, a row that
    names the voter beside the choice, for anyone who reads the table. A vote's words
    are not kept (as a tap on its button never was); its receipt is."""
    await chat.say("li", "开启投票 是否更换物业 匿名 单独表决", chat_id=GROUP)
    zhang = await chat.as_("zhang")
    [receipt] = await zhang.say("反对")
    assert "匿名票已投出" in receipt
    await zhang.say("帮助")
    _, body = await zhang.history()
    assert ("bot", receipt.splitlines()[0]) in said(body["entries"]), body["entries"]
    assert ("me", "帮助") in said(body["entries"])
    bot = client.server.app[YISHI_KEY]
    async with bot.uow() as uow:
        rows = await uow.session.execute(
            text("SELECT chat_id, sender_id, text FROM web_chat_lines")
        )
        kept = rows.all()
    hers = [line for chat_id, who, line in kept if "zhang" in (chat_id, who)]
    assert hers and not [line for line in hers if "反对" in line], hers
