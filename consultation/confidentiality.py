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
- nor do they find his room or name in what he wrote (the description, 对方, a note,
  a corrected place): :meth:`Shown.said` puts ``（门牌号保密）`` over the ticket's
  room in the forms people type it (102, 102室, 5号楼102, 5-102, 5号楼1单元102), over
  any room he gives as his own (我家是…, 我住…, 我是5号楼102的…) and over his name
  (刘大爷, and 老刘 after such a self-introduction). It reads digits only: a home
  described in words (楼上那家是我, 我家就在刘家对门, 五号楼一单元一零二) is not caught,
  nor is a room of his that is neither on the ticket nor introduced as his own;
- an export, a report or a CSV (a document that travels) withholds the name, the
  phone, who filed or rated it, the room and the other party's address;
- a complaint about a member of staff (:data:`STAFF_COMPLAINT`) is always confidential;
- a confidential ticket is never merged with another one as a duplicate, and nobody
  else can follow it (either would show one resident another's complaint).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Protocol

from consultation.staff_complaints import STAFF_COMPLAINT

#: The categories confidential when the configuration names none.
DEFAULT_CONFIDENTIAL: tuple[str, ...] = ("邻里纠纷",)
#: What an export or page shows in place of a withheld name.
WITHHELD = "（保密）"
#: What the complainant's room, in his own words, is replaced with.
ROOM_WITHHELD = "（门牌号保密）"
#: A building and unit before a room, in the forms typed: 5号楼1单元, 5栋, 5-1-, 5-.
_BEFORE_ROOM = r"(?:\d{1,3}\s*(?:号楼|栋|幢|号|[-－—])\s*)?(?:\d{1,2}\s*(?:单元|[-－—])\s*)?"
#: A room said as one's own: 我家是5号楼302, 我住5-302, 我是5号楼102的.
_OWN_ROOM = re.compile(
    r"((?:我家|我们家|我住|我是|本人)(?:是|在|住)?(?:在)?\s*)"
    + _BEFORE_ROOM
    + r"\d{2,4}"
    + r"(?!\d|\s*(?:号楼|栋|幢|单元|号院))(?:\s*(?:室|号|房))?"
)
#: "我是（门牌号保密）的老刘": a name after a self-introduction, short.
_OWN_NAME = re.compile(r"(我是\S{0,12}?的)(?:老|小|阿)[\u4e00-\u9fff]")
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
    @property
    def description(self) -> str: ...


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
    description: str = ""
    #: What in the complainant's words names him or his room (none when seen whole).
    masks: tuple[re.Pattern[str], ...] = ()
    name: str | None = None

    def said(self, text: str | None) -> str:
        """Free text of the complainant's (a note, a corrected place) as this viewer
        may read it: his room and name withheld when confidential."""
        return _masked(text or "", self.masks, self.name)


@dataclass(frozen=True, slots=True)
class Confidentiality:
    """Which ticket categories are confidential, and what each use may show of them."""

    categories: frozenset[str] = frozenset(DEFAULT_CONFIDENTIAL)

    @classmethod
    def of(cls, categories: Iterable[str]) -> Confidentiality:
        return cls(frozenset(c.strip() for c in categories if c.strip()))

    def covers(self, category: str | None) -> bool:
        """Whether tickets of ``category`` are confidential: a complaint about staff
        always is, whatever the configuration lists (:mod:`consultation.staff_complaints`)."""
        return category is not None and (category in self.categories or category == STAFF_COMPLAINT)

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
        """The ticket's reporter, place, description and details as ``viewer`` may see
        them. For a handler or a record of a confidential ticket, the complainant's room
        is withheld in his words too (:meth:`Shown.said`): the ticket's room in digits
        (102, 102室, 5号楼102, 5-102, 5号楼1单元102), a room he introduces as his own
        (我家是…, 我住…, 我是…的) and his name. It can't catch a home described in words
        (五号楼一零二, 楼上那家的楼下就是我), nor a room of his neither on the ticket nor
        introduced as his (the rule reads the ticket, not the register); and it over-
        withholds the other party's room when it has the same number as his."""
        details = {str(q): str(a) for q, a in ticket.details.items()}
        description = ticket.description or ""
        if self.sees_all(ticket.category, viewer):
            return Shown(
                ticket.reporter_name,
                ticket.building,
                ticket.unit,
                ticket.room,
                ticket.spot,
                details,
                description=description,
            )
        place = self.place(ticket.category, ticket, viewer)
        masks = _room_masks(ticket.room)
        name = ticket.reporter_name
        return Shown(
            WITHHELD,
            place.building,
            place.unit,
            place.room,
            place.spot,
            {q: _masked(a, masks, name) for q, a in details.items()}
            if viewer is Viewer.HANDLER
            else {},
            place.room_withheld,
            _masked(description, masks, name),
            masks,
            name,
        )

    def place(self, category: str | None, where: PlaceLike, viewer: Viewer) -> Shown:
        """A place of a ticket of ``category`` (its own, or where it was before a
        correction) as ``viewer`` may see it: without the room when confidential."""
        if self.sees_all(category, viewer):
            return Shown(None, where.building, where.unit, where.room, where.spot)
        spot = _masked(where.spot, _room_masks(where.room), None) if where.spot else None
        return Shown(None, where.building, where.unit, None, spot, room_withheld=bool(where.room))

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


def _room_masks(room: str | None) -> tuple[re.Pattern[str], ...]:
    """The ticket's room as it may be typed (with or without its building and unit),
    then any room introduced as one's own."""
    digits = re.sub(r"\D", "", room or "")
    if not digits:
        return (_OWN_ROOM,)
    ticket_room = re.compile(
        r"(?<![\d.:：])"
        + _BEFORE_ROOM
        + re.escape(digits)
        + r"(?![\d.:：]|\s*(?:号楼|栋|幢|单元|号院))(?:\s*(?:室|号|房))?"
    )
    return (_OWN_ROOM, ticket_room)


def _masked(text: str, masks: tuple[re.Pattern[str], ...], name: str | None) -> str:
    """``text`` with what ``masks`` find (rooms) and the complainant's name withheld."""
    if not masks:
        return text
    for mask in masks:
        if mask is _OWN_ROOM:
            text = mask.sub(lambda m: m.group(1) + ROOM_WITHHELD, text)
        else:
            text = mask.sub(ROOM_WITHHELD, text)
    text = _OWN_NAME.sub(lambda m: m.group(1) + WITHHELD, text)
    if name and len(name) >= 2:
        text = text.replace(name, WITHHELD)
    return text
