"""Upgrading a database whose web identities were their cookies (``w-`` + 32 hex digits).

Those values were broadcast, logged and exported, so they are retired: each gets a
fresh public id everywhere it was stored, is unbound, and opens nothing any more.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from alembic.script import ScriptDirectory

from bot.adapters.web.sessions import LEGACY_COOKIE, SESSION_COOKIE
from bot.app import build_web_app, build_yishi
from kernel.intents import KeywordClassifier
from storage.migrate import alembic_config
from tests.bot.adapters.webchat import Browser
from tests.conftest import make_settings
from tests.storage.migration_support import insert, migrate, rows
from tests.storage.scan import cells_containing

LEGACY = "w-" + "5e" * 16
NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


@pytest.fixture
async def upgraded(empty_url: str) -> AsyncIterator[str]:
    """A database from before web sessions, with a legacy identity bound to 李书记, its
    audit entry and conversation; then upgraded to the newest schema."""
    scripts = ScriptDirectory.from_config(alembic_config(empty_url))
    before = scripts.get_revision("identities_1").down_revision
    assert isinstance(before, str)
    await migrate(empty_url, before)
    await insert(
        empty_url, "residents", {"id": 1, "name": "李书记", "verified": True, "created_at": NOW}
    )
    await insert(
        empty_url,
        "platform_identities",
        {"platform": "web", "platform_user_id": LEGACY, "resident_id": 1, "created_at": NOW},
        {"platform": "web", "platform_user_id": "li", "resident_id": 1, "created_at": NOW},
    )
    await insert(
        empty_url,
        "audit_log",
        {
            "at": NOW,
            "actor": f"web:{LEGACY}",
            "action": "topic_proposed",
            "entity_type": "topic",
            "entity_id": "1",
        },
    )
    await insert(
        empty_url,
        "conversation_states",
        {
            "platform": "web",
            "chat_id": LEGACY,
            "user_id": LEGACY,
            "flow": "report",
            "step": "where",
            "data": {},
            "expires_at": NOW,
            "updated_at": NOW,
        },
    )
    await migrate(empty_url, "heads")
    yield empty_url


async def test_a_legacy_identity_is_renamed_everywhere_and_unbound(upgraded: str) -> None:
    assert await cells_containing(upgraded, LEGACY) == []
    web_ids = {r["platform_user_id"]: r for r in await rows(upgraded, "platform_identities")}
    [renamed] = [i for i in web_ids if i != "li"]
    assert re.fullmatch(r"w-[0-9a-f]{16}", renamed)
    assert web_ids[renamed]["resident_id"] is None, "nobody can speak as it: unbound"
    assert web_ids["li"]["resident_id"] == 1, "other identities are left alone"
    [audit] = await rows(upgraded, "audit_log", action="topic_proposed")
    assert audit["actor"] == f"web:{renamed}", "the history stays one person's"
    [conversation] = await rows(upgraded, "conversation_states")
    assert conversation["chat_id"] == conversation["user_id"] == renamed


async def test_the_old_cookie_gets_a_new_identity(upgraded: str, aiohttp_client: Any) -> None:
    settings = make_settings(upgraded, web={"demo_personas": False})
    bot = build_yishi(settings, classifier=KeywordClassifier())
    client: TestClient[Any, Any] = await aiohttp_client(build_web_app(bot))
    browser = Browser(client.make_url("/"))
    try:
        browser.http.cookie_jar.update_cookies(
            {LEGACY_COOKIE: LEGACY, SESSION_COOKIE: LEGACY}, client.make_url("/")
        )
        async with browser.http.get(browser.url("/api/session")) as resp:
            me = await resp.json()
            cleared = resp.cookies[LEGACY_COOKIE]
        assert me["user_id"] != LEGACY and me["name"].startswith("居民·")
        assert cleared.value == "" and cleared["max-age"] == "0"
        assert browser.credential not in (None, LEGACY)
        browser.token = me["csrf_token"]
        assert "需要社区工作者身份" in (await browser.say("诉求统计"))[0]
    finally:
        await browser.close()
