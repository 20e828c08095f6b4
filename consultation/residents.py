"""Residents, buildings and grids: parsing a register and loading it.

Parsing is pure (one row in, a clean record or a Chinese reason out); loading
keeps every good row and reports each bad one with its line number: a field longer
than its column (checked here, so SQLite and PostgreSQL refuse the same rows), and a
second row for a resident the file already named.

A register comes as Chinese offices save it: UTF-8 with or without a BOM, or GBK
(what Excel on a Chinese Windows writes by default, read as its superset GB18030).
"""

from __future__ import annotations

import codecs
import csv
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from sqlmodel import SQLModel

from consultation.roles import Role
from storage.faults import StorageUnavailable, is_outage
from storage.models import Building, Grid
from storage.models import Resident as Resident  # the domain's person, for the layers above
from storage.people import PeopleRepository
from storage.tickets import DepartmentMember, DepartmentRepository
from storage.unit_of_work import UnitOfWork

log = logging.getLogger("yishi.residents")

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
#: Each column's name as an operator reads it.
LABELS = {
    "name": "姓名",
    "phone": "电话",
    "building": "楼栋",
    "unit": "单元",
    "room": "房号",
    "household": "户号",
    "grid": "网格编号",
    "grid_name": "网格名称",
    "verified": "认证",
    "roles": "角色",
    "department": "部门",
}


def _column_length(model: type[SQLModel], column: str) -> int:
    table: Any = model.__table__  # type: ignore[attr-defined]
    length = table.c[column].type.length
    assert isinstance(length, int)
    return length


#: The longest value each column takes, read from the tables themselves: PostgreSQL
#: enforces these lengths and SQLite does not, so they are checked here, on both.
MAX_LENGTHS: dict[str, int] = {
    "name": _column_length(Resident, "name"),
    "phone": _column_length(Resident, "phone"),
    "building": _column_length(Building, "name"),
    "unit": _column_length(Resident, "unit"),
    "room": _column_length(Resident, "room"),
    "household": _column_length(Resident, "household"),
    "grid": _column_length(Grid, "code"),
    "grid_name": _column_length(Grid, "name"),
    "department": _column_length(DepartmentMember, "department"),
}
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


class RegisterEncodingError(ValueError):
    """The file is in none of the encodings a register comes in."""


def decode_register(data: bytes) -> str:
    """The text of a register file: UTF-8 (a BOM is dropped), else GB18030, which reads
    every GBK and GB2312 file. Tried strictly in that order: a GBK file is almost never
    valid UTF-8, so nothing is guessed from statistics."""
    if data.startswith(b"PK\x03\x04"):
        raise RegisterEncodingError("这是 Excel 工作簿（.xlsx），不是 CSV：请在 Excel 中另存为 CSV")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise RegisterEncodingError("这是 UTF-16 文本（Excel「Unicode 文本」）：请另存为 CSV")
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise RegisterEncodingError(
            f"文件编码无法识别（第 {line} 行）："
            "请在 Excel 中另存为「CSV UTF-8（逗号分隔）」或「CSV（逗号分隔）」"
        ) from None


def _too_long(row: dict[str, str]) -> list[str]:
    """Each over-long field, named and measured."""
    return [
        f"{LABELS[column]} {column} 过长（{len(value)} 字，最多 {limit} 字）"
        for column, limit in MAX_LENGTHS.items()
        if len(value := row.get(column, "")) > limit
    ]


def parse_row(raw: dict[str, str | None]) -> ResidentRow:
    """Validate one CSV row; raises :class:`RowError` naming each bad column."""
    row = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k is not None}
    for column in REQUIRED:
        if not row.get(column):
            raise RowError(f"缺少必填列 {LABELS[column]} {column}")
    if problems := _too_long(row):
        raise RowError("；".join(problems))
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
    if department is not None and Role.DEPARTMENT not in roles:
        roles.append(Role.DEPARTMENT)  # naming a department makes them its contact
    unit, room = row.get("unit") or None, row.get("room") or None
    household = row.get("household") or (
        "-".join(x for x in (row["building"], unit, room) if x) if room else None
    )
    if household is not None and len(household) > MAX_LENGTHS["household"]:
        raise RowError(
            f"户号 household 过长（由楼栋、单元、房号拼成 {len(household)} 字，"
            f"最多 {MAX_LENGTHS['household']} 字）：请填写较短的 household"
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


def _who(row: ResidentRow) -> str:
    return f"{row.name}，{''.join(x for x in (row.building, row.unit, row.room) if x)}"


async def import_residents(
    uow_factory: Callable[[], UnitOfWork],
    stream: IO[str],
    *,
    actor: str = "import",
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Load a CSV register; each row in its own transaction so a bad row loses nothing.

    A resident is a name at a building, unit and room: a second row for the same one
    is refused and reported with the line that named them first (never last-wins).
    A database outage stops the import with :class:`StorageUnavailable`; the rows
    before it are kept, and importing the file again is safe.
    """
    report = ImportReport()
    reader = csv.DictReader(stream)
    if reader.fieldnames is None or not set(REQUIRED) <= {
        f.strip().lower() for f in reader.fieldnames
    }:
        report.errors.append(
            (1, f"表头需要包含 {', '.join(REQUIRED)}（可选：{', '.join(COLUMNS)}）")
        )
        return report
    first_line: dict[tuple[str, str, str | None, str | None], tuple[int, ResidentRow]] = {}
    for done, raw in enumerate(reader, start=1):
        if progress is not None:
            progress(done)
        line = reader.line_num
        try:
            row = parse_row(raw)
        except RowError as exc:
            report.errors.append((line, str(exc)))
            continue
        key = (row.name, row.building, row.unit, row.room)
        if key in first_line:
            seen, earlier = first_line[key]
            same = "内容相同" if earlier == row else "内容不同，请核对后单独导入"
            report.errors.append(
                (line, f"与第 {seen} 行是同一位居民（{_who(row)}）：{same}，本行未导入")
            )
            continue
        first_line[key] = (line, row)
        try:
            async with uow_factory() as uow:
                _, created = await save_row(uow, row, actor)
        except Exception as exc:
            if is_outage(exc):
                raise StorageUnavailable(f"第 {line} 行起未导入") from exc
            # Limits are checked above; a refusal now is unexpected: keep its details
            # in the log, tell the operator the row was not saved, go on.
            log.warning("import row refused", exc_info=True, extra={"line": line})
            report.errors.append((line, "保存失败：数据库拒绝了这一行（详情见日志）"))
            continue
        if created:
            report.imported += 1
        else:
            report.updated += 1
    return report


def rows_from(lines: Iterable[str]) -> list[ResidentRow]:
    """Parse an in-memory register (the demo's), raising on the first bad row."""
    return [parse_row(r) for r in csv.DictReader(list(lines))]


_BY_ID = re.compile(r"[#＃]\s*(\d+)")


async def people_named(uow: UnitOfWork, who: str) -> list[Resident]:
    """The residents ``who`` names: ``张阿姨`` (namesakes too) or ``#12`` (one by id).

    Moderators name residents this way in chat (生成绑定码, 签到, 录入纸质票) and on the
    command line (yishi residents bind-code); each says itself what none or several mean.
    """
    by_id = _BY_ID.fullmatch(who.strip())
    if by_id:
        person = await uow.residents.get(int(by_id.group(1)))
        return [person] if person is not None else []
    return list(await uow.get(PeopleRepository).by_name(who.strip()))
