"""Platform identities: who a platform account is, and to which resident it is bound.

Also the web chat's sessions: a browser proves who it is with a random credential
the server issued (its cookie); the database keeps only the credential's hash and
the separate public id that everyone else sees (in the group, logs, exports, the
audit and ``platform_identities.platform_user_id``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlmodel import Field, col, select, update

from storage.models import (
    PlatformIdentity,
    Resident,
    RoleAssignment,
)
from storage.repository import DriverRepository, Repository, insert_or_nothing
from storage.types import Keyed, utc_field, utcnow


class WebSession(Keyed, table=True):
    """One browser's session on the web chat.

    ``token_hash`` is the SHA-256 of the credential in the browser's cookie: the
    credential itself is stored nowhere, so a copy of this table opens no session.
    ``public_id`` is the browser's identity as others see it (its
    ``platform_identities.platform_user_id`` on platform ``web``). ``persona`` is who
    the demo's switcher chose to speak as (only with ``[web] demo_personas``).
    """

    __tablename__ = "web_sessions"
    token_hash: str = Field(max_length=64, unique=True)
    public_id: str = Field(max_length=128, unique=True)
    persona: str | None = Field(default=None, max_length=128)
    created_at: datetime = utc_field()


class WebSessionRepository(Repository):
    """Web chat sessions, found by the hash of their credential."""

    async def open(self, token_hash: str, public_id: str, now: datetime) -> WebSession:
        return await self._store(
            WebSession(token_hash=token_hash, public_id=public_id, created_at=now)
        )

    async def find(self, token_hash: str) -> WebSession | None:
        return await self._first(WebSession, token_hash=token_hash)

    async def act_as(self, token_hash: str, persona: str | None) -> None:
        """The demo's switcher: this session now speaks as ``persona`` (None: as itself)."""
        await self.session.execute(
            update(WebSession)
            .where(col(WebSession.token_hash) == token_hash)
            .values(persona=persona)
        )


@cache
def _introduce_statement(dialect: str) -> Any:
    """INSERT … ON CONFLICT DO NOTHING of a new (unbound) identity, built once per dialect."""
    return insert_or_nothing(dialect, PlatformIdentity, ("platform", "platform_user_id"))


class IdentityRepository(DriverRepository):
    """Platform accounts and the residents they belong to."""

    async def introduce(self, platform: str, user_id: str, display_name: str | None) -> None:
        """Record a first contact (an unbound identity) unless it is known already.

        The router's path for a newcomer: one compiled INSERT … ON CONFLICT DO
        NOTHING instead of :meth:`ensure`'s three ORM statements (~1.7 ms).
        """
        values = {
            "platform": platform,
            "platform_user_id": user_id,
            "display_name": display_name[:64] if display_name else None,  # the column's size
            "created_at": utcnow(),
        }
        await self._write(_introduce_statement, values)

    async def ensure(
        self, platform: str, user_id: str, display_name: str | None = None
    ) -> PlatformIdentity:
        """The identity for this account, created (unbound) on first contact."""
        stmt = select(PlatformIdentity).where(
            PlatformIdentity.platform == platform, PlatformIdentity.platform_user_id == user_id
        )
        found = (await self.session.exec(stmt)).first()
        if found is not None:
            return found
        await self.introduce(platform, user_id, display_name)
        return (await self.session.exec(stmt)).one()

    async def bind(self, platform: str, user_id: str, resident_id: int) -> PlatformIdentity:
        identity = await self.ensure(platform, user_id)
        identity.resident_id = resident_id
        return await self._store(identity)

    async def directory(self, platform: str) -> list[dict[str, Any]]:
        """Bound accounts on ``platform`` with names and roles (the web chat's switcher)."""
        rows = await self._with_residents(PlatformIdentity, platform=platform)
        roles: dict[int, list[str]] = {}
        ids = [r.id for _, r in rows if r.id is not None]
        if ids:
            found = await self.session.exec(
                select(RoleAssignment).where(col(RoleAssignment.resident_id).in_(ids))
            )
            for assignment in found.all():
                roles.setdefault(assignment.resident_id, []).append(assignment.role)
        return [
            {
                "user_id": identity.platform_user_id,
                "name": resident.name,
                "verified": resident.verified,
                "roles": sorted(set(roles.get(resident.id or 0, []))),
            }
            for identity, resident in rows
        ]

    async def resident_name(self, platform: str, user_id: str) -> str | None:
        """The name of the resident this account is bound to (None when unbound)."""
        stmt = (
            select(Resident.name)
            .join(PlatformIdentity, col(PlatformIdentity.resident_id) == col(Resident.id))
            .where(
                PlatformIdentity.platform == platform, PlatformIdentity.platform_user_id == user_id
            )
        )
        return (await self.session.exec(stmt)).first()

    async def resident_of(self, platform: str, user_id: str) -> int | None:
        """The id of the resident this account is bound to (None: unbound or unknown)."""
        return await self._value(
            PlatformIdentity.resident_id, platform=platform, platform_user_id=user_id
        )

    async def bound_among(self, platform: str, user_ids: Sequence[str]) -> set[str]:
        """Which of ``user_ids`` are bound to a resident (one query, whatever their number)."""
        if not user_ids:
            return set()
        stmt = select(PlatformIdentity.platform_user_id).where(
            PlatformIdentity.platform == platform,
            col(PlatformIdentity.platform_user_id).in_(list(user_ids)),
            col(PlatformIdentity.resident_id).is_not(None),
        )
        return set((await self.session.exec(stmt)).all())

    async def updates_wanted(self, platform: str, user_id: str) -> bool | None:
        """This account's remembered answer to "处理进展要通知您吗？" (None: none yet)."""
        return await self._value(
            PlatformIdentity.wants_updates, platform=platform, platform_user_id=user_id
        )

    async def remember_updates(self, platform: str, user_id: str, wanted: bool) -> bool | None:
        """Keep the account's answer; the one it replaces."""
        identity = await self.ensure(platform, user_id)
        before = identity.wants_updates
        if before is not wanted:
            identity.wants_updates = wanted
            await self._store(identity)
        return before

    async def for_resident(self, resident_id: int) -> Sequence[PlatformIdentity]:
        return await self._rows(PlatformIdentity, resident_id=resident_id)
