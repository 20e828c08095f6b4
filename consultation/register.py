"""The residents register, edited by a moderator: verify a person, correct where they live.

Every change is recorded with who, when, and the values before and after (the
phone only masked). Bulk loading is :mod:`consultation.residents`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from consultation.events import ResidentVerified
from storage.models import Resident
from storage.unit_of_work import UnitOfWork


class RegisterError(Exception):
    """Why a register change was refused, in words a moderator understands."""


@dataclass(frozen=True, slots=True)
class Address:
    building: str
    unit: str | None = None
    room: str | None = None
    household: str | None = None


async def _get(uow: UnitOfWork, resident_id: int) -> Resident:
    person = await uow.residents.get(resident_id)
    if person is None:
        raise RegisterError("没有这个居民。")
    return person


async def verify(uow: UnitOfWork, resident_id: int, actor: str) -> Resident:
    """认证: the moderator has checked who this is and where they live (in chat or on the
    工作台). Recorded with who and when; the resident is told (ResidentVerified)."""
    person = await _get(uow, resident_id)
    if person.verified:
        raise RegisterError(f"{person.name} 已经认证过了。")
    person.verified = True
    await _changed(uow, person, actor, "resident_verified", {"verified": False}, {"verified": True})
    uow.record(ResidentVerified(resident_id=resident_id, name=person.name))
    return person


async def move(uow: UnitOfWork, resident_id: int, place: Address, actor: str) -> Resident:
    """Correct building, unit, room and household; the building (and its grid) must exist."""
    person = await _get(uow, resident_id)
    name = place.building.strip()
    building = await uow.residents.building_by_name(name) if name else None
    if building is None:
        raise RegisterError(f"没有“{name}”这栋楼，请先在名册导入里建楼。")
    unit, room = (place.unit or "").strip()[:16] or None, (place.room or "").strip()[:16] or None
    household = (place.household or "").strip()[:64] or (
        "-".join(x for x in (name, unit, room) if x) if room else None
    )
    before = {
        "building_id": person.building_id,
        "unit": person.unit,
        "room": person.room,
        "household": person.household,
    }
    person.building_id, person.unit, person.room = building.id, unit, room
    person.household = household
    after = {"building_id": building.id, "unit": unit, "room": room, "household": household}
    await _changed(uow, person, actor, "resident_moved", before, after)
    return person


async def _changed(
    uow: UnitOfWork,
    person: Resident,
    actor: str,
    action: str,
    before: dict[str, Any],
    after: dict[str, Any],
) -> None:
    """Keep the resident as changed, and the change in the audit log."""
    await uow.residents.add(person)
    await uow.audit.record(actor, action, "resident", str(person.id), before, after)
