"""工作台 access: one-time login links sent in chat, and the sessions they open.

Only hashes of the link tokens and session tokens are stored, so the database (or
a backup of it) hands nobody a way in. Using a link is one conditional UPDATE,
so a link opens one session even if two processes get it at once; sessions live
here, not in a process, so any worker process serves any request.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Field, col, select

from storage.repository import Repository, rowcount
from storage.types import Keyed, utc_field


class ConsoleLink(Keyed, table=True):
    """A one-time login link: valid until ``expires_at``, used at most once."""

    __tablename__ = "console_links"
    token_hash: str = Field(unique=True, max_length=64)
    resident_id: int = Field(foreign_key="residents.id", index=True)
    created_at: datetime = utc_field()
    expires_at: datetime = utc_field()
    used_at: datetime | None = utc_field(nullable=True)


class ConsoleSession(Keyed, table=True):
    """A signed-in browser: expires, and is revoked on logout."""

    __tablename__ = "console_sessions"
    session_hash: str = Field(unique=True, max_length=64)
    resident_id: int = Field(foreign_key="residents.id", index=True)
    created_at: datetime = utc_field()
    expires_at: datetime = utc_field(index=True)
    revoked_at: datetime | None = utc_field(nullable=True)


class ConsoleRepository(Repository):
    """All SQL about links and sessions."""

    async def add_link(self, link: ConsoleLink) -> ConsoleLink:
        return await self._store(link)

    async def use_link(self, token_hash: str, now: datetime) -> int | None:
        """Mark the link used if it is unused and unexpired: its resident, else None."""
        result = await self.session.execute(
            update(ConsoleLink)
            .where(
                col(ConsoleLink.token_hash) == token_hash,
                col(ConsoleLink.used_at).is_(None),
                col(ConsoleLink.expires_at) > now,
            )
            .values(used_at=now)
            .returning(col(ConsoleLink.resident_id))
            .execution_options(synchronize_session=False)  # see storage/throttle.py
        )
        found = result.scalar()
        return int(found) if found is not None else None

    async def link(self, token_hash: str) -> ConsoleLink | None:
        return await self._first(ConsoleLink, token_hash=token_hash)

    async def add_session(self, row: ConsoleSession) -> ConsoleSession:
        return await self._store(row)

    async def live_session(self, session_hash: str, now: datetime) -> ConsoleSession | None:
        stmt = select(ConsoleSession).where(
            ConsoleSession.session_hash == session_hash,
            col(ConsoleSession.revoked_at).is_(None),
            col(ConsoleSession.expires_at) > now,
        )
        return (await self.session.exec(stmt)).first()

    async def revoke(self, session_hash: str, now: datetime) -> bool:
        return await self._revoke(now, session_hash=session_hash) == 1

    async def revoke_all(self, resident_id: int, now: datetime) -> int:
        """Every open session of one person (their role was taken away, a lost phone)."""
        return await self._revoke(now, resident_id=resident_id)

    async def _revoke(self, now: datetime, **equal: Any) -> int:
        """End, at ``now``, the open sessions whose columns hold ``equal``: how many."""
        result = await self.session.execute(
            update(ConsoleSession)
            .where(col(ConsoleSession.revoked_at).is_(None))
            .filter_by(**equal)
            .values(revoked_at=now)
        )
        return rowcount(result)
