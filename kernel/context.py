"""What every handler gets and implements.

A handler is thin: read the message and the user's role, call a service in
``consultation/``, format the reply. The router builds the :class:`Context`,
checks :attr:`Handler.required_roles`, and persists the conversation after.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from consultation.ballot_box import BallotKeys
from consultation.ids import actor_ref
from consultation.roles import Role
from kernel.commands import Parsed
from kernel.flows import DRAFT_ID, DROPPED, draft_stamp
from kernel.intents import NluResult
from kernel.messages import Inbound
from storage.models import Resident
from storage.unit_of_work import UnitOfWork


@dataclass(slots=True)
class User:
    """The sender as the bot knows them: platform account, resident record, roles."""

    platform: str
    platform_user_id: str
    display_name: str | None
    resident: Resident | None
    roles: frozenset[Role]

    @property
    def bound(self) -> bool:
        return self.resident is not None

    @property
    def verified(self) -> bool:
        return self.resident is not None and self.resident.verified

    @property
    def actor(self) -> str:
        """How the audit log names this person."""
        resident_id = self.resident.id if self.resident is not None else None
        return actor_ref(resident_id, self.platform, self.platform_user_id)

    @property
    def name(self) -> str:
        if self.resident is not None:
            return self.resident.name
        return self.display_name or "居民"

    def has(self, *roles: Role) -> bool:
        return any(r in self.roles for r in roles)


#: Where a conversation keeps the draft it took the place of (:meth:`Conversation.put_aside`).
PUT_DOWN = "put_down"
#: Where a draft carries the drafts said before it that wait with it (a report's second
#: problem: "4号楼灯坏了" then "5号楼灯坏了"), each ``{"step": …, "data": …}``: their old
#: cards are told where they went (:meth:`Conversation.carried`).
CARRIED = "earlier"


@dataclass(slots=True)
class Conversation:
    """This user's multi-turn state in this chat. Changes are saved by the router."""

    flow: str | None = None
    step: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    changed: bool = False
    #: Every move made during this message, (flow, from step, to step): the router
    #: checks each against the flow's declaration (:mod:`kernel.flows`).
    moves: list[tuple[str, str | None, str]] = field(default_factory=list)

    @property
    def active(self) -> bool:
        return self.flow is not None

    @property
    def card(self) -> str | None:
        """The stamp the card of this conversation's draft carries (None: no draft)."""
        return draft_stamp(self.data.get(DRAFT_ID))

    def start(self, flow: str, step: str, **data: Any) -> None:
        self.moves.append((flow, None, step))
        self.flow, self.step, self.data, self.changed = flow, step, dict(data), True

    def advance(self, step: str, **data: Any) -> None:
        assert self.flow is not None, "advance inside a conversation"
        self.moves.append((self.flow, self.step, step))
        self.step = step
        self.data.update(data)
        self.changed = True

    def put_aside(self, flow: str, step: str | None, data: dict[str, Any]) -> None:
        """Remember the draft this conversation took the place of (a topic card, then a
        problem typed): its old card is then told what became of it (:meth:`set_aside`)."""
        kept = {k: v for k, v in data.items() if k != PUT_DOWN}  # one, not a chain
        self.data[PUT_DOWN] = {"flow": flow, "step": step, "data": kept}
        self.changed = True

    def set_aside(self, card: str) -> tuple[str, str | None, dict[str, Any]] | None:
        """The flow, step and data of the draft put aside here whose card carries ``card``."""
        found = self.data.get(PUT_DOWN)
        if not isinstance(found, dict) or not isinstance(found.get("data"), dict):
            return None
        if draft_stamp(found["data"].get(DRAFT_ID)) != card:
            return None
        step = found.get("step")
        return str(found.get("flow")), str(step) if step else None, found["data"]

    def carried(self, card: str) -> dict[str, Any] | None:
        """The data of a draft carried in this one (:data:`CARRIED`) whose card carries
        ``card``; None when it carries none such."""
        for found in self.data.get(CARRIED, ()):
            data = found.get("data") if isinstance(found, dict) else None
            if isinstance(data, dict) and draft_stamp(data.get(DRAFT_ID)) == card:
                return data
        return None

    def restore(self, flow: str, step: str | None, data: dict[str, Any]) -> None:
        """Take up again a draft put aside (:meth:`put_aside`) where it was: no move of its
        flow, the state it had."""
        self.flow, self.step, self.data, self.changed = flow, step, dict(data), True

    def end(self) -> None:
        self.flow, self.step, self.data, self.changed = None, None, {}, True

    def drop(self) -> None:
        """取消 of a draft whose flow keeps its :data:`~kernel.flows.DROPPED` step: what
        was filled in is thrown away; only the flow's name is kept, and the draft's id, so
        its old card is still known as its own."""
        kept = {DRAFT_ID: self.data[DRAFT_ID]} if DRAFT_ID in self.data else {}
        self.step, self.data, self.changed = DROPPED, kept, True


@dataclass(slots=True)
class Community:
    """Facts about the community a handler may need to phrase a reply."""

    name: str
    zone: ZoneInfo
    conversation_ttl: timedelta
    #: The keys anonymous ballots are sealed with (from ``[polls] ballot_secret``).
    ballots: BallotKeys | None = None
    #: Below this many votes an anonymous poll's counts are withheld (``[polls]
    #: anonymous_min_votes``).
    anonymous_min_votes: int = 5
    #: The community's duty phone (``[community] duty_phone``), told in an emergency.
    duty_phone: str = ""


#: A fresh unit of work for after-commit work; leaving it commits (and wakes the pushes).
Units = Callable[[], AbstractAsyncContextManager[UnitOfWork]]
#: Work a handler leaves for after its commit (see :meth:`Context.later`).
Later = Callable[[Units], Awaitable[None]]


@dataclass(slots=True)
class Context:
    """Everything one handler call may use; the transaction is ``uow``'s."""

    message: Inbound
    user: User
    uow: UnitOfWork
    now: datetime
    community: Community
    conversation: Conversation
    #: What the classifier made of the message (None for commands and flows). Its
    #: ``slots`` are left empty: a handler parses what it needs (nlu.slots).
    nlu: NluResult | None = None
    #: Work to start once this message's transaction has committed (see :meth:`later`).
    after_commit: list[Later] = field(default_factory=list)
    #: The command the message was read as (None for phrases, flows and intents).
    command: Parsed | None = None
    #: The message is (or may be) a secret ballot: its words name a choice of an
    #: anonymous poll. The handler that knows says so; the router marks the replies
    #: (:attr:`~kernel.messages.Reply.ballot`), and nothing keeps the words with the sender.
    secret_ballot: bool = False

    @property
    def text(self) -> str:
        return self.message.text.strip()

    def later(self, work: Later) -> None:
        """Run ``work(units)`` after this message's transaction commits, outside it.

        For a platform API call a reply depends on: made inside the handler it would
        hold the transaction (on SQLite, every other message) for as long as the
        platform takes to answer. ``work`` makes the call, then records and tells
        the person by push in a unit of work of its own (``async with units() as
        uow``). Nothing runs if the message's work is rolled back.
        """
        self.after_commit.append(work)

    async def audit(self, action: str, entity_type: str, entity_id: str) -> None:
        """Record what the sender did, with who and when (the services record the state
        changes they make, with before and after, themselves)."""
        await self.uow.audit.record(self.user.actor, action, entity_type, entity_id)
