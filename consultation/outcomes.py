"""决议 and 居务公开: decisions followed until carried out, evaluated, and the meeting minutes.

The minutes are assembled from the records (attendance, agenda with the
moderator's notes, decisions with their tallies), so the group post and the
public page always agree with the database.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from consultation import events as ev
from consultation.audit import audit_change
from consultation.ballots import LETTERS, PassRule, PollKind, Tally
from consultation.confidentiality import for_the_record
from consultation.errors import DomainError, or_refuse
from consultation.ids import decision_ref, poll_ref
from consultation.residents import mask_phone, people_named
from consultation.roles import Role
from storage.meeting_changes import MeetingChangeRepository
from storage.meetings import (
    ATTENDED_ONLINE,
    ATTENDED_ONSITE,
    AgendaItem,
    Meeting,
    MeetingRepository,
    MeetingSignup,
)
from storage.models import Resident
from storage.outcomes import Decision, DecisionRepository, DecisionUpdate
from storage.people import PeopleRepository
from storage.polls import Poll, PollRepository
from storage.topics import Topic, TopicRepository
from storage.unit_of_work import UnitOfWork

DECISION_STATUS_ZH = {"decided": "已决议", "in_progress": "落实中", "done": "已落实"}
#: Why a vote decided nothing (:attr:`Tally.outcome`), as a topic's reason says it.
VOID_WHY_ZH = {
    "no_votes": "无人投票",
    "no_quorum": "投票人数未达到法定人数",
    "tie": "平票",
    "too_few": "匿名投票参与人数太少、不公布票数",
}


def requeue_reason(poll_id: int, outcome: str) -> str:
    """A topic's reason once a void vote (``outcome``, :attr:`Tally.outcome`) sent it back
    to wait for an agenda: P3 表决平票，未形成决定，待列入议程重新表决. Also what the
    ``topics_1`` migration writes for topics left on a past meeting before this."""
    why = VOID_WHY_ZH.get(outcome, outcome)
    return f"{poll_ref(poll_id)} 表决{why}，未形成决定，待列入议程重新表决"


class OutcomeError(DomainError):
    """A refused outcome action (``outcome_error.<code>`` in the catalogue)."""

    section = "outcome_error"


@dataclass(slots=True)
class DecisionView:
    decision: Decision
    topic: Topic | None
    poll: Poll | None
    tally: Tally | None
    updates: list[DecisionUpdate]
    satisfied: int
    unsatisfied: int

    @property
    def outcome(self) -> str:
        """What its vote came to (:attr:`Tally.outcome`): a decision recorded for a void
        vote before void votes got none is void, not 未通过."""
        return decision_outcome(self.decision, self.tally)

    @property
    def wording(self) -> str:
        """The decision as what was decided (同意议题 T1《…》的提议), also for one
        recorded when a decision's text was its poll's question."""
        return decision_wording(self.decision, self.poll, self.tally)

    @property
    def question(self) -> str | None:
        """表决事项: the question put to the vote, when there was a poll."""
        return self.poll.question if self.poll is not None else None


@dataclass(slots=True)
class VoidVote:
    """A closed poll that decided nothing (nobody voted, too few, a tie): on the record
    with its tally, which says why, under no decision number."""

    poll: Poll
    tally: Tally
    #: The topic it was about, as it stands now (back waiting for an agenda).
    topic: Topic | None = None


@dataclass(slots=True)
class Minutes:
    """会议纪要: everything the group post and the public page show."""

    meeting: Meeting
    committee: list[str]
    signed_up_onsite: int
    signed_up_online: int
    attended: int
    agenda: list[tuple[AgendaItem, Topic]]
    decisions: list[DecisionView] = field(default_factory=list)
    #: Why it was cancelled, when it was (the page must say so before anything else).
    cancelled_because: str | None = None
    #: Signed in online (signed up 线上); ``attended`` are those present in the hall.
    attended_online: int = 0
    #: Of those signed up, how many a grid worker or moderator signed up for them (代办).
    signed_up_assisted: int = 0
    #: The meeting's polls that decided nothing (no decision number: said apart).
    void_votes: list[VoidVote] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Assignment:
    """落实 done: its event, and how many residents of the register it names as the owner
    (1: that one is told; 0: an owner outside the register, 名册外, told otherwise)."""

    event: ev.DecisionAssigned
    named: int


#: Said after an owner's name, “落实 D3 负责人 物业公司 名册外”: the owner is outside the
#: register (a company, an office), so nobody there is looked up or told.
OUTSIDE_REGISTER = "名册外"
_OUTSIDE = re.compile(rf"\s*[（(]?{OUTSIDE_REGISTER}[）)]?\s*")
#: How alike a typed name must be to a register's name to be offered (difflib's ratio),
#: the closest first: 王网格 → 王网格员 (0.86), 王网格圆 → 王网格员 (0.75), 汪芳 → 王芳
#: (0.5, one of two characters); 小王 → 王网格员 (0.33) is not.
SIMILAR_NAMES = 0.5


def _attended(signup: MeetingSignup, where: str) -> bool:
    """Signed in ``where`` (in the hall or online); sign-ins kept from before the two were
    told apart were in the hall."""
    return signup.checked_in_at is not None and (signup.attended_as or ATTENDED_ONSITE) == where


def outside_register(*parts: str) -> tuple[str, bool]:
    """``("物业公司（名册外）",)`` → ``("物业公司", True)``: the first part without the
    marker, and whether any part carried it."""
    marked = any(_OUTSIDE.search(p) for p in parts if p)
    return _OUTSIDE.sub("", parts[0]).strip() if parts else "", marked


def stored_tally(poll: Poll) -> Tally | None:
    """A closed poll's result as a :class:`Tally` (recomputed from its stored counts)."""
    if not poll.result:
        return None
    counts = poll.result["counts"]  # None: withheld (an anonymous poll with too few votes)
    return Tally(
        options=tuple(poll.options),
        counts=tuple(int(c) for c in counts) if counts is not None else (0,) * len(poll.options),
        voters=int(poll.result["voters"]),
        electorate=int(poll.result["electorate"]),
        quorum_pct=poll.quorum_pct,
        rule=PassRule(poll.pass_rule),
        kind=PollKind(poll.kind),
        quorum_met=bool(poll.result["quorum_met"]),
        rule_met=bool(poll.result["rule_met"]),
        tie=bool(poll.result["tie"]),
        winner=poll.result["winner"],
        extra={
            key: int(poll.result.get(key, 0))
            for key in ("assisted", "assisted_confirmed", "assisted_unreachable")
        },
        withheld_below=int(poll.result.get("withheld_below", 0)),
    )


def decision_outcome(decision: Decision, tally: Tally | None) -> str:
    """``passed``, ``failed`` or void (``no_votes``, ``no_quorum``, ``tie``, ``too_few``):
    the poll's stored result when there is one, else the decision's own flag."""
    if tally is not None:
        return tally.outcome
    return "passed" if decision.passed else "failed"


def decided_text(poll: Poll, tally: Tally) -> str:
    """What a vote decided, as a decision reads (minutes, 居务公开, 落实), not the question
    it answered: 是否同意议题 T1《…》的提议？ passed is 同意议题 T1《…》的提议, voted down
    不同意议题 T1《…》的提议; an options poll's is the option chosen. A void vote decided
    nothing: its question stays as it was asked."""
    question = poll.question.strip()
    bare = question.rstrip("？?。.")
    outcome = tally.outcome
    if outcome not in ("passed", "failed"):
        return question
    if tally.kind is not PollKind.YESNO:
        if tally.winner is not None and outcome == "passed":
            return f"{bare}：选定 {LETTERS[tally.winner]}.{tally.options[tally.winner]}"
        return f"{bare}：没有方案获得通过"
    if "是否" in bare:
        return bare.replace("是否", "" if outcome == "passed" else "不", 1)
    return f"{'同意' if outcome == 'passed' else '不同意'}：{bare}"


def decision_wording(decision: Decision, poll: Poll | None, tally: Tally | None) -> str:
    """The decision's text to show. One recorded before decisions were worded (its text
    is the poll's question, or question：A.选项) reads as what was decided, derived from
    its poll's stored result; the stored row is left as it is."""
    if poll is None or tally is None:
        return decision.text
    legacy = {poll.question[:1000]}
    if tally.winner is not None and tally.kind is not PollKind.YESNO:
        chosen = f"{LETTERS[tally.winner]}.{tally.options[tally.winner]}"
        legacy.add(f"{poll.question}：{chosen}"[:1000])
    if decision.text not in legacy:
        return decision.text
    return decided_text(poll, tally)


def parse_due(text: str, today: date) -> str | None:
    """ "2026-12-31" / "12月31日" / "12-31" → ISO date (None when absent or invalid)."""
    found = re.search(r"(?:(\d{4})[-/年])?(\d{1,2})[-/月](\d{1,2})日?", text)
    if not found:
        return None
    year = int(found.group(1) or today.year)
    try:
        return date(year, int(found.group(2)), int(found.group(3))).isoformat()
    except ValueError:
        return None


class OutcomeService:
    """Decisions after the vote: owner, due date, progress, done, 评议; and the minutes."""

    def __init__(self, uow: UnitOfWork, now: datetime) -> None:
        self.uow, self.now = uow, now
        self.decisions = uow.get(DecisionRepository)

    async def get(self, decision_id: int) -> Decision:
        refusal = OutcomeError("not_found", ref=decision_ref(decision_id))
        return or_refuse(await self.decisions.get(decision_id), refusal)

    async def _to_carry_out(self, decision_id: int) -> Decision:
        """A decision that is still to be carried out: passed, and not yet done. A poll
        that failed, tied or missed its quorum decided nothing, so there is nothing to
        follow up (its page says 未通过，无需落实)."""
        decision = await self.get(decision_id)
        if not decision.passed:
            raise OutcomeError(await self._why_nothing(decision), ref=decision_ref(decision_id))
        if decision.status == "done":
            raise OutcomeError("already_done", ref=decision_ref(decision_id))
        return decision

    async def _why_nothing(self, decision: Decision) -> str:
        """Why a decision has nothing to carry out, said as its poll ended (the stored
        tally): ``not_passed`` (voted down), or void — ``void_no_quorum``, ``void_tie``,
        ``void_no_votes``."""
        poll = (
            await self.uow.get(PollRepository).get(decision.poll_id) if decision.poll_id else None
        )
        tally = stored_tally(poll) if poll is not None else None
        if tally is None or tally.outcome in ("failed", "passed"):
            return "not_passed"
        return f"void_{tally.outcome}"

    async def wording(self, decision: Decision) -> str:
        """The decision as decided, for what the pushes say of it (:func:`decision_wording`)."""
        poll = (
            await self.uow.get(PollRepository).get(decision.poll_id) if decision.poll_id else None
        )
        return decision_wording(decision, poll, stored_tally(poll) if poll else None)

    async def _audit(self, actor: str, action: str, decision: Decision, **after: object) -> None:
        ref = decision_ref(decision.id or 0)
        await audit_change(
            self.uow, self.now, actor, action, "decision", ref, status=decision.status, **after
        )

    async def assign(
        self,
        decision_id: int,
        owner: str,
        due: str | None,
        actor: str,
        by: int | None = None,
        *,
        outside: bool = False,
    ) -> Assignment:
        """落实: ``owner`` carries it out, by ``due``; ``by`` is the moderator who assigned it.

        ``owner`` names one resident of the register (``王网格员``, or ``#12`` among
        namesakes), who is told, and so is the topic's proposer. A name nobody has (a typo)
        or several have is refused with the candidates, and nothing changes: a wrong owner
        would get the task, or the right one never hear of it. An owner outside the
        register (``outside``: 物业公司) is recorded by name and told by the moderator."""
        decision = await self._to_carry_out(decision_id)
        owner = owner.strip()[:64]
        owner_id: int | None = None
        if not outside:
            person = await self._owner(decision_id, owner)
            owner, owner_id = person.name, person.id
        decision.owner, decision.owner_id, decision.due_date = owner, owner_id, due
        decision.status = "in_progress"
        await self.decisions.save(decision)
        await self._audit(
            actor, "decision_assigned", decision, owner=owner, owner_id=owner_id, due=due
        )
        topic = None
        if decision.topic_id is not None:
            topic = await self.uow.get(TopicRepository).get(decision.topic_id)
        assigned = ev.DecisionAssigned(
            decision=decision,
            owner_id=owner_id,
            topic=topic,
            by=by,
            stamp=self.now.strftime("%Y%m%d%H%M%S"),
            wording=await self.wording(decision),
        )
        self.uow.record(assigned)
        return Assignment(assigned, 0 if outside else 1)

    async def _owner(self, decision_id: int, owner: str) -> Resident:
        """The one resident ``owner`` names, or the refusal listing whom it might mean."""
        ref = decision_ref(decision_id)
        named = await people_named(self.uow, owner)
        if len(named) == 1:
            return named[0]
        people = self.uow.get(PeopleRepository)
        if named:
            listed = await self._candidates(named)
            raise OutcomeError(
                "owner_ambiguous", ref=ref, owner=owner, count=len(named), candidates=listed
            )
        names = await people.names()
        alike = difflib.get_close_matches(owner, set(names.values()), n=5, cutoff=SIMILAR_NAMES)
        found = await people.by_ids([rid for rid, name in names.items() if name in alike])
        close = sorted(found, key=lambda p: (alike.index(p.name), p.id or 0))[:5]
        if close:
            listed = await self._candidates(close)
            raise OutcomeError("owner_similar", ref=ref, owner=owner, candidates=listed)
        raise OutcomeError("owner_unknown", ref=ref, owner=owner)

    async def _candidates(self, people: Sequence[Resident]) -> str:
        """``#12 王芳（3号楼2单元）、#15 王芳（5号楼1单元）``: each with the number that picks
        them, where they live, and the masked phone only where that is not enough."""
        homes = await self.uow.get(PeopleRepository).homes([p.id for p in people if p.id])
        seen: dict[str, int] = {}
        for p in people:
            key = f"{p.name}{homes.get(p.id or 0, '')}"
            seen[key] = seen.get(key, 0) + 1
        labels = []
        for p in people:
            home = homes.get(p.id or 0, "")
            parts = [home] if home else []
            if seen[f"{p.name}{home}"] > 1 or not home:
                phone = p.phone_masked or mask_phone(p.phone)
                if phone:
                    parts.append(phone)
            where = f"（{'，'.join(parts)}）" if parts else ""
            labels.append(f"#{p.id} {p.name}{where}")
        return "、".join(labels)

    async def owner_progress(
        self, decision_id: int, note: str, actor: str, resident_id: int | None
    ) -> Decision:
        """进展 by the decision's owner (not a moderator): only on their own decision."""
        decision = await self.get(decision_id)
        if resident_id is None or decision.owner_id != resident_id:
            raise OutcomeError("not_owner", ref=decision_ref(decision_id))
        return await self.progress(decision_id, note, actor, by_owner=True)

    async def progress(
        self, decision_id: int, note: str, actor: str, *, by_owner: bool = False
    ) -> Decision:
        decision = await self._to_carry_out(decision_id)
        assert decision.id is not None
        note = for_the_record(note)  # published: the group, /public/decisions/D…
        await self.decisions.save(
            DecisionUpdate(decision_id=decision.id, note=note[:1000], actor=actor, at=self.now)
        )
        if decision.status == "decided":
            decision.status = "in_progress"
            await self.decisions.save(decision)
        owned = {"by_owner": True} if by_owner else {}
        await self._audit(actor, "decision_progress", decision, note=note[:200], **owned)
        stamp = self.now.strftime("%Y%m%d%H%M%S")
        wording = await self.wording(decision)
        self.uow.record(
            ev.DecisionProgressed(decision=decision, note=note, stamp=stamp, wording=wording)
        )
        return decision

    async def done(self, decision_id: int, actor: str) -> ev.DecisionCarriedOut:
        """Mark carried out; the proposer, co-signers and attendees are asked for a 评议."""
        decision = await self._to_carry_out(decision_id)
        decision.status, decision.done_at = "done", self.now
        await self.decisions.save(decision)
        await self._audit(actor, "decision_done", decision)
        audience: set[int] = set()
        if decision.topic_id is not None:
            topics = self.uow.get(TopicRepository)
            topic = await topics.get(decision.topic_id)
            if topic is not None:
                audience.add(topic.proposer_id)
                audience.update(await topics.cosigners(decision.topic_id))
        if decision.meeting_id is not None:
            audience.update(await self.uow.get(MeetingRepository).attendees(decision.meeting_id))
        done = ev.DecisionCarriedOut(
            decision=decision, residents=sorted(audience), wording=await self.wording(decision)
        )
        self.uow.record(done)
        return done

    async def evaluate(
        self, decision_id: int, resident_id: int, satisfied: bool, actor: str
    ) -> Decision:
        decision = await self.get(decision_id)
        if decision.status != "done":
            raise OutcomeError("not_done", ref=decision_ref(decision_id))
        await self.decisions.evaluate(decision_id, resident_id, satisfied)
        await self._audit(actor, "decision_evaluated", decision, satisfied=satisfied)
        return decision

    async def view(self, decision: Decision) -> DecisionView:
        assert decision.id is not None
        topic = (
            await self.uow.get(TopicRepository).get(decision.topic_id)
            if decision.topic_id
            else None
        )
        poll = (
            await self.uow.get(PollRepository).get(decision.poll_id) if decision.poll_id else None
        )
        yes, no = await self.decisions.evaluation_counts(decision.id)
        return DecisionView(
            decision,
            topic,
            poll,
            stored_tally(poll) if poll else None,
            list(await self.decisions.updates(decision.id)),
            yes,
            no,
        )

    async def void_votes(
        self, meeting_id: int | None = None, limit: int | None = None
    ) -> list[VoidVote]:
        """Closed polls that decided nothing, newest first (one meeting's, if named)."""
        polls = await self.decisions.undecided_polls(meeting_id, limit)
        topics = self.uow.get(TopicRepository)
        found = []
        for poll in polls:
            tally = stored_tally(poll)
            if tally is not None:
                topic = await topics.get(poll.topic_id) if poll.topic_id else None
                found.append(VoidVote(poll, tally, topic))
        return found

    async def minutes(self, meeting: Meeting) -> Minutes:
        assert meeting.id is not None
        meetings = self.uow.get(MeetingRepository)
        signups = await meetings.signups(meeting.id, status=None)
        committee = [r.name for r in await self.uow.residents.with_role(Role.COMMITTEE.value)]
        invited = [r.name for i, r in await meetings.invites(meeting.id) if i.reason == "committee"]
        names = list(dict.fromkeys([*committee, *invited]))
        result = Minutes(
            meeting=meeting,
            committee=names,
            signed_up_onsite=sum(
                1 for s, _ in signups if s.status == "signed" and s.mode == "onsite"
            ),
            signed_up_online=sum(
                1 for s, _ in signups if s.status == "signed" and s.mode == "online"
            ),
            attended=sum(1 for s, _ in signups if _attended(s, ATTENDED_ONSITE)),
            attended_online=sum(1 for s, _ in signups if _attended(s, ATTENDED_ONLINE)),
            agenda=await meetings.agenda(meeting.id),
            signed_up_assisted=sum(
                1 for s, _ in signups if s.status == "signed" and s.assisted_by is not None
            ),
        )
        for decision in await self.decisions.for_meeting(meeting.id):
            result.decisions.append(await self.view(decision))
        result.void_votes = list(reversed(await self.void_votes(meeting.id)))
        if meeting.status == "cancelled":
            changes = await self.uow.get(MeetingChangeRepository).of_meeting(meeting.id)
            reasons = [c.reason or "" for c in changes if c.kind == "cancelled"]
            result.cancelled_because = reasons[-1] if reasons else ""
        return result

    async def publish_minutes(self, meeting: Meeting, actor: str) -> Minutes:
        """纪要 once the meeting has begun, never for a cancelled one."""
        if meeting.status == "cancelled":
            raise OutcomeError("minutes_cancelled", code=meeting.code)
        if meeting.starts_at > self.now:
            raise OutcomeError("minutes_too_early", code=meeting.code)
        meeting.minutes_published_at = self.now
        meeting.status = "held"
        await self.uow.get(MeetingRepository).save(meeting)
        await audit_change(self.uow, self.now, actor, "minutes_published", "meeting", meeting.code)
        minutes = await self.minutes(meeting)
        self.uow.record(ev.MinutesPublished(minutes=minutes))
        return minutes
