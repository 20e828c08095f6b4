"""诉求: a resident's problem as a ticket — filed, routed to a grid, held, escalated, rated.

"小事不出网格、大事不出社区": a ticket starts in the grid of its building; no
acceptance in time brings in the community's moderators; no resolution in time
sends it to the department configured for its category ("社区吹哨、部门报到").

The service changes state and records history; it never phrases a message.
Each change records a typed event (:mod:`consultation.events`) on the unit of
work; who is told what follows from the dispatch table (:mod:`notices.tickets`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from consultation import events as ev
from consultation.confidentiality import Shown, Viewer
from consultation.errors import or_refuse
from consultation.ids import actor_ref
from consultation.roles import Role
from consultation.staff_complaints import (
    ACCUSED,
    STAFF_COMPLAINT,
    StaffMember,
    accused_in,
    accused_of,
)
from consultation.ticket_parsing import (
    RATINGS,
    Catalogue,
    Place,
    local_day,
    other_place,
    same_subject,
    ticket_number,
)
from consultation.worktime import Deadlines
from storage.models import Resident
from storage.people import PeopleRepository
from storage.throttle import Limit, ThrottleRepository
from storage.tickets import (
    OPEN_STATUSES,
    UNACCEPTED,
    DepartmentRepository,
    TicketEvent,
    TicketRepository,
)
from storage.tickets import Ticket as Ticket  # the domain's ticket, for the layers above
from storage.unit_of_work import UnitOfWork

HOLDING = ("assigned", "in_progress", "escalated")
#: A building by its number, as the register names them (1号楼 … 8号楼).
#: An emergency said again by its reporter this long after the first, while that urgent
#: ticket is open, is the same emergency (the lift still stuck, told again after "取消").
EMERGENCY_REPEAT_WINDOW = timedelta(hours=4)
_NUMBERED_BUILDING = re.compile(r"(\d{1,4})号楼")
#: The buckets (storage.throttle) an unbound reporter's filings are counted in, by account
#: and by address, each refilled over a day (TicketService.unbound_may_file).
UNBOUND_ACCOUNT = "report:account:"
UNBOUND_SOURCE = "report:source:"
DAY_SECONDS = 24 * 3600.0


def unbound_limits(catalogue: Catalogue) -> dict[str, Limit]:
    """The unbound reporters' limits by bucket prefix (``[tickets] unbound_reports_…``;
    a cap of 0 is none), for the filing and the nightly purge of refilled buckets."""
    caps = {
        UNBOUND_ACCOUNT: catalogue.unbound_reports_per_day,
        UNBOUND_SOURCE: catalogue.unbound_reports_per_address_per_day,
    }
    return {prefix: Limit(cap, DAY_SECONDS) for prefix, cap in caps.items() if cap > 0}


def response_chased(ticket: Ticket | Any) -> bool:
    """Whether ``ticket``'s response limit (接单时限) is chased: a ticket in a grid, and an
    emergency filed straight to the community (no place said, or by someone with no
    address: no grid), whose moderators are reminded, then told again at the limit."""
    straight = ticket.urgent and ticket.grid_id is None and ticket.level == "community"
    return bool(ticket.level == "grid" or straight)


def awaits_acceptance(ticket: Ticket | Any) -> bool:
    """Whether nobody has taken ``ticket`` himself (接单) yet while it is open: unheld and
    waiting, or given to a holder by someone else (分派/转派) who has not taken it."""
    if ticket.holder_id is None:
        return bool(ticket.status in UNACCEPTED)
    return bool(ticket.awaiting_acceptance) and ticket.status in OPEN_STATUSES


@dataclass(frozen=True, slots=True)
class TicketMove:
    """One of a ticket's state changes: its history action, the statuses it may be made
    from, and the event it records."""

    action: str
    allowed: tuple[str, ...]
    event: type[ev.TicketChanged]


PROGRESS = TicketMove("progress", HOLDING, ev.TicketProgressed)
RESOLVE = TicketMove("resolved", HOLDING, ev.TicketResolved)
HAND_UP = TicketMove("handed_up", HOLDING, ev.TicketHandedUp)
GIVE_BACK = TicketMove("returned", HOLDING, ev.TicketReturned)
EXTEND = TicketMove("extended", HOLDING, ev.TicketExtended)
REASSIGN = TicketMove("reassigned", OPEN_STATUSES, ev.TicketReassigned)
SEND_TO_DEPARTMENT = TicketMove("sent_to_department", OPEN_STATUSES, ev.TicketSentToDepartment)
#: What a department's contact may do to a ticket sent to their department (部门报到):
#: tell the resident how it goes (处理中) and resolve it (办结). Taking, handing up,
#: returning, extending and reassigning stay with the grid and the community.
DEPARTMENT_MOVES = (PROGRESS, RESOLVE)
RATE = TicketMove("rated", ("resolved",), ev.TicketRated)
REOPEN = TicketMove("reopened", ("resolved",), ev.TicketReopened)
MERGE = TicketMove("merged", OPEN_STATUSES, ev.TicketMerged)
PLACE = TicketMove("place_corrected", OPEN_STATUSES, ev.TicketPlaceCorrected)
NOTE = TicketMove("noted", OPEN_STATUSES, ev.TicketNoted)
REOPEN_REASON = TicketMove("commented", OPEN_STATUSES, ev.TicketFollowedUp)
REASSIGN_REASON = TicketMove("reassign_reason", OPEN_STATUSES, ev.TicketFollowedUp)


@dataclass(frozen=True, slots=True)
class Extension:
    """延期's amount as the worker wrote it: ``count`` of ``unit`` — ``hour``, ``day``
    (天/日), ``workday`` (工作日) or ``week`` (周/星期). It counts as a ticket's time limits
    do (:class:`consultation.worktime.Deadlines`): each 24 h is one working day on working
    time, so 3天 and 3个工作日 are both three working days, and a week is five of them;
    on the plain clock (urgent tickets) a day is 24 h and a week seven days."""

    count: int
    unit: str

    #: The longest extension at once, on either clock.
    MAX = timedelta(days=30)

    def limit(self, plain: bool) -> timedelta:
        if self.unit == "hour":
            return timedelta(hours=self.count)
        if self.unit == "week":
            return timedelta(days=self.count * (7 if plain else 5))
        return timedelta(days=self.count)


class TicketError(Exception):
    """A refused ticket operation; ``code`` names the reason for the handler to phrase."""

    def __init__(self, code: str, **info: Any) -> None:
        super().__init__(code)
        self.code = code
        self.info = info


#: The longest name a ticket and its history keep (``reporter_name``, ``actor_name``).
NAME_CHARS: int = Ticket.__table__.c.reporter_name.type.length  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: their platform account, resident record (if bound) and roles."""

    platform: str
    user_id: str
    name: str
    resident_id: int | None = None
    roles: frozenset[Role] = frozenset()

    def __post_init__(self) -> None:
        # A platform's display name may be longer than what a ticket keeps (Telegram
        # allows 129 characters): kept to the stored length on every database alike,
        # where PostgreSQL would refuse the ticket and SQLite keep it whole.
        if len(self.name) > NAME_CHARS:
            object.__setattr__(self, "name", self.name[:NAME_CHARS])

    @property
    def ref(self) -> str:
        return actor_ref(self.resident_id, self.platform, self.user_id)

    @property
    def is_moderator(self) -> bool:
        return Role.MODERATOR in self.roles


SYSTEM = Actor(platform="system", user_id="scheduler", name="系统")


def is_reporter(ticket: Ticket, platform: str, user_id: str, resident_id: int | None) -> bool:
    """Whether the ticket is this person's own: filed as their resident record, or by their
    account (a bound account: as nobody). A ticket filed as a resident stays theirs when
    the account that filed it is bound to someone else (改绑)."""
    if resident_id is not None and ticket.reporter_resident_id is not None:
        return ticket.reporter_resident_id == resident_id
    return (ticket.reporter_platform, ticket.reporter_user_id) == (platform, user_id)


@dataclass(slots=True)
class TicketDraft:
    """What the resident has told us so far; ``draft_id`` makes filing idempotent."""

    draft_id: str
    description: str
    category: str
    place: Place
    urgent: bool = False
    photos: list[str] = field(default_factory=list)
    details: dict[str, str] = field(default_factory=dict)
    wants_updates: bool = True


@dataclass(frozen=True, slots=True)
class StatusView:
    """What "我的诉求 / R… 怎么样了" answers; ``shown``: the ticket's reporter, place and
    details as the asker may see them (the confidentiality rule)."""

    ticket: Ticket
    holder_name: str | None
    last_action: str | None
    last_note: str | None
    last_at: datetime | None
    shown: Shown


@dataclass(slots=True)
class StatRow:
    """收集/分理/办结/反馈 and the on-time and satisfaction figures of one slice."""

    grid: str
    category: str
    received: int = 0
    dispatched: int = 0
    resolved: int = 0
    rated: int = 0
    response_due: int = 0
    responded_on_time: int = 0
    resolution_due: int = 0
    resolved_on_time: int = 0
    satisfied: int = 0

    def add(self, other: StatRow) -> None:
        for name in (
            "received",
            "dispatched",
            "resolved",
            "rated",
            "response_due",
            "responded_on_time",
            "resolution_due",
            "resolved_on_time",
            "satisfied",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @staticmethod
    def _rate(part: int, whole: int) -> float | None:
        return None if whole == 0 else part / whole

    @property
    def response_rate(self) -> float | None:
        return self._rate(self.responded_on_time, self.response_due)

    @property
    def resolution_rate(self) -> float | None:
        return self._rate(self.resolved_on_time, self.resolution_due)

    @property
    def satisfaction_rate(self) -> float | None:
        return self._rate(self.satisfied, self.rated)


@dataclass(slots=True)
class Statistics:
    """A period's figures: the total, and by grid and by category."""

    start: date
    end: date
    total: StatRow
    by_grid: list[StatRow]
    by_category: list[StatRow]


class TicketService:
    """Every ticket operation, inside the caller's unit of work, at the caller's ``now``."""

    def __init__(self, uow: UnitOfWork, catalogue: Catalogue, zone: tzinfo) -> None:
        self.uow = uow
        self.catalogue = catalogue
        self.zone = zone
        self.repo = uow.get(TicketRepository)
        #: The one rule for time limits (working hours, holidays; urgent on the plain clock).
        self.deadlines = Deadlines(catalogue, zone)

    # ---- reporting -------------------------------------------------------------------

    async def unbound_may_file(
        self, reporter: Actor, source: str | None, count: int, now: datetime
    ) -> bool:
        """May ``reporter`` file ``count`` more reports now? A resident (bound) always
        may; someone nobody knows takes one token a report from their account's bucket
        and their address's (``source``, where the platform tells it), refilled over a
        day (``[tickets] unbound_reports_per_day``, ``…_per_address_per_day``). False,
        with nothing taken, when either is short. The caller never asks it of an emergency."""
        if reporter.resident_id is not None or count <= 0:
            return True
        limits = unbound_limits(self.catalogue)
        buckets = []
        if UNBOUND_ACCOUNT in limits:
            account = f"{UNBOUND_ACCOUNT}{reporter.platform}:{reporter.user_id}"
            buckets.append((account[:191], limits[UNBOUND_ACCOUNT]))
        if source and UNBOUND_SOURCE in limits:
            buckets.append((f"{UNBOUND_SOURCE}{source}"[:191], limits[UNBOUND_SOURCE]))
        throttle = self.uow.get(ThrottleRepository)
        taken: list[tuple[str, Limit]] = []
        for key, limit in buckets:
            for _ in range(count):
                if await throttle.take(key, limit, now.timestamp()) is None:
                    for back, its in taken:
                        await throttle.give_back(back, its)
                    return False
                taken.append((key, limit))
        return True

    async def find_duplicate(
        self, category: str, place: Place, description: str, now: datetime
    ) -> Ticket | None:
        """An open ticket of the same category at the same place within the window, about
        the same thing (:func:`same_subject`: a corridor light is no lift's duplicate)."""
        if not self.catalogue.confidentiality.may_merge(category) or place.empty:
            return None
        if accused_in(description, await self.staff()) is not None:
            return None  # a complaint about staff is nobody else's report to follow
        since = now - timedelta(hours=self.catalogue.duplicate_window_hours)
        near = await self.repo.open_near(category, place.building, place.spot, since)
        keywords = self.catalogue.get(category).keywords
        # Another unit of the building is another stairwell: its light is not this one.
        units = [tk for tk in near if not (place.unit and tk.unit and tk.unit != place.unit)]
        units.sort(key=lambda tk: tk.unit != place.unit)  # the same unit first
        return next(
            (tk for tk in units if same_subject(tk.description, description, keywords)), None
        )

    async def ongoing_emergency(
        self, reporter: Actor, same_kind: Callable[[Ticket], bool], now: datetime
    ) -> Ticket | None:
        """The reporter's own urgent ticket, still open and filed within
        :data:`EMERGENCY_REPEAT_WINDOW`, of the kind ``same_kind`` tells (the words'
        reading is the nlu's): the emergency said again is that one, not a new one, however
        much was said in between. Newest first; None when there is none."""
        since = now - EMERGENCY_REPEAT_WINDOW
        return next(
            (
                tk
                for tk in await self.mine(reporter)
                if tk.urgent
                and tk.status in OPEN_STATUSES
                and self._is_reporter(tk, reporter)
                and tk.received_at >= since
                and same_kind(tk)
            ),
            None,
        )

    async def building_unknown(self, place: Place) -> list[int] | None:
        """The community's numbered buildings, when ``place`` names one it does not have
        (9号楼 where there are 1–8号楼): asked about rather than filed with no grid. None
        when the building is known, not numbered, or no numbered building is configured."""
        if not place.building:
            return None
        numbered = sorted(
            int(found.group(1))
            for name in await self.uow.get(PeopleRepository).building_names()
            if (found := _NUMBERED_BUILDING.fullmatch(name or ""))
        )
        if not numbered or not _NUMBERED_BUILDING.fullmatch(place.building):
            return None
        return None if place.building in {f"{n}号楼" for n in numbered} else numbered

    async def grid_for(self, place: Place, reporter: Actor) -> int | None:
        """Building → grid; a named place falls back to the reporter's own building's grid."""
        if place.building:
            building = await self.uow.residents.building_by_name(place.building)
            if building is not None and building.grid_id is not None:
                return building.grid_id
        if reporter.resident_id is not None:
            resident = await self.uow.residents.get(reporter.resident_id)
            if resident is not None and resident.building_id is not None:
                from storage.models import Building

                home = await self.uow.session.get(Building, resident.building_id)
                if home is not None and home.grid_id is not None and not place.building:
                    return home.grid_id
        return None

    async def file(self, draft: TicketDraft, reporter: Actor, now: datetime) -> tuple[Ticket, bool]:
        """File the draft once: a second call with the same draft returns the first ticket
        (also when both run at once: the second waits for the first to commit)."""
        await self.repo.lock_draft(draft.draft_id)
        existing = await self.repo.by_draft(draft.draft_id)
        if existing is not None:
            return existing, False
        category = self.catalogue.get(draft.category).name
        details = dict(draft.details)
        accused = accused_in(draft.description, await self.staff())
        if accused is not None:  # a complaint about staff: the community's, in no grid
            category = STAFF_COMPLAINT
            if accused:
                details[ACCUSED] = "、".join(s.name for s in accused)
        response_due, resolution_due = self.deadlines.due(category, draft.urgent, now)
        grid_id = None if accused is not None else await self.grid_for(draft.place, reporter)
        day = local_day(now, self.zone)
        sequence = await self.repo.next_sequence(f"{day:%Y%m%d}")
        ticket = await self.repo.add(
            Ticket(
                number=ticket_number(day, sequence),
                draft_id=draft.draft_id,
                category=category,
                urgent=draft.urgent,
                status="received",
                level="grid" if grid_id is not None else "community",
                description=draft.description[:2000],
                building=draft.place.building,
                unit=draft.place.unit,
                room=draft.place.room,
                spot=draft.place.spot,
                details=details,
                photos=list(draft.photos),
                reporter_resident_id=reporter.resident_id,
                reporter_platform=reporter.platform,
                reporter_user_id=reporter.user_id,
                reporter_name=reporter.name,
                wants_updates=draft.wants_updates,
                grid_id=grid_id,
                received_at=now,
                response_due_at=response_due,
                resolution_due_at=resolution_due,
                updated_at=now,
            )
        )
        history = await self._event(ticket, reporter, "filed", None, "received", now)
        self.uow.record(ev.TicketFiled(ticket=ticket, history_id=history))
        return ticket, True

    async def staff(self) -> list[StaffMember]:
        """The grid workers and moderators a complaint may name, each once."""
        people: dict[int, StaffMember] = {}
        for role in (Role.GRID_WORKER, Role.MODERATOR):
            for person in await self.uow.residents.with_role(role.value):
                if person.id is not None and person.name:
                    people[person.id] = StaffMember(person.id, person.name)
        return list(people.values())

    async def complaint_handlers(self, ticket: Ticket) -> int:
        """How many moderators a complaint about staff reaches (none it names)."""
        named = accused_of(ticket.details)
        moderators = await self.uow.residents.with_role(Role.MODERATOR.value)
        return len({m.id for m in moderators if m.name not in named})

    async def grid_name(self, grid_id: int | None) -> str:
        names = await self.repo.grid_names()
        return names.get(grid_id, "") if grid_id is not None else ""

    async def holder_name(self, ticket: Ticket) -> str | None:
        """The name of the worker who holds ``ticket`` (None when nobody does)."""
        return await self._name(ticket.holder_id) if ticket.holder_id else None

    async def workers(self) -> Sequence[Resident]:
        """The community's grid workers (转派 offers them), each once."""
        return await self.uow.residents.with_role(Role.GRID_WORKER.value)

    async def workers_named(self, text: str) -> tuple[list[Resident], str, bool]:
        """Who ``text`` (what follows ``转派 R…``) names first, and what it says after the
        name: staff type the name shown on the buttons (王网格员, 王建国) or its start (王),
        never a number. (workers, the rest, whether a name was meant): one worker is
        found; several share the name; none — then ``meant`` says whether the first word
        looked like a name (a 网格员 or a short word with a reason after it), so the rest
        is the reason either way."""
        text = text.strip()
        workers = list(await self.workers())
        whole = [w for w in workers if w.name and text.startswith(w.name)]
        if whole:
            longest = max(len(w.name) for w in whole)
            named = [w for w in whole if len(w.name) == longest]
            return named, text[longest:].strip(" ，,：:"), True
        parts = text.split(maxsplit=1)
        first = parts[0].rstrip("，,：:") if parts else ""
        after = parts[1].strip() if len(parts) > 1 else ""
        if not first:
            return [], "", False
        starting = [w for w in workers if w.name and w.name.startswith(first)]
        if starting:
            return starting, after, True
        meant = first.endswith("网格员") or (len(first) <= 3 and bool(after))
        return [], after if meant else text, meant

    async def not_a_worker(self, text: str) -> str | None:
        """The name ``text`` (what follows ``转派 R…``) starts with, when it is someone of
        the register who is no grid worker (陈委员): never read as the reason."""
        words = text.strip().split(maxsplit=1)
        first = words[0].rstrip("，,：:") if words else ""
        if not first:
            return None
        people = await self.uow.get(PeopleRepository).by_name(first)
        workers = {w.id for w in await self.workers()}
        return first if people and not any(p.id in workers for p in people) else None

    def may_follow(self, ticket: Ticket) -> bool:
        """Whether someone but its reporter may follow ``ticket`` (or be offered to):
        never a confidential one nor a complaint about a neighbour (the rule's)."""
        return self.catalogue.confidentiality.may_follow(ticket)

    async def follow(self, number: str, person: Actor) -> Ticket:
        ticket = await self._get(number)
        assert ticket.id is not None
        if not self.may_follow(ticket):  # said without its number: it may never have been shown
            raise TicketError("not_followable")
        await self.repo.follow(ticket.id, person.platform, person.user_id, person.resident_id)
        await self._event(ticket, person, "followed", ticket.status, ticket.status, None)
        return ticket

    async def notify_again(self, person: Actor, now: datetime) -> list[Ticket]:
        """开启通知 after 不用了: the tickets this account filed quiet and still open (not
        archived) are told of their progress from now on, each change in its history and
        the audit log. The ones turned on (none: nothing was off)."""
        mine = await self.repo.of_reporter(person.platform, person.user_id, person.resident_id)
        quiet = [
            c
            for c in mine
            if self._is_reporter(c, person) and not c.wants_updates and c.status != "closed"
        ]
        return await self._set_updates(quiet, person, True, now)

    async def notify_less(self, person: Actor, now: datetime) -> list[Ticket]:
        """关闭通知: the tickets this account filed and still open (not archived) are no
        longer told of their progress, each change in its history and the audit log; an
        urgent one keeps its notices (whoever reported a danger hears how it goes). The
        ones turned off (none: nothing was on)."""
        account = (person.platform, person.user_id)
        told = [
            c
            for c in await self.repo.of_reporter(person.platform, person.user_id, None)
            if (c.reporter_platform, c.reporter_user_id) == account
            and c.wants_updates
            and not c.urgent
            and c.status != "closed"
        ]
        return await self._set_updates(told, person, False, now)

    async def _set_updates(
        self, copies: list[Ticket], person: Actor, on: bool, now: datetime
    ) -> list[Ticket]:
        """Progress notices on or off for these tickets, each change recorded."""
        turned: list[Ticket] = []
        for copy in copies:
            ticket = await self._get(copy.number)
            ticket.wants_updates = on
            await self.repo.save(ticket)
            action = "updates_on" if on else "updates_off"
            data = {"wants_updates": on}
            await self._event(ticket, person, action, ticket.status, ticket.status, now, data=data)
            turned.append(ticket)
        return turned

    # ---- grid workers ----------------------------------------------------------------

    async def accept(self, number: str, worker: Actor, now: datetime) -> ev.TicketAccepted:
        """接单: the database lets exactly one of simultaneous acceptances through."""
        ticket = await self._get(number)
        await self._check_worker(ticket, worker)
        assert ticket.id is not None and worker.resident_id is not None
        values: dict[str, Any] = {"status": "assigned"}
        if ticket.accepted_at is None:
            values["accepted_at"] = now
        if ticket.holder_id == worker.resident_id:
            # Given to him (分派/转派): his 接单 is what stops the response limit.
            if not ticket.awaiting_acceptance:
                raise TicketError("already_yours", number=number)
            if not await self.repo.take_given(ticket.id, worker.resident_id, HOLDING, values):
                await self.repo.refresh(ticket)
                raise self._cannot(ticket)
        elif not await self.repo.claim(ticket.id, worker.resident_id, UNACCEPTED, values):
            await self.repo.refresh(ticket)
            if ticket.holder_id is not None:
                holder = await self._name(ticket.holder_id)
                raise TicketError("taken", number=number, holder=holder)
            raise TicketError("wrong_status", number=number, status=ticket.status)
        before = ticket.status
        await self.repo.refresh(ticket)
        history = await self._event(ticket, worker, "accepted", before, "assigned", now)
        event = ev.TicketAccepted(ticket=ticket, history_id=history, holder_name=worker.name)
        self.uow.record(event)
        return event

    async def progress(
        self, number: str, worker: Actor, note: str, now: datetime
    ) -> ev.TicketChanged:
        """处理中, with a note the resident sees."""
        ticket = await self._explained(number, worker, note, "note_required", PROGRESS)
        values = {
            "status": "in_progress" if ticket.status != "escalated" else "escalated",
            **self._taken_by(ticket, worker, now),
        }
        department = await self._as_department(ticket, worker)
        return await self._move(
            ticket, worker, PROGRESS, now, values, note=note, by_department=department
        )

    async def resolve(
        self, number: str, worker: Actor, note: str, photo: str | None, now: datetime
    ) -> ev.TicketChanged:
        """办结: the resident is asked to rate; no answer in time closes it unrated."""
        ticket = await self._held(number, worker, RESOLVE)
        if not note and not photo:
            raise TicketError("note_required", number=number)
        values = {
            "status": "resolved",
            "resolved_at": now,
            "rating_due_at": now + timedelta(hours=self.catalogue.rating_timeout_hours),
            "photos": [*ticket.photos, photo] if photo else ticket.photos,
            **self._taken_by(ticket, worker, now),
        }
        data = {"photo": photo} if photo else None
        department = await self._as_department(ticket, worker)
        return await self._move(
            ticket,
            worker,
            RESOLVE,
            now,
            values,
            note=note or "（见照片）",
            data=data,
            by_department=department,
        )

    async def hand_up(
        self, number: str, worker: Actor, reason: str, now: datetime
    ) -> ev.TicketChanged:
        """上报: the grid can't handle it; the community's moderators take it over."""
        ticket = await self._explained(number, worker, reason)
        values = {
            "status": "escalated",
            "level": "community",
            "holder_id": None,
            "awaiting_acceptance": 0,
            "dispatched": True,
        }
        return await self._move(ticket, worker, HAND_UP, now, values, note=reason)

    async def give_back(
        self, number: str, worker: Actor, reason: str, now: datetime
    ) -> ev.TicketChanged:
        """退单: back to the grid's pool, only with a reason the resident sees. It goes to the
        grid's other workers, never back to the one returning it; a grid with nobody else
        (or no grid) hands it to the community's moderators."""
        ticket = await self._explained(number, worker, reason)
        others: tuple[int, ...] = ()
        if ticket.grid_id is not None:
            grid = await self.uow.residents.with_role(Role.GRID_WORKER.value, ticket.grid_id)
            others = tuple(
                dict.fromkeys(w.id for w in grid if w.id is not None and w.id != worker.resident_id)
            )
        values: dict[str, Any] = {"status": "received", "holder_id": None, "awaiting_acceptance": 0}
        if not others:
            values["level"] = "community"
        return await self._move(ticket, worker, GIVE_BACK, now, values, note=reason, others=others)

    async def extend(
        self, number: str, worker: Actor, amount: Extension, reason: str, now: datetime
    ) -> ev.TicketChanged:
        """延期: a later resolution deadline by ``amount``, only with a reason the resident
        sees; at most :attr:`Extension.MAX` at once."""
        ticket = await self._explained(number, worker, reason)
        limit = amount.limit(self.deadlines.plain(ticket.category, ticket.urgent))
        if amount.count < 1 or limit > Extension.MAX:
            raise TicketError("extend_too_long", number=number)
        new_due = self.deadlines.after(
            ticket.category, ticket.urgent, max(ticket.resolution_due_at, now), limit
        )
        values = {
            "resolution_due_at": new_due,
            "deadline_round": ticket.deadline_round + 1,
            "resolution_warned_at": None,
            "resolution_escalated_at": None,
            "extensions": ticket.extensions + 1,
        }
        data = {"hours": limit.total_seconds() / 3600, "count": amount.count, "unit": amount.unit}
        return await self._move(ticket, worker, EXTEND, now, values, note=reason, data=data)

    async def reassign(
        self, number: str, by: Actor, to_worker: int, reason: str, now: datetime
    ) -> ev.TicketChanged:
        """转派: to another grid worker of the community (by the holder or a moderator)."""
        ticket = await self._get(number)
        if not by.is_moderator and ticket.holder_id != by.resident_id:
            raise TicketError("not_holder", number=number)
        workers = {w.id: w for w in await self.uow.residents.with_role(Role.GRID_WORKER.value)}
        target = workers.get(to_worker)
        if target is None:
            raise TicketError("unknown_worker", number=number)
        if ticket.holder_id == to_worker and ticket.status in OPEN_STATUSES:
            raise TicketError("already_with", number=number, holder=target.name)
        grids = [
            r.grid_id
            for r in await self.uow.residents.roles_of(to_worker)
            if r.role == Role.GRID_WORKER.value and r.grid_id is not None
        ]
        # Given by someone else before anybody took it (分派): the worker still has to take
        # it himself (接单), and its response limit runs on (reminded, then escalated).
        given = to_worker != by.resident_id and (
            (ticket.holder_id is not None and bool(ticket.awaiting_acceptance))
            or (
                ticket.holder_id is None
                and ticket.status in UNACCEPTED
                and response_chased(ticket)
                and ticket.response_escalated_at is None
            )
        )
        values: dict[str, Any] = {
            "holder_id": to_worker,
            "status": "assigned",
            "awaiting_acceptance": int(given),
        }
        if ticket.accepted_at is None and not given:
            values["accepted_at"] = now
        if grids and ticket.grid_id not in grids:
            values["dispatched"] = True
            values["grid_id"] = grids[0]
        return await self._move(
            ticket,
            by,
            REASSIGN,
            now,
            values,
            note=reason or None,
            data={"to": target.name},
            worker_id=to_worker,
        )

    async def reassign_reason(
        self, number: str, by: Actor, reason: str, now: datetime
    ) -> ev.TicketChanged:
        """The reason of a 转派 made by a tap, said right after it: kept in the history and
        sent to the worker who has the ticket now, as a line of its own. Only its sender,
        and only while that 转派 is the ticket's last one and it still holds it."""
        ticket = await self._get(number)
        assert ticket.id is not None
        last = next(
            (e for e in reversed(await self.repo.history(ticket.id)) if e.action == "reassigned"),
            None,
        )
        if last is None or last.actor != by.ref or ticket.holder_id is None or not reason:
            raise TicketError("not_holder", number=number)
        return await self._move(
            ticket, by, REASSIGN_REASON, now, {}, note=reason[:500], kind="reassign"
        )

    async def send_to_department(
        self, number: str, by: Actor, reason: str, now: datetime
    ) -> ev.TicketChanged:
        """吹哨: a moderator hands an open ticket to its category's department now."""
        if not by.is_moderator:
            raise TicketError("not_holder", number=number)
        if not reason:
            raise TicketError("reason_required", number=number)
        ticket = await self._get(number)
        department = self.catalogue.get(ticket.category).department
        values = {
            "status": "escalated",
            "level": "department",
            "department": department,
            "dispatched": True,
        }
        return await self._move(
            ticket,
            by,
            SEND_TO_DEPARTMENT,
            now,
            values,
            note=reason,
            data={"department": department},
        )

    # ---- residents -------------------------------------------------------------------

    async def rate(
        self, number: str, rater: Actor, rating: str, comment: str | None, now: datetime
    ) -> ev.TicketChanged:
        """满意 / 基本满意 close it; 不满意 reopens it (and is counted): to the department
        it was at when resolved, else to the same grid (or the community)."""
        if rating not in RATINGS:
            raise TicketError("bad_rating", number=number)
        ticket = await self._get(number)
        if not self._is_reporter(ticket, rater):
            raise TicketError("not_yours", number=number)
        if ticket.status == "closed" and ticket.rating is not None:
            # An old rating button under the same push, tapped after the first answer.
            raise TicketError("already_rated", number=number, rating=ticket.rating)
        if ticket.status == "closed":
            # Tapped after the rating time: archived unrated (not "已评价").
            raise TicketError("rating_closed", number=number)
        if ticket.status != "resolved":
            raise TicketError("not_resolved", number=number, status=ticket.status)
        rated = {"rating": rating, "rating_comment": comment}
        if rating != "不满意":
            closed = {**rated, "status": "closed", "closed_at": now}
            return await self._move(
                ticket, rater, RATE, now, closed, note=comment, data={"rating": rating}
            )
        response_due, resolution_due = self.deadlines.due(ticket.category, ticket.urgent, now)
        # Resolved at a department (部门报到): back to that department, which may act on it
        # again (an escalated ticket); else back to the grid (or the community).
        at_department = ticket.level == "department" and bool(ticket.department)
        # The round that ends here keeps its on-time outcome for the statistics: the new
        # deadlines below would otherwise make a late first round look on time.
        accepted, resolved = ticket.accepted_at, ticket.resolved_at
        missed_response = (
            accepted > ticket.response_due_at if accepted else now > ticket.response_due_at
        )
        missed_resolution = resolved is None or resolved > ticket.resolution_due_at
        level = "grid" if ticket.grid_id is not None else "community"
        reopened = {
            **rated,
            "status": "escalated" if at_department else "reopened",
            "holder_id": None,
            "awaiting_acceptance": 0,
            "resolved_at": None,
            "rating_due_at": None,
            "reopen_count": ticket.reopen_count + 1,
            "level": "department" if at_department else level,
            "missed_response": int(bool(ticket.missed_response) or missed_response),
            "missed_resolution": int(bool(ticket.missed_resolution) or missed_resolution),
            "response_due_at": response_due,
            "resolution_due_at": resolution_due,
            "deadline_round": ticket.deadline_round + 1,
            "response_warned_at": None,
            "response_escalated_at": None,
            "resolution_warned_at": None,
            "resolution_escalated_at": None,
        }
        return await self._move(
            ticket, rater, REOPEN, now, reopened, note=comment, data={"rating": rating}
        )

    async def said_elsewhere(self, number: str, rater: Actor, said: Place) -> bool:
        """Whether ``said`` is another place than the one of ``rater``'s ticket ``number``
        (a new problem named at the rating question, not this ticket's rating); False for
        a ticket not theirs, which :meth:`rate` refuses."""
        ticket = await self._get(number)
        if not self._is_reporter(ticket, rater):
            return False
        return other_place(said, Place(ticket.building, ticket.unit, ticket.room, ticket.spot))

    async def comment(self, number: str, rater: Actor, comment: str, now: datetime) -> None:
        """An optional comment after the rating, kept with the rating."""
        ticket = await self._get(number)
        if not self._is_reporter(ticket, rater) or ticket.rating is None:
            raise TicketError("not_yours", number=number)
        ticket.rating_comment = comment[:500]
        await self.repo.save(ticket)
        if ticket.rating == "不满意" and ticket.status in OPEN_STATUSES:
            # Why the resident is not satisfied: whoever has the reopened ticket now is told.
            await self._move(
                ticket, rater, REOPEN_REASON, now, {}, note=comment[:500], kind="reopen"
            )
            return
        await self._event(
            ticket, rater, "commented", ticket.status, ticket.status, now, note=comment[:500]
        )

    async def add_note(self, number: str, person: Actor, note: str, now: datetime) -> Ticket:
        """More said about an open ticket by its reporter or a follower: kept in its
        history and the audit log, and whoever holds it (else its grid; the moderators too
        when urgent) is told. Nothing is changed but that record."""
        ticket = await self._get(number)
        assert ticket.id is not None
        mine = self._is_reporter(ticket, person)
        if not mine and not await self.repo.is_follower(
            ticket.id, person.platform, person.user_id, person.resident_id
        ):
            raise TicketError("not_yours", number=number)
        event = await self._move(ticket, person, NOTE, now, {}, note=note[:500])
        return event.ticket

    async def correct_place(
        self, number: str, reporter: Actor, place: Place, now: datetime
    ) -> ev.TicketChanged | None:
        """The reporter says where it really is (an emergency was filed at their home
        address): the ticket's place is changed and recorded; while nobody has taken it,
        it moves to the new place's grid. None when it names the place already recorded."""
        ticket = await self._get(number)
        if not self._is_reporter(ticket, reporter):
            raise TicketError("not_yours", number=number)
        before = Place(ticket.building, ticket.unit, ticket.room, ticket.spot)
        if place == before:
            return None
        values: dict[str, Any] = {
            "building": place.building,
            "unit": place.unit,
            "room": place.room,
            "spot": place.spot,
        }
        old_grid = ticket.grid_id
        if ticket.holder_id is None and ticket.status in ("received", "reopened"):
            grid_id = await self.grid_for(place, reporter)
            values["grid_id"] = grid_id
            values["level"] = "grid" if grid_id is not None else "community"
        moved = "grid_id" in values and values["grid_id"] != old_grid
        return await self._move(
            ticket,
            reporter,
            PLACE,
            now,
            values,
            data={"from": before.label(), "to": place.label()},
            old_place=before,
            old_grid_id=old_grid if moved else None,
        )

    async def view(self, number: str, asker: Actor) -> StatusView:
        """Status, holder's name (never a phone) and the last update — for whoever may see it."""
        ticket = await self._get(number)
        assert ticket.id is not None
        if not await self._may_see(ticket, asker):
            raise await self._not_theirs(ticket, asker, "not_yours")
        last = await self.repo.last_event(ticket.id)
        holder = await self._name(ticket.holder_id) if ticket.holder_id else None
        return StatusView(
            ticket,
            holder,
            last.action if last else None,
            last.note if last else None,
            last.at if last else None,
            self.shown(ticket, asker),
        )

    def viewer(self, ticket: Ticket, person: Actor) -> Viewer:
        """Who ``person`` is to ``ticket`` for the confidentiality rule: its reporter, a
        moderator, a department's contact (who is never told who reported it), a grid
        worker handling it, or anyone else (a resident following it, or offered to: a
        neighbour, who never reads the reporter's room or name)."""
        if self._is_reporter(ticket, person):
            return Viewer.REPORTER
        if person.is_moderator:
            return Viewer.MODERATOR
        if Role.GRID_WORKER in person.roles:
            return Viewer.HANDLER
        if Role.DEPARTMENT in person.roles:
            return Viewer.DEPARTMENT
        return Viewer.FOLLOWER

    def shown(self, ticket: Ticket, person: Actor) -> Shown:
        """``ticket``'s reporter, place and details as ``person`` may see them."""
        return self.catalogue.confidentiality.shown(ticket, self.viewer(ticket, person))

    async def mine(self, asker: Actor) -> list[Ticket]:
        return list(await self.repo.of_reporter(asker.platform, asker.user_id, asker.resident_id))

    async def search_mine(self, asker: Actor, text: str) -> Ticket | None:
        """The asker's ticket that "我反映的路灯怎么样了" is about (newest on a tie)."""
        tickets = await self.mine(asker)
        best, best_score = None, 0
        for ticket in tickets:
            haystack = f"{ticket.description}{ticket.category}{ticket.building or ''}"
            score = sum(1 for i in range(len(text) - 1) if text[i : i + 2] in haystack)
            if score > best_score:
                best, best_score = ticket, score
        return best

    # ---- moderators ------------------------------------------------------------------

    async def tasks(self, worker: Actor) -> list[Ticket]:
        if worker.resident_id is None:
            return []
        grids = [
            r.grid_id
            for r in await self.uow.residents.roles_of(worker.resident_id)
            if r.role == Role.GRID_WORKER.value and r.grid_id is not None
        ]
        return list(await self.repo.tasks_of(worker.resident_id, grids))

    async def waiting(self, worker: Actor) -> list[Ticket]:
        """The tasks waiting for ``worker`` to take them (接单): pushed to their grids,
        nobody's yet, not merged into another."""
        return [
            tk
            for tk in await self.tasks(worker)
            if awaits_acceptance(tk)
            and tk.holder_id in (None, worker.resident_id)
            and not tk.duplicate_of
        ]

    async def department_tasks(self, contact: Actor) -> list[Ticket]:
        """我的任务 of a department's contact: the open tickets sent to their department(s),
        the longest waiting first."""
        if contact.resident_id is None:
            return []
        departments = await self.uow.get(DepartmentRepository).departments_of(contact.resident_id)
        if not departments:
            return []
        return list(await self.repo.sent_to_departments(departments))

    async def overdue(self, now: datetime) -> list[Ticket]:
        return list(await self.repo.overdue(now))

    async def open_tickets(self, limit: int = 30) -> list[Ticket]:
        """What is still being handled, the longest waiting first (所有诉求)."""
        return list(await self.repo.open_oldest(limit))

    async def merge(self, duplicate: str, into: str, by: Actor, now: datetime) -> ev.TicketChanged:
        """Mark ``duplicate`` as a duplicate of ``into``: its people follow ``into`` instead."""
        if duplicate == into:
            raise TicketError("same_ticket", number=duplicate)
        dup, target = await self._get(duplicate), await self._get(into)
        assert dup.id is not None and target.id is not None
        if dup.status not in OPEN_STATUSES:
            raise TicketError("wrong_status", number=duplicate, status=dup.status)
        await self.repo.follow(
            target.id, dup.reporter_platform, dup.reporter_user_id, dup.reporter_resident_id
        )
        for follower in await self.repo.followers(dup.id):
            await self.repo.follow(
                target.id, follower.platform, follower.user_id, follower.resident_id
            )
        values = {"status": "closed", "duplicate_of": into, "closed_at": now, "holder_id": None}
        merged = await self._move(dup, by, MERGE, now, values, note=into, data={"into": into})
        await self._event(
            target, by, "merged_in", target.status, target.status, now, note=duplicate
        )
        return merged

    async def statistics(self, start: date, end: date, now: datetime) -> Statistics:
        """Figures for tickets received between local dates [start, end)."""
        lo = datetime.combine(start, time(), self.zone)
        hi = datetime.combine(end, time(), self.zone)
        grids = await self.repo.grid_names()
        total = StatRow("全部", "全部")
        by_grid: dict[str, StatRow] = {}
        by_cat: dict[str, StatRow] = {}
        for grid_id, category, *counts in await self.repo.statistics(lo, hi, now):
            row = StatRow(
                grids.get(grid_id, "社区直办") if grid_id else "社区直办",
                category,
                *(int(c or 0) for c in counts),
            )
            total.add(row)
            by_grid.setdefault(row.grid, StatRow(row.grid, "全部")).add(row)
            by_cat.setdefault(category, StatRow("全部", category)).add(row)
        return Statistics(
            start,
            end,
            total,
            sorted(by_grid.values(), key=lambda r: r.grid),
            sorted(by_cat.values(), key=lambda r: -r.received),
        )

    # ---- timed steps (called by TicketTimers) ------------------------------------------

    async def timed(
        self, kind: str, number: str, round_: int, now: datetime, late: bool
    ) -> ev.TicketChanged | None:
        """One deadline step, at most once per ticket and deadline round."""
        ticket = await self.repo.by_number(number)
        if ticket is None or ticket.id is None:
            return None
        markers = {
            "warn_response": ("response_warned_at", UNACCEPTED),
            "escalate_response": ("response_escalated_at", UNACCEPTED),
            "warn_resolution": ("resolution_warned_at", OPEN_STATUSES),
            "escalate_resolution": ("resolution_escalated_at", OPEN_STATUSES),
        }
        if kind == "autoclose":
            if not await self.repo.transition(
                ticket.id, ("resolved",), {"status": "closed", "closed_at": now}
            ):
                return None
            await self.repo.refresh(ticket)
            history = await self._event(ticket, SYSTEM, "closed_unrated", "resolved", "closed", now)
            return self._recorded(ev.TicketClosedUnrated, ticket, history, late=late)
        marker, allowed = markers[kind]
        response = kind.endswith("response")
        if response:
            # Nobody took it himself yet: unheld, or given (分派/转派) and not taken.
            if not awaits_acceptance(ticket):
                return None
            allowed = OPEN_STATUSES
        if not await self.repo.mark_once(
            ticket.id, marker, round_, allowed, now, unaccepted=response
        ):
            return None
        before = ticket.status
        await self.repo.refresh(ticket)
        holder = await self._name(ticket.holder_id) if ticket.holder_id else None
        if kind == "warn_response":
            history = await self._event(ticket, SYSTEM, "warned_response", before, before, now)
            return self._recorded(ev.TicketResponseWarned, ticket, history, late=late)
        if kind == "warn_resolution":
            history = await self._event(ticket, SYSTEM, "warned_resolution", before, before, now)
            return self._recorded(
                ev.TicketResolutionWarned, ticket, history, holder_name=holder, late=late
            )
        if kind == "escalate_response" and ticket.grid_id is None:
            # Filed straight to the community (an emergency with no place, or from someone
            # with no address): nowhere higher to send it; its moderators are chased again.
            history = await self._event(ticket, SYSTEM, "overdue_response", before, before, now)
            return self._recorded(
                ev.TicketResponseOverdue, ticket, history, holder_name=holder, late=late
            )
        if kind == "escalate_response":
            ticket.status, ticket.level = "escalated", "community"
            await self.repo.save(ticket)
            history = await self._event(
                ticket, SYSTEM, "escalated_response", before, "escalated", now
            )
            return self._recorded(
                ev.TicketEscalatedToCommunity, ticket, history, holder_name=holder, late=late
            )
        department = self.catalogue.get(ticket.category).department
        ticket.status, ticket.level = "escalated", "department"
        ticket.department, ticket.dispatched = department, True
        await self.repo.save(ticket)
        history = await self._event(
            ticket, SYSTEM, "escalated_resolution", before, "escalated", now, note=department
        )
        return self._recorded(
            ev.TicketEscalatedToDepartment,
            ticket,
            history,
            note=department,
            holder_name=holder,
            late=late,
        )

    # ---- helpers ---------------------------------------------------------------------

    async def _get(self, number: str) -> Ticket:
        return or_refuse(await self.repo.by_number(number), TicketError("not_found", number=number))

    async def _name(self, resident_id: int | None) -> str | None:
        if resident_id is None:
            return None
        person = await self.uow.residents.get(resident_id)
        return person.name if person else None

    async def _worker_grids(self, resident_id: int) -> list[int | None]:
        return [
            r.grid_id
            for r in await self.uow.residents.roles_of(resident_id)
            if r.role == Role.GRID_WORKER.value
        ]

    async def _check_worker(self, ticket: Ticket, worker: Actor) -> None:
        if worker.resident_id is None:
            raise TicketError("not_worker", number=ticket.number)
        if worker.is_moderator:
            return
        grids = await self._worker_grids(worker.resident_id)
        if not grids:
            raise TicketError("not_worker", number=ticket.number)
        if ticket.grid_id is not None and ticket.grid_id not in grids:
            raise TicketError("other_grid", number=ticket.number)

    async def may_act(self, number: str, worker: Actor, move: TicketMove | None = None) -> Ticket:
        """The ticket, if ``worker`` may ``move`` it (its holder or a moderator; for 处理中
        and 办结 also its department's contact), and if ``move`` can still be made (a stale
        button on a closed ticket is refused at its first tap): checked before a note or
        reason is asked for, so the answer is not refused after."""
        ticket = await self._held(number, worker, move)
        if move is not None and ticket.status not in move.allowed:
            raise self._cannot(ticket)
        return ticket

    @staticmethod
    def _taken_by(ticket: Ticket, worker: Actor, now: datetime) -> dict[str, Any]:
        """A ticket given to ``worker`` (分派/转派) that he moves himself (处理中, 办结) is
        taken by him, as by 接单: its response limit stops."""
        if not ticket.awaiting_acceptance or ticket.holder_id != worker.resident_id:
            return {}
        taken: dict[str, Any] = {"awaiting_acceptance": 0}
        if ticket.accepted_at is None:
            taken["accepted_at"] = now
        return taken

    @staticmethod
    def _cannot(ticket: Ticket) -> TicketError:
        """Why a move can't be made from ``ticket``'s status: resolved or archived, said
        so (its problem again is the resident's to report), else the status."""
        if ticket.status in ("resolved", "closed") and not ticket.duplicate_of:
            return TicketError("already_closed", number=ticket.number)
        return TicketError("wrong_status", number=ticket.number, status=ticket.status)

    async def _held(self, number: str, worker: Actor, move: TicketMove | None = None) -> Ticket:
        ticket = await self._get(number)
        if worker.resident_id is None:
            raise TicketError("not_holder", number=number)
        if worker.name in accused_of(ticket.details):  # complained about: not his to move
            raise TicketError("not_holder", number=number)
        if ticket.holder_id == worker.resident_id or worker.is_moderator:
            return ticket
        if move in DEPARTMENT_MOVES and await self._sent_to(ticket, worker):
            return ticket
        raise await self._not_theirs(ticket, worker, "not_holder")

    async def _not_theirs(self, ticket: Ticket, person: Actor, otherwise: str) -> TicketError:
        """Why a staff member may not see or act on ``ticket``, in staff terms: they handed
        it on (to whom it went), or it is another grid's (which grid, never its reporter or
        problem). A resident is told ``otherwise``, as is staff with neither."""
        number = ticket.number
        if person.resident_id is None or not person.roles & {Role.GRID_WORKER, Role.DEPARTMENT}:
            return TicketError(otherwise, number=number)
        assert ticket.id is not None
        holder = await self._name(ticket.holder_id) if ticket.holder_id else None
        handed = any(
            e.actor == person.ref and e.action in ("reassigned", "handed_up", "returned")
            for e in await self.repo.history(ticket.id)
        )
        if handed:
            if holder:
                return TicketError("handed_on", number=number, holder=holder)
            return TicketError("handed_on_pool", number=number)
        grids = await self._worker_grids(person.resident_id)
        if Role.GRID_WORKER in person.roles and ticket.grid_id not in grids:
            grid = await self.grid_name(ticket.grid_id) or "社区"
            return TicketError("other_grid_held", number=number, grid=grid)
        if Role.GRID_WORKER in person.roles or otherwise != "not_yours":
            return TicketError("not_holder", number=number)
        return TicketError("not_sent_here", number=number)

    async def _sent_to(self, ticket: Ticket, person: Actor) -> bool:
        """Whether ``ticket`` was escalated to a department ``person`` answers for."""
        if person.resident_id is None or Role.DEPARTMENT not in person.roles:
            return False
        if ticket.level != "department" or not ticket.department:
            return False
        theirs = await self.uow.get(DepartmentRepository).departments_of(person.resident_id)
        return ticket.department in theirs

    async def _as_department(self, ticket: Ticket, actor: Actor) -> str | None:
        """The department ``actor`` moves ``ticket`` for (its contact, not its holder), so
        the grid worker still holding it is told what the department did."""
        if ticket.holder_id is not None and ticket.holder_id == actor.resident_id:
            return None
        return ticket.department if await self._sent_to(ticket, actor) else None

    async def _explained(
        self,
        number: str,
        worker: Actor,
        why: str | None,
        missing: str = "reason_required",
        move: TicketMove | None = None,
    ) -> Ticket:
        """The ticket its holder (or a moderator) acts on, refused (``missing``) without
        the note or reason the resident will see."""
        ticket = await self._held(number, worker, move)
        if not why:
            raise TicketError(missing, number=number)
        return ticket

    def _is_reporter(self, ticket: Ticket, person: Actor) -> bool:
        return is_reporter(ticket, person.platform, person.user_id, person.resident_id)

    async def _may_see(self, ticket: Ticket, person: Actor) -> bool:
        assert ticket.id is not None
        if self._is_reporter(ticket, person):
            return True
        if person.name in accused_of(ticket.details):  # a complaint about him: not his
            return False
        if person.is_moderator:
            return True
        if await self._sent_to(ticket, person):
            return True
        if person.resident_id is not None and Role.GRID_WORKER in person.roles:
            if ticket.holder_id == person.resident_id:
                return True
            if ticket.grid_id in await self._worker_grids(person.resident_id):
                return True
        return await self.repo.is_follower(
            ticket.id, person.platform, person.user_id, person.resident_id
        )

    async def _event(
        self,
        ticket: Ticket,
        actor: Actor,
        action: str,
        before: str | None,
        after: str | None,
        now: datetime | None,
        *,
        note: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> int:
        assert ticket.id is not None
        event = TicketEvent(
            ticket_id=ticket.id,
            actor=actor.ref,
            actor_name=actor.name,
            action=action,
            from_status=before,
            to_status=after,
            note=note[:1000] if note else None,
            data=data or {},
        )
        if now is not None:
            event.at = now
        await self.repo.add_event(event)
        await self.uow.audit.record(
            actor.ref,
            f"ticket_{action}",
            "ticket",
            ticket.number,
            {"status": before},
            {"status": after, "note": event.note, **(data or {})},
        )
        assert event.id is not None
        return event.id

    def _recorded(
        self, event_type: type[ev.TicketChanged], ticket: Ticket, history: int, **fields: Any
    ) -> ev.TicketChanged:
        event = event_type(ticket=ticket, history_id=history, **fields)
        self.uow.record(event)
        return event

    async def _move(
        self,
        ticket: Ticket,
        actor: Actor,
        move: TicketMove,
        now: datetime,
        values: dict[str, Any],
        *,
        note: str | None = None,
        data: dict[str, Any] | None = None,
        **fields: Any,
    ) -> ev.TicketChanged:
        """A conditional state change, its history row, and the event about it."""
        assert ticket.id is not None
        before = ticket.status
        if not await self.repo.transition(ticket.id, move.allowed, values):
            await self.repo.refresh(ticket)
            raise self._cannot(ticket)
        await self.repo.refresh(ticket)
        history = await self._event(
            ticket, actor, move.action, before, ticket.status, now, note=note, data=data
        )
        holder = await self._name(ticket.holder_id) if ticket.holder_id else None
        return self._recorded(
            move.event,
            ticket,
            history,
            note=note,
            actor_name=actor.name,
            holder_name=holder,
            **fields,
        )
