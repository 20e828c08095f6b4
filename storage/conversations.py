"""Conversation state: one open dialogue per person and chat, kept across restarts."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import delete
from sqlmodel import col, select

from storage.models import (
    ConversationState,
)
from storage.repository import DriverRepository, delete_by_params, dialect_insert
from storage.types import utcnow


@cache
def _conversation_upsert(dialect: str) -> Any:
    """INSERT … ON CONFLICT (platform, chat, user) DO UPDATE, built once per dialect."""
    stmt = dialect_insert(dialect, ConversationState)
    changed = ("flow", "step", "data", "expires_at", "updated_at")
    return stmt.on_conflict_do_update(
        index_elements=["platform", "chat_id", "user_id"],
        set_={name: stmt.excluded[name] for name in changed},
    )


@cache
def _conversation_delete(dialect: str = "sqlite") -> Any:
    """The same DELETE on every database (the argument fits :meth:`DriverRepository._write`)."""
    return delete_by_params(ConversationState, "platform", "chat_id", "user_id")


class ConversationRepository(DriverRepository):
    """Multi-turn state, per user per chat, with an expiry."""

    async def get(
        self, platform: str, chat_id: str, user_id: str, now: datetime
    ) -> ConversationState | None:
        stmt = select(ConversationState).where(
            ConversationState.platform == platform,
            ConversationState.chat_id == chat_id,
            ConversationState.user_id == user_id,
        )
        state = (await self.session.exec(stmt)).first()
        if state is not None and state.expires_at <= now:
            await self.session.delete(state)
            return None
        return state

    async def save(
        self,
        platform: str,
        chat_id: str,
        user_id: str,
        flow: str,
        step: str,
        data: dict[str, Any],
        expires_at: datetime,
    ) -> None:
        """Create or replace this user's conversation in this chat (one upsert)."""
        values = {
            "platform": platform,
            "chat_id": chat_id,
            "user_id": user_id,
            "flow": flow,
            "step": step,
            "data": dict(data),
            "expires_at": expires_at,
            "updated_at": utcnow(),
        }
        await self._write(_conversation_upsert, values)

    async def clear(self, platform: str, chat_id: str, user_id: str) -> None:
        params = {"platform": platform, "chat_id": chat_id, "user_id": user_id}
        await self._write(_conversation_delete, params)

    async def forget_user(self, platform: str, user_id: str) -> None:
        """End every conversation of this account, in every chat (its drafts too)."""
        await self.session.execute(
            delete(ConversationState).where(
                col(ConversationState.platform) == platform,
                col(ConversationState.user_id) == user_id,
            )
        )
