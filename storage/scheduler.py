"""The scheduler's own tables: one record per timed send, and the leader's lease.

The schedule itself lives in the domains' tables (meetings, polls, tickets);
these tables only say what has already happened to each event key and which
process may run the jobs. The unique ``key`` is what makes a send happen once
across restarts, retries and several processes on one database.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import Field, SQLModel, col, select

from storage.repository import Repository, rowcount
from storage.types import Keyed, UTCDateTime


class ScheduledSend(Keyed, table=True):
    """What became of one timed event: ``sent``, ``dropped`` (too late), ``cancelled``, ``failed``.

    Inserted in the same transaction as the event's effects, before them: only
    the transaction whose insert wins may fire.
    """

    __tablename__ = "scheduled_sends"
    key: str = Field(max_length=200, unique=True)
    kind: str = Field(max_length=64, index=True)
    ref: str = Field(max_length=64, index=True)
    status: str = Field(max_length=16)
    due_at: datetime = Field(sa_type=UTCDateTime)
    recorded_at: datetime = Field(sa_type=UTCDateTime, index=True)
    late: bool = Field(default=False)
    actor: str = Field(max_length=64)
    note: str | None = Field(default=None, max_length=500)


class SchedulerLease(SQLModel, table=True):
    """Who runs the scheduler for this database, until when (renewed while alive)."""

    __tablename__ = "scheduler_leases"
    name: str = Field(primary_key=True, max_length=64)
    holder: str = Field(max_length=128)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    acquired_at: datetime = Field(sa_type=UTCDateTime)


class ScheduledSendRepository(Repository):
    """Claims event keys; the database's unique index decides who fires."""

    async def claim(self, send: ScheduledSend) -> bool:
        """Record ``send``; False when its key was already recorded (sent, dropped or
        cancelled): the caller must not fire."""
        return await self._add_new(send)

    async def recorded(self, keys: Iterable[str]) -> set[str]:
        """Which of ``keys`` already have a record (in chunks: SQLite caps bound parameters)."""
        wanted = list(dict.fromkeys(keys))
        found: set[str] = set()
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            rows = await self.session.exec(
                select(ScheduledSend.key).where(col(ScheduledSend.key).in_(chunk))
            )
            found.update(rows.all())
        return found

    async def get(self, key: str) -> ScheduledSend | None:
        return await self._first(ScheduledSend, key=key)

    async def for_key_prefix(self, prefix: str) -> Sequence[ScheduledSend]:
        stmt = (
            select(ScheduledSend)
            .where(col(ScheduledSend.key).startswith(prefix))
            .order_by(col(ScheduledSend.id))
        )
        return (await self.session.exec(stmt)).all()

    async def recorded_since(self, since: datetime) -> Sequence[ScheduledSend]:
        """Every record made since ``since``, the newest first."""
        stmt = (
            select(ScheduledSend)
            .where(col(ScheduledSend.recorded_at) >= since)
            .order_by(col(ScheduledSend.id).desc())
        )
        return (await self.session.exec(stmt)).all()

    async def recent(self, limit: int = 50) -> Sequence[ScheduledSend]:
        stmt = select(ScheduledSend).order_by(col(ScheduledSend.id).desc()).limit(limit)
        return (await self.session.exec(stmt)).all()


class SchedulerLeaseRepository(Repository):
    """A lease row taken with one conditional UPDATE (or INSERT), on SQLite and PostgreSQL."""

    async def acquire(self, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
        """Take or renew the lease; True when ``holder`` holds it until ``now + ttl``.

        Succeeds when the row is ours already or its holder stopped renewing
        (``expires_at`` passed): a dead holder is taken over, a live one is not.
        """
        expires = now + ttl
        renewed: Any = await self.session.execute(
            update(SchedulerLease)
            .where(col(SchedulerLease.name) == name, col(SchedulerLease.holder) == holder)
            .values(expires_at=expires)
        )
        if rowcount(renewed) == 1:
            return True
        taken: Any = await self.session.execute(
            update(SchedulerLease)
            .where(col(SchedulerLease.name) == name, col(SchedulerLease.expires_at) <= now)
            .values(holder=holder, expires_at=expires, acquired_at=now)
        )
        if rowcount(taken) == 1:
            return True
        return await self._add_new(
            SchedulerLease(name=name, holder=holder, expires_at=expires, acquired_at=now)
        )

    async def release(self, name: str, holder: str, now: datetime) -> None:
        """Give the lease up at once (a clean stop), so a standby need not wait it out."""
        await self.session.execute(
            update(SchedulerLease)
            .where(col(SchedulerLease.name) == name, col(SchedulerLease.holder) == holder)
            .values(expires_at=now)
        )

    async def current(self, name: str) -> SchedulerLease | None:
        return await self.session.get(SchedulerLease, name)
