"""One transaction, all repositories: commit together or not at all."""

from __future__ import annotations

from types import TracebackType
from typing import Any, TypeVar

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.audit import AuditRepository
from storage.conversations import ConversationRepository
from storage.engine import PUSHED, WROTE
from storage.identities import IdentityRepository
from storage.inbound import InboundRepository
from storage.pushes import PushRepository
from storage.residents import ResidentRepository
from storage.sqlite_session import InlineSession, SqliteLane

R = TypeVar("R")


class UnitOfWork:
    """``async with uow:`` opens a session; leave normally to commit, raise to roll back.

    On SQLite the session is an :class:`InlineSession` on the process's
    :class:`SqliteLane`: the unit of work takes the lane's turn at its first
    statement and gives it back when it commits or rolls back, and the router's
    own statements (see ``InlineSession.driver``) run on the driver connection directly.
    """

    session: AsyncSession

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], lane: SqliteLane | None = None
    ) -> None:
        self._sessions = sessions
        self._lane = lane
        self._extra: dict[type[Any], Any] = {}

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

    async def __aenter__(self) -> UnitOfWork:
        self._extra = {}
        #: After commit: whether the transaction changed any row / queued any push.
        self.wrote = self.pushed = False
        if self._lane is not None:
            self.session = InlineSession(self._lane)
        else:
            self.session = self._sessions()
        return self

    # The framework's repositories, made (like any other, see get) when first used.
    @property
    def inbound(self) -> InboundRepository:
        return self.get(InboundRepository)

    @property
    def identities(self) -> IdentityRepository:
        return self.get(IdentityRepository)

    @property
    def residents(self) -> ResidentRepository:
        return self.get(ResidentRepository)

    @property
    def conversations(self) -> ConversationRepository:
        return self.get(ConversationRepository)

    @property
    def audit(self) -> AuditRepository:
        return self.get(AuditRepository)

    @property
    def pushes(self) -> PushRepository:
        return self.get(PushRepository)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if exc_type is None:
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
        """Make this transaction's work permanent; on SQLite, return once it is."""
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
        await self.session.rollback()
        self._abandon_turn()


class UnitOfWorkFactory:
    """Makes a fresh :class:`UnitOfWork` per message or job."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions
        bind = sessions.kw.get("bind")
        self.lane: SqliteLane | None = None
        if isinstance(bind, AsyncEngine) and bind.dialect.name == "sqlite":
            self.lane = SqliteLane(make_url(bind.url).database or ":memory:")

    def __call__(self) -> UnitOfWork:
        return UnitOfWork(self.sessions, self.lane)

    def close(self) -> None:
        """Close the SQLite lane's connection (PostgreSQL connections belong to the engine)."""
        if self.lane is not None:
            self.lane.close()
