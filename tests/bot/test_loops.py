"""The test suite's own rule: a bot's background loops run only in tests about them."""

from __future__ import annotations

import asyncio

import pytest

from bot.app import Yishi


def _running() -> set[str]:
    return {t.get_name() for t in asyncio.all_tasks()}


async def test_a_started_bot_runs_no_loop_unless_the_test_asks(yishi: Yishi) -> None:
    await yishi.start()
    assert yishi.loops == frozenset()
    assert "push-service" not in _running()
    assert yishi.scheduler.leader is False  # never ticked: no lease taken


@pytest.mark.loops("push", "scheduler")
async def test_a_test_about_the_loops_gets_them(yishi: Yishi) -> None:
    await yishi.start()
    assert yishi.loops == {"push", "scheduler"}
    assert "push-service" in _running()
    for _ in range(200):  # the scheduler's first tick runs at once and takes the lease
        if yishi.scheduler.leader:
            break
        await asyncio.sleep(0.01)
    assert yishi.scheduler.leader
