"""Platform identities: who a platform account is, and to which resident it is bound."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select

from storage.models import (
    PlatformIdentity,
    Resident,
    RoleAssignment,
)
from storage.repository import DriverRepository
from storage.types import utcnow


@cache
def _introduce_statement(dialect: str) -> Any:
    """INSERT … ON CONFLICT DO NOTHING of a new (unbound) identity, built once per dialect."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return insert(PlatformIdentity).on_conflict_do_nothing(
        index_elements=["platform", "platform_user_id"]
    )


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
        self.session.add(identity)
        await self.session.flush()
        return identity

    async def directory(self, platform: str) -> list[dict[str, Any]]:
        """Bound accounts on ``platform`` with names and roles (the web chat's switcher)."""
        stmt = (
            select(PlatformIdentity, Resident)
            .join(Resident, col(Resident.id) == col(PlatformIdentity.resident_id))
            .where(PlatformIdentity.platform == platform)
            .order_by(col(PlatformIdentity.id))
        )
        rows = (await self.session.exec(stmt)).all()
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

    async def for_resident(self, resident_id: int) -> Sequence[PlatformIdentity]:
        stmt = select(PlatformIdentity).where(PlatformIdentity.resident_id == resident_id)
        return (await self.session.exec(stmt)).all()
