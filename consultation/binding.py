"""One person, many platforms: one-time bind codes a moderator issues to a resident.

Codes are six digits, single-use and short-lived, and only their hash is
stored, so a leaked database does not hand out accounts. Failed attempts are
counted per platform account, so guessing is cut off long before it could pay.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.models import Resident
from storage.platforms import BindError, PlatformRepository
from storage.unit_of_work import UnitOfWork

CODE_TTL = timedelta(hours=24)
MAX_FAILURES_PER_HOUR = 5

__all__ = ["BindError", "Bound", "hash_code", "issue_code", "redeem"]


def hash_code(code: str) -> str:
    return hashlib.sha256(f"yishi-bind:{code}".encode()).hexdigest()


async def issue_code(
    uow: UnitOfWork, resident_id: int, actor: str, now: datetime, ttl: timedelta = CODE_TTL
) -> str:
    """A fresh code for ``resident_id``; recorded in the audit log (without the code)."""
    repo = uow.get(PlatformRepository)
    while True:
        code = f"{secrets.randbelow(900_000) + 100_000}"
        if await repo.add_bind_code(hash_code(code), resident_id, actor, now + ttl):
            break
    await uow.audit.record(
        actor, "bind_code_issued", "resident", str(resident_id), None, {"expires": str(now + ttl)}
    )
    return code


@dataclass(frozen=True, slots=True)
class Bound:
    resident: Resident
    already: bool


async def redeem(uow: UnitOfWork, code: str, platform: str, user_id: str, now: datetime) -> Bound:
    """Bind the platform account to the code's resident; :class:`BindError` says why not."""
    account = f"{platform}:{user_id}"
    identity = await uow.identities.ensure(platform, user_id)
    failures = [
        e
        for e in await uow.audit.for_entity("platform_account", account)
        if e.action == "bind_failed" and e.at > now - timedelta(hours=1)
    ]
    if len(failures) >= MAX_FAILURES_PER_HOUR:
        raise BindError("too_many")
    repo = uow.get(PlatformRepository)
    try:
        resident_id = await repo.use_bind_code(hash_code(code.strip()), account, now)
    except BindError as exc:
        await uow.audit.record(
            account, "bind_failed", "platform_account", account, None, {"reason": exc.code}
        )
        raise
    resident = await uow.residents.get(resident_id)
    if resident is None:
        raise BindError("unknown")
    already = identity.resident_id == resident_id
    before = {"resident_id": identity.resident_id}
    await uow.identities.bind(platform, user_id, resident_id)
    await uow.audit.record(
        account, "bound", "platform_account", account, before, {"resident_id": resident_id}
    )
    return Bound(resident=resident, already=already)
