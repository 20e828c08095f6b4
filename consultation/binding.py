"""One person, many platforms: one-time bind codes a moderator issues to a resident.

Codes are eight digits, single-use and valid for a day, and only their hash is
stored, so a leaked database does not hand out accounts. Guessing is throttled
where it comes from and as a whole: failed attempts empty token buckets per
platform account, per source (a web client's address) and for the whole
community (:mod:`storage.throttle`, in the database, so the limits hold across
processes). A bad, used or expired code gets one answer, so a guesser learns
nothing about which codes exist. Failures are counted, not audited one by one;
a lock-out is one audit entry.

What that buys, at most (README, "Guarantees"): the community-wide bucket lets
through 100 failed attempts an hour, so a code lives through at most ~2,500
guesses among 90,000,000 codes.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from consultation.audit import audit_change
from storage.models import Resident
from storage.platforms import BindError, PlatformRepository
from storage.throttle import Limit, ThrottleRepository
from storage.unit_of_work import UnitOfWork

CODE_TTL = timedelta(hours=24)
CODE_DIGITS = 8
HOUR = 3600.0
#: Failed bind attempts allowed, refilled over an hour: per platform account, per
#: source (a web client's address), and for everyone together.
LIMITS: dict[str, Limit] = {
    "bind:account:": Limit(5, HOUR),
    "bind:source:": Limit(20, HOUR),
    "bind:all": Limit(100, HOUR),
}

__all__ = [
    "EVERYWHERE",
    "FALLBACK",
    "BindError",
    "Bound",
    "PreferenceError",
    "PushRoute",
    "Throttled",
    "hash_code",
    "issue_code",
    "push_route",
    "push_to_person",
    "redeem",
    "remember_updates",
    "remembered_updates",
    "set_push_preference",
]


def hash_code(code: str) -> str:
    return hashlib.sha256(f"yishi-bind:{code}".encode()).hexdigest()


async def issue_code(
    uow: UnitOfWork, resident_id: int, actor: str, now: datetime, ttl: timedelta = CODE_TTL
) -> str:
    """A fresh code for ``resident_id``; recorded in the audit log (without the code)."""
    repo = uow.get(PlatformRepository)
    low = 10 ** (CODE_DIGITS - 1)
    while True:
        code = f"{secrets.randbelow(9 * low) + low}"
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


class Throttled(BindError):
    """Too many failed attempts from here (or from everywhere): try again in ``minutes``."""

    def __init__(self, minutes: int) -> None:
        super().__init__("too_many")
        self.minutes = minutes


async def redeem(
    uow: UnitOfWork,
    code: str,
    platform: str,
    user_id: str,
    now: datetime,
    source: str | None = None,
) -> Bound:
    """Bind the platform account to the code's resident; :class:`BindError` says why not.

    Every attempt first takes a token from each bucket (the community's, the
    source's, the account's); one that finds a bucket empty is refused with the
    wait (:class:`Throttled`) and takes nothing. A good code gives its tokens
    back: only failures count.
    """
    account = f"{platform}:{user_id}"
    buckets = [("bind:all", LIMITS["bind:all"])]
    if source:
        buckets.append((f"bind:source:{source}", LIMITS["bind:source:"]))
    buckets.append((f"bind:account:{account}", LIMITS["bind:account:"]))
    throttle = uow.get(ThrottleRepository)
    stamp = now.timestamp()
    taken: list[tuple[str, Limit, bool]] = []
    for key, limit in buckets:
        took = await throttle.take(key, limit, stamp)
        if took is None:
            for back, back_limit, _ in taken:
                await throttle.give_back(back, back_limit)
            wait = await throttle.wait(key, limit, stamp)
            raise Throttled(max(1, math.ceil(wait / 60)))
        taken.append((key, limit, took.emptied))
    identity = await uow.identities.ensure(platform, user_id)
    repo = uow.get(PlatformRepository)
    try:
        resident_id = await repo.use_bind_code(hash_code(code.strip()), account, now)
    except BindError:
        for key, limit, emptied in taken:
            if emptied and await throttle.mark_locked(key, stamp, limit.period):
                await audit_change(uow, now, account, "bind_locked", "bind_limit", key)
        raise BindError("unknown") from None  # bad, used or expired: one answer
    for key, limit, _ in taken:
        await throttle.give_back(key, limit)
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


async def remembered_updates(uow: UnitOfWork, platform: str, user_id: str) -> bool | None:
    """What an account not bound to a resident answered to "处理进展要通知您吗？" when it
    last reported (None: never asked): its next report goes by it instead of asking."""
    return await uow.identities.updates_wanted(platform, user_id)


async def remember_updates(
    uow: UnitOfWork, platform: str, user_id: str, wanted: bool, actor: str, now: datetime
) -> None:
    """Keep the account's answer with the account (audited when it changes)."""
    before = await uow.identities.remember_updates(platform, user_id, wanted)
    if before is not wanted:
        await audit_change(
            uow,
            now,
            actor,
            "updates_preference_set",
            "identity",
            f"{platform}:{user_id}",
            {"wants_updates": before},
            wants_updates=wanted,
        )
