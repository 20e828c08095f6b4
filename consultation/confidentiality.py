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

Phone and ID numbers people type into their words (电话13812345678, 138-1234-5678, 座机
0571-88886666, an 18-digit ID number) are masked (``138****5678``) in what anyone but
those who see the ticket whole reads: always in a record (an export, the 台账, a CSV) and
in a list (:meth:`Shown.brief`: the 工作台's lines, a department's 我的任务), for a
department's contact, and in a confidential ticket for everyone but a moderator and the
complainant. The grid worker handling an ordinary ticket reads them: a resident who
writes "电话…，请联系我" left it for him to call.

A department's contact (:attr:`Viewer.DEPARTMENT`) sees the problem, never who reported
it, as chat has always shown it: no reporter, no complainant's name in the words or the
history; the place as the grid worker sees it.

A follower (:attr:`Viewer.FOLLOWER`: a resident who tapped 关注它 on someone else's
ticket, or whose duplicate was merged into it) is a neighbour, not someone handling it: he
sees the category, the building and unit without the room, the status and the progress,
never who reported it, and the reporter's words with every room number in them withheld
(his own, and the one he names: 楼上是402) and phone and ID numbers masked. A complaint
about a neighbour (:meth:`Confidentiality.about_neighbour`: 噪音扰民, 邻里纠纷, or words
such as 楼上/楼下/隔壁/邻居) can't be followed at all (:meth:`Confidentiality.may_follow`):
the one offered to follow it might be the household complained about.

What a moderator types for the record (an agenda item's discussion notes, a decision's
progress) is published: the group's 【会议纪要】, ``/public/`` readable without login, the
exports. Phone and ID numbers in it are kept masked (:func:`for_the_record`), and he is
told so when he types one (:func:`has_numbers`). A room number typed there is left as
typed: the minutes may need to say where.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any, Protocol

from consultation.staff_complaints import STAFF_COMPLAINT
from storage.nlu_samples import mask_personal

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
    + r"(?![\d*]|\s*(?:号楼|栋|幢|单元|号院))(?:\s*(?:室|号|房))?"
)
#: "我是（门牌号保密）的老刘": a name after a self-introduction, short.
_OWN_NAME = re.compile(r"(我是\S{0,12}?的)(?:老|小|阿)[\u4e00-\u9fff]")
#: Categories whose complaint is, by its nature, about another household.
NEIGHBOUR_CATEGORIES: frozenset[str] = frozenset({"噪音扰民", "邻里纠纷"})
#: Words pointing at another household: 楼上那家, 隔壁邻居, 对门.
_NEIGHBOUR_WORDS = re.compile(r"楼上|楼下|隔壁|邻居|对门|对面那家")
#: Any room number typed (302, 302室, 7号楼1单元302, 5-302), for a follower's eyes; not a
#: year, an amount or a time (2026年, 300元, 1200米).
_ANY_ROOM = re.compile(
    r"(?<![\d.:：*])"
    + _BEFORE_ROOM
    + r"\d{3,4}"
    + r"(?![\d.:：*]|\s*(?:号楼|栋|幢|单元|号院|年|元|块|米|平|点|分|天|次|个|人|户|辆|%|％))"
    + r"(?:\s*(?:室|号|房))?"
)
#: Ticket history actions whose actor is the complainant (a confidential ticket has no
#: followers, so a note or a corrected place can only be theirs).
_COMPLAINANT_ACTIONS = frozenset(
    {"filed", "rated", "reopened", "commented", "noted", "place_corrected"}
)


class Viewer(Enum):
    """Who looks at a ticket, as far as the confidentiality rule cares."""

    MODERATOR = "moderator"
    REPORTER = "reporter"
    #: A grid worker handling the ticket (or the holder of a task pushed to him).
    HANDLER = "handler"
    #: A department's contact the ticket was sent to: the problem, never who reported it.
    DEPARTMENT = "department"
    #: An export, a report, a CSV: a document that leaves the screen.
    RECORD = "record"
    #: A resident following someone else's ticket (关注它): a neighbour, not staff.
    FOLLOWER = "follower"


_SEE_ALL = frozenset({Viewer.MODERATOR, Viewer.REPORTER})
#: Who reads the details a draft asked for (对方是几号楼几室): the people handling it.
_HANDLING = frozenset({Viewer.HANDLER, Viewer.DEPARTMENT})


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
    #: Whether phone and ID numbers in the words are masked for this viewer.
    numbers_masked: bool = False

    def said(self, text: str | None) -> str:
        """Free text of the complainant's (a note, a corrected place, a rating's comment)
        as this viewer may read it: his room and name withheld when confidential, phone
        and ID numbers masked when the viewer may not read them."""
        text = mask_personal(text or "") if self.numbers_masked else text or ""
        return _masked(text, self.masks, self.name)

    def brief(self, limit: int | None = None) -> str:
        """The description as a list shows it (a line of the 工作台, of 我的任务):
        :func:`brief` of what this viewer may read."""
        return brief(self.description, limit)


def for_the_record(text: str) -> str:
    """Free text typed for a public record (minutes' notes, a decision's progress) as it
    is kept and shown: phone and ID numbers masked (``139****6789``)."""
    return mask_personal(text)


def has_numbers(text: str) -> bool:
    """Whether ``text`` holds a phone or ID number :func:`for_the_record` would mask."""
    return mask_personal(text) != text


def brief(text: str, limit: int | None = None) -> str:
    """A ticket's words as a list or a summary line shows them, to anyone: on one line,
    phone and ID numbers masked, cut to ``limit`` characters. A list is read over a
    shoulder and copied out whole; the ticket's own page has the rest."""
    text = mask_personal(" ".join(text.split()))
    return text if limit is None or len(text) <= limit else text[:limit]


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

    def may_follow(self, ticket: TicketLike) -> bool:
        """Whether a resident other than the complainant may follow the ticket (or be
        offered to): never a confidential one, nor a complaint about a neighbour."""
        return not self.covers(ticket.category) and not self.about_neighbour(ticket)

    @staticmethod
    def about_neighbour(ticket: TicketLike) -> bool:
        """Whether ``ticket`` complains about another household: its category
        (:data:`NEIGHBOUR_CATEGORIES`) or its words (楼上, 楼下, 隔壁, 邻居, 对门)."""
        if ticket.category in NEIGHBOUR_CATEGORIES:
            return True
        return bool(_NEIGHBOUR_WORDS.search(ticket.description or ""))

    def sees_all(self, category: str | None, viewer: Viewer) -> bool:
        """Whether ``viewer`` sees a ticket of ``category``'s place and details as they
        were filed (a department still without who reported it, and numbers masked:
        :meth:`shown`). A follower never does."""
        if viewer is Viewer.FOLLOWER:
            return False
        return viewer in _SEE_ALL or not self.covers(category)

    def shown(self, ticket: TicketLike, viewer: Viewer) -> Shown:
        """The ticket's reporter, place, description and details as ``viewer`` may see
        them. Phone and ID numbers in the words are masked for a record, a department's
        contact, and anyone but a moderator or the complainant when confidential (the
        grid worker on an ordinary ticket may need to call the number a resident left);
        a department's contact is never told who reported it, by name or in the history.
        For a handler or a record of a confidential ticket, the complainant's room
        is withheld in his words too (:meth:`Shown.said`): the ticket's room in digits
        (102, 102室, 5号楼102, 5-102, 5号楼1单元102), a room he introduces as his own
        (我家是…, 我住…, 我是…的) and his name. It can't catch a home described in words
        (五号楼一零二, 楼上那家的楼下就是我), nor a room of his neither on the ticket nor
        introduced as his (the rule reads the ticket, not the register); and it over-
        withholds the other party's room when it has the same number as his."""
        details = {str(q): str(a) for q, a in ticket.details.items()}
        description = ticket.description or ""
        numbers = self.numbers_masked(ticket.category, viewer)
        if self.sees_all(ticket.category, viewer):
            # An ordinary ticket: a department still reads neither the reporter's name
            # (in the field or in his words) nor a number he typed.
            unnamed = viewer is Viewer.DEPARTMENT
            name = ticket.reporter_name if unnamed else None
            seen = Shown(
                WITHHELD if unnamed else ticket.reporter_name,
                ticket.building,
                ticket.unit,
                ticket.room,
                ticket.spot,
                details,
                description=description,
                name=name,
                numbers_masked=numbers,
            )
            return _said_whole(seen)
        place = self.place(ticket.category, ticket, viewer)
        masks = _room_masks(ticket.room)
        if viewer is Viewer.FOLLOWER:  # any room he names: his own, 楼上是402
            masks = (*masks, _ANY_ROOM)
        name = ticket.reporter_name
        seen = Shown(
            WITHHELD,
            place.building,
            place.unit,
            place.room,
            place.spot,
            details if viewer in _HANDLING else {},
            place.room_withheld,
            description,
            masks,
            name,
            numbers,
        )
        return _said_whole(seen)

    def recorded(self, ticket: TicketLike, reader: Viewer) -> Shown:
        """The ticket as a document ``reader`` downloads shows it (the 工作台's CSV): the
        RECORD view, or for a department's contact their own (the place and words as a
        record withholds them, and never who reported: in the words of an ordinary
        ticket too)."""
        return self.shown(
            ticket, Viewer.DEPARTMENT if reader is Viewer.DEPARTMENT else Viewer.RECORD
        )

    def numbers_masked(self, category: str | None, viewer: Viewer) -> bool:
        """Whether ``viewer`` reads phone and ID numbers in a ticket's words masked: in a
        record and for a department always; for a grid worker in a confidential ticket
        (a number names the complainant as surely as his room); never for a moderator or
        the reporter."""
        if viewer in _SEE_ALL:
            return False
        return viewer is not Viewer.HANDLER or self.covers(category)

    def place(self, category: str | None, where: PlaceLike, viewer: Viewer) -> Shown:
        """A place of a ticket of ``category`` (its own, or where it was before a
        correction) as ``viewer`` may see it: without the room when confidential."""
        if self.sees_all(category, viewer):
            spot = where.spot
            if spot and self.numbers_masked(category, viewer):
                spot = mask_personal(spot)
            return Shown(None, where.building, where.unit, where.room, spot)
        masks = _room_masks(where.room)
        if viewer is Viewer.FOLLOWER:
            masks = (*masks, _ANY_ROOM)
        spot = mask_personal(_masked(where.spot, masks, None)) if where.spot else None
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
        """Who did ``action`` in the ticket's history, as ``viewer`` may see it: never the
        complainant to anyone handling a confidential ticket, nor the reporter (or a
        follower commenting) to a department."""
        if action in _COMPLAINANT_ACTIONS and (
            not self.sees_all(category, viewer) or viewer is Viewer.DEPARTMENT
        ):
            return WITHHELD
        return name


def _said_whole(seen: Shown) -> Shown:
    """``seen`` with its description and details read through :meth:`Shown.said` (room,
    name and numbers withheld as its viewer may read them)."""
    return replace(
        seen,
        description=seen.said(seen.description),
        details={q: seen.said(a) for q, a in seen.details.items()},
    )


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
        + r"(?![\d.:：*]|\s*(?:号楼|栋|幢|单元|号院))(?:\s*(?:室|号|房))?"
    )
    return (_OWN_ROOM, ticket_room)


def _masked(text: str, masks: tuple[re.Pattern[str], ...], name: str | None) -> str:
    """``text`` with what ``masks`` find (rooms) and the complainant's name withheld."""
    if not masks:
        return text.replace(name, WITHHELD) if name and len(name) >= 2 else text
    for mask in masks:
        if mask is _OWN_ROOM:
            text = mask.sub(lambda m: m.group(1) + ROOM_WITHHELD, text)
        else:
            text = mask.sub(ROOM_WITHHELD, text)
    text = _OWN_NAME.sub(lambda m: m.group(1) + WITHHELD, text)
    if name and len(name) >= 2:
        text = text.replace(name, WITHHELD)
    return text
