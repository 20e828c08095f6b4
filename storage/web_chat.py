"""What was said in the web chat, so a reload shows the conversation again.

Other platforms keep the conversation on the phone; the web chat's page forgets it on
every reload. Each line is what a person sent in a chat (``sender_id`` their public
id or demo persona) or the bot's reply to it (``sender_id`` None); pushes are kept in
``pushes`` already and joined in by the page's history. A reply that carried a
credential is kept as the sentence saying it was sent once (as the delivery record).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, insert
from sqlmodel import Field, col, select

from storage.repository import DriverRepository
from storage.types import Keyed, utc_field


class WebChatLine(Keyed, table=True):
    """One message of a web chat: a person's (``sender_id``) or the bot's reply."""

    __tablename__ = "web_chat_lines"
    __table_args__ = (Index("ix_web_chat_lines_chat", "chat_id", "id"),)
    chat_id: str = Field(max_length=128)
    sender_id: str | None = Field(default=None, max_length=128)
    text: str = Field(sa_column=Column(Text, nullable=False))
    #: The reply's buttons and edit key (Reply.as_json), or a photo's media id.
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    at: datetime = utc_field()


@cache
def _line_insert(dialect: str = "sqlite") -> Any:
    return insert(WebChatLine)


class WebChatRepository(DriverRepository):
    """The lines of web chats, newest last."""

    async def add(
        self, lines: Sequence[tuple[str, str | None, str, dict[str, Any]]], at: datetime
    ) -> None:
        """Keep ``(chat id, sender id or None for the bot, text, payload)`` lines, in
        their order: no ORM objects (this is on every message's path), each INSERT compiled
        once and run on SQLite's driver connection."""
        for chat_id, sender_id, text, payload in lines:
            values = {
                "chat_id": chat_id,
                "sender_id": sender_id,
                "text": text,
                "payload": payload,
                "at": at,
            }
            await self._write(_line_insert, values)

    async def recent(self, chat_id: str, limit: int = 100) -> Sequence[WebChatLine]:
        """The chat's last ``limit`` lines, oldest first."""
        stmt = (
            select(WebChatLine)
            .where(WebChatLine.chat_id == chat_id)
            .order_by(col(WebChatLine.id).desc())
            .limit(limit)
        )
        return list(reversed((await self.session.exec(stmt)).all()))
