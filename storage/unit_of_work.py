"""One transaction, all repositories: commit together or not at all.

The unit of work also collects what happened (the domain's events, see
:mod:`consultation.events`): before it commits, its publisher (installed by the
wiring) turns them into pushes inside the same transaction, so a notice exists
exactly when its cause was committed.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from types import TracebackType
from typing import Any, Generic, TypeVar, overload

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.audit import AuditRepository
from storage.connections import PUSHED, WROTE
from storage.conversations import ConversationRepository
from storage.identities import IdentityRepository
from storage.inbound import InboundRepository
from storage.pushes import PushRepository
from storage.residents import ResidentRepository
from storage.sqlite_session import InlineSession, SqliteLane

R = TypeVar("R")

#: Turns a batch of events into their effects (pushes) inside ``uow``'s transaction;
#: events it records in turn are published in the next round.
Publisher = Callable[["UnitOfWork", list[Any]], Awaitable[None]]


class _Framework(Generic[R]):
    """A framework repository as an attribute of every unit of work: ``uow.inbound``
    is ``uow.get(InboundRepository)``."""

    def __init__(self, repository: type[R]) -> None:
        self.repository = repository

    @overload
    def __get__(self, uow: None, owner: type[UnitOfWork]) -> _Framework[R]: ...
    @overload
    def __get__(self, uow: UnitOfWork, owner: type[UnitOfWork]) -> R: ...
    def __get__(self, uow: UnitOfWork | None, owner: type[UnitOfWork]) -> R | _Framework[R]:
        return self if uow is None else uow.get(self.repository)


class UnitOfWork:
    """``async with uow:`` opens a session; leave normally to commit, raise to roll back.

    On SQLite the session is an :class:`InlineSession` on the process's
    :class:`SqliteLane`: the unit of work takes the lane's turn at its first
    statement and gives it back when it commits or rolls back, and the router's
    own statements (see ``InlineSession.driver``) run on the driver connection directly.
    """

    session: AsyncSession

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        lane: SqliteLane | None = None,
        publisher: Publisher | None = None,
    ) -> None:
        self._sessions = sessions
        self._lane = lane
        self._publisher = publisher
        self._extra: dict[type[Any], Any] = {}
        self.events: list[Any] = []
        self.published: list[Any] = []

    def get(self, repository: type[R]) -> R:
        """The domain repository ``repository`` bound to this transaction's session.

        Domains add repositories without touching this class:
        ``uow.get(TicketRepository)``; each is created once per unit of work.
        """
        found: R | None = self._extra.get(repository)
        if found is None:
            found = repository(self.session)  # type: ignore[call-arg]
            self._extra[repository] = found
        return found

    def record(self, event: Any) -> None:
        """Something happened that people must hear about; published at commit."""
        self.events.append(event)

    @contextlib.asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """Work the rest of the transaction must not depend on (a check run as a ticket is
        filed): if it raises, its statements are rolled back to a SAVEPOINT (SQLAlchemy's
        ``begin_nested``) and the events it recorded are dropped, and the exception goes
        on to the caller, who may carry on with the transaction as it was before."""
        recorded = len(self.events)
        session = self.session
        if isinstance(session, InlineSession):
            await session.take_turn()  # the SAVEPOINT is a statement on the lane
        try:
            async with session.begin_nested():
                yield
        except BaseException:
            del self.events[recorded:]
            raise

    async def publish(self) -> None:
        """Hand the recorded events to the publisher, round by round, until none are left.

        Called by :meth:`commit`; after it, :attr:`published` holds every event of this
        transaction (for after-commit hooks such as the scheduler's)."""
        rounds = 0
        while self.events:
            batch, self.events = self.events, []
            self.published.extend(batch)
            if self._publisher is not None:
                await self._publisher(self, batch)
            rounds += 1
            if rounds > 10:
                raise RuntimeError("events keep causing events: a cycle in the dispatch table")

    async def between_pages(self) -> None:
        """A long read (the scheduler's tables, a page at a time) lets others in between.

        Always lets the event loop run. When :attr:`reads_in_pages` is set (by a caller
        that only reads, such as the scheduler's rebuild) it also ends the transaction,
        so on SQLite the connection's turn goes to the messages waiting for it; rows
        read before are plain values to the caller from then on.
        """
        if self.reads_in_pages and not self.events:
            await self.commit()
        await asyncio.sleep(0)

    async def __aenter__(self) -> UnitOfWork:
        self._extra = {}
        #: Set by a read-only caller: :meth:`between_pages` may end the transaction.
        self.reads_in_pages = False
        self.events, self.published = [], []
        #: After commit: whether the transaction changed any row / queued any push.
        self.wrote = self.pushed = False
        if self._lane is not None:
            self.session = InlineSession(self._lane)
        else:
            self.session = self._sessions()
        return self

    # The framework's repositories, made (like any other, see get) when first used.
    inbound = _Framework(InboundRepository)
    identities = _Framework(IdentityRepository)
    residents = _Framework(ResidentRepository)
    conversations = _Framework(ConversationRepository)
    audit = _Framework(AuditRepository)
    pushes = _Framework(PushRepository)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is not None:
            self.failed(exc)
        try:
            await self._end(commit=exc_type is None)
        except BaseException as error:
            self.failed(error)
            raise

    def failed(self, exc: BaseException) -> None:
        """What ended this unit of work in error: its body's exception, or one its commit,
        rollback or close raised. Nothing here; a subclass may count it (bot.metrics)."""

    async def _end(self, *, commit: bool) -> None:
        try:
            if commit:
                await self.commit()
            else:
                await self.rollback()
        finally:
            await self.session.close()
            self._abandon_turn()

    def _abandon_turn(self) -> None:
        """Still holding the turn on the way out (a commit that failed): roll back."""
        session = self.session
        if self._lane is not None and isinstance(session, InlineSession) and session.holding:
            session.holding = False
            self._lane.rollback()

    async def _collect_marks(self) -> None:
        """Read (and clear) what this transaction changed, for after-commit hooks."""
        if self._lane is not None:
            marks = self._lane.marks
            self.wrote = WROTE in marks or self.wrote
            self.pushed = PUSHED in marks or self.pushed
            marks.clear()
            return
        if not self.session.in_transaction():
            return
        info = (await self.session.connection()).info
        self.wrote = bool(info.pop(WROTE, False)) or self.wrote
        self.pushed = bool(info.pop(PUSHED, False)) or self.pushed

    async def commit(self) -> None:
        """Publish its events, then make this transaction's work permanent; on SQLite,
        return once it is."""
        await self.publish()
        if self._lane is None:
            await self._collect_marks()
            await self.session.commit()
            return
        session = self.session
        assert isinstance(session, InlineSession)
        if session.pending():
            await session.take_turn()  # the commit's flush writes
        if not session.holding:
            return  # nothing ran since the last commit or rollback
        await session.commit()  # flushes; the lane commits (LaneDialect)
        await self._collect_marks()
        session.holding = False
        await self._lane.commit()

    async def rollback(self) -> None:
        self.events = []
        await self.session.rollback()
        self._abandon_turn()


class UnitOfWorkFactory:
    """Makes a fresh :class:`UnitOfWork` per message or job."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], publisher: Publisher | None = None
    ) -> None:
        self.sessions = sessions
        #: Set by the wiring once the dispatch table exists (see :mod:`notices`).
        self.publisher = publisher
        bind = sessions.kw.get("bind")
        self.lane: SqliteLane | None = None
        if isinstance(bind, AsyncEngine) and bind.dialect.name == "sqlite":
            self.lane = SqliteLane(make_url(bind.url).database or ":memory:")

    def __call__(self) -> UnitOfWork:
        return UnitOfWork(self.sessions, self.lane, self.publisher)

    def close(self) -> None:
        """Close the SQLite lane's connection (PostgreSQL connections belong to the engine)."""
        if self.lane is not None:
            self.lane.close()
