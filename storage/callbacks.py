"""The statements a platform callback adds to its message's own transaction.

A WeChat or WeCom callback is one transaction: its signature nonce is spent, the
sender's customer-service window is touched, and the message is handled and
recorded, all committed together or not at all (see ``bot.adapters.callbacks``).
These run on the router's hot path, so on SQLite they take the driver path the
router's own statements take (see ``storage.sqlite_fast``).
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam, delete, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col

from storage.models import Push
from storage.platforms import CallbackRecord, PlatformContact, SignatureNonce
from storage.repository import DriverRepository
from storage.sqlite_fast import compiled


@cache
def _nonce_insert(dialect: str) -> Any:
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return (
        insert(SignatureNonce)
        .on_conflict_do_nothing(index_elements=["platform", "stamp", "nonce"])
        .returning(col(SignatureNonce.id))
    )


@cache
def _nonce_prune(dialect: str = "sqlite") -> Any:
    return delete(SignatureNonce).where(
        col(SignatureNonce.platform) == bindparam("platform"),
        col(SignatureNonce.stamp) < bindparam("before"),
    )


@cache
def _contact_touch(dialect: str) -> Any:
    """Upsert of the sender's last-seen time that writes only when something changes:
    the window is reopened at most once a ``fresh_before`` interval, but at once when
    pushes were counted in it or the user had unsubscribed."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(PlatformContact).values(
        platform=bindparam("platform"),
        user_id=bindparam("user_id"),
        last_inbound_at=bindparam("now"),
        sent_in_window=0,
        subscribed=True,
    )
    table: Any = PlatformContact.__table__  # type: ignore[attr-defined]
    return stmt.on_conflict_do_update(
        index_elements=["platform", "user_id"],
        set_={
            "last_inbound_at": stmt.excluded.last_inbound_at,
            "sent_in_window": 0,
            "subscribed": True,
        },
        where=or_(
            table.c.last_inbound_at < bindparam("fresh_before"),
            table.c.sent_in_window > 0,
            table.c.subscribed.is_(False),
        ),
    )


@cache
def _late_delete(dialect: str = "sqlite") -> Any:
    return delete(CallbackRecord).where(
        col(CallbackRecord.platform) == bindparam("platform"),
        col(CallbackRecord.sender_id) == bindparam("sender_id"),
        col(CallbackRecord.key) == bindparam("key"),
    )


class CallbackRepository(DriverRepository):
    """Nonces, the customer-service window and late records, inside a message's transaction."""

    async def spend_nonce(self, platform: str, stamp: int, nonce: str) -> bool:
        """Record the signed (timestamp, nonce); False when it was used already.

        On PostgreSQL a concurrent transaction with the same pair makes this wait
        for it: a replay racing the original is refused once the original commits.
        """
        values = {"platform": platform, "stamp": stamp, "nonce": nonce}
        driver = await self._driver()
        if driver is not None:
            fast = compiled(_nonce_insert("sqlite"), tuple(values))
            return fast.fetchone(driver, values) is not None
        conn = await self.session.connection()
        result = await conn.execute(_nonce_insert(conn.dialect.name), values)
        return result.scalar_one_or_none() is not None

    async def prune_nonces(self, platform: str, before: int) -> None:
        """Forget pairs whose timestamp is before ``before``: too old to be accepted again."""
        await self._write(_nonce_prune, {"platform": platform, "before": before})

    async def touch_contact(
        self, platform: str, user_id: str, now: datetime, fresh_before: datetime
    ) -> None:
        """The user wrote: their customer-service window reopens (see :func:`_contact_touch`)."""
        params = {
            "platform": platform,
            "user_id": user_id,
            "now": now,
            "fresh_before": fresh_before,
        }
        driver = await self._driver()
        if driver is not None:
            compiled(_contact_touch("sqlite")).execute(driver, params)
            return
        conn = await self.session.connection()
        await conn.execute(_contact_touch(conn.dialect.name), params)

    async def drop_late(self, platform: str, sender_id: str, key: str) -> None:
        """The acknowledged message is handled in this transaction: its keeping ends."""
        await self._write(_late_delete, {"platform": platform, "sender_id": sender_id, "key": key})

    async def push_queued(self, dedupe_key: str) -> bool:
        """Whether a push with this dedupe key was ever queued (a callback's late answer)."""
        found = await self.session.execute(
            select(col(Push.id)).where(col(Push.dedupe_key) == dedupe_key)
        )
        return found.first() is not None
