"""One confidentiality rule for tickets, read by chat, exports and pages alike.

A neighbour dispute (邻里纠纷) names the neighbour complained about; the complainant
must stay unknown to that neighbour and to anyone else outside the people handling
the ticket. Which categories are confidential is the community's choice
(``[tickets] confidential_categories``); what that withholds is decided here, once,
for each kind of :class:`Viewer` (:meth:`Confidentiality.shown`):

- a moderator sees everything (they screen, assign and answer for the community), and
  the complainant sees their own ticket whole;
- a grid worker or a department's contact handling it (chat pushes, 我的任务, a ticket
  looked up, the morning digest, the 工作台) sees neither the complainant's name nor
  their home's room number: the other party of a neighbour dispute may be a worker, or
  a worker's neighbour, and a room number names a household as surely as a name does.
  The worker still sees the building and unit (which stairwell to go to) and the other
  party's room as the complainant gave it (对方是几号楼几室): that is the door the
  worker knocks on to settle it, and it names the neighbour complained about, not the
  complainant;
- an export, a report or a CSV (a document that travels) withholds the name, the
  phone, who filed or rated it, the room and the other party's address;
- a confidential ticket is never merged with another one as a duplicate, and nobody
  else can follow it (either would show one resident another's complaint).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Protocol

#: The categories confidential when the configuration names none.
DEFAULT_CONFIDENTIAL: tuple[str, ...] = ("邻里纠纷",)
#: What an export or page shows in place of a withheld name.
WITHHELD = "（保密）"
#: Ticket history actions whose actor is the complainant (a confidential ticket has no
#: followers, so a note or a corrected place can only be theirs).
_COMPLAINANT_ACTIONS = frozenset(
    {"filed", "rated", "reopened", "commented", "noted", "place_corrected"}
)


class Viewer(Enum):
    """Who looks at a ticket, as far as the confidentiality rule cares."""

    MODERATOR = "moderator"
    REPORTER = "reporter"
    #: A grid worker or a department's contact handling the ticket.
    HANDLER = "handler"
    #: An export, a report, a CSV: a document that leaves the screen.
    RECORD = "record"


_SEE_ALL = frozenset({Viewer.MODERATOR, Viewer.REPORTER})


class PlaceLike(Protocol):
    """Where a ticket is (a ticket, or a place it was at before a correction)."""

    @property
    def building(self) -> str | None: ...
    @property
    def unit(self) -> str | None: ...
    @property
    def room(self) -> str | None: ...
    @property
    def spot(self) -> str | None: ...


class TicketLike(PlaceLike, Protocol):
    """What of a ticket the rule reads."""

    @property
    def category(self) -> str: ...
    @property
    def reporter_name(self) -> str | None: ...
    @property
    def details(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True, slots=True)
class Shown:
    """A ticket's reporter, place and details as one viewer may see them. Every view
    that shows a ticket's place or reporter reads them from here, never from the ticket.

    ``reporter`` is the name, :data:`WITHHELD`, or None when none was kept;
    ``room_withheld`` says a room number was left out (so a view can say so)."""

    reporter: str | None = None
    building: str | None = None
    unit: str | None = None
    room: str | None = None
    spot: str | None = None
    details: Mapping[str, str] = field(default_factory=dict)
    room_withheld: bool = False


@dataclass(frozen=True, slots=True)
class Confidentiality:
    """Which ticket categories are confidential, and what each use may show of them."""

    categories: frozenset[str] = frozenset(DEFAULT_CONFIDENTIAL)

    @classmethod
    def of(cls, categories: Iterable[str]) -> Confidentiality:
        return cls(frozenset(c.strip() for c in categories if c.strip()))

    def covers(self, category: str | None) -> bool:
        """Whether tickets of ``category`` are confidential."""
        return category is not None and category in self.categories

    def may_merge(self, category: str) -> bool:
        """Whether a new report may be merged into an open ticket as its duplicate."""
        return not self.covers(category)

    def may_follow(self, category: str) -> bool:
        """Whether a resident other than the complainant may follow the ticket."""
        return not self.covers(category)

    def sees_all(self, category: str | None, viewer: Viewer) -> bool:
        """Whether ``viewer`` sees a ticket of ``category`` as it was filed."""
        return viewer in _SEE_ALL or not self.covers(category)

    def shown(self, ticket: TicketLike, viewer: Viewer) -> Shown:
        """The ticket's reporter, place and details as ``viewer`` may see them."""
        details = {str(q): str(a) for q, a in ticket.details.items()}
        if self.sees_all(ticket.category, viewer):
            return Shown(
                ticket.reporter_name,
                ticket.building,
                ticket.unit,
                ticket.room,
                ticket.spot,
                details,
            )
        place = self.place(ticket.category, ticket, viewer)
        return Shown(
            WITHHELD,
            place.building,
            place.unit,
            place.room,
            place.spot,
            details if viewer is Viewer.HANDLER else {},
            place.room_withheld,
        )

    def place(self, category: str | None, where: PlaceLike, viewer: Viewer) -> Shown:
        """A place of a ticket of ``category`` (its own, or where it was before a
        correction) as ``viewer`` may see it: without the room when confidential."""
        if self.sees_all(category, viewer):
            return Shown(None, where.building, where.unit, where.room, where.spot)
        return Shown(
            None, where.building, where.unit, None, where.spot, room_withheld=bool(where.room)
        )

    def complainant(self, category: str | None, name: str | None) -> str | None:
        """The complainant's name as an export or page shows it."""
        return WITHHELD if self.covers(category) else name

    def complainant_phone(self, category: str | None, phone: str | None) -> str | None:
        """The complainant's (already masked) phone as an export or page shows it."""
        return None if self.covers(category) else phone

    def actor(
        self,
        category: str | None,
        action: str,
        name: str | None,
        viewer: Viewer = Viewer.RECORD,
    ) -> str | None:
        """Who did ``action`` in the ticket's history, as ``viewer`` may see it."""
        if not self.sees_all(category, viewer) and action in _COMPLAINANT_ACTIONS:
            return WITHHELD
        return name
