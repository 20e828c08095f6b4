"""One person, many platforms: one-time bind codes a moderator issues to a resident.

Codes are eight digits, single-use and valid for a day, and only their hash is
stored, so a leaked database does not hand out accounts. Guessing is throttled
where it comes from and as a whole: failed attempts empty token buckets per
platform account, per source (a web client's address) and for the whole
community (:mod:`storage.throttle`, in the database, so the limits hold across
processes). Only the community-wide bucket refuses a right code: the account's
and the source's slow a guesser down, but a resident sharing the guesser's
address (a NAT, the reverse proxy) still binds with the code they were given. A
bad, used or expired code gets one answer, so a guesser learns nothing about
which codes exist. Failures are counted, not audited one by one; a lock-out is
one audit entry.

What that buys, at most (README, "Bind codes can't be guessed in practice"): the
community-wide bucket lets through 375 / N wrong codes an hour while N codes are
live, so the chance that guessing finds any of them stays under 1 in 10,000 a day.
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
from consultation.events import BoundElsewhere
from storage.models import Resident
from storage.platforms import BindError, PlatformRepository
from storage.throttle import Limit, ThrottleRepository
from storage.unit_of_work import UnitOfWork

CODE_TTL = timedelta(hours=24)
CODE_DIGITS = 8
HOUR = 3600.0
#: How many codes there are: eight digits, no leading zero.
CODE_SPACE = 9 * 10 ** (CODE_DIGITS - 1)
#: The chance, per day, that wrong guesses from everywhere together hit any live code.
#: Each checked wrong guess hits one of N live codes with chance N / CODE_SPACE, so
#: G guesses an hour give 24·G·N / 9e7 a day; at most 1e-4 means G ≤ 375 / N:
#: 375 an hour with one live code, 37 with ten, 7 with fifty.
RISK_PER_DAY = 1e-4
WRONG_PER_HOUR_TIMES_CODES = RISK_PER_DAY * CODE_SPACE / 24  # = 375
#: Wrong codes an account (a web chat session) or a source address may send before being
#: told to wait, refilled over the period. Friction, not the defence: sessions are free
#: and a 小区 behind one NAT or proxy is one address, so a right code still binds past
#: them. 5 typos, then one try every 3 minutes; 20 from an address, then one every 3.
LIMITS: dict[str, Limit] = {
    "bind:account:": Limit(5, 15 * 60),
    "bind:source:": Limit(20, HOUR),
}
#: The key of the community-wide bucket of wrong guesses (its limit: :func:`overall_limit`).
OVERALL = "bind:all"


def overall_limit(live_codes: int) -> Limit:
    """The community-wide bucket of wrong guesses, for ``live_codes`` codes in use: at most
    375 / N an hour (so under 1e-4 a day of any code being guessed), as a bucket holding
    up to an hour's worth (at least one guess, then refilled as slowly as that needs)."""
    per_hour = WRONG_PER_HOUR_TIMES_CODES / max(1, live_codes)
    capacity = max(1, math.floor(per_hour))
    return Limit(capacity, HOUR * capacity / per_hour)


__all__ = [
    "CODE_SPACE",
    "EVERYWHERE",
    "FALLBACK",
    "LIMITS",
    "OVERALL",
    "BindError",
    "Bound",
    "PreferenceError",
    "PushRoute",
    "Throttled",
    "bound_accounts",
    "hash_code",
    "issue_code",
    "overall_limit",
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
    """The code's ``resident``. ``already``: the account was theirs before (the code is
    left unused). ``current``: the account is someone else's and nothing was changed:
    the person is asked first, and binds with ``rebind=True``."""

    resident: Resident
    already: bool
    current: Resident | None = None
    rebound_from: int | None = None


class Throttled(BindError):
    """Too many failed attempts: from here (``too_many``: the code was checked and is
    wrong; a right one would have bound) or from everywhere (``busy``: no code was
    checked; try again in ``minutes``)."""

    def __init__(self, minutes: int, *, checked: bool = True) -> None:
        super().__init__("too_many" if checked else "busy")
        self.minutes = minutes


def _minutes(seconds: float) -> int:
    return max(1, math.ceil(seconds / 60))


async def redeem(
    uow: UnitOfWork,
    code: str,
    platform: str,
    user_id: str,
    now: datetime,
    source: str | None = None,
    rebind: bool = False,
    phone: str = "",
) -> Bound:
    """Bind the platform account to the code's resident; :class:`BindError` says why not.

    Every attempt takes a token from the account's and the source's buckets and from
    the community's; a good code gives them back: only wrong ones count. The account's
    and the source's buckets only slow a guesser down: past them a wrong code is
    answered with the wait (:class:`Throttled`), but a right one still binds, for a
    resident behind the same NAT or proxy as a guesser. The community's bucket is the
    defence (:func:`overall_limit`): when it is empty no code is checked at all.

    An account bound to someone else is not re-bound unless ``rebind``: the result
    names who it is now (``current``) and the code stays unused. Re-bound, the account
    loses what it had as that person: its conversations (drafts among them) end.

    Bound, the accounts the person already had are told at once (:class:`BoundElsewhere`,
    with ``phone`` to call if it wasn't them): a code given to someone else is noticed.
    """
    account = f"{platform}:{user_id}"
    soft = [(f"bind:account:{account}", LIMITS["bind:account:"])]
    if source:
        soft.append((f"bind:source:{source}", LIMITS["bind:source:"]))
    throttle = uow.get(ThrottleRepository)
    repo = uow.get(PlatformRepository)
    stamp = now.timestamp()
    taken: list[tuple[str, Limit, bool]] = []
    over: list[tuple[str, Limit]] = []
    for key, limit in soft:
        took = await throttle.take(key, limit, stamp)
        if took is None:
            over.append((key, limit))
        else:
            taken.append((key, limit, took.emptied))
    overall = overall_limit(await repo.live_bind_codes(now))
    took = await throttle.take(OVERALL, overall, stamp)
    if took is None:
        for key, limit, _ in taken:
            await throttle.give_back(key, limit)
        raise Throttled(_minutes(await throttle.wait(OVERALL, overall, stamp)), checked=False)
    taken.append((OVERALL, overall, took.emptied))
    code_hash = hash_code(code.strip())
    resident_id = await repo.live_bind_code(code_hash, now)
    if resident_id is None:  # spent already, by this very account (确认改绑 twice)?
        spent = await repo.spent_by(code_hash, account)
        if spent is not None and spent == await uow.identities.resident_of(platform, user_id):
            resident_id = spent
    resident = None if resident_id is None else await uow.residents.get(resident_id)
    if resident is None or resident.id is None:
        for key, limit, emptied in taken:
            if emptied and await throttle.mark_locked(key, stamp, limit.period):
                await audit_change(uow, now, account, "bind_locked", "bind_limit", key)
        if over:
            waits = [await throttle.wait(key, limit, stamp) for key, limit in over]
            raise Throttled(_minutes(max(waits)))
        raise BindError("unknown")  # bad, used or expired: one answer
    for key, limit, _ in taken:
        await throttle.give_back(key, limit)
    identity = await uow.identities.ensure(platform, user_id)
    before = identity.resident_id
    if before == resident.id:
        return Bound(resident=resident, already=True)
    if before is not None and not rebind:
        current = await uow.residents.get(before)
        if current is not None:
            return Bound(resident=resident, already=False, current=current)
    try:
        await repo.use_bind_code(code_hash, account, now)
    except BindError:
        raise BindError("unknown") from None  # spent by a simultaneous attempt
    others = tuple(a for a in await bound_accounts(uow, resident.id) if a != (platform, user_id))
    await uow.identities.bind(platform, user_id, resident.id)
    if others:
        uow.record(
            BoundElsewhere(
                resident_id=resident.id,
                account=account,
                accounts=others,
                stamp=now.isoformat(),
                phone=phone,
            )
        )
    if before is None:
        await uow.audit.record(
            account,
            "bound",
            "platform_account",
            account,
            {"resident_id": None},
            {"resident_id": resident.id},
        )
        return Bound(resident=resident, already=False)
    await uow.conversations.forget_user(platform, user_id)
    await audit_change(
        uow,
        now,
        account,
        "rebound",
        "platform_account",
        account,
        {"resident_id": before},
        resident_id=resident.id,
    )
    return Bound(resident=resident, already=False, rebound_from=before)


async def bound_accounts(uow: UnitOfWork, resident_id: int) -> list[tuple[str, str]]:
    """The person's bound accounts (platform, chat id), oldest binding first."""
    accounts = await uow.get(PlatformRepository).accounts_by_recency(resident_id)
    ordered = sorted(accounts, key=lambda item: item[0].id or 0)
    return [(i.platform, i.platform_user_id) for i, _last in ordered]


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
