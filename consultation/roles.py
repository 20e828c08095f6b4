"""Roles and who may do what. Pure rules, no I/O."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Role(StrEnum):
    """A person's standing in the community (DESIGN.md, "Who uses it")."""

    GUEST = "guest"  # writes to the bot, not (yet) bound to a resident record
    RESIDENT = "resident"  # a verified resident
    MODERATOR = "moderator"  # 社区工作者 / 居委会
    GRID_WORKER = "grid_worker"  # 网格员
    COMMITTEE = "committee"  # 协商委员会 member
    DEPARTMENT = "department"  # 职能部门


ROLE_NAMES_ZH: dict[Role, str] = {
    Role.GUEST: "访客",
    Role.RESIDENT: "居民",
    Role.MODERATOR: "社区工作者",
    Role.GRID_WORKER: "网格员",
    Role.COMMITTEE: "协商委员",
    Role.DEPARTMENT: "职能部门",
}


#: Who may co-sign a topic (附议): verified residents.
COSIGNERS: frozenset[Role] = frozenset({Role.RESIDENT})
#: Who may sign up for a consultation day and vote (the poll's electorate narrows it).
PARTICIPANTS: frozenset[Role] = frozenset({Role.RESIDENT, Role.COMMITTEE, Role.MODERATOR})
#: Staff: who has the 工作台. Their bind codes are issued there only, never in chat.
STAFF: frozenset[Role] = frozenset({Role.MODERATOR, Role.GRID_WORKER, Role.DEPARTMENT})
#: Who may record a co-sign, sign-up or named vote for a resident who asked (代办).
ASSISTANTS: frozenset[Role] = frozenset({Role.GRID_WORKER, Role.MODERATOR})


def effective_roles(granted: Iterable[str], *, bound: bool, verified: bool) -> frozenset[Role]:
    """Every role a person acts with: staff roles as granted, plus resident when verified."""
    roles = {Role(r) for r in granted if r in Role._value2member_map_}
    if bound and verified:
        roles.add(Role.RESIDENT)
    if not roles:
        roles.add(Role.GUEST)
    return frozenset(roles)


def allowed(held: frozenset[Role], required: frozenset[Role] | None) -> bool:
    """True when no role is required or one of the required ones is held."""
    return required is None or bool(held & required)
