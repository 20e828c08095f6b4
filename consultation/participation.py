"""Who took part (附议名单, 报名名单, 参与名单), each marked when someone else recorded it
for them (代办) — the lists, the counts and the public pages all read it from here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from storage.models import Resident
from storage.unit_of_work import UnitOfWork


class AssistedRecord(Protocol):
    """A co-sign, sign-up or vote row: the columns that say it was 代办."""

    @property
    def assisted_by(self) -> int | None: ...

    @property
    def assist_confirmed_at(self) -> datetime | None: ...


@dataclass(frozen=True, slots=True)
class Participant:
    """One person on a list; ``assisted_by`` names whoever recorded it for them."""

    name: str
    assisted_by: str | None = None
    confirmed: bool = False

    @property
    def assisted(self) -> bool:
        return self.assisted_by is not None


async def participants(
    uow: UnitOfWork, rows: Sequence[tuple[AssistedRecord, Resident]]
) -> list[Participant]:
    """The rows' people in order, with the names of those who assisted them."""
    helpers: dict[int, str] = {}
    for record, _ in rows:
        helper = record.assisted_by
        if helper is not None and helper not in helpers:
            found = await uow.residents.get(helper)
            helpers[helper] = found.name if found is not None else f"#{helper}"
    return [
        Participant(
            person.name,
            helpers[record.assisted_by] if record.assisted_by is not None else None,
            record.assist_confirmed_at is not None,
        )
        for record, person in rows
    ]


def assisted_count(people: Sequence[Participant]) -> int:
    return sum(1 for p in people if p.assisted)
