"""Tickets (诉求): tables and their repository (the ``tickets`` export is the domain's,
in :mod:`consultation.exports`, as it applies the confidentiality rule).

Guarantees that must hold across bot processes live in the database: the daily
sequence is one counter row per day bumped by a single UPDATE; a draft is filed
once (unique ``draft_id``); a ticket has one holder (conditional UPDATE on status
and holder); each timed step fires once (conditional UPDATE on its marker column).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Index,
    UniqueConstraint,
    and_,
    bindparam,
    case,
    func,
    or_,
    text,
    update,
)
from sqlalchemy import select as sa_select
from sqlmodel import Field, SQLModel, col, select

from storage.models import Resident
from storage.readonly import columns_of, copy_of, fetch_all
from storage.repository import Repository, rowcount
from storage.types import Keyed, utc_field, utcnow

OPEN_STATUSES = ("received", "assigned", "in_progress", "escalated", "reopened")
UNACCEPTED = ("received", "reopened", "escalated")
RATED = ("满意", "基本满意", "不满意")
SATISFIED = ("满意", "基本满意")
# Per-ticket 0/1 figures, restamped on every write, so the statistics are plain SUMs.
STAT_FLAGS = (
    "st_dispatched",
    "st_accepted",
    "st_responded_on_time",
    "st_resolved",
    "st_resolved_on_time",
    "st_rated",
    "st_satisfied",
)


#: Tickets per page when the scheduler reads the deadlines (turning a page into events
#: is a few ms: the event loop never waits longer for it).
TIMER_PAGE = 25


@dataclass(frozen=True, slots=True)
class TicketTimes:
    """What a ticket's timed steps are computed from, as the scheduler reads them: plain
    values, no ORM identity map or instance state (whose reference cycles made the
    garbage collector pause for 10-20 ms under a rebuild)."""

    id: int
    number: str
    category: str
    status: str
    urgent: bool
    level: str
    grid_id: int | None
    holder_id: int | None
    deadline_round: int
    response_due_at: datetime
    response_warned_at: datetime | None
    response_escalated_at: datetime | None
    resolution_due_at: datetime
    resolution_warned_at: datetime | None
    resolution_escalated_at: datetime | None
    rating_due_at: datetime | None
    awaiting_acceptance: int


#: Ids scanned per page, in pages: the database looks at no more than this many rows.
TIMER_WINDOW = 10


class TicketCounter(SQLModel, table=True):
    """The last sequence number handed out on one local day."""

    __tablename__ = "ticket_counters"
    day: str = Field(primary_key=True, max_length=8)
    last: int = Field(default=0)


class Ticket(Keyed, table=True):
    """One resident's problem, from receipt to rating."""

    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_open_place", "category", "status", "building", "spot"),
        Index("ix_tickets_reporter", "reporter_platform", "reporter_user_id"),
        # A filed ticket's recurring check counts its category in its building lately
        # (consultation/recurring.py): one range read, however many tickets a city keeps.
        Index("ix_tickets_recurring", "category", "building", "received_at"),
        # Covers the period statistics: grouped columns first, so SQLite aggregates in
        # index order (no sort); with ANALYZE it skip-scans straight to the period.
        Index(
            "ix_tickets_period_stats",
            "grid_id",
            "category",
            "received_at",
            *STAT_FLAGS,
            "st_response_open_due",
            "st_resolution_open_due",
        ),
    )
    number: str = Field(unique=True, max_length=16)
    draft_id: str = Field(unique=True, max_length=64)
    category: str = Field(max_length=32)
    urgent: bool = Field(default=False)
    status: str = Field(default="received", max_length=16, index=True)
    level: str = Field(default="grid", max_length=16)
    description: str = Field(max_length=2000)
    building: str | None = Field(default=None, max_length=64)
    unit: str | None = Field(default=None, max_length=16)
    room: str | None = Field(default=None, max_length=16)
    spot: str | None = Field(default=None, max_length=64)
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    photos: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    reporter_resident_id: int | None = Field(default=None, foreign_key="residents.id", index=True)
    reporter_platform: str = Field(max_length=16)
    reporter_user_id: str = Field(max_length=128)
    reporter_name: str | None = Field(default=None, max_length=64)
    wants_updates: bool = Field(default=True)
    grid_id: int | None = Field(default=None, foreign_key="grids.id", index=True)
    holder_id: int | None = Field(default=None, foreign_key="residents.id", index=True)
    department: str | None = Field(default=None, max_length=64)
    dispatched: bool = Field(default=False)
    duplicate_of: str | None = Field(default=None, max_length=16)
    received_at: datetime = utc_field()
    response_due_at: datetime = utc_field()
    resolution_due_at: datetime = utc_field()
    accepted_at: datetime | None = utc_field(nullable=True)
    resolved_at: datetime | None = utc_field(nullable=True)
    closed_at: datetime | None = utc_field(nullable=True)
    rating_due_at: datetime | None = utc_field(nullable=True)
    response_warned_at: datetime | None = utc_field(nullable=True)
    response_escalated_at: datetime | None = utc_field(nullable=True)
    resolution_warned_at: datetime | None = utc_field(nullable=True)
    resolution_escalated_at: datetime | None = utc_field(nullable=True)
    deadline_round: int = Field(default=0)
    rating: str | None = Field(default=None, max_length=16)
    rating_comment: str | None = Field(default=None, max_length=500)
    reopen_count: int = Field(default=0)
    extensions: int = Field(default=0)
    #: 1 when an earlier round (before a 不满意 reopened it, with new deadlines) missed
    #: its response or resolution limit: the statistics keep counting it as late.
    missed_response: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    missed_resolution: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    #: 1 while the holder was given the ticket by someone else (分派/转派) and has not
    #: taken it himself (接单): its response limit still runs, as for one nobody holds.
    awaiting_acceptance: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    updated_at: datetime = utc_field()
    # Derived by TicketRepository.restamp from the columns above; never set by hand.
    st_dispatched: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    st_accepted: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    st_responded_on_time: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    st_resolved: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    st_resolved_on_time: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    st_rated: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    st_satisfied: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # The deadline still running (not yet accepted / resolved), else NULL: "due by now"
    # becomes one comparison.
    st_response_open_due: datetime | None = utc_field(nullable=True)
    st_resolution_open_due: datetime | None = utc_field(nullable=True)


def _unaccepted() -> Any:
    """Nobody has taken the ticket himself: unheld and waiting to be taken, or given to a
    holder (分派/转派) who has not taken it yet."""
    waiting = and_(col(Ticket.holder_id).is_(None), col(Ticket.status).in_(UNACCEPTED))
    return or_(
        waiting, and_(col(Ticket.holder_id).is_not(None), col(Ticket.awaiting_acceptance) != 0)
    )


def _flag(condition: Any) -> Any:
    return case((condition, 1), else_=0)


def _on_time(done: Any, due: Any, missed_before: Any) -> Any:
    """1 when a stage (response, resolution) was done by its limit and no earlier round
    of the ticket missed that limit (a miss stays a miss, whatever a reopened round does)."""
    return _flag(and_(done.is_not(None), done <= due, ~missed_before))


def _open_due(done: Any, due: Any, missed_before: Any, received: Any) -> Any:
    """A stage's limit while it is not done, else NULL. An earlier round missed it: due
    (and late) since the ticket came in, whatever the reopened round's limit says."""
    return case((and_(done.is_(None), missed_before), received), (done.is_(None), due), else_=None)


def _stamp_values() -> dict[str, Any]:
    """The derived statistics columns as SQL over the ticket's own columns."""
    accepted, resolved = col(Ticket.accepted_at), col(Ticket.resolved_at)
    rating = col(Ticket.rating)
    # Each stage: when it was done, its limit, and whether an earlier round missed it.
    response = (accepted, col(Ticket.response_due_at), col(Ticket.missed_response) != 0)
    resolution = (resolved, col(Ticket.resolution_due_at), col(Ticket.missed_resolution) != 0)
    received = col(Ticket.received_at)
    return {
        "st_dispatched": _flag(col(Ticket.dispatched).is_(True)),
        "st_accepted": _flag(accepted.is_not(None)),
        "st_responded_on_time": _on_time(*response),
        "st_resolved": _flag(resolved.is_not(None)),
        "st_resolved_on_time": _on_time(*resolution),
        "st_rated": _flag(rating.in_(RATED)),
        "st_satisfied": _flag(rating.in_(SATISFIED)),
        "st_response_open_due": _open_due(*response, received),
        "st_resolution_open_due": _open_due(*resolution, received),
    }


@dataclass(frozen=True, slots=True)
class TicketPage:
    """A page of tickets for an export: the tickets, each one's history, their people."""

    tickets: list[Ticket]
    history: dict[int, list[TicketEvent]]
    people: dict[int, Resident]


class TicketEvent(Keyed, table=True):
    """One change in a ticket's life: who, what, when, the note."""

    __tablename__ = "ticket_events"
    ticket_id: int = Field(foreign_key="tickets.id", index=True)
    at: datetime = utc_field()
    actor: str = Field(max_length=128)
    actor_name: str | None = Field(default=None, max_length=64)
    action: str = Field(max_length=32)
    from_status: str | None = Field(default=None, max_length=16)
    to_status: str | None = Field(default=None, max_length=16)
    note: str | None = Field(default=None, max_length=1000)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class TicketFollower(Keyed, table=True):
    """Someone who gets a ticket's updates besides its reporter (已有人反映 → 关注)."""

    __tablename__ = "ticket_followers"
    __table_args__ = (
        UniqueConstraint("ticket_id", "platform", "user_id"),
        # "我的诉求" looks up what a person follows: without it, a scan of every follow.
        Index("ix_ticket_followers_person", "platform", "user_id"),
    )
    ticket_id: int = Field(foreign_key="tickets.id", index=True)
    platform: str = Field(max_length=16)
    user_id: str = Field(max_length=128)
    resident_id: int | None = Field(default=None, foreign_key="residents.id")
    created_at: datetime = utc_field()


class DepartmentMember(Keyed, table=True):
    """A person who answers for a department (职能部门) when a ticket is escalated to it."""

    __tablename__ = "department_members"
    __table_args__ = (UniqueConstraint("department", "resident_id"),)
    department: str = Field(max_length=64, index=True)
    resident_id: int = Field(foreign_key="residents.id", index=True)


class DepartmentRepository(Repository):
    """Which residents answer for which department."""

    async def add_member(self, department: str, resident_id: int) -> bool:
        return await self._add_new(DepartmentMember(department=department, resident_id=resident_id))

    async def members(self, department: str) -> list[int]:
        stmt = select(DepartmentMember.resident_id).where(DepartmentMember.department == department)
        return list((await self.session.exec(stmt.order_by(col(DepartmentMember.id)))).all())

    async def departments_of(self, resident_id: int) -> list[str]:
        stmt = select(DepartmentMember.department).where(
            DepartmentMember.resident_id == resident_id
        )
        return list((await self.session.exec(stmt.order_by(col(DepartmentMember.id)))).all())


#: The columns that name a person on a row: the account (platform, user id) and the
#: resident it was bound to when the row was written.
_FOLLOWER = (TicketFollower.platform, TicketFollower.user_id, TicketFollower.resident_id)
_REPORTER = (Ticket.reporter_platform, Ticket.reporter_user_id, Ticket.reporter_resident_id)


def _by(person: tuple[Any, Any, Any], platform: Any, user_id: Any, resident_id: Any) -> Any:
    """Rows whose ``person`` columns name this person: their resident's (None: an unbound
    account), or their account's. A bound account's own rows are only those written as
    nobody's: what it did as another resident (before 改绑) stays with that resident."""
    platform_of, user_of, resident_of = (col(column) for column in person)
    account = and_(platform_of == platform, user_of == user_id)
    if resident_id is None:
        return account
    return or_(and_(account, resident_of.is_(None)), resident_of == resident_id)


@cache
def _of_reporter(limit: int, bound: bool = True) -> Any:
    """Built once (我的诉求 is asked often): filed or followed by this person (see
    :func:`_by`)."""
    resident_id: Any = bindparam("resident_id") if bound else None
    who: tuple[Any, Any, Any] = (bindparam("platform"), bindparam("user_id"), resident_id)
    followed = select(TicketFollower.ticket_id).where(_by(_FOLLOWER, *who))
    mine = or_(_by(_REPORTER, *who), col(Ticket.id).in_(followed))
    return (
        sa_select(*columns_of(Ticket, "t_"))
        .where(mine)
        .order_by(col(Ticket.id).desc())
        .limit(limit)
    )


class TicketRepository(Repository):
    """All SQL about tickets."""

    async def next_sequence(self, day: str) -> int:
        """The day's next number: one atomic UPDATE … RETURNING on the day's counter row."""
        await self._add_new(TicketCounter(day=day, last=0))
        result = await self.session.execute(
            update(TicketCounter)
            .where(col(TicketCounter.day) == day)
            .values(last=col(TicketCounter.last) + 1)
            .returning(col(TicketCounter.last))
            .execution_options(synchronize_session=False)  # see storage/throttle.py
        )
        return int(result.scalar_one())

    async def restamp(self, ticket_id: int | None = None) -> None:
        """Recompute the derived statistics columns of one ticket (or of all of them,
        after a bulk load): called by every write below, in the same transaction."""
        stmt = update(Ticket).values(_stamp_values())
        if ticket_id is not None:
            stmt = stmt.where(col(Ticket.id) == ticket_id)
        await self.session.execute(stmt.execution_options(synchronize_session=False))

    async def add(self, ticket: Ticket) -> Ticket:
        await self._store(ticket)
        await self.restamp(ticket.id)
        return ticket

    async def by_number(self, number: str) -> Ticket | None:
        return await self._first(Ticket, number=number)

    async def lock_draft(self, draft_id: str) -> None:
        """Hold the draft until this transaction ends, so that a second 确认提交 of the same
        draft (a double click, another process) waits for the first and then finds its
        ticket instead of colliding on the unique ``draft_id``. SQLite needs nothing: its
        write transactions already run one at a time."""
        if self.session.get_bind().dialect.name == "postgresql":
            await self.session.execute(
                text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
                {"key": f"ticket-draft:{draft_id}"},
            )

    async def by_draft(self, draft_id: str) -> Ticket | None:
        return await self._first(Ticket, draft_id=draft_id)

    async def refresh(self, ticket: Ticket) -> Ticket:
        await self.session.refresh(ticket)
        return ticket

    async def save(self, ticket: Ticket) -> None:
        ticket.updated_at = utcnow()
        await self._store(ticket)
        await self.restamp(ticket.id)

    async def claim(
        self,
        ticket_id: int,
        holder_id: int,
        allowed: Sequence[str],
        values: dict[str, Any],
    ) -> bool:
        """Make ``holder_id`` the holder if nobody holds it and its status allows: the
        database decides between simultaneous claims."""
        result = await self.session.execute(
            update(Ticket)
            .where(
                col(Ticket.id) == ticket_id,
                col(Ticket.holder_id).is_(None),
                col(Ticket.status).in_(list(allowed)),
            )
            .values(holder_id=holder_id, updated_at=utcnow(), **values)
        )
        if rowcount(result) != 1:
            return False
        await self.restamp(ticket_id)
        return True

    async def transition(
        self, ticket_id: int, allowed: Sequence[str], values: dict[str, Any]
    ) -> bool:
        """Change a ticket only if its status is still one of ``allowed``."""
        result = await self.session.execute(
            update(Ticket)
            .where(col(Ticket.id) == ticket_id, col(Ticket.status).in_(list(allowed)))
            .values(updated_at=utcnow(), **values)
        )
        if rowcount(result) != 1:
            return False
        await self.restamp(ticket_id)
        return True

    async def mark_once(
        self,
        ticket_id: int,
        marker: str,
        round_: int,
        allowed: Sequence[str],
        now: datetime,
        *,
        unaccepted: bool = False,
    ) -> bool:
        """Set the timed-step marker column if unset (and still in ``round_``): fires once.
        ``unaccepted``: only while nobody has taken the ticket himself (unheld, or given
        to a holder who has not taken it: ``awaiting_acceptance``)."""
        column = getattr(Ticket, marker)
        conditions = [
            col(Ticket.id) == ticket_id,
            column.is_(None),
            col(Ticket.deadline_round) == round_,
            col(Ticket.status).in_(list(allowed)),
        ]
        if unaccepted:
            conditions.append(_unaccepted())
        result = await self.session.execute(update(Ticket).where(*conditions).values({marker: now}))
        return rowcount(result) == 1

    async def take_given(
        self, ticket_id: int, holder_id: int, allowed: Sequence[str], values: dict[str, Any]
    ) -> bool:
        """接单 of a ticket given to ``holder_id`` (分派/转派) and not yet taken by him: the
        database decides against a simultaneous escalation or another 转派."""
        result = await self.session.execute(
            update(Ticket)
            .where(
                col(Ticket.id) == ticket_id,
                col(Ticket.holder_id) == holder_id,
                col(Ticket.awaiting_acceptance) != 0,
                col(Ticket.status).in_(list(allowed)),
            )
            .values(awaiting_acceptance=0, updated_at=utcnow(), **values)
        )
        if rowcount(result) != 1:
            return False
        await self.restamp(ticket_id)
        return True

    async def add_event(self, event: TicketEvent) -> TicketEvent:
        return await self._store(event)

    async def history(self, ticket_id: int) -> Sequence[TicketEvent]:
        return await self._rows(TicketEvent, ticket_id=ticket_id)

    async def last_event(self, ticket_id: int) -> TicketEvent | None:
        stmt = (
            select(TicketEvent)
            .where(TicketEvent.ticket_id == ticket_id)
            .order_by(col(TicketEvent.id).desc())
            .limit(1)
        )
        return (await self.session.exec(stmt)).first()

    async def follow(
        self, ticket_id: int, platform: str, user_id: str, resident_id: int | None
    ) -> bool:
        return await self._add_new(
            TicketFollower(
                ticket_id=ticket_id,
                platform=platform,
                user_id=user_id,
                resident_id=resident_id,
                created_at=utcnow(),
            )
        )

    async def followers(self, ticket_id: int) -> Sequence[TicketFollower]:
        return await self._rows(TicketFollower, ticket_id=ticket_id)

    async def is_follower(
        self, ticket_id: int, platform: str, user_id: str, resident_id: int | None
    ) -> bool:
        """Followed by this person (see :func:`_by`)."""
        who = _by(_FOLLOWER, platform, user_id, resident_id)
        stmt = select(TicketFollower.id).where(TicketFollower.ticket_id == ticket_id, who)
        return (await self.session.exec(stmt)).first() is not None

    async def open_near(
        self,
        category: str,
        building: str | None,
        spot: str | None,
        since: datetime,
        limit: int = 5,
    ) -> Sequence[Ticket]:
        """The newest open tickets of ``category`` at the same place since ``since``,
        newest first: in ``building`` when one is named (4号楼门口 is not 6号楼门口),
        else at ``spot`` with no building (东门)."""
        if building:
            place = col(Ticket.building) == building
        elif spot:
            place = and_(col(Ticket.spot) == spot, col(Ticket.building).is_(None))
        else:
            return []
        stmt = (
            select(Ticket)
            .where(
                Ticket.category == category,
                col(Ticket.status).in_(OPEN_STATUSES),
                col(Ticket.received_at) >= since,
                col(Ticket.duplicate_of).is_(None),
                place,
            )
            .order_by(col(Ticket.id).desc())
            .limit(limit)
        )
        return (await self.session.exec(stmt)).all()

    async def of_reporter(
        self, platform: str, user_id: str, resident_id: int | None, limit: int = 20
    ) -> Sequence[Ticket]:
        """A person's own tickets and those they follow, newest first (read-only copies,
        see storage.readonly: a list to show; change a ticket through :meth:`get`)."""
        params: dict[str, Any] = {"platform": platform, "user_id": user_id}
        if resident_id is not None:
            params["resident_id"] = resident_id
        rows = await fetch_all(self.session, _of_reporter(limit, resident_id is not None), params)
        return [copy_of(Ticket, r, "t_") for r in rows]

    async def tasks_of(self, worker_id: int, grid_ids: Sequence[int]) -> Sequence[Ticket]:
        """Open tickets the worker holds, and unheld ones waiting in the worker's grids."""
        waiting = and_(col(Ticket.holder_id).is_(None), col(Ticket.grid_id).in_(list(grid_ids)))
        stmt = (
            select(Ticket)
            .where(
                col(Ticket.status).in_(OPEN_STATUSES),
                or_(col(Ticket.holder_id) == worker_id, waiting),
            )
            .order_by(col(Ticket.resolution_due_at))
            .limit(30)
        )
        return (await self.session.exec(stmt)).all()

    async def open_tasks(
        self, worker_id: int, grid_ids: Sequence[int], limit: int = 30
    ) -> Sequence[Ticket]:
        """Like :meth:`tasks_of`, oldest first (the morning digest's order)."""
        waiting = and_(col(Ticket.holder_id).is_(None), col(Ticket.grid_id).in_(list(grid_ids)))
        stmt = (
            select(Ticket)
            .where(
                col(Ticket.status).in_(OPEN_STATUSES),
                col(Ticket.duplicate_of).is_(None),
                or_(col(Ticket.holder_id) == worker_id, waiting),
            )
            .order_by(col(Ticket.received_at), col(Ticket.id))
            .limit(limit)
        )
        return (await self.session.exec(stmt)).all()

    async def escalated_between(self, start: datetime, end: datetime) -> int:
        """Tickets escalated (by the timers or handed up) in [start, end), each counted once."""
        stmt = select(func.count(func.distinct(col(TicketEvent.ticket_id)))).where(
            col(TicketEvent.action).in_(
                ["escalated_response", "escalated_resolution", "handed_up"]
            ),
            col(TicketEvent.at) >= start,
            col(TicketEvent.at) < end,
        )
        return int((await self.session.exec(stmt)).one() or 0)

    async def open_at(self, end: datetime) -> int:
        """Tickets received before ``end`` and not resolved or closed by then."""
        stmt = select(func.count(col(Ticket.id))).where(
            col(Ticket.received_at) < end,
            col(Ticket.duplicate_of).is_(None),
            or_(col(Ticket.resolved_at).is_(None), col(Ticket.resolved_at) >= end),
            or_(col(Ticket.closed_at).is_(None), col(Ticket.closed_at) >= end),
        )
        return int((await self.session.exec(stmt)).one() or 0)

    async def sent_to_departments(
        self, departments: Sequence[str], limit: int = 30
    ) -> Sequence[Ticket]:
        """Open tickets escalated to one of ``departments`` (部门报到), the longest waiting
        first."""
        stmt = (
            select(Ticket)
            .where(
                col(Ticket.status).in_(OPEN_STATUSES),
                col(Ticket.level) == "department",
                col(Ticket.department).in_(list(departments)),
            )
            .order_by(col(Ticket.received_at), col(Ticket.id))
            .limit(limit)
        )
        return (await self.session.exec(stmt)).all()

    async def open_oldest(self, limit: int = 30) -> Sequence[Ticket]:
        """Open tickets (duplicates left out), the longest waiting first."""
        stmt = (
            select(Ticket)
            .where(col(Ticket.status).in_(OPEN_STATUSES), col(Ticket.duplicate_of).is_(None))
            .order_by(col(Ticket.received_at), col(Ticket.id))
            .limit(limit)
        )
        return (await self.session.exec(stmt)).all()

    async def overdue(self, now: datetime, limit: int = 30) -> Sequence[Ticket]:
        """Open tickets past a deadline: unaccepted past response, or past resolution."""
        stmt = (
            select(Ticket)
            .where(
                col(Ticket.status).in_(OPEN_STATUSES),
                or_(
                    col(Ticket.resolution_due_at) <= now,
                    and_(_unaccepted(), col(Ticket.response_due_at) <= now),
                ),
            )
            .order_by(col(Ticket.resolution_due_at))
            .limit(limit)
        )
        return (await self.session.exec(stmt)).all()

    async def due_for_timers(
        self, until: datetime, warn_lead_max: Any, *, page: int = TIMER_PAGE
    ) -> AsyncIterator[Sequence[TicketTimes]]:
        """Tickets with a timed step possibly due before ``until`` (the source filters
        exactly), ``page`` at a time in id order, as :class:`TicketTimes`: the
        scheduler turns each page into events and lets the event loop run before asking
        for the next, so 100,000 open tickets never hold it up."""
        soon = until + warn_lead_max
        due = or_(
            and_(
                col(Ticket.status).in_(OPEN_STATUSES),
                _unaccepted(),
                col(Ticket.response_escalated_at).is_(None),
                col(Ticket.response_due_at) <= soon,
            ),
            and_(
                col(Ticket.status).in_(OPEN_STATUSES),
                col(Ticket.resolution_escalated_at).is_(None),
                col(Ticket.resolution_due_at) <= soon,
            ),
            and_(col(Ticket.status) == "resolved", col(Ticket.rating_due_at) <= until),
        )
        last = (await self.session.execute(sa_select(func.max(col(Ticket.id))))).scalar() or 0
        after = 0
        while after < last:
            # A window of ids and at most ``page`` rows of it: bounded work per page
            # however sparse or dense the matches (SQLite walks the rowid, not the
            # status index, which would sort every open ticket for each page).
            window = min(after + page * TIMER_WINDOW, last)
            stmt = (
                sa_select(*(getattr(Ticket, name) for name in TicketTimes.__slots__))
                .with_hint(Ticket, "NOT INDEXED", dialect_name="sqlite")
                .where(due, col(Ticket.id) > after, col(Ticket.id) <= window)
                .order_by(col(Ticket.id))
                .limit(page)
            )
            rows = [TicketTimes(*row) for row in (await self.session.execute(stmt)).all()]
            if rows:
                yield rows
            after = rows[-1].id if len(rows) == page else window

    async def statistics(self, start: datetime, end: datetime, now: datetime) -> list[Any]:
        """Per (grid, category) counts for tickets received in [start, end): one GROUP BY
        of plain SUMs over the covering index, plus two "deadline passed" comparisons."""
        await self._planner_statistics()
        stmt = (
            select(  # type: ignore[call-overload]
                col(Ticket.grid_id),
                col(Ticket.category),
                func.count(),
                *(func.sum(getattr(Ticket, name)) for name in STAT_FLAGS),
                func.count().filter(col(Ticket.st_response_open_due) <= now),
                func.count().filter(col(Ticket.st_resolution_open_due) <= now),
            )
            .where(col(Ticket.received_at) >= start, col(Ticket.received_at) < end)
            .group_by(col(Ticket.grid_id), col(Ticket.category))
        )
        rows = []
        for grid_id, category, received, *sums, response_open, resolution_open in (
            await self.session.execute(stmt)
        ).all():
            d, acc, resp_ok, res, res_ok, rated, sat = (int(x or 0) for x in sums)
            rows.append(
                (
                    grid_id,
                    category,
                    received,
                    d,
                    res,
                    rated,
                    acc + int(response_open or 0),
                    resp_ok,
                    res + int(resolution_open or 0),
                    res_ok,
                    sat,
                )
            )
        return rows

    async def _planner_statistics(self) -> None:
        """SQLite skip-scans the few grids and categories straight to the period only once
        it knows they are few: sample the tickets table (ANALYZE, bounded to 1,000 rows per
        index) the first time and again whenever the table has doubled since."""
        if self.session.get_bind().dialect.name != "sqlite":
            return
        rows = 0
        known = await self.session.execute(
            text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
        )
        if known.first() is not None:
            stat = await self.session.execute(
                text("SELECT stat FROM sqlite_stat1 WHERE idx = 'ix_tickets_period_stats'")
            )
            found = stat.scalar()
            rows = int(str(found).split()[0]) if found else 0
        newest = await self.session.execute(select(func.max(col(Ticket.id))))
        if rows and int(newest.scalar() or 0) <= 2 * rows + 100:
            return
        await self.session.execute(text("PRAGMA analysis_limit = 1000"))
        await self.session.execute(text("ANALYZE tickets"))

    async def grid_names(self) -> dict[int, str]:
        from storage.models import Grid

        rows = (await self.session.exec(select(Grid))).all()
        return {g.id: g.name for g in rows if g.id is not None}

    async def residents(self, ids: Sequence[int]) -> dict[int, Resident]:
        if not ids:
            return {}
        stmt = select(Resident).where(col(Resident.id).in_(list(ids)))
        return {r.id: r for r in (await self.session.exec(stmt)).all() if r.id is not None}

    async def export_page(self, after: int, size: int) -> TicketPage:
        """Up to ``size`` tickets after id ``after`` with their histories and people: three
        queries for the whole page, never one per ticket."""
        stmt = select(Ticket).where(col(Ticket.id) > after).order_by(col(Ticket.id)).limit(size)
        tickets = list((await self.session.exec(stmt)).all())
        ids = [t.id for t in tickets if t.id is not None]
        history: dict[int, list[TicketEvent]] = {i: [] for i in ids}
        if ids:
            events = select(TicketEvent).where(col(TicketEvent.ticket_id).in_(ids))
            for event in (await self.session.exec(events.order_by(col(TicketEvent.id)))).all():
                history[event.ticket_id].append(event)
        people = await self.residents(
            sorted(
                {i for t in tickets for i in (t.reporter_resident_id, t.holder_id) if i is not None}
            )
        )
        return TicketPage(tickets, history, people)

    async def all_tickets(self, batch: int = 500) -> AsyncIterator[Ticket]:
        last = 0
        while True:
            stmt = select(Ticket).where(col(Ticket.id) > last).order_by(col(Ticket.id)).limit(batch)
            rows = (await self.session.exec(stmt)).all()
            if not rows:
                return
            for row in rows:
                yield row
            last = rows[-1].id or last
