"""Upgrading a database where a void vote left its topic 已列入议程 on a meeting that is
over (topics_1): the topic goes back to 已达附议人数, saying why, as a void vote's topic
does now; every other topic stays where it is."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.app import Yishi
from kernel.intents import KeywordClassifier
from storage.types import utcnow
from tests.conftest import make_settings
from tests.kit import said
from tests.storage.migration_support import insert, migrate, rows

#: Around the real clock: the migration takes its now from it.
PAST = utcnow() - timedelta(days=20)
AHEAD = utcnow() + timedelta(days=20)
REASON = "P1 表决投票人数未达到法定人数，未形成决定，待列入议程重新表决"


def _result(voters: int, electorate: int, *, quorum: bool, passed: bool) -> dict[str, Any]:
    """A closed yes/no poll's stored result, as code before Tally.outcome stored it (no
    ``outcome`` key: the migration must read it as the code does now)."""
    counts = [voters, 0, 0] if passed else [0, voters, 0]
    return {
        "options": ["赞成", "反对", "弃权"],
        "counts": counts,
        "voters": voters,
        "electorate": electorate,
        "turnout_pct": 100.0 * voters / electorate,
        "quorum_pct": 50,
        "quorum_met": quorum,
        "rule": "majority",
        "rule_met": passed,
        "tie": False,
        "winner": 0 if passed else None,
        "passed": quorum and passed,
    }


VOID = _result(1, 5, quorum=False, passed=True)  # no_quorum
PASSED = _result(4, 5, quorum=True, passed=True)
TIED = {**_result(4, 5, quorum=True, passed=False), "counts": [2, 2, 0], "tie": True}
NO_VOTES = {**_result(0, 5, quorum=False, passed=False), "turnout_pct": 0.0}


def _poll(poll_id: int, topic_id: int, meeting_id: int, closed: datetime, result: Any) -> Any:
    return {
        "id": poll_id,
        "question": f"是否同意议题 T{topic_id} 的提议？",
        "kind": "yesno",
        "options": ["赞成", "反对", "弃权"],
        "max_choices": 1,
        "electorate": "residents",
        "anonymous": False,
        "quorum_pct": 50,
        "pass_rule": "majority",
        "hide_results": False,
        "status": "closed",
        "platform": "web",
        "chat_id": "group:main",
        "meeting_id": meeting_id,
        "topic_id": topic_id,
        "electorate_size": 5,
        "opened_at": closed - timedelta(hours=1),
        "closed_at": closed,
        "result": result,
    }


def _topic(topic_id: int, status: str, meeting_id: int | None) -> dict[str, Any]:
    return {
        "id": topic_id,
        "title": f"议题{topic_id}：3号楼东侧空地改成停车位",
        "description": "晚上回来经常没地方停",
        "proposer_id": 1,
        "status": status,
        "screen_hint": {},
        "buildings": ["3"],
        "cosign_count": 3,
        "meeting_id": meeting_id,
        "created_at": PAST - timedelta(days=30),
        "updated_at": PAST - timedelta(days=1),
    }


@pytest.fixture
async def old(empty_url: str) -> AsyncIterator[str]:
    """A database at identities_2: M1 over (20 days ago), M2 ahead, M3 over but cancelled.

    T1 on M1, its only vote P1 short of its quorum: stuck, to be put back.
    T2 on M1, passed by P2, then voted on again by P3, tied: decided, stays.
    T3 on M2 (ahead), P4 short of its quorum already: voted on again there, stays.
    T4 decided by old code on P5, nobody voting (a decision row for a void vote): stays.
    T5 on M3 (cancelled), P6 void: stays. T6 on M1 with no vote at all: stays.
    """
    await migrate(empty_url, "identities_2")
    await insert(
        empty_url,
        "residents",
        {"id": 1, "name": "陈委员", "verified": True, "created_at": PAST},
        {"id": 2, "name": "刘阿姨", "verified": True, "created_at": PAST},
    )
    await insert(
        empty_url,
        "platform_identities",
        {"platform": "web", "platform_user_id": "liu", "resident_id": 2, "created_at": PAST},
    )
    meeting = {"place": "社区活动室", "capacity": 60, "created_at": PAST - timedelta(days=40)}
    await insert(
        empty_url,
        "meetings",
        {"id": 1, "code": "M202611", "starts_at": PAST, "status": "scheduled", **meeting},
        {"id": 2, "code": "M202701", "starts_at": AHEAD, "status": "scheduled", **meeting},
        {"id": 3, "code": "M202610", "starts_at": PAST, "status": "cancelled", **meeting},
    )
    await insert(
        empty_url,
        "topics",
        _topic(1, "scheduled", 1),
        _topic(2, "scheduled", 1),
        _topic(3, "scheduled", 2),
        _topic(4, "decided", 1),
        _topic(5, "scheduled", 3),
        _topic(6, "scheduled", 1),
    )
    voted = PAST + timedelta(hours=1)
    await insert(
        empty_url,
        "polls",
        _poll(1, 1, 1, voted, VOID),
        _poll(2, 2, 1, voted, PASSED),
        _poll(3, 2, 1, voted + timedelta(minutes=30), TIED),
        _poll(4, 3, 2, voted, VOID),
        _poll(5, 4, 1, voted, NO_VOTES),
        _poll(6, 5, 3, voted, VOID),
    )
    await insert(
        empty_url,
        "decisions",
        {
            "meeting_id": 1,
            "topic_id": 4,
            "poll_id": 5,
            "text": "是否同意议题 T4 的提议？",
            "passed": False,
            "status": "decided",
            "created_at": voted,
        },
    )
    yield empty_url


async def test_a_topic_a_void_vote_left_on_a_past_meeting_goes_back_to_wait(old: str) -> None:
    before = {t["id"]: t for t in await rows(old, "topics")}
    started = utcnow()
    await migrate(old, "heads")
    finished = utcnow()

    after = {t["id"]: t for t in await rows(old, "topics")}
    t1 = after.pop(1)
    assert (t1["status"], t1["meeting_id"], t1["reason"]) == ("qualified", None, REASON)
    assert started <= t1["updated_at"].replace(tzinfo=UTC) <= finished
    assert after == {i: t for i, t in before.items() if i != 1}, "every other topic stays"

    [entry] = await rows(old, "audit_log")
    assert (entry["actor"], entry["action"], entry["entity_type"], entry["entity_id"]) == (
        "migration:topics_1",
        "topic_requeued",
        "topic",
        "T1",
    )
    assert entry["before"] == {"status": "scheduled", "meeting": "M202611"}
    at = entry["at"].replace(tzinfo=UTC)
    assert started <= at <= finished
    assert entry["after"] == {
        "status": "qualified",
        "poll": "P1",
        "outcome": "no_quorum",
        "reason": REASON,
        "at": at.isoformat(),
    }, "as PollService._requeue writes it"


async def test_a_resident_asking_is_told_it_waits_for_an_agenda(old: str) -> None:
    await migrate(old, "heads")
    bot = Yishi(make_settings(old), classifier=KeywordClassifier())
    try:
        assert await said(bot, "T1", "liu") == (
            "议题 T1“议题1：3号楼东侧空地改成停车位”：已达附议人数。" + REASON + "。"
        )
        assert await said(bot, "T3", "liu") == (
            "议题 T3“议题3：3号楼东侧空地改成停车位”：已列入议程。"
        ), "one on a meeting ahead still is"
    finally:
        await bot.stop()
