"""Who may use the 工作台 (the web workbench) and how they get in: a link from chat.

A moderator, grid worker or department contact sends 工作台 in private chat and
gets a one-time link (valid minutes, used once). Opening it starts a session in
the browser. Tokens are random (256 bits) and only their SHA-256 is stored; each
link, login and logout is in the audit log with who and when.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from consultation.confidentiality import Viewer
from consultation.roles import Role, effective_roles
from storage.console import ConsoleLink, ConsoleRepository, ConsoleSession
from storage.models import Resident
from storage.unit_of_work import UnitOfWork

#: The roles that get a workbench, each seeing their own part.
STAFF = frozenset({Role.MODERATOR, Role.GRID_WORKER, Role.DEPARTMENT})
LINK_TTL = timedelta(minutes=10)
SESSION_TTL = timedelta(hours=12)


class AccessError(Exception):
    """Why no link or no session: ``not_staff``, ``bad_link``."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def digest(token: str) -> str:
    return hashlib.sha256(f"yishi-console:{token}".encode()).hexdigest()


def csrf_for(session_token: str) -> str:
    """The session's CSRF token: derived from it, so nothing more is stored, and no
    other session's form can be replayed into this one."""
    return hashlib.sha256(f"yishi-console-csrf:{session_token}".encode()).hexdigest()[:40]


@dataclass(frozen=True, slots=True)
class Staff:
    """A signed-in worker: their record, roles, and the grids and departments they serve."""

    resident: Resident
    roles: frozenset[Role]
    grids: tuple[int, ...]
    departments: tuple[str, ...]

    @property
    def id(self) -> int:
        assert self.resident.id is not None
        return self.resident.id

    @property
    def actor(self) -> str:
        """How the audit log names this person (the same as in chat)."""
        return f"resident:{self.id}"

    @property
    def moderator(self) -> bool:
        return Role.MODERATOR in self.roles

    def has(self, *roles: Role) -> bool:
        return any(r in self.roles for r in roles)

    def viewer(self, reporter_resident_id: int | None) -> Viewer:
        """Who this worker is to a ticket reported by ``reporter_resident_id``, for the
        confidentiality rule: a moderator, its reporter, a department's contact (who sees
        only tickets sent to the department: the problem, never who reported it), or a
        grid worker handling it. The same as in chat (``TicketService.viewer``)."""
        if self.moderator:
            return Viewer.MODERATOR
        if reporter_resident_id == self.id:
            return Viewer.REPORTER
        if not self.has(Role.GRID_WORKER):
            return Viewer.DEPARTMENT
        return Viewer.HANDLER


async def staff_of(uow: UnitOfWork, resident_id: int) -> Staff | None:
    """The person with their workbench roles, or None when they hold none."""
    from storage.tickets import DepartmentRepository

    resident = await uow.residents.get(resident_id)
    if resident is None:
        return None
    granted = await uow.residents.roles_of(resident_id)
    roles = effective_roles([r.role for r in granted], bound=True, verified=resident.verified)
    if not roles & STAFF:
        return None
    grids = tuple(
        r.grid_id for r in granted if r.role == Role.GRID_WORKER.value and r.grid_id is not None
    )
    departments = tuple(await uow.get(DepartmentRepository).departments_of(resident_id))
    return Staff(resident, roles, grids, departments)


async def issue_link(
    uow: UnitOfWork, resident_id: int | None, now: datetime, ttl: timedelta = LINK_TTL
) -> str:
    """A fresh one-time login token for a staff member; :class:`AccessError` otherwise."""
    staff = await staff_of(uow, resident_id) if resident_id is not None else None
    if staff is None:
        raise AccessError("not_staff")
    token = secrets.token_urlsafe(32)
    await uow.get(ConsoleRepository).add_link(
        ConsoleLink(
            token_hash=digest(token), resident_id=staff.id, created_at=now, expires_at=now + ttl
        )
    )
    await uow.audit.record(
        staff.actor,
        "console_link_issued",
        "resident",
        str(staff.id),
        None,
        {"expires": (now + ttl).isoformat()},
    )
    return token


async def open_session(
    uow: UnitOfWork, token: str, now: datetime, ttl: timedelta = SESSION_TTL
) -> tuple[str, Staff]:
    """Use a link once: a new session token (for the cookie) and who it is."""
    repo = uow.get(ConsoleRepository)
    resident_id = await repo.use_link(digest(token), now) if token else None
    staff = await staff_of(uow, resident_id) if resident_id is not None else None
    if staff is None:
        raise AccessError("bad_link")
    session_token = secrets.token_urlsafe(32)
    await repo.add_session(
        ConsoleSession(
            session_hash=digest(session_token),
            resident_id=staff.id,
            created_at=now,
            expires_at=now + ttl,
        )
    )
    await uow.audit.record(
        staff.actor,
        "console_login",
        "resident",
        str(staff.id),
        None,
        {"expires": (now + ttl).isoformat()},
    )
    return session_token, staff


async def session_staff(uow: UnitOfWork, session_token: str, now: datetime) -> Staff | None:
    """Who a live session belongs to (None: unknown, expired, revoked, or no longer staff)."""
    if not session_token:
        return None
    row = await uow.get(ConsoleRepository).live_session(digest(session_token), now)
    if row is None:
        return None
    return await staff_of(uow, row.resident_id)


async def close_session(uow: UnitOfWork, session_token: str, staff: Staff, now: datetime) -> None:
    """Log out: the session is revoked for good."""
    if await uow.get(ConsoleRepository).revoke(digest(session_token), now):
        await uow.audit.record(staff.actor, "console_logout", "resident", str(staff.id))
