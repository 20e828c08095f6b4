"""Proof of notice: how many of the register's households a notice actually reached,
read from the outbox's delivery records in one statement (counts only, never who).

A push carries its cause in its de-duplication key (``<event key>:<audience>:…``, see
notices.dispatch; a push handed on to a person's next account keeps that key as its
prefix), so "the notices about M202612" are the pushes whose key starts with one of the
prefixes the domain names. A household is reached when a push to one of its members'
own accounts was delivered (``status = 'sent'``): that account is the person's bound
identity, the same join the push service routes by. Group chats are counted apart: the
register does not know who is in a group, so a group post reaches no household here.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy import String, and_, cast, func, literal, or_
from sqlmodel import col, select

from storage.models import PlatformIdentity, Push, Resident
from storage.polls import lives_here_clause
from storage.repository import Repository


@dataclass(frozen=True, slots=True)
class Reach:
    """Households in the register, households a notice reached, group chats it reached."""

    eligible: int
    reached: int
    groups: int


def household_key() -> object:
    """A household as polls count them: the register's household number, or the person
    alone when none is given (one person, one household)."""
    return func.coalesce(
        literal("h:") + col(Resident.household),
        literal("r:") + cast(col(Resident.id), String),
    )


class NoticeReachRepository(Repository):
    """Counts over the outbox joined with the register; nothing here names a person."""

    async def counts(self, causes: Sequence[str], workplace_roles: Collection[str] = ()) -> Reach:
        """For the pushes whose key starts with one of ``causes``: the eligible households
        (verified, living here), those reached by a delivered push, and the group chats
        (no person's account) a push was delivered to — one query, whatever the size."""
        if not causes:
            return Reach(0, 0, 0)
        key = household_key()
        eligible = and_(col(Resident.verified).is_(True), lives_here_clause(workplace_roles))
        about = or_(*(col(Push.dedupe_key).startswith(c, autoescape=True) for c in causes))
        delivered = and_(col(Push.status) == "sent", about)
        on_account = and_(
            col(PlatformIdentity.platform) == col(Push.platform),
            col(PlatformIdentity.platform_user_id) == col(Push.chat_id),
        )
        households = select(func.count(func.distinct(key))).where(eligible).scalar_subquery()
        reached = (
            select(func.count(func.distinct(key)))
            .select_from(Resident)
            .join(PlatformIdentity, col(PlatformIdentity.resident_id) == col(Resident.id))
            .join(Push, on_account)
            .where(eligible, delivered)
            .scalar_subquery()
        )
        person = select(PlatformIdentity.id).where(on_account).exists()
        chat = col(Push.platform) + literal(":") + col(Push.chat_id)
        groups = select(func.count(func.distinct(chat))).where(delivered, ~person).scalar_subquery()
        row = (await self.session.execute(select(households, reached, groups))).one()
        return Reach(int(row[0]), int(row[1]), int(row[2]))
