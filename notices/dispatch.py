"""The one dispatch table: event type → what follows from it (who is told what).

Cosmic Python's message bus (cosmicpython/code ``service_layer/messagebus.py``)
maps each event type to its handlers; here the handlers are *routes*, run by the
unit of work just before it commits (the outbox pattern: a push exists exactly
when its cause was committed). A :class:`Notify` route names an audience and a
sentence; an :class:`Also` route does something that is not a push (open the
rating conversation after 办结); an :class:`Apart` route is one its cause must not
depend on (the recurring-problem check as a ticket is filed): it runs in a SAVEPOINT,
and if it fails its work is undone and logged while the cause is committed as usual.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

from consultation.audiences import Audience, AudienceResolver
from consultation.binding import push_to_person
from consultation.events import Event
from kernel.messages import Reply
from storage.faults import fault_name, is_outage
from storage.types import utcnow
from storage.unit_of_work import UnitOfWork

log = logging.getLogger("yishi.notices")

E = TypeVar("E", bound=Event)
E_contra = TypeVar("E_contra", bound=Event, contravariant=True)

#: A push's de-duplication key is unique in the outbox and at most this long.
KEY_LENGTH = 191


class Route(Protocol[E_contra]):
    """One consequence of an event, run inside the event's transaction."""

    async def run(self, uow: UnitOfWork, event: E_contra, bus: Dispatcher) -> None: ...


@dataclass(frozen=True)
class Notify(Generic[E]):
    """Tell each of ``audience(event)`` what ``say(event, audience)`` phrases (None: nothing)."""

    audience: Callable[[E], Sequence[Audience]]
    say: Callable[[E, Audience], Reply | None]

    async def run(self, uow: UnitOfWork, event: E, bus: Dispatcher) -> None:
        for audience in self.audience(event):
            reply = self.say(event, audience)
            if reply is not None:
                await bus.tell(uow, event, audience, reply)


@dataclass(frozen=True)
class Also(Generic[E]):
    """A consequence that is not a push."""

    effect: Callable[[UnitOfWork, E, datetime], Awaitable[None]]

    async def run(self, uow: UnitOfWork, event: E, bus: Dispatcher) -> None:
        await self.effect(uow, event, bus.clock())


@dataclass(frozen=True)
class Apart(Generic[E]):
    """A consequence that is not a push and that its cause must not depend on: a resident's
    report is filed even when a check run on it fails. Run in a SAVEPOINT; on failure its
    statements and events are undone and the failure is logged by the event's key (a
    ticket's number), the error's type and the line it came through, never its message
    (a database error quotes the statement's values)."""

    effect: Callable[[UnitOfWork, E, datetime], Awaitable[None]]

    async def run(self, uow: UnitOfWork, event: E, bus: Dispatcher) -> None:
        try:
            async with uow.savepoint():
                await self.effect(uow, event, bus.clock())
        except Exception as exc:
            if is_outage(exc):
                raise  # nothing can be committed now: the message itself fails
            log.warning(
                "a consequence failed and was undone; its cause is kept",
                extra={
                    "event": event.key,
                    "effect": getattr(self.effect, "__qualname__", "?"),
                    "error": fault_name(exc),
                    "at": _where(exc),
                },
            )


def _where(exc: BaseException) -> str:
    """The innermost line of our own code the exception came through (``file.py:123``)."""
    ours = [f for f in traceback.extract_tb(exc.__traceback__) if "-packages" not in f.filename]
    return f"{ours[-1].filename.rsplit('/', 1)[-1]}:{ours[-1].lineno}" if ours else ""


#: Event type → its routes, in order. Types are matched exactly (no inheritance).
Table = Mapping[type[Event], Sequence[Route[Any]]]


@dataclass(frozen=True)
class Dispatcher:
    """The unit of work's publisher: runs each event's routes from :data:`Table`."""

    table: Table
    resolver: AudienceResolver
    clock: Callable[[], datetime] = utcnow

    async def __call__(self, uow: UnitOfWork, events: list[Any]) -> None:
        for event in events:
            routes = self.table.get(type(event))
            if routes is None:
                log.warning("no route for event", extra={"event": type(event).__name__})
                continue
            for route in routes:
                await route.run(uow, event, self)

    async def tell(self, uow: UnitOfWork, event: Event, audience: Audience, reply: Reply) -> int:
        """Queue ``reply`` to everyone ``audience`` means, once per event and recipient."""
        targets = await self.resolver.resolve(uow, audience)
        base = f"{event.key}:{audience.name}"
        payload = reply.as_json()
        payload.setdefault("about", event.family)
        now = self.clock()
        sent = 0
        for person in targets.people:

            def key(platform: str, chat: str, person: int = person) -> str:
                return f"{base}:{person}:{platform}:{chat}"[:KEY_LENGTH]

            sent += await push_to_person(uow, person, payload, key, now)
        for platform, chat in targets.chats:
            chat_key = f"{base}:{platform}:{chat}"[:KEY_LENGTH]
            sent += int(await uow.pushes.enqueue(platform, chat, dict(payload), chat_key, now=now))
        return sent

    async def replace(self, uow: UnitOfWork, platform: str, chat: str, reply: Reply) -> None:
        """Queue ``reply`` as the latest state of a live message (a poll's running count):
        an unsent earlier state of the same message is replaced, not sent."""
        assert reply.edit_key is not None
        key = f"live:{platform}:{chat}:{reply.edit_key}"[:KEY_LENGTH]
        await uow.pushes.enqueue_latest(platform, chat, reply.as_json(), key, now=self.clock())
