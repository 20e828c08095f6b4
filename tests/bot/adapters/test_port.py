"""The adapters' storage port: a request that handles no message is one transaction.

An unfollow spends its signature and closes the customer-service window together
(WeChat's ``unsubscribe``): kept both, or, when anything in it fails, neither.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.adapters.port import PlatformStore
from bot.app import Yishi
from tests.conftest import Clock

WINDOW = timedelta(hours=48)


async def test_an_unfollow_keeps_its_nonce_and_closed_window_together(
    yishi: Yishi, clock: Clock
) -> None:
    store = PlatformStore(yishi.uow)
    now = clock()
    async with store.transaction() as tx:  # oA wrote: the window is open
        await tx.touch_contact("wechat", ("oA", now, now - timedelta(minutes=1)))
    assert await store.take_window_slot("wechat", "oA", now, WINDOW, 5)

    with pytest.raises(RuntimeError):
        async with store.transaction() as tx:
            assert await tx.spend_nonce("wechat", 1000, "n1")
            await tx.unsubscribed("wechat", "oA", now)
            raise RuntimeError("the process failed mid-request")
    # Nothing of it was kept: the window is still open, the signature still unspent.
    assert await store.take_window_slot("wechat", "oA", now, WINDOW, 5)

    async with store.transaction() as tx:
        assert await tx.spend_nonce("wechat", 1000, "n1")
        await tx.unsubscribed("wechat", "oA", now)
    assert not await store.take_window_slot("wechat", "oA", now, WINDOW, 5)
    async with store.transaction() as tx:
        assert not await tx.spend_nonce("wechat", 1000, "n1")  # a replay is refused
