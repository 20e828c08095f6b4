"""The register of residents, buildings, grids and roles."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import col, select

from storage.models import (
    Building,
    Grid,
    Resident,
    RoleAssignment,
)
from storage.repository import TableRepository


class ResidentRepository(TableRepository[Resident]):
    """Residents, buildings, grids and roles."""

    table = Resident

    async def roles_of(self, resident_id: int) -> Sequence[RoleAssignment]:
        return await self._rows(RoleAssignment, resident_id=resident_id)

    async def grant(self, resident_id: int, role: str, grid_id: int | None = None) -> None:
        await self._add_new(RoleAssignment(resident_id=resident_id, role=role, grid_id=grid_id))

    async def with_role(self, role: str, grid_id: int | None = None) -> Sequence[Resident]:
        stmt = (
            select(Resident)
            .join(RoleAssignment, col(RoleAssignment.resident_id) == col(Resident.id))
            .where(RoleAssignment.role == role)
        )
        if grid_id is not None:
            stmt = stmt.where(RoleAssignment.grid_id == grid_id)
        # A grid worker of two grids holds the role twice: listed once.
        return (await self.session.exec(stmt.distinct().order_by(col(Resident.id)))).all()

    async def grid_of(self, resident: Resident) -> int | None:
        """The grid a resident lives in (their building's), None when the register doesn't say."""
        if resident.building_id is None:
            return None
        building = await self.session.get(Building, resident.building_id)
        return building.grid_id if building is not None else None

    async def grid_by_code(self, code: str) -> Grid | None:
        return await self._first(Grid, code=code)

    async def ensure_grid(self, code: str, name: str | None = None) -> Grid:
        grid = await self.grid_by_code(code)
        if grid is None:
            grid = await self._store(Grid(code=code, name=name or code))
        return grid

    async def building_by_name(self, name: str) -> Building | None:
        return await self._first(Building, name=name)

    async def ensure_building(self, name: str, grid_id: int | None) -> Building:
        building = await self.building_by_name(name)
        if building is None:
            building = await self._store(Building(name=name, grid_id=grid_id))
        elif grid_id is not None and building.grid_id != grid_id:
            building.grid_id = grid_id
            self.session.add(building)
        return building

    async def find_resident(
        self, name: str, building_id: int | None, unit: str | None, room: str | None
    ) -> Resident | None:
        stmt = select(Resident).where(
            Resident.name == name,
            Resident.building_id == building_id,
            Resident.unit == unit,
            Resident.room == room,
        )
        return (await self.session.exec(stmt)).first()

    async def count(self) -> int:
        return await self._count(Resident)
