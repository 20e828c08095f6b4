"""SQLModel tables for the framework: people, places, identities, state and records.

Uniqueness that users rely on (one identity per platform account, one effect per
delivered message, one push per dedupe key) is declared here so the database
enforces it across processes, not process memory.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field

from storage.types import Keyed, utc_field


class Grid(Keyed, table=True):
    """A 网格 of 300–500 households, served by one or more grid workers."""

    __tablename__ = "grids"
    code: str = Field(unique=True, max_length=32)
    name: str = Field(max_length=64)


class Building(Keyed, table=True):
    """A 楼栋, belonging to one grid."""

    __tablename__ = "buildings"
    name: str = Field(unique=True, max_length=64)
    grid_id: int | None = Field(default=None, foreign_key="grids.id", index=True)


class Resident(Keyed, table=True):
    """A person the bot knows: resident, moderator, grid worker or committee member.

    ``phone`` is kept only for the moderator's own record; everything shown
    elsewhere uses ``phone_masked``.
    """

    __tablename__ = "residents"
    name: str = Field(max_length=64)
    phone: str | None = Field(default=None, max_length=32)
    phone_masked: str | None = Field(default=None, max_length=32)
    building_id: int | None = Field(default=None, foreign_key="buildings.id", index=True)
    unit: str | None = Field(default=None, max_length=16)
    room: str | None = Field(default=None, max_length=16)
    household: str | None = Field(default=None, max_length=64, index=True)
    verified: bool = Field(default=False)
    created_at: datetime = utc_field()


class RoleAssignment(Keyed, table=True):
    """A role held by a resident; grid workers carry the grid they serve."""

    __tablename__ = "role_assignments"
    __table_args__ = (UniqueConstraint("resident_id", "role", "grid_id"),)
    resident_id: int = Field(foreign_key="residents.id", index=True)
    role: str = Field(max_length=32)
    grid_id: int | None = Field(default=None, foreign_key="grids.id", index=True)


class PlatformIdentity(Keyed, table=True):
    """A platform account (WeChat openid, Telegram user id, web chat user) → resident."""

    __tablename__ = "platform_identities"
    __table_args__ = (UniqueConstraint("platform", "platform_user_id"),)
    platform: str = Field(max_length=16)
    platform_user_id: str = Field(max_length=128)
    resident_id: int | None = Field(default=None, foreign_key="residents.id", index=True)
    display_name: str | None = Field(default=None, max_length=64)
    created_at: datetime = utc_field()
    #: What this account answered to "处理进展要通知您吗？" when it reported a problem
    #: unbound (None: never asked): its later reports go by it instead of asking again.
    wants_updates: bool | None = Field(default=None)


class ConversationState(Keyed, table=True):
    """Where a multi-turn conversation stands, per user per chat; survives restarts."""

    __tablename__ = "conversation_states"
    __table_args__ = (UniqueConstraint("platform", "chat_id", "user_id"),)
    platform: str = Field(max_length=16)
    chat_id: str = Field(max_length=128)
    user_id: str = Field(max_length=128)
    flow: str = Field(max_length=64)
    step: str = Field(max_length=64)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    expires_at: datetime = utc_field(index=True)
    updated_at: datetime = utc_field()


class InboundMessage(Keyed, table=True):
    """Every delivered message, once: the key makes a redelivery a no-op.

    The key is the platform, the **sender** and the platform's message id: a
    message id is only the platform's word for one sender's message (WeChat's
    MsgId repeats across users; a web client chooses its own), so another
    sender's message with the same id is a message of its own. The key's first
    columns also find a sender's latest message (the platform they last used).
    The reply is kept so a platform retry (WeChat calls back up to three times)
    gets the same answer without running the handler again.
    """

    __tablename__ = "inbound_messages"
    __table_args__ = (UniqueConstraint("platform", "sender_id", "platform_message_id"),)
    platform: str = Field(max_length=16)
    platform_message_id: str = Field(max_length=128)
    chat_id: str = Field(max_length=128)
    sender_id: str = Field(max_length=128)
    intent: str | None = Field(default=None, max_length=32)
    reply: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    received_at: datetime = utc_field(index=True)


class AuditEntry(Keyed, table=True):
    """Who changed what, when, with the state before and after."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_entity", "entity_type", "entity_id"),)
    at: datetime = utc_field(index=True)
    actor: str = Field(max_length=128)
    action: str = Field(max_length=64)
    entity_type: str = Field(max_length=32)
    entity_id: str = Field(max_length=64)
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))


class Push(Keyed, table=True):
    """An outbound message: written in the same transaction as its cause (outbox),
    then delivered by the push service under rate limits, with retries."""

    __tablename__ = "pushes"
    # Proof of notice counts a cause's pushes by key prefix (LIKE 'cause:%'); on
    # PostgreSQL with a linguistic collation only a pattern_ops index serves that
    # (migration pushes_1). SQLite has none.
    __table_args__ = (
        Index(
            "ix_pushes_dedupe_key_pattern",
            "dedupe_key",
            postgresql_ops={"dedupe_key": "varchar_pattern_ops"},
        ).ddl_if(dialect="postgresql"),
    )
    dedupe_key: str | None = Field(default=None, max_length=191, unique=True)
    platform: str = Field(max_length=16)
    chat_id: str = Field(max_length=128)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="pending", max_length=16, index=True)
    attempts: int = Field(default=0)
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = utc_field()
    next_attempt_at: datetime = utc_field(index=True)
    sent_at: datetime | None = utc_field(nullable=True)
