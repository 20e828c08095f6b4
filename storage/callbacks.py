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

from sqlalchemy import bindparam, delete, or_, select, text
from sqlmodel import col

from storage.models import Push
from storage.platforms import CallbackRecord, PlatformContact, SignatureNonce
from storage.repository import (
    DriverRepository,
    delete_by_params,
    dialect_insert,
    insert_or_nothing,
)
from storage.sqlite_fast import compiled
from storage.types import UTCDateTime

#: A sender whose contact to touch: (user id, now, written again only if before this).
Touch = tuple[str, datetime, datetime]


@cache
def _nonce_insert(dialect: str) -> Any:
    unique = ("platform", "stamp", "nonce")
    return insert_or_nothing(dialect, SignatureNonce, unique, col(SignatureNonce.id))


@cache
def _nonce_prune(dialect: str = "sqlite") -> Any:
    return delete(SignatureNonce).where(
        col(SignatureNonce.platform) == bindparam("platform"),
        col(SignatureNonce.stamp) < bindparam("before"),
    )


_PG_TOUCH = """
    touched AS (
        UPDATE platform_contacts
        SET last_inbound_at = :now, sent_in_window = 0, subscribed = true
        WHERE platform = :platform AND user_id = :user_id
          AND (last_inbound_at < :fresh_before OR sent_in_window > 0 OR NOT subscribed)
        RETURNING id
    ),
    added AS (
        INSERT INTO platform_contacts
            (platform, user_id, last_inbound_at, sent_in_window, subscribed)
        SELECT :platform, :user_id, :now, 0, true
        WHERE NOT EXISTS (SELECT 1 FROM touched)
        ON CONFLICT (platform, user_id) DO NOTHING
        RETURNING id
    )"""
_PG_SPEND = """
    spent AS (
        INSERT INTO platform_nonces (platform, stamp, nonce) VALUES (:platform, :stamp, :nonce)
        ON CONFLICT (platform, stamp, nonce) DO NOTHING
        RETURNING id
    )"""
_TIMES = (bindparam("now", type_=UTCDateTime()), bindparam("fresh_before", type_=UTCDateTime()))
#: PostgreSQL: the contact's UPDATE locks its row only when it changes it, and the
#: INSERT adds a missing one (``ON CONFLICT DO UPDATE … WHERE`` would lock the row even
#: when it writes nothing, and hold it to the commit: one person's concurrent messages
#: would wait for each other). With the nonce, one statement: one round trip.
_PG_CONTACT_TOUCH = text(f"WITH {_PG_TOUCH} SELECT count(*) FROM added").bindparams(*_TIMES)
_PG_SPEND_AND_TOUCH = text(f"WITH {_PG_SPEND}, {_PG_TOUCH} SELECT count(*) FROM spent").bindparams(
    *_TIMES
)


@cache
def _contact_touch(dialect: str) -> Any:
    """Upsert of the sender's last-seen time that writes only when something changes:
    the window is reopened at most once a ``fresh_before`` interval, but at once when
    pushes were counted in it or the user had unsubscribed. (SQLite has no row locks;
    PostgreSQL takes :data:`_PG_CONTACT_TOUCH`.)"""
    if dialect == "postgresql":
        return _PG_CONTACT_TOUCH
    stmt = dialect_insert(dialect, PlatformContact).values(
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
    return delete_by_params(CallbackRecord, "platform", "sender_id", "key")


class CallbackRepository(DriverRepository):
    """Nonces, the customer-service window and late records, inside a message's transaction."""

    async def spend_nonce(
        self, platform: str, stamp: int, nonce: str, *, touch: Touch | None = None
    ) -> bool:
        """Record the signed (timestamp, nonce); False when it was used already. With
        ``touch``, the sender's contact is touched too (see :meth:`touch_contact`), on
        PostgreSQL in the same statement.

        On PostgreSQL a concurrent transaction with the same pair makes this wait
        for it: a replay racing the original is refused once the original commits.
        """
        values = {"platform": platform, "stamp": stamp, "nonce": nonce}
        driver = await self._driver()
        if driver is not None:
            fast = compiled(_nonce_insert("sqlite"), tuple(values))
            fresh = fast.fetchone(driver, values) is not None
            if touch is not None:
                await self.touch_contact(platform, *touch)
            return fresh
        conn = await self.session.connection()
        if touch is not None and conn.dialect.name == "postgresql":
            user_id, now, fresh_before = touch
            params = {**values, "user_id": user_id, "now": now, "fresh_before": fresh_before}
            return bool((await conn.execute(_PG_SPEND_AND_TOUCH, params)).scalar_one())
        result = await conn.execute(_nonce_insert(conn.dialect.name), values)
        if touch is not None:
            await self.touch_contact(platform, *touch)
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
