"""What happened in the domain, as typed events.

A service records an event on its unit of work (``uow.record(event)``) when the
state it changed is something people must hear about. Nothing in the domain
phrases a message or picks a chat: when the unit of work commits, one dispatch
table (:mod:`notices`) turns each event into its pushes, inside the same
transaction, so a notice exists exactly when its cause was committed — whoever
caused it (a resident, a moderator, the scheduler) and through whichever
handler.

Each event names its ``key``: the stable identity of this happening (a ticket's
history row, a poll's closing), from which every push's de-duplication key is
derived, so a retried job or a second process never sends it twice. A class
names it in its class statement, a template filled from the event's fields.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import TYPE_CHECKING, ClassVar, dataclass_transform

from consultation.ballots import Tally
from consultation.ticket_parsing import Place
from storage.meetings import Meeting
from storage.outcomes import Decision
from storage.polls import Poll
from storage.recurring import RecurringOffer
from storage.tickets import Ticket
from storage.topics import Topic

if TYPE_CHECKING:
    from consultation.digests import ConsultationFigures, TicketFigures, WorkerTasks
    from consultation.meetings import MeetingView
    from consultation.outcomes import Minutes


@dataclass_transform(frozen_default=True, kw_only_default=True)
@dataclass(frozen=True, kw_only=True)
class Event:
    """Base of every domain event; ``late`` marks one a paused scheduler fires late.

    Each subclass is a frozen dataclass of keyword-only fields, and its class statement
    names its key: ``class PollOpened(Event, key="poll.open:P{poll.id}")``.
    """

    late: bool = False

    #: The key's template, filled from the event's fields: ``"poll.open:P{poll.id}"``
    #: reads ``f"poll.open:P{self.poll.id}"``.
    key_format: ClassVar[str]

    def __init_subclass__(cls, key: str | None = None, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if key is not None:
            cls.key_format = key
        dataclass(frozen=True, kw_only=True)(cls)

    @property
    def key(self) -> str:
        return self.key_format.format_map({f.name: getattr(self, f.name) for f in fields(self)})

    @property
    def family(self) -> str:
        """What kind of happening this is ("ticket", "poll", "meeting", …): the first
        word of its key, for whoever sorts notices by kind (subscription templates)."""
        return self.key.split(":", 1)[0].split(".", 1)[0]


class Fired(Event, key="{timed_key}"):
    """Base of the events a timetable entry fires (:mod:`consultation.timetable`): the
    entry's key, claimed once, is the event's."""

    timed_key: str


# ---- 诉求 ------------------------------------------------------------------------------


class TicketChanged(Event, key="ticket:{history_id}"):
    """A ticket moved; ``history_id`` is its history row (one event per row)."""

    ticket: Ticket
    history_id: int
    actor_name: str | None = None
    note: str | None = None
    holder_name: str | None = None
    #: The department whose contact made this move (处理中, 办结 on a ticket sent to
    #: them), when it was not the ticket's holder: the holder has to hear of it.
    by_department: str | None = None


class TicketFiled(TicketChanged):
    """A resident's report became a ticket: the grid (or the community) gets the task."""


class TicketAccepted(TicketChanged):
    """接单: a grid worker holds it now."""


class TicketProgressed(TicketChanged):
    """处理中, with a note the resident sees."""


class TicketResolved(TicketChanged):
    """办结: the resident is asked to rate."""


class TicketSentToDepartment(TicketChanged):
    """吹哨: a moderator sent it to its category's department before any deadline passed."""


class TicketHandedUp(TicketChanged):
    """上报: the grid hands it to the community."""


class TicketReturned(TicketChanged):
    """退单: back to the grid's pool — its ``others``, the grid's workers but the one who
    returned it; with none, to the community (the ticket's level says so)."""

    others: tuple[int, ...] = ()


class TicketExtended(TicketChanged):
    """延期: a later resolution deadline, with a reason."""


class TicketReassigned(TicketChanged):
    """转派: to ``worker_id``."""

    worker_id: int


class TicketFollowedUp(TicketChanged):
    """A line said right after a move, for whoever holds the ticket now: the reason of a
    转派 made by a tap (``kind`` ``reassign``), the resident's words after 不满意
    (``reopen``)."""

    kind: str = "reassign"


class TicketRated(TicketChanged):
    """满意 / 基本满意: closed with the resident's rating."""


class TicketReopened(TicketChanged):
    """不满意: back to the grid (or to the department that resolved it), deadlines
    restarted."""


class TicketPlaceCorrected(TicketChanged):
    """The reporter said where it really is (an emergency filed at their home address):
    ``old_place`` was recorded before; ``old_grid_id`` had it when it moved grids."""

    old_place: Place = Place()
    old_grid_id: int | None = None


class TicketNoted(TicketChanged):
    """The reporter (or a follower) told more about an open ticket ("快来人啊 我孙子在
    里面", "我老伴差点摔了"): ``note`` is what they said."""


class TicketMerged(TicketChanged):
    """Closed as a duplicate of ``note`` (the ticket it was merged into)."""


class TicketClosedUnrated(TicketChanged):
    """No rating in time: archived unrated."""


class TicketResponseWarned(TicketChanged):
    """The acceptance deadline is near and nobody took it."""


class TicketResolutionWarned(TicketChanged):
    """The resolution deadline is near."""


class TicketEscalatedToCommunity(TicketChanged):
    """Not accepted in time: the community's moderators take over."""


class TicketResponseOverdue(TicketChanged):
    """An urgent ticket filed straight to the community (no grid) still not taken at its
    acceptance limit: its moderators are told again, nothing moves."""


class TicketEscalatedToDepartment(TicketChanged):
    """Not resolved in time: sent to the department ``note`` ("社区吹哨、部门报到")."""


# ---- 议题 ------------------------------------------------------------------------------


class TopicChanged(Event):
    """A topic's life cycle moved."""

    topic: Topic

    @property
    def key(self) -> str:
        return f"topic.{type(self).__name__}:T{self.topic.id}"


class TopicProposed(TopicChanged):
    """A resident proposed it: the moderators screen it."""

    proposer_name: str


class TopicScreened(TopicChanged):
    """A moderator screened a topic (accepted, rejected or merged it). ``by`` is the
    moderator (resident id): a proposer who screened their own topic (one drawn from
    tickets is proposed by the moderator who tapped 提交初审) is not told of their own
    act. ``reporters``: for a topic drawn from tickets, the residents who reported them
    with the numbers of their own tickets (never who else reported), as
    :class:`RecurringProblemAccepted` told them."""

    by: int | None = None
    reporters: Sequence[tuple[int, tuple[str, ...]]] = ()


class TopicAccepted(TopicScreened):
    """Screened in: it collects co-signatures until ``threshold``."""

    threshold: int


class TopicRejected(TopicScreened):
    """Screened out, with the reason the proposer sees."""


class TopicMerged(TopicScreened):
    """Merged into ``into``."""

    into: Topic


class TopicThresholdCrossed(TopicChanged):
    """A topic reached its co-sign threshold, or fell short of it again. ``round`` counts
    how often it had fallen short before, so each crossing is told anew."""

    round: int = 0

    @property
    def key(self) -> str:
        return f"{super().key}#{self.round}" if self.round else super().key


class TopicQualified(TopicThresholdCrossed):
    """Enough co-signatures: it may go on an agenda. ``supporters`` hear it (but not
    ``by``, who just co-signed and is answered directly)."""

    count: int
    supporters: Sequence[int]
    by: int | None = None
    #: The next scheduled meeting's code (its agenda can take the topic), if any.
    next_meeting: str | None = None


class TopicUnqualified(TopicThresholdCrossed):
    """A co-sign was taken back (an assisted one undone) and a qualified topic is short
    again: whoever heard it qualify hears that it no longer does."""

    count: int
    threshold: int
    supporters: Sequence[int]


class RecurringProblemOffered(Event, key="recurring:O{offer.id}"):
    """A problem keeps coming back (one category in one building ``offer.tickets``
    times within ``days``, or one ticket reopened ``reopen_count`` times): the
    moderators are offered a topic draft citing the tickets."""

    offer: RecurringOffer
    days: int
    reopen_count: int = 0


class RecurringProblemAccepted(Event, key="recurring.accepted:O{offer.id}"):
    """提交初审: the residents who reported the cited tickets hear that their problem
    became topic ``topic`` — each with their own ticket numbers (``reporters``: resident
    id, numbers), never who else reported."""

    offer: RecurringOffer
    topic: Topic
    reporters: Sequence[tuple[int, tuple[str, ...]]] = ()


# ---- 表决 ------------------------------------------------------------------------------


class PollOpened(Event, key="poll.open:P{poll.id}"):
    """A poll opened; ``electorate`` is who may vote (resident ids)."""

    poll: Poll
    electorate: Sequence[int]
    opened_in_group: bool = False


class PollProgressed(Event, key="poll.live:P{poll.id}"):
    """A vote or paper ballot came in, or the results were hidden or shown: the running
    count may be shown again. Names no voter and no choice."""

    poll: Poll


class PollReminded(Event, key="poll.remind:P{poll.id}:{stamp}"):
    """A moderator asked to remind those who haven't voted (``stamp`` tells reminders apart)."""

    poll: Poll
    residents: Sequence[int]
    stamp: str


class PollClosed(Event, key="poll.close:P{poll.id}"):
    """A poll closed (by a moderator or at its time): the result, the decision it made,
    and who could vote — everyone who could vote hears the result. It names nobody who
    took part: a result goes to the groups, everyone's chat and 居务公开, and beside the
    counts (all for one option, or one's own choice known) names would tell who chose
    what; 参与名单 is the moderators' (handlers.votes)."""

    poll: Poll
    tally: Tally
    decision: Decision | None = None
    electorate: Sequence[int] = ()
    #: The chat the closing command came from (it gets the result as the reply), and who.
    closed_in: tuple[str, str] | None = None
    closed_by: int | None = None
    #: The topic a void vote was about, sent back to wait for an agenda (its reason says why).
    requeued: Topic | None = None


# ---- 代办 ------------------------------------------------------------------------------


class AssistRecorded(Event, key="assist.record:{kind}:{ref}:{resident_id}:{at:%Y%m%d%H%M%S%f}"):
    """A grid worker or moderator recorded something for a resident who asked by phone
    or in person (代办): the resident is asked to confirm it or undo it."""

    #: ``cosign``, ``signup`` or ``vote``: what the button's words and the undo act on.
    kind: str = ""
    ref: str
    title: str
    resident_id: int
    assistant_id: int
    assistant_name: str
    at: datetime


class CosignAssisted(AssistRecorded):
    """附议 for the resident."""

    kind: str = "cosign"


class SignupAssisted(AssistRecorded):
    """报名 for the resident, ``mode`` onsite or online."""

    kind: str = "signup"
    mode: str
    starts_at: datetime


class VoteAssisted(AssistRecorded):
    """A named vote for the resident: ``mask`` over ``poll``'s options."""

    kind: str = "vote"
    poll: Poll
    mask: int


class AssistUndone(Event, key="assist.undo:{kind}:{ref}:{resident_id}:{at:%Y%m%d%H%M%S%f}"):
    """The resident undid what was recorded for them: whoever assisted is told."""

    kind: str
    ref: str
    title: str
    resident_id: int
    resident_name: str
    assistant_id: int
    at: datetime


# ---- 议事日 ----------------------------------------------------------------------------


class MeetingAnnounced(Fired):
    """A scheduled announcement of the meeting to the community's groups."""

    view: MeetingView


class MeetingReminderDue(Fired):
    """The reminder to everyone signed up, ``modes`` their resident id → 现场/线上."""

    view: MeetingView
    modes: dict[int, str]


class MeetingChanged(Event):
    """Base of a change to a scheduled meeting (``change_id`` its record): the groups,
    everyone ``signed_up`` and everyone ``invited`` (邀请, 7+X) not signed up hear it —
    each person once."""

    view: MeetingView
    change_id: int
    signed_up: Sequence[int]
    invited: Sequence[int] = ()


class MeetingMoved(MeetingChanged, key="meeting.moved:{view.meeting.code}:{change_id}"):
    """改期: the new time and place."""

    old_when: datetime
    old_place: str


class MeetingCancelled(MeetingChanged, key="meeting.cancelled:{view.meeting.code}:{change_id}"):
    """取消议事日: and why."""

    reason: str


class MeetingInvited(Event, key="meeting.invite:{meeting.code}"):
    """邀请 (7+X): each invitee with why — ``committee`` or ``stakeholder:T12``."""

    meeting: Meeting
    invitees: Sequence[tuple[int, str, str]]  # (resident id, name, reason)


class MinutesPublished(Event, key="minutes:{minutes.meeting.code}"):
    """发布纪要: the minutes go to the community's groups and the public page."""

    minutes: Minutes


# ---- 结果 ------------------------------------------------------------------------------


class DecisionAssigned(Event, key="decision.assign:D{decision.id}:{stamp}"):
    """落实: the owner (``owner_id``, when the register knows them) is told what to carry
    out, by when, and how to report progress; the proposer of ``topic`` hears who carries
    it out. ``by``, the moderator who assigned it, is told neither (he was answered)."""

    decision: Decision
    owner_id: int | None
    topic: Topic | None = None
    by: int | None = None
    stamp: str
    #: The decision as decided (a row stored with its question as text, read as decided).
    wording: str = ""


class DecisionProgressed(Event, key="decision.progress:D{decision.id}:{stamp}"):
    """进展: a step in carrying a decision out, told to the groups."""

    decision: Decision
    note: str
    stamp: str
    wording: str = ""


class DecisionCarriedOut(Event, key="decision.evaluate:D{decision.id}"):
    """办结: those concerned are asked for their 评议."""

    decision: Decision
    residents: Sequence[int] = field(default_factory=tuple)
    wording: str = ""


# ---- 绑定 ------------------------------------------------------------------------------


class BindQrReady(Event, key="bindqr:{code}"):
    """The QR code a moderator asked for (生成绑定二维码) is made — or WeChat failed and
    the plain code stands in: the moderator's chat gets it."""

    platform: str
    chat_id: str
    code: str
    name: str
    image_url: str | None


class BoundElsewhere(Event, key="bound:{account}:{stamp}"):
    """A person's identity was just bound to a new ``account``: each account they had
    before (``accounts``: platform, chat id) is told at once, with whom to call if it
    wasn't them (``phone``, the community's duty phone; empty: not configured)."""

    resident_id: int
    account: str
    accounts: tuple[tuple[str, str], ...]
    stamp: str
    phone: str = ""


class ResidentVerified(Event, key="verified:{resident_id}"):
    """A moderator verified a resident (认证): they are told what they can do now."""

    resident_id: int
    name: str


# ---- 日程 ------------------------------------------------------------------------------


class GridDigestDue(Fired, key="{timed_key}:{worker.resident_id}"):
    """Morning: a grid worker's open tasks, oldest first (one event a worker)."""

    worker: WorkerTasks
    due_at: datetime
    at: datetime


class MonthlyReportDue(Fired):
    """The first of the month: last month's figures for the moderators."""

    month: date
    tickets: TicketFigures | None
    consultation: ConsultationFigures | None
    moderators: Sequence[int]
    due_at: datetime
