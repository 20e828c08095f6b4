"""One transaction, all repositories: commit together or not at all."""

from __future__ import annotations

from types import TracebackType
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.engine import PUSHED, WROTE
from storage.repositories import (
    AuditRepository,
    ConversationRepository,
    IdentityRepository,
    InboundRepository,
    PushRepository,
    ResidentRepository,
)

R = TypeVar("R")


class UnitOfWork:
    """``async with uow:`` opens a session; leave normally to commit, raise to roll back."""

    session: AsyncSession
    inbound: InboundRepository
    identities: IdentityRepository
    residents: ResidentRepository
    conversations: ConversationRepository
    audit: AuditRepository
    pushes: PushRepository

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
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
        self.session = self._sessions()
        self._extra = {}
        #: After commit: whether the transaction changed any row / queued any push.
        self.wrote = self.pushed = False
        self.inbound = InboundRepository(self.session)
        self.identities = IdentityRepository(self.session)
        self.residents = ResidentRepository(self.session)
        self.conversations = ConversationRepository(self.session)
        self.audit = AuditRepository(self.session)
        self.pushes = PushRepository(self.session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if exc_type is None:
                await self._collect_marks()
                await self.session.commit()
            else:
                await self.session.rollback()
        finally:
            await self.session.close()

    async def _collect_marks(self) -> None:
        """Read (and clear) what this transaction changed, for after-commit hooks."""
        if not self.session.in_transaction():
            return
        info = (await self.session.connection()).info
        self.wrote = bool(info.pop(WROTE, False)) or self.wrote
        self.pushed = bool(info.pop(PUSHED, False)) or self.pushed

    async def commit(self) -> None:
        await self._collect_marks()
        await self.session.commit()

    async def rollback(self) -> None:
        await self.session.rollback()


class UnitOfWorkFactory:
    """Makes a fresh :class:`UnitOfWork` per message or job."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    def __call__(self) -> UnitOfWork:
        return UnitOfWork(self.sessions)
