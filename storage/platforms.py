"""Platform plumbing kept in the database so every process shares it.

Access tokens (WeChat allows a handful of refreshes a day, and a second process
fetching its own would invalidate the first's), one-time bind codes (stored
hashed), callbacks acknowledged before they were handled, the signature nonces
already used, each user's customer-service window, the short keys behind long Telegram button
data, and where every push went.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, UniqueConstraint, and_, func, update
from sqlalchemy import select as sa_select
from sqlmodel import Field, col, select

from storage.models import InboundMessage, PlatformIdentity
from storage.repository import Repository, rowcount
from storage.types import Keyed, utc_field, utcnow


class PlatformToken(Keyed, table=True):
    """A platform access token, shared by every process that talks to that platform."""

    __tablename__ = "platform_tokens"
    name: str = Field(max_length=128, unique=True)
    value: str = Field(max_length=1024)
    expires_at: datetime = utc_field()
    updated_at: datetime = utc_field()


class BindCode(Keyed, table=True):
    """A one-time code a moderator issues so a resident can bind a platform account."""

    __tablename__ = "bind_codes"
    code_hash: str = Field(max_length=64, unique=True)
    resident_id: int = Field(foreign_key="residents.id", index=True)
    issued_by: str = Field(max_length=128)
    created_at: datetime = utc_field()
    expires_at: datetime = utc_field(index=True)
    used_at: datetime | None = utc_field(nullable=True)
    used_by: str | None = Field(default=None, max_length=160)


class CallbackRecord(Keyed, table=True):
    """A platform callback acknowledged before it was handled (WeChat, WeCom).

    WeChat waits five seconds; a message whose handling takes longer is answered
    ``success`` (WeChat then never retries it) and its answer pushed when ready. So
    that a crash in between does not lose it, the message itself is kept here
    *before* the acknowledgement, and deleted in the very transaction that handles
    it. A row that outlives its process is handled by the next sweep (see
    ``bot.adapters.callbacks``). Quick callbacks, nearly all of them, write no row
    here: their answer goes back in the HTTP response and a retry finds the
    message's own record.
    """

    __tablename__ = "platform_callbacks"
    __table_args__ = (UniqueConstraint("platform", "sender_id", "key"),)
    platform: str = Field(max_length=16)
    sender_id: str = Field(max_length=128)
    key: str = Field(max_length=128)
    message: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = utc_field(index=True)


class SignatureNonce(Keyed, table=True):
    """A (timestamp, nonce) pair a platform signed and we accepted: used once only.

    Kept while its timestamp is inside the freshness window (a request outside it
    is refused anyway), so the table holds at most a window's worth of callbacks.
    """

    __tablename__ = "platform_nonces"
    __table_args__ = (UniqueConstraint("platform", "stamp", "nonce"),)
    platform: str = Field(max_length=16)
    stamp: int = Field(sa_type=BigInteger)
    nonce: str = Field(max_length=64)


class PlatformContact(Keyed, table=True):
    """When a user last wrote to us: WeChat's customer-service window opens from that."""

    __tablename__ = "platform_contacts"
    __table_args__ = (UniqueConstraint("platform", "user_id"),)
    platform: str = Field(max_length=16)
    user_id: str = Field(max_length=128)
    last_inbound_at: datetime = utc_field()
    sent_in_window: int = Field(default=0)
    subscribed: bool = Field(default=True)


class CallbackData(Keyed, table=True):
    """Button data too long for a platform's limit (Telegram: 64 bytes), by short key."""

    __tablename__ = "platform_callback_data"
    key: str = Field(max_length=64, unique=True)
    data: str = Field(max_length=4096)
    created_at: datetime = utc_field()


class PushDelivery(Keyed, table=True):
    """Where one push attempt went and whether it arrived (or why not)."""

    __tablename__ = "push_deliveries"
    platform: str = Field(max_length=16, index=True)
    chat_id: str = Field(max_length=128, index=True)
    via: str = Field(max_length=32)
    ok: bool
    detail: str | None = Field(default=None, max_length=500)
    excerpt: str = Field(default="", max_length=80)
    at: datetime = utc_field(index=True)


class LiveMessage(Keyed, table=True):
    """A message the bot keeps editing (a poll's running count), by its ``edit_key``."""

    __tablename__ = "platform_live_messages"
    __table_args__ = (UniqueConstraint("platform", "chat_id", "key"),)
    platform: str = Field(max_length=16)
    chat_id: str = Field(max_length=128)
    key: str = Field(max_length=64)
    message_id: str = Field(max_length=64)
    updated_at: datetime = utc_field()


class CardOwner(Keyed, table=True):
    """Whom a card the bot sent in a group answered, by the platform's message id: its
    buttons are theirs alone (a press by anyone else changes nothing). Kept while
    messages are (``[storage] message_log_days``), then purged with them."""

    __tablename__ = "platform_card_owners"
    __table_args__ = (UniqueConstraint("platform", "chat_id", "message_id"),)
    platform: str = Field(max_length=16)
    chat_id: str = Field(max_length=128)
    message_id: str = Field(max_length=64)
    owner_id: str = Field(max_length=128)
    sent_at: datetime = utc_field(index=True)


class PushPreference(Keyed, table=True):
    """The platforms a resident prefers pushes on, most preferred first."""

    __tablename__ = "push_preferences"
    resident_id: int = Field(foreign_key="residents.id", unique=True)
    platforms: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = utc_field()


class BindError(Exception):
    """Why a bind code was refused; ``code`` is what the handler maps to a sentence."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class PlatformRepository(Repository):
    """Tokens, bind codes, callbacks, contacts, button keys, deliveries, preferences."""

    # -- access tokens -----------------------------------------------------------------
    async def token(self, name: str, now: datetime) -> PlatformToken | None:
        """The stored token when it is still valid at ``now``."""
        found = await self._first(PlatformToken, name=name)
        if found is None or found.expires_at <= now:
            return None
        return found

    async def save_token(self, name: str, value: str, expires_at: datetime) -> None:
        await self._upsert(
            PlatformToken, {"name": name}, value=value, expires_at=expires_at, updated_at=utcnow()
        )

    async def expire_token(self, name: str, value: str) -> None:
        """Forget ``value`` (the platform said it expired) unless another process replaced it."""
        await self._delete(PlatformToken, name=name, value=value)

    # -- bind codes --------------------------------------------------------------------
    async def add_bind_code(
        self, code_hash: str, resident_id: int, issued_by: str, expires_at: datetime
    ) -> bool:
        return await self._add_new(
            BindCode(
                code_hash=code_hash,
                resident_id=resident_id,
                issued_by=issued_by,
                created_at=utcnow(),
                expires_at=expires_at,
            )
        )

    async def live_bind_code(self, code_hash: str, now: datetime) -> int | None:
        """The resident of an unused, unexpired code (the code stays unused); else None."""
        found = await self._first(BindCode, code_hash=code_hash)
        if found is None or found.used_at is not None or found.expires_at <= now:
            return None
        return found.resident_id

    async def spent_by(self, code_hash: str, used_by: str) -> int | None:
        """The resident of a code ``used_by`` spent itself (a button pressed twice)."""
        found = await self._first(BindCode, code_hash=code_hash, used_by=used_by)
        return None if found is None or found.used_at is None else found.resident_id

    async def live_bind_codes(self, now: datetime) -> int:
        """How many codes could be redeemed right now (unused, unexpired)."""
        stmt = select(func.count()).where(
            col(BindCode.used_at).is_(None), col(BindCode.expires_at) > now
        )
        return int((await self.session.exec(stmt)).one())

    async def use_bind_code(self, code_hash: str, used_by: str, now: datetime) -> int:
        """Spend the code atomically and return its resident id; raise :class:`BindError`."""
        found = await self._first(BindCode, code_hash=code_hash)
        if found is None:
            raise BindError("unknown")
        if found.used_at is not None:
            raise BindError("used")
        if found.expires_at <= now:
            raise BindError("expired")
        result = await self.session.execute(
            update(BindCode)
            .where(col(BindCode.id) == found.id, col(BindCode.used_at).is_(None))
            .values(used_at=now, used_by=used_by)
        )
        if rowcount(result) != 1:
            raise BindError("used")
        return found.resident_id

    # -- callbacks acknowledged before they were handled --------------------------------
    async def hold_late(
        self, platform: str, sender_id: str, key: str, message: dict[str, Any], now: datetime
    ) -> None:
        """Keep a message about to be acknowledged unhandled (idempotent)."""
        await self._add_new(
            CallbackRecord(
                platform=platform, sender_id=sender_id, key=key, message=message, created_at=now
            )
        )

    async def late_callbacks(
        self, platform: str, before: datetime, limit: int = 100
    ) -> Sequence[CallbackRecord]:
        """Acknowledged messages kept since before ``before``, oldest first."""
        stmt = (
            select(CallbackRecord)
            .where(CallbackRecord.platform == platform, col(CallbackRecord.created_at) < before)
            .order_by(col(CallbackRecord.created_at))
            .limit(limit)
        )
        return (await self.session.exec(stmt)).all()

    async def drop_late(self, platform: str, sender_id: str, key: str) -> None:
        await self._delete(CallbackRecord, platform=platform, sender_id=sender_id, key=key)

    # -- customer-service window -------------------------------------------------------
    async def touch_contact(
        self, platform: str, user_id: str, now: datetime, *, subscribed: bool = True
    ) -> None:
        """The user wrote (or subscribed): the window reopens and its count restarts."""
        await self._upsert(
            PlatformContact,
            {"platform": platform, "user_id": user_id},
            last_inbound_at=now,
            sent_in_window=0,
            subscribed=subscribed,
        )

    async def contact(self, platform: str, user_id: str) -> PlatformContact | None:
        return await self._first(PlatformContact, platform=platform, user_id=user_id)

    async def take_window_slot(
        self, platform: str, user_id: str, now: datetime, window: timedelta, quota: int
    ) -> bool:
        """Count one customer-service message if the window is open and under quota."""
        result = await self.session.execute(
            update(PlatformContact)
            .where(
                col(PlatformContact.platform) == platform,
                col(PlatformContact.user_id) == user_id,
                col(PlatformContact.subscribed).is_(True),
                col(PlatformContact.last_inbound_at) > now - window,
                col(PlatformContact.sent_in_window) < quota,
            )
            .values(sent_in_window=col(PlatformContact.sent_in_window) + 1)
        )
        return rowcount(result) == 1

    async def close_window(self, platform: str, user_id: str, quota: int) -> None:
        """The platform said the quota is spent (45047): stop trying until the user writes."""
        await self.session.execute(
            update(PlatformContact)
            .where(
                col(PlatformContact.platform) == platform, col(PlatformContact.user_id) == user_id
            )
            .values(sent_in_window=quota)
        )

    # -- long button data --------------------------------------------------------------
    async def save_callback_data(self, key: str, data: str) -> None:
        await self._add_new(CallbackData(key=key, data=data, created_at=utcnow()))

    async def callback_data(self, key: str) -> str | None:
        found = await self._first(CallbackData, key=key)
        return found.data if found is not None else None

    # -- live messages ---------------------------------------------------------------
    async def live_message(self, platform: str, chat_id: str, key: str) -> str | None:
        """The platform's id of the live message ``key`` in this chat, if one was sent."""
        return await self._value(
            LiveMessage.message_id, platform=platform, chat_id=chat_id, key=key
        )

    async def live_key_of(self, platform: str, chat_id: str, message_id: str) -> str | None:
        """The key of the live message with this platform id (a pressed poll), if it is one."""
        return await self._value(
            LiveMessage.key, platform=platform, chat_id=chat_id, message_id=message_id
        )

    async def save_live_message(
        self, platform: str, chat_id: str, key: str, message_id: str
    ) -> None:
        await self._upsert(
            LiveMessage,
            {"platform": platform, "chat_id": chat_id, "key": key},
            message_id=message_id,
            updated_at=utcnow(),
        )

    # -- cards that answered someone in a group ---------------------------------------
    async def card_owner(self, platform: str, chat_id: str, message_id: str) -> str | None:
        """Whom the card with this platform id answered, if it answered someone."""
        return await self._value(
            CardOwner.owner_id, platform=platform, chat_id=chat_id, message_id=message_id
        )

    async def save_card_owner(
        self, platform: str, chat_id: str, message_id: str, owner_id: str | None, now: datetime
    ) -> None:
        """The card now answers ``owner_id``; None: nobody (edited into a card anyone
        may press)."""
        key = {"platform": platform, "chat_id": chat_id, "message_id": message_id}
        if owner_id is None:
            await self._delete(CardOwner, **key)
        else:
            await self._upsert(CardOwner, key, owner_id=owner_id, sent_at=now)

    # -- deliveries and preferences ----------------------------------------------------
    async def record_delivery(
        self, platform: str, chat_id: str, via: str, ok: bool, detail: str | None, excerpt: str
    ) -> None:
        self.session.add(
            PushDelivery(
                platform=platform,
                chat_id=chat_id,
                via=via,
                ok=ok,
                detail=(detail or None) and detail[:500],
                excerpt=excerpt[:80],
            )
        )

    async def deliveries(self, platform: str, chat_id: str) -> Sequence[PushDelivery]:
        return await self._rows(PushDelivery, platform=platform, chat_id=chat_id)

    async def preference(self, resident_id: int) -> list[str] | None:
        """The stored order of platforms (or ``["all"]``); None when never set."""
        found = await self._first(PushPreference, resident_id=resident_id)
        return list(found.platforms) if found is not None else None

    async def set_preference(self, resident_id: int, platforms: list[str]) -> None:
        await self._upsert(
            PushPreference, {"resident_id": resident_id}, platforms=platforms, updated_at=utcnow()
        )

    async def accounts_by_recency(
        self, resident_id: int
    ) -> list[tuple[PlatformIdentity, datetime | None]]:
        """The resident's bound accounts with when each last wrote to us (None: never)."""
        last = func.max(col(InboundMessage.received_at)).label("last")
        stmt = (
            sa_select(PlatformIdentity, last)
            .outerjoin(
                InboundMessage,
                and_(
                    col(InboundMessage.platform) == col(PlatformIdentity.platform),
                    col(InboundMessage.sender_id) == col(PlatformIdentity.platform_user_id),
                ),
            )
            .where(col(PlatformIdentity.resident_id) == resident_id)
            .group_by(col(PlatformIdentity.id))
            .order_by(col(PlatformIdentity.id))
        )
        rows = (await self.session.execute(stmt)).all()
        return [(row[0], row[1]) for row in rows]

    async def resident_of(self, platform: str, user_id: str) -> int | None:
        return await self._value(
            PlatformIdentity.resident_id, platform=platform, platform_user_id=user_id
        )
