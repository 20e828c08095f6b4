"""Residents, buildings and grids: parsing a register and loading it.

Parsing is pure (one row in, a clean record or a Chinese reason out); loading
keeps every good row and reports each bad one with its line number.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import IO

from consultation.roles import Role
from storage.models import Resident
from storage.tickets import DepartmentRepository
from storage.unit_of_work import UnitOfWork

COLUMNS = (
    "name",
    "phone",
    "building",
    "unit",
    "room",
    "household",
    "grid",
    "grid_name",
    "verified",
    "roles",
    "department",
)
REQUIRED = ("name", "building")
_PHONE = re.compile(r"^\+?\d[\d\- ]{6,18}\d$")
_TRUE = {"1", "true", "yes", "y", "是", "已认证", "认证"}
_FALSE = {"", "0", "false", "no", "n", "否", "未认证"}


def mask_phone(phone: str | None) -> str | None:
    """138****5678: keep the first three and last four digits, hide the rest."""
    if not phone:
        return None
    digits = re.sub(r"\D", "", phone)
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"


@dataclass(frozen=True, slots=True)
class ResidentRow:
    """One clean line of a residents register."""

    name: str
    building: str
    phone: str | None = None
    unit: str | None = None
    room: str | None = None
    household: str | None = None
    grid: str | None = None
    grid_name: str | None = None
    verified: bool = True
    roles: tuple[Role, ...] = ()
    department: str | None = None


class RowError(ValueError):
    """Why a row was refused, in words an operator understands."""


def parse_row(raw: dict[str, str | None]) -> ResidentRow:
    """Validate one CSV row; raises :class:`RowError` naming the bad column."""
    row = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k is not None}
    for column in REQUIRED:
        if not row.get(column):
            raise RowError(f"缺少必填列 {column}")
    if len(row["name"]) > 64:
        raise RowError("name 过长（最多 64 字）")
    phone = row.get("phone") or None
    if phone is not None and not _PHONE.match(phone):
        raise RowError(f"phone 格式不对：{mask_phone(phone)}")
    flag = row.get("verified", "1").lower()
    if flag not in _TRUE | _FALSE:
        raise RowError(f"verified 只能填 是/否：{flag!r}")
    roles: list[Role] = []
    for word in filter(None, re.split(r"[;,；，\s]+", row.get("roles", ""))):
        if word not in Role._value2member_map_ or word == Role.GUEST.value:
            raise RowError(f"未知角色 {word!r}")
        roles.append(Role(word))
    if Role.GRID_WORKER in roles and not row.get("grid"):
        raise RowError("网格员必须填写 grid")
    department = row.get("department") or None
    if department is not None:
        if len(department) > 64:
            raise RowError("department 过长（最多 64 字）")
        if Role.DEPARTMENT not in roles:
            roles.append(Role.DEPARTMENT)  # naming a department makes them its contact
    unit, room = row.get("unit") or None, row.get("room") or None
    household = row.get("household") or (
        "-".join(x for x in (row["building"], unit, room) if x) if room else None
    )
    return ResidentRow(
        name=row["name"],
        building=row["building"],
        phone=phone,
        unit=unit,
        room=room,
        household=household,
        grid=row.get("grid") or None,
        grid_name=row.get("grid_name") or None,
        verified=flag in _TRUE,
        roles=tuple(roles),
        department=department,
    )


@dataclass(slots=True)
class ImportReport:
    """What an import did: rows kept, and each refused row with its line number."""

    imported: int = 0
    updated: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


async def save_row(uow: UnitOfWork, row: ResidentRow, actor: str) -> tuple[Resident, bool]:
    """Upsert the row's grid, building and resident; returns (resident, created)."""
    grid_id = None
    if row.grid:
        grid = await uow.residents.ensure_grid(row.grid, row.grid_name)
        grid_id = grid.id
    building = await uow.residents.ensure_building(row.building, grid_id)
    existing = await uow.residents.find_resident(row.name, building.id, row.unit, row.room)
    resident = existing or Resident(
        name=row.name, building_id=building.id, unit=row.unit, room=row.room
    )
    resident.phone, resident.phone_masked = row.phone, mask_phone(row.phone)
    resident.household, resident.verified = row.household, row.verified
    await uow.residents.add(resident)
    assert resident.id is not None
    for role in row.roles:
        await uow.residents.grant(
            resident.id, role.value, grid_id if role is Role.GRID_WORKER else None
        )
    if row.department:
        await uow.get(DepartmentRepository).add_member(row.department, resident.id)
    await uow.audit.record(
        actor,
        "resident_imported" if existing is None else "resident_updated",
        "resident",
        str(resident.id),
        after={
            "name": resident.name,
            "building": row.building,
            "unit": row.unit,
            "room": row.room,
            "phone": resident.phone_masked,
            "verified": row.verified,
            "department": row.department,
        },
    )
    return resident, existing is None


async def import_residents(
    uow_factory: Callable[[], UnitOfWork],
    stream: IO[str],
    *,
    actor: str = "import",
) -> ImportReport:
    """Load a CSV register; each row in its own transaction so a bad row loses nothing."""
    report = ImportReport()
    reader = csv.DictReader(stream)
    if reader.fieldnames is None or not set(REQUIRED) <= {
        f.strip().lower() for f in reader.fieldnames
    }:
        report.errors.append(
            (1, f"表头需要包含 {', '.join(REQUIRED)}（可选：{', '.join(COLUMNS)}）")
        )
        return report
    for raw in reader:
        line = reader.line_num
        try:
            row = parse_row(raw)
        except RowError as exc:
            report.errors.append((line, str(exc)))
            continue
        try:
            async with uow_factory() as uow:
                _, created = await save_row(uow, row, actor)
        except Exception as exc:  # a database refusal: report it, keep going
            report.errors.append((line, f"保存失败：{type(exc).__name__}"))
            continue
        if created:
            report.imported += 1
        else:
            report.updated += 1
    return report


def rows_from(lines: Iterable[str]) -> list[ResidentRow]:
    """Parse an in-memory register (the demo's), raising on the first bad row."""
    return [parse_row(r) for r in csv.DictReader(list(lines))]
