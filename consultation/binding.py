"""One person, many platforms: one-time bind codes a moderator issues to a resident.

Codes are six digits, single-use and short-lived, and only their hash is
stored, so a leaked database does not hand out accounts. Failed attempts are
counted per platform account, so guessing is cut off long before it could pay.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from storage.models import Resident
from storage.platforms import BindError, PlatformRepository
from storage.unit_of_work import UnitOfWork

CODE_TTL = timedelta(hours=24)
MAX_FAILURES_PER_HOUR = 5

__all__ = [
    "EVERYWHERE",
    "FALLBACK",
    "BindError",
    "Bound",
    "PreferenceError",
    "PushRoute",
    "hash_code",
    "issue_code",
    "push_route",
    "push_to_person",
    "redeem",
    "set_push_preference",
]


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


# -- where pushes go -------------------------------------------------------------------

#: Payload key of a push's remaining accounts, tried in order when it cannot be delivered.
FALLBACK = "fallback"

#: A preference meaning "every bound platform gets each push".
EVERYWHERE = "all"


class PreferenceError(Exception):
    """Why a push preference was refused (``code``), and for which platform."""

    def __init__(self, code: str, platform: str | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.platform = platform


@dataclass(frozen=True, slots=True)
class PushRoute:
    """Where a push to one person goes: ``accounts`` in order, or to all at once.

    ``accounts`` holds (platform, chat id) pairs. In order, the first is tried and
    the next only when it cannot be reached; ``everywhere`` sends to each.
    """

    accounts: tuple[tuple[str, str], ...]
    everywhere: bool
    chosen: bool  # the person set the order (else: most recently used first)


async def push_route(uow: UnitOfWork, resident_id: int) -> PushRoute:
    """The person's bound accounts in the order pushes should try them.

    A stored preference comes first, in its order; the remaining accounts follow,
    the one they wrote from most recently first (never-used ones last, oldest
    binding first).
    """
    repo = uow.get(PlatformRepository)
    accounts = await repo.accounts_by_recency(resident_id)
    preference = await repo.preference(resident_id) or []
    everywhere = preference == [EVERYWHERE]
    rank = {p: i for i, p in enumerate(preference)} if not everywhere else {}

    def order(item: tuple[Any, datetime | None]) -> tuple[int, int, float, int]:
        identity, last = item
        used = last.timestamp() if last is not None else 0.0
        return (rank.get(identity.platform, len(rank)), last is None, -used, identity.id or 0)

    ordered = sorted(accounts, key=order)
    return PushRoute(
        accounts=tuple((i.platform, i.platform_user_id) for i, _last in ordered),
        everywhere=everywhere,
        chosen=bool(preference),
    )


async def push_to_person(
    uow: UnitOfWork,
    resident_id: int,
    payload: dict[str, Any],
    key: Callable[[str, str], str | None],
    now: datetime | None = None,
) -> int:
    """Queue ``payload`` to a person by their route; returns how many pushes were queued.

    In order: one push to the first account, carrying the rest under
    :data:`FALLBACK` for the push service to try when it cannot arrive. To all:
    one push per account. ``key(platform, chat_id)`` names each push's dedupe key.
    """
    route = await push_route(uow, resident_id)
    if not route.accounts:
        return 0
    if route.everywhere:
        sent = 0
        for platform, chat_id in route.accounts:
            copy = {**payload, FALLBACK: []}  # each copy stands alone
            sent += await uow.pushes.enqueue(
                platform, chat_id, copy, key(platform, chat_id), now=now
            )
        return sent
    (platform, chat_id), *rest = route.accounts
    routed = {**payload, FALLBACK: [list(a) for a in rest]}
    return int(await uow.pushes.enqueue(platform, chat_id, routed, key(platform, chat_id), now=now))


async def set_push_preference(
    uow: UnitOfWork, resident_id: int, platforms: list[str], actor: str
) -> PushRoute:
    """Store the order (or ``[EVERYWHERE]``); each named platform must be bound."""
    if not platforms:
        raise PreferenceError("empty")
    repo = uow.get(PlatformRepository)
    bound = {i.platform for i, _last in await repo.accounts_by_recency(resident_id)}
    if platforms != [EVERYWHERE]:
        for platform in platforms:
            if platform not in bound:
                raise PreferenceError("not_bound_on", platform)
    before = await repo.preference(resident_id)
    await repo.set_preference(resident_id, platforms)
    await uow.audit.record(
        actor,
        "push_preference_set",
        "resident",
        str(resident_id),
        {"platforms": before},
        {"platforms": platforms},
    )
    return await push_route(uow, resident_id)
