"""Who hears about an event: typed audiences, and the people and chats each one means.

The dispatch table (:mod:`notices`) names audiences by what they are — the
reporter of a ticket, a grid's workers, the moderators, the community's groups —
and this module, which knows the register, resolves them. A person is reached on
the platforms they prefer (:func:`consultation.binding.push_to_person`); a chat
(a group, the account that reported a ticket) is reached as it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import ClassVar, dataclass_transform

from consultation.confidentiality import Viewer
from consultation.config import ConsultationRules
from consultation.roles import Role
from storage.tickets import DepartmentRepository, Ticket, TicketRepository
from storage.unit_of_work import UnitOfWork


@dataclass_transform(frozen_default=True)
@dataclass(frozen=True)
class Audience:
    """Base: ``name`` goes into each push's de-duplication key.

    Each subclass is a frozen dataclass. Its name is its class's, lower-cased, unless
    its class statement gives a template: ``class Person(Audience, name="person{resident_id}")``.
    """

    name_format: ClassVar[str | None] = None

    def __init_subclass__(cls, name: str | None = None, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if name is not None:
            cls.name_format = name
        dataclass(frozen=True)(cls)

    @property
    def name(self) -> str:
        if self.name_format is None:
            return type(self).__name__.lower()
        return self.name_format.format_map({f.name: getattr(self, f.name) for f in fields(self)})


class Reporter(Audience):
    """Whoever reported ``ticket`` (if they asked for updates); those following it are
    :class:`Followers`, told the same as neighbours read it."""

    ticket: Ticket


class Rater(Reporter, name="reporter"):
    """Whoever reported ``ticket``, asked to rate it now it is finished even when they take
    no progress notices (不用了, 关闭通知: a rating question is none). Its pushes are keyed
    as a :class:`Reporter`'s."""


class Followers(Audience):
    """Everyone following ``ticket`` (关注它, or a duplicate merged into it) but its
    reporter: neighbours, who read it as :attr:`Viewer.FOLLOWER` does (no room, no name)."""

    ticket: Ticket


class GridWorkers(Audience):
    """The grid workers of one grid."""

    grid_id: int


class Moderators(Audience):
    """The community's moderators (社区工作者)."""


class ModeratorsBesides(Moderators, name="moderators"):
    """The moderators but those a complaint about staff names (by name, as the ticket's
    ``被投诉人`` says): the person complained about never gets it, moderator or not."""

    names: tuple[str, ...] = ()


class Person(Audience, name="person{resident_id}"):
    """One resident (a ticket's holder, a topic's proposer, a re-assigned worker)."""

    resident_id: int


class People(Audience, name="{label}"):
    """Several residents (a poll's electorate, those signed up for a meeting)."""

    resident_ids: Sequence[int] = field(default_factory=tuple)
    label: str = "people"


class DepartmentContacts(Audience):
    """The contacts registered for a department (职能部门)."""

    department: str


class CommunityGroups(Audience):
    """The community's group chats (``[consultation] announce_chats``)."""


class Chat(Audience, name="chat:{platform}:{chat_id}"):
    """One chat as it is (the group a poll was opened in)."""

    platform: str
    chat_id: str


def viewer_of(audience: Audience) -> Viewer:
    """How a push to ``audience`` may show a confidential ticket: the moderators and the
    reporter see it whole; anyone else (a grid's workers, a holder, a department's
    contacts) as the people handling it, a department's contacts never told who reported
    it. A holder who is also a moderator gets the handler's card: a push names no role,
    and 工作台 shows them the rest."""
    if isinstance(audience, Moderators):
        return Viewer.MODERATOR
    if isinstance(audience, Reporter):
        return Viewer.REPORTER
    if isinstance(audience, Followers):
        return Viewer.FOLLOWER
    if isinstance(audience, DepartmentContacts):
        return Viewer.DEPARTMENT
    return Viewer.HANDLER


@dataclass(slots=True)
class Targets:
    """An audience resolved: residents (reached by their preferred route) and bare chats."""

    people: list[int] = field(default_factory=list)
    chats: list[tuple[str, str]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.people and not self.chats


class AudienceResolver:
    """Turns audiences into people and chats, reading the register in ``uow``."""

    def __init__(self, rules: ConsultationRules) -> None:
        self.rules = rules

    async def resolve(self, uow: UnitOfWork, audience: Audience) -> Targets:
        if isinstance(audience, Reporter):
            return await self._reporter(uow, audience.ticket, isinstance(audience, Rater))
        if isinstance(audience, Followers):
            return await self._reporter(uow, audience.ticket, followers=True)
        if isinstance(audience, GridWorkers):
            return Targets(people=await _with_role(uow, Role.GRID_WORKER, audience.grid_id))
        if isinstance(audience, ModeratorsBesides):
            people = await uow.residents.with_role(Role.MODERATOR.value)
            ids = [p.id for p in people if p.id is not None and p.name not in audience.names]
            return Targets(people=list(dict.fromkeys(ids)))
        if isinstance(audience, Moderators):
            return Targets(people=await _with_role(uow, Role.MODERATOR))
        if isinstance(audience, Person):
            return Targets(people=[audience.resident_id])
        if isinstance(audience, People):
            return Targets(people=list(dict.fromkeys(audience.resident_ids)))
        if isinstance(audience, DepartmentContacts):
            members = await uow.get(DepartmentRepository).members(audience.department)
            return Targets(people=list(dict.fromkeys(members)))
        if isinstance(audience, CommunityGroups):
            return Targets(chats=self.rules.group_chats())
        if isinstance(audience, Chat):
            return Targets(chats=[(audience.platform, audience.chat_id)])
        raise TypeError(f"no resolution for {audience!r}")

    @staticmethod
    async def _reporter(
        uow: UnitOfWork, ticket: Ticket, rating: bool = False, followers: bool = False
    ) -> Targets:
        """The account that filed it (when it wants updates, or for the rating question),
        or (``followers``) the followers' accounts; but an account bound to another
        person since (改绑) no longer hears of what its former person did: that person is
        reached by their own route instead."""
        accounts: list[tuple[str, str]] = []
        people: list[int] = []

        async def add(platform: str, user_id: str, resident_id: int | None) -> None:
            bound = (
                None if resident_id is None else await uow.identities.resident_of(platform, user_id)
            )
            if bound != resident_id:
                assert resident_id is not None
                people.append(resident_id)
                return
            accounts.append((platform, user_id))

        if followers:
            assert ticket.id is not None
            for follower in await uow.get(TicketRepository).followers(ticket.id):
                await add(follower.platform, follower.user_id, follower.resident_id)
        elif ticket.wants_updates or rating:
            await add(
                ticket.reporter_platform, ticket.reporter_user_id, ticket.reporter_resident_id
            )
        return Targets(people=list(dict.fromkeys(people)), chats=list(dict.fromkeys(accounts)))


async def _with_role(uow: UnitOfWork, role: Role, grid_id: int | None = None) -> list[int]:
    people = await uow.residents.with_role(role.value, grid_id)
    return list(dict.fromkeys(p.id for p in people if p.id is not None))
