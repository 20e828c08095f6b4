"""The outbox: pushes written with their cause, claimed and delivered by the push service."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, update
from sqlmodel import col, select

from storage.models import (
    Push,
)
from storage.repository import Repository, insert_for, rowcount
from storage.types import utcnow


class PushRepository(Repository):
    """The outbox of pushes: enqueued in a transaction, claimed and settled by the sender."""

    async def enqueue(
        self,
        platform: str,
        chat_id: str,
        payload: dict[str, Any],
        dedupe_key: str | None = None,
        *,
        now: datetime | None = None,
    ) -> bool:
        """Queue a push, due at ``now``; False when ``dedupe_key`` was already queued once."""
        now = now or utcnow()
        stmt = insert_for(self.session, Push).values(
            platform=platform,
            chat_id=chat_id,
            payload=payload,
            dedupe_key=dedupe_key,
            status="pending",
            attempts=0,
            created_at=now,
            next_attempt_at=now,
        )
        if dedupe_key is not None:
            stmt = stmt.on_conflict_do_nothing(index_elements=["dedupe_key"])
        result = await self.session.execute(stmt.returning(Push.id))
        return result.scalar_one_or_none() is not None

    async def enqueue_latest(
        self,
        platform: str,
        chat_id: str,
        payload: dict[str, Any],
        dedupe_key: str,
        *,
        now: datetime | None = None,
    ) -> None:
        """Queue a push that replaces a still-pending one with the same key (latest wins).

        A burst of updates to one live message (a poll's count) thus leaves one push
        waiting; once that one is being sent or done, its key is freed for the next.
        """
        pending = await self.session.execute(
            update(Push)
            .where(col(Push.dedupe_key) == dedupe_key, col(Push.status) == "pending")
            .values(payload=payload)
        )
        if rowcount(pending) == 1:
            return
        await self.session.execute(
            update(Push).where(col(Push.dedupe_key) == dedupe_key).values(dedupe_key=None)
        )
        await self.enqueue(platform, chat_id, payload, dedupe_key, now=now)

    async def claim_due(self, now: datetime, limit: int, lease: timedelta) -> list[Push]:
        """Take up to ``limit`` due pushes for sending; a crashed sender's lease runs out."""
        stmt = (
            select(Push)
            .where(
                or_(col(Push.status) == "pending", col(Push.status) == "sending"),
                col(Push.next_attempt_at) <= now,
            )
            .order_by(col(Push.next_attempt_at), col(Push.id))
            .limit(limit)
        )
        candidates = (await self.session.exec(stmt)).all()
        claimed: list[Push] = []
        for push in candidates:
            result = await self.session.execute(
                update(Push)
                .where(col(Push.id) == push.id, col(Push.attempts) == push.attempts)
                .values(status="sending", attempts=push.attempts + 1, next_attempt_at=now + lease)
            )
            if rowcount(result) == 1:
                claimed.append(push)  # the UPDATE synchronised status and attempts in session
        return claimed

    async def release(self, push_id: int, attempts: int, now: datetime) -> None:
        """Give back a claimed push that was never sent (its sender stopped): due at once,
        its claim's attempt not counted."""
        await self.session.execute(
            update(Push)
            .where(
                col(Push.id) == push_id,
                col(Push.status) == "sending",
                col(Push.attempts) == attempts,
            )
            .values(status="pending", attempts=attempts - 1, next_attempt_at=now)
        )

    async def settle(
        self,
        push_id: int,
        *,
        status: str,
        error: str | None = None,
        retry_at: datetime | None = None,
    ) -> None:
        values: dict[str, Any] = {"status": status, "last_error": error}
        if status == "sent":
            values["sent_at"] = utcnow()
        if retry_at is not None:
            values["next_attempt_at"] = retry_at
        await self.session.execute(update(Push).where(col(Push.id) == push_id).values(**values))

    async def for_chat(self, platform: str, chat_id: str, limit: int = 50) -> Sequence[Push]:
        stmt = (
            select(Push)
            .where(Push.platform == platform, Push.chat_id == chat_id)
            .order_by(col(Push.id).desc())
            .limit(limit)
        )
        return list(reversed((await self.session.exec(stmt)).all()))

    async def backlog(self, cap: int = 10_000) -> tuple[int, datetime | None]:
        """Pushes not yet delivered (counted up to ``cap``: the health page must stay cheap
        however long the queue grows) and the earliest time one of those was due."""
        waiting = (
            select(col(Push.next_attempt_at).label("due"))
            .where(col(Push.status).in_(("pending", "sending")))
            .limit(cap)
            .subquery()
        )
        stmt = select(func.count(), func.min(waiting.c.due)).select_from(waiting)
        count, oldest = (await self.session.execute(stmt)).one()
        return int(count), oldest
