"""The electorates and audiences the consultation day needs, read from the register."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import col, select

from storage.models import PlatformIdentity, Resident
from storage.repository import Repository


class PeopleRepository(Repository):
    """The electorates and audiences the consultation day needs."""

    async def verified(self) -> Sequence[Resident]:
        stmt = select(Resident).where(col(Resident.verified).is_(True)).order_by(col(Resident.id))
        return (await self.session.exec(stmt)).all()

    async def first_registered(self) -> datetime | None:
        """When the register's first resident was added (the lowest id: one index step)."""
        stmt = select(Resident.created_at).order_by(col(Resident.id)).limit(1)
        return (await self.session.exec(stmt)).first()

    async def by_ids(self, ids: Sequence[int]) -> Sequence[Resident]:
        if not ids:
            return []
        stmt = select(Resident).where(col(Resident.id).in_(ids)).order_by(col(Resident.id))
        return (await self.session.exec(stmt)).all()

    async def by_name(self, name: str) -> Sequence[Resident]:
        return await self._rows(Resident, name=name)

    async def names(self) -> dict[int, str]:
        """Every resident's name by id (two columns: a register of thousands is small)."""
        rows = (await self.session.exec(select(Resident.id, Resident.name))).all()
        return {rid: name for rid, name in rows if rid is not None}

    async def homes(self, ids: Sequence[int]) -> dict[int, str]:
        """Where each of ``ids`` lives, as the register says it: ``3号楼2单元``."""
        from storage.models import Building

        if not ids:
            return {}
        stmt = (
            select(Resident.id, Building.name, Resident.unit)
            .join(Building, col(Building.id) == col(Resident.building_id))
            .where(col(Resident.id).in_(ids))
        )
        rows = (await self.session.exec(stmt)).all()
        return {rid: f"{building}{unit or ''}" for rid, building, unit in rows if rid is not None}

    async def in_buildings(self, names: Sequence[str]) -> Sequence[Resident]:
        from storage.models import Building

        if not names:
            return []
        stmt = (
            select(Resident)
            .join(Building, col(Building.id) == col(Resident.building_id))
            .where(col(Building.name).in_(names), col(Resident.verified).is_(True))
            .order_by(col(Resident.id))
        )
        return (await self.session.exec(stmt)).all()

    async def building_names(self) -> list[str]:
        from storage.models import Building

        return list((await self.session.exec(select(Building.name))).all())

    async def chats_of(self, resident_id: int) -> Sequence[PlatformIdentity]:
        return await self._rows(PlatformIdentity, resident_id=resident_id)
