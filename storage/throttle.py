"""Token buckets in the database, so a limit holds across processes and restarts.

A bucket holds up to ``capacity`` tokens and gains ``per_second`` of them over
time; an attempt takes one. Each take is one conditional UPDATE, so concurrent
attempts (in one process or several) can never take more tokens than there are.
Times are plain seconds (``now.timestamp()``) so the arithmetic is the same SQL
on SQLite and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, delete, literal, update
from sqlmodel import Field, SQLModel, col, select

from storage.repository import Repository, rowcount


class RateBucket(SQLModel, table=True):
    """One limit's state: tokens left as of ``stamp``; ``locked_at`` the last time an
    attempt emptied it (one audit entry per lock-out, not per attempt)."""

    __tablename__ = "rate_buckets"
    key: str = Field(primary_key=True, max_length=191)
    tokens: float
    stamp: float
    locked_at: float | None = Field(default=None)


@dataclass(frozen=True, slots=True)
class Limit:
    """``capacity`` attempts at once, refilled at ``capacity`` per ``period`` seconds."""

    capacity: int
    period: float

    @property
    def per_second(self) -> float:
        return self.capacity / self.period


@dataclass(frozen=True, slots=True)
class Taken:
    """A token was taken; ``emptied`` when that left less than one."""

    emptied: bool


class ThrottleRepository(Repository):
    """Take, give back and inspect buckets; purge the ones that are full again."""

    def _level(self, limit: Limit, now: float) -> Any:
        refilled = col(RateBucket.tokens) + (literal(now) - col(RateBucket.stamp)) * literal(
            limit.per_second
        )
        return case((refilled > limit.capacity, literal(float(limit.capacity))), else_=refilled)

    async def take(self, key: str, limit: Limit, now: float) -> Taken | None:
        """One token from ``key``'s bucket, or None when it has less than one."""
        await self._add_new(RateBucket(key=key, tokens=float(limit.capacity), stamp=now))
        level = self._level(limit, now)
        result = await self.session.execute(
            update(RateBucket)
            .where(col(RateBucket.key) == key, level >= 1)
            .values(tokens=level - 1, stamp=now)
            .returning(col(RateBucket.tokens))
            # No loaded buckets to keep in step; and older SQLAlchemy's "fetch" sync
            # adds the key to RETURNING, which then came back as the token count.
            .execution_options(synchronize_session=False)
        )
        left = result.scalar_one_or_none()
        return None if left is None else Taken(emptied=float(left) < 1)

    async def give_back(self, key: str, limit: Limit) -> None:
        """Return a token taken for an attempt that, after all, does not count."""
        more = col(RateBucket.tokens) + 1
        await self.session.execute(
            update(RateBucket)
            .where(col(RateBucket.key) == key)
            .values(tokens=case((more > limit.capacity, float(limit.capacity)), else_=more))
        )

    async def mark_locked(self, key: str, now: float, quiet_for: float) -> bool:
        """Note a lock-out; True if it is news (none in the last ``quiet_for`` seconds)."""
        result = await self.session.execute(
            update(RateBucket)
            .where(
                col(RateBucket.key) == key,
                (col(RateBucket.locked_at).is_(None))
                | (col(RateBucket.locked_at) < now - quiet_for),
            )
            .values(locked_at=now)
        )
        return rowcount(result) == 1

    async def wait(self, key: str, limit: Limit, now: float) -> float:
        """Seconds until the bucket holds a whole token again (0 if it does)."""
        stmt = select(self._level(limit, now)).where(col(RateBucket.key) == key)
        level = (await self.session.exec(stmt)).first()
        if level is None:
            return 0.0
        return max(0.0, (1 - float(level)) / limit.per_second)

    async def purge_full(self, now: float, limits: dict[str, Limit]) -> int:
        """Forget buckets (by key prefix → limit) that have refilled: a full bucket and no
        bucket are the same limit, and keys made up by a guesser stop taking space."""
        removed = 0
        for prefix, limit in limits.items():
            result = await self.session.execute(
                delete(RateBucket).where(
                    col(RateBucket.key).startswith(prefix),
                    self._level(limit, now) >= limit.capacity,
                    (col(RateBucket.locked_at).is_(None))
                    | (col(RateBucket.locked_at) < now - limit.period),
                )
            )
            removed += rowcount(result)
        return removed
