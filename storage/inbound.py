"""Inbound messages: the one-query snapshot a message is handled from, and the record
that makes a redelivery have its effect once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import and_, bindparam, func, literal, literal_column
from sqlalchemy import select as sa_select
from sqlmodel import col, select

from storage.models import (
    ConversationState,
    InboundMessage,
    PlatformIdentity,
    Resident,
    RoleAssignment,
)
from storage.readonly import columns_of, copy_of
from storage.repository import DriverRepository, insert_or_nothing
from storage.sqlite_fast import compiled
from storage.types import json_value, utcnow

#: The intent column's length (storage.models.InboundMessage.intent).
_INTENT_CHARS: int = InboundMessage.__table__.c.intent.type.length  # type: ignore[attr-defined]


@cache
def _snapshot_statement(dialect: str = "sqlite") -> Any:
    """Built once per dialect: constructing this SELECT costs more than running it."""
    platform: Any = bindparam("platform")
    sender: Any = bindparam("sender_id")
    roles = (
        select(
            func.string_agg(col(RoleAssignment.role), literal_column("','"))
            if dialect == "postgresql"
            else func.group_concat(col(RoleAssignment.role), literal_column("','"))
        )
        .where(col(RoleAssignment.resident_id) == col(PlatformIdentity.resident_id))
        .scalar_subquery()
    )
    handled = (
        select(InboundMessage.reply)
        .where(
            col(InboundMessage.platform) == platform,
            col(InboundMessage.sender_id) == sender,
            col(InboundMessage.platform_message_id) == bindparam("message_id"),
        )
        .scalar_subquery()
    )
    anchor = select(literal(1).label("one")).subquery()
    columns: list[Any] = [
        handled.label("handled"),
        col(PlatformIdentity.id).label("identity_id"),
        col(PlatformIdentity.display_name).label("display_name"),
        *columns_of(Resident, "r_"),
        roles.label("roles"),
        *columns_of(ConversationState, "cs_"),
    ]
    return (
        sa_select(*columns)
        .select_from(anchor)
        .outerjoin(
            PlatformIdentity,
            and_(
                col(PlatformIdentity.platform) == platform,
                col(PlatformIdentity.platform_user_id) == sender,
            ),
        )
        .outerjoin(Resident, col(Resident.id) == col(PlatformIdentity.resident_id))
        .outerjoin(
            ConversationState,
            and_(
                col(ConversationState.platform) == platform,
                col(ConversationState.chat_id) == bindparam("chat_id"),
                col(ConversationState.user_id) == sender,
            ),
        )
    )


@cache
def _record_statement(dialect: str) -> Any:
    """INSERT … ON CONFLICT DO NOTHING RETURNING id, built once per dialect."""
    unique = ("platform", "sender_id", "platform_message_id")
    return insert_or_nothing(dialect, InboundMessage, unique, col(InboundMessage.id))


@dataclass(frozen=True, slots=True)
class MessageSnapshot:
    """Everything the router needs before running a handler, read in one query.

    ``resident`` and ``conversation`` are read-only copies (see storage.readonly):
    code that changes a resident loads it through :class:`ResidentRepository`.
    """

    already_handled: bool
    stored_reply: list[dict[str, Any]]
    identity_id: int | None
    identity_name: str | None
    resident: Resident | None
    roles: tuple[str, ...]
    conversation: ConversationState | None


class InboundRepository(DriverRepository):
    """The de-duplication log of delivered messages, keyed by platform, sender and id.

    The hot path is two statements: :meth:`snapshot` before the handler and
    :meth:`record` after it, in the handler's own transaction. ``record`` is an
    INSERT … ON CONFLICT DO NOTHING: if a concurrent delivery of the same
    message got there first, it returns False and the caller rolls back.
    """

    async def snapshot(
        self, platform: str, message_id: str, chat_id: str, sender_id: str, now: datetime
    ) -> MessageSnapshot:
        """The delivery record, sender identity, resident, roles and conversation at once."""
        params = {
            "platform": platform,
            "message_id": message_id,
            "chat_id": chat_id,
            "sender_id": sender_id,
        }
        row: Mapping[str, Any] | None
        driver = await self._driver()
        if driver is not None:
            row = compiled(_snapshot_statement("sqlite")).fetchone(driver, params)
        else:  # Core on the session's connection: a third of the ORM's per-statement cost
            conn = await self.session.connection()
            result = await conn.execute(_snapshot_statement(conn.dialect.name), params)
            row = dict(result.one()._mapping)
        assert row is not None
        resident = copy_of(Resident, row, "r_") if row["r_id"] is not None else None
        conversation = None
        if row["cs_id"] is not None and row["cs_expires_at"] > now:
            conversation = copy_of(ConversationState, row, "cs_")
        stored = row["handled"]
        return MessageSnapshot(
            already_handled=stored is not None,
            stored_reply=list(stored or []) if not isinstance(stored, str) else json_value(stored),
            identity_id=row["identity_id"],
            identity_name=row["display_name"],
            resident=resident,
            roles=tuple(sorted(set(filter(None, (row["roles"] or "").split(","))))),
            conversation=conversation,
        )

    async def record(
        self,
        platform: str,
        message_id: str,
        chat_id: str,
        sender_id: str,
        intent: str | None,
        reply: list[dict[str, Any]],
        now: datetime | None = None,
    ) -> bool:
        """Record the handled message with its reply; False when it was recorded already."""
        values = {
            "platform": platform,
            "platform_message_id": message_id,
            "chat_id": chat_id,
            "sender_id": sender_id,
            # A label, but "command:<first word>" can carry a resident's whole sentence:
            # clipped to the column, so PostgreSQL (which enforces it) stores what SQLite does.
            "intent": intent[:_INTENT_CHARS] if intent else intent,
            "reply": reply,
            "received_at": now or utcnow(),
        }
        driver = await self._driver()
        if driver is not None:
            fast = compiled(_record_statement("sqlite"), tuple(values))
            return fast.fetchone(driver, values) is not None
        conn = await self.session.connection()
        result = await conn.execute(_record_statement(conn.dialect.name), values)
        return result.scalar_one_or_none() is not None

    async def get(self, platform: str, sender_id: str, message_id: str) -> InboundMessage | None:
        """The record of ``sender_id``'s message ``message_id`` (the key includes the sender)."""
        stmt = select(InboundMessage).where(
            InboundMessage.platform == platform,
            InboundMessage.sender_id == sender_id,
            InboundMessage.platform_message_id == message_id,
        )
        return (await self.session.exec(stmt)).first()
