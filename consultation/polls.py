"""表决: opening a poll, who may vote, casting (chat and paper), tallies and closing.

One vote per voter key is enforced by the database (see :mod:`storage.polls`);
this module decides the key (a resident, or a household) and whether the person
may vote at all. Anonymous polls never store the choice readably: each vote is a
sealed ballot in the voter's own slot (:mod:`consultation.ballot_box`), opened
only in memory to count, and the counts are written once, at close.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from consultation import events as ev
from consultation.audit import audit_change
from consultation.ballot_box import BallotError, BallotKeys
from consultation.ballots import (
    MAX_OPTIONS,
    Electorate,
    PassRule,
    PollKind,
    Tally,
    options_for,
    tally,
    withhold_counts,
)
from consultation.binding import push_route
from consultation.errors import DomainError, on_behalf_of, or_refuse
from consultation.ids import decision_ref, find_ref, poll_ref, topic_ref
from consultation.outcomes import decided_text, requeue_reason, stored_tally
from consultation.participation import Participant, participants
from consultation.roles import Role
from consultation.schedule import TimedEvent
from storage.meetings import MeetingRepository
from storage.models import Resident
from storage.outcomes import Decision, DecisionRepository
from storage.polls import Poll as Poll  # the domain's poll, for the layers above
from storage.polls import PollRepository, PollVoter
from storage.topics import Topic, TopicRepository
from storage.unit_of_work import UnitOfWork

ELECTORATE_WORDS = {
    "居民": Electorate.RESIDENTS,
    "每户": Electorate.HOUSEHOLDS,
    "户": Electorate.HOUSEHOLDS,
    "按户": Electorate.HOUSEHOLDS,
    "委员": Electorate.COMMITTEE,
    "委员会": Electorate.COMMITTEE,
    "到会": Electorate.ATTENDEES,
    "参会": Electorate.ATTENDEES,
}
RULE_WORDS = {
    "过半": PassRule.MAJORITY,
    "半数": PassRule.MAJORITY,
    "三分之二": PassRule.TWO_THIRDS,
    "2/3": PassRule.TWO_THIRDS,
    "全体过半": PassRule.ELIGIBLE_MAJORITY,
    "应投过半": PassRule.ELIGIBLE_MAJORITY,
}


#: The fewest votes an anonymous poll's per-option counts are published with (``[polls]
#: anonymous_min_votes``): below it one vote, or a unanimous few, would be read off the
#: counts by whoever knows who took part, so the result says only how many took part.
ANONYMOUS_MIN_VOTES = 5


class PollError(DomainError):
    """A refused poll action (``poll_error.<code>`` in the catalogue)."""

    section = "poll_error"


@dataclass(frozen=True, slots=True)
class PollSpec:
    """What a moderator asked for in ``开启投票 …``."""

    question: str
    kind: PollKind = PollKind.YESNO
    options: tuple[str, ...] = ()
    max_choices: int = 1
    electorate: Electorate = Electorate.RESIDENTS
    anonymous: bool = False
    quorum_pct: int | None = None
    rule: PassRule = PassRule.MAJORITY
    hide_results: bool = False
    closes_at: datetime | None = None
    topic_id: int | None = None
    meeting_code: str | None = None
    #: Said on purpose (单独表决): not a decision of any consultation day.
    standalone: bool = False

    @property
    def has_home(self) -> bool:
        """Tied to a topic or a meeting, or said to stand alone: nothing to ask."""
        return self.topic_id is not None or self.meeting_code is not None or self.standalone


#: What a moderator says of a poll that belongs to no consultation day.
STANDALONE_WORDS = ("单独表决", "不属于议事日")
#: The question of a vote opened on a topic without one of its own (开启投票 T1): the
#: proposal put to the vote, not its title read as a question ("是否同意：停车位太少").
#: The title in 《》, as 附议名单 and 代办 write a topic's: the question itself is quoted
#: “…” wherever it is cited (P2“是否同意议题 T1《…》的提议？”).
TOPIC_QUESTION = "是否同意议题 {ref}《{title}》的提议？"
_KV = re.compile(r"(选项|多选|范围|法定人数|法定|通过|截止)\s*[:：]\s*")
_DEADLINE = re.compile(
    r"截止\s*[:：]\s*(?:(\d{4})[-/年])?(?:(\d{1,2})[-/月](\d{1,2})日?\s*)?(\d{1,2})[:：点](\d{2})?分?"
)


def parse_poll_command(text: str, now: datetime, zone: ZoneInfo) -> PollSpec:
    """``开启投票 是否增设停车位 T12 范围:每户 匿名 法定:60% 通过:三分之二 截止:12-06 18:00``.

    Raises :class:`PollError` with a code for anything it cannot read.
    """
    body = re.sub(r"^\s*(?:开启投票|发起投票|开始投票)\s*", "", text.strip())
    deadline: datetime | None = None
    found = _DEADLINE.search(body)
    if found:
        year, month, day, hour, minute = found.groups()
        local_now = now.astimezone(zone)
        try:
            deadline = datetime(
                int(year or local_now.year),
                int(month or local_now.month),
                int(day or local_now.day),
                int(hour),
                int(minute or 0),
                tzinfo=zone,
            )
        except ValueError as exc:
            raise PollError("bad_deadline") from exc
        if deadline <= now:
            raise PollError("deadline_past")
        body = body[: found.start()] + " " + body[found.end() :]
    spec = PollSpec(question="", closes_at=deadline)
    words: list[str] = []
    tokens = _KV.sub(lambda m: " " + m.group(1) + "=", body).split()
    for token in tokens:
        key, eq, value = token.partition("=")
        if not eq:
            if token == "匿名":
                spec = replace(spec, anonymous=True, hide_results=True)
            elif token in ("实名", "记名"):
                spec = replace(spec, anonymous=False)
            elif token in ("隐藏结果", "结束后公布"):
                spec = replace(spec, hide_results=True)
            elif re.fullmatch(r"[Tt]\d+", token):
                spec = replace(spec, topic_id=int(token[1:]))
            elif re.fullmatch(r"[Mm]\d{6}", token):
                spec = replace(spec, meeting_code=token.upper())
            elif token in STANDALONE_WORDS:
                spec = replace(spec, standalone=True)
            else:
                words.append(token)
            continue
        if key == "选项":
            options = tuple(o.strip() for o in re.split(r"[/／|、]", value) if o.strip())
            if not 2 <= len(options) <= MAX_OPTIONS:
                raise PollError("bad_options", max=MAX_OPTIONS)
            kind = PollKind.MULTI if spec.kind is PollKind.MULTI else PollKind.SINGLE
            spec = replace(spec, options=options, kind=kind)
        elif key == "多选":
            if not value.isdigit() or int(value) < 1:
                raise PollError("bad_max")
            spec = replace(spec, kind=PollKind.MULTI, max_choices=int(value))
        elif key == "范围":
            if value not in ELECTORATE_WORDS:
                raise PollError("bad_electorate")
            spec = replace(spec, electorate=ELECTORATE_WORDS[value])
        elif key in ("法定", "法定人数"):
            digits = value.rstrip("%％")
            if not digits.isdigit() or not 0 <= int(digits) <= 100:
                raise PollError("bad_quorum")
            spec = replace(spec, quorum_pct=int(digits))
        elif key == "通过":
            if value not in RULE_WORDS:
                raise PollError("bad_rule")
            spec = replace(spec, rule=RULE_WORDS[value])
    if spec.kind is PollKind.MULTI and not spec.options:
        raise PollError("multi_needs_options")
    if spec.kind is PollKind.MULTI and spec.max_choices > len(spec.options):
        spec = replace(spec, max_choices=len(spec.options))
    return replace(spec, question=" ".join(words).strip())


@dataclass(frozen=True, slots=True)
class CastOutcome:
    """``new``, ``changed`` or ``same`` (a named vote cast again as it stands: nothing
    was written); ``poll`` for phrasing the reply. An anonymous poll's vote cast again is
    ``changed`` whatever it chose: telling apart a repeat from a change would make what is
    stored of the exchange (its reply) depend on the choice."""

    status: str
    poll: Poll


@dataclass(frozen=True, slots=True)
class Turnout:
    voters: int
    electorate: int
    quorum_pct: int


#: Roles held for work, not for living here: such a person votes in residents' polls
#: only with a home in the register (storage.polls.lives_here_clause counts the same way).
WORKPLACE_ROLES = frozenset({Role.MODERATOR.value, Role.GRID_WORKER.value, Role.DEPARTMENT.value})


def lives_here(resident: Resident, roles: set[str]) -> bool:
    """Staff and departments are not residents unless they live here (a room or a
    household in the register); everyone else verified is."""
    return bool(resident.room or resident.household) or not roles & WORKPLACE_ROLES


def _stands(existing: PollVoter | None, resident_id: int, mask: int) -> bool:
    """The resident's own named vote in chat, already for ``mask``: casting it again
    changes nothing (one cast for them, 代办, becomes theirs: that is a change)."""
    return (
        existing is not None
        and existing.resident_id == resident_id
        and existing.channel == "chat"
        and existing.assisted_by is None
        and existing.choice_mask == mask
    )


def decides(result: Tally) -> bool:
    """Whether a closed poll's result is a decision: it passed or was voted down. Void
    (nobody voted, too few for the quorum, a tie, an anonymous poll with too few votes to
    publish) is no decision."""
    return result.outcome in ("passed", "failed")


class PollService:
    """Polls end to end; the caller's transaction holds every step."""

    def __init__(
        self,
        uow: UnitOfWork,
        now: datetime,
        ballots: BallotKeys | None = None,
        anonymous_min: int = ANONYMOUS_MIN_VOTES,
    ) -> None:
        self.uow, self.now = uow, now
        self.polls = uow.get(PollRepository)
        self._ballots = ballots
        #: Below this many votes an anonymous poll's counts are withheld, never stored.
        self.anonymous_min = anonymous_min

    @property
    def ballots(self) -> BallotKeys:
        """The keys anonymous ballots are sealed with (wired from ``[polls] ballot_secret``)."""
        if self._ballots is None:
            raise RuntimeError("anonymous polls need the ballot secret; none was wired")
        return self._ballots

    async def _audit(self, actor: str, action: str, poll: Poll, **after: object) -> None:
        ref = poll_ref(poll.id or 0)
        await audit_change(
            self.uow, self.now, actor, action, "poll", ref, status=poll.status, **after
        )

    async def running(self) -> Sequence[Poll]:
        """The polls open now, the oldest first."""
        return await self.polls.open_polls()

    async def get(self, poll_id: int) -> Poll:
        return or_refuse(
            await self.polls.get(poll_id), PollError("not_found", ref=poll_ref(poll_id))
        )

    async def open(
        self,
        spec: PollSpec,
        opener: Resident | None,
        platform: str,
        chat_id: str,
        actor: str,
        default_quorum_pct: int = 50,
        *,
        in_group: bool = False,
    ) -> Poll:
        question, meeting_id = spec.question, None
        if spec.topic_id is not None:
            topic = await self.uow.get(TopicRepository).get(spec.topic_id)
            if topic is None:
                raise PollError("topic_not_found", ref=topic_ref(spec.topic_id))
            question = question or TOPIC_QUESTION.format(
                ref=topic_ref(spec.topic_id), title=topic.title
            )
            meeting_id = topic.meeting_id
        if spec.meeting_code:
            meeting = await self.uow.get(MeetingRepository).by_code(spec.meeting_code)
            if meeting is None:
                raise PollError("meeting_not_found", code=spec.meeting_code)
            meeting_id = meeting.id
        if meeting_id is not None:
            home = await self.uow.get(MeetingRepository).get(meeting_id)
            if home is not None and home.status == "cancelled":
                if not (spec.standalone and spec.meeting_code is None):
                    # A cancelled day decides nothing: no poll is filed under it.
                    raise PollError("meeting_cancelled", code=home.code)
                meeting_id = None  # 开启投票 T1 单独表决, T1 left on a cancelled day's agenda
        if not question:
            raise PollError("no_question")
        for running in await self.polls.open_polls():  # 开启投票 (or its button) sent twice
            same = (running.question, running.meeting_id, running.electorate)
            if same == (question[:300], meeting_id, spec.electorate.value):
                raise PollError("already_open", ref=poll_ref(running.id or 0), question=question)
        if spec.electorate is Electorate.ATTENDEES and meeting_id is None:
            raise PollError("attendees_need_meeting")
        poll = await self.polls.add(
            Poll(
                question=question[:300],
                kind=spec.kind.value,
                options=list(options_for(spec.kind, spec.options)),
                max_choices=spec.max_choices,
                electorate=spec.electorate.value,
                anonymous=spec.anonymous,
                quorum_pct=spec.quorum_pct if spec.quorum_pct is not None else default_quorum_pct,
                pass_rule=spec.rule.value,
                hide_results=spec.hide_results or spec.anonymous,
                opened_by=opener.id if opener else None,
                platform=platform,
                chat_id=chat_id,
                meeting_id=meeting_id,
                topic_id=spec.topic_id,
                opened_at=self.now,
                closes_at=spec.closes_at,
            )
        )
        poll.electorate_size = await self.electorate_size(poll)
        await self.polls.save(poll)
        await self._audit(
            actor, "poll_opened", poll, question=poll.question, electorate=poll.electorate
        )
        electorate = [p.id for p in await self._electorate(poll) if p.id is not None]
        self.uow.record(ev.PollOpened(poll=poll, electorate=electorate, opened_in_group=in_group))
        return poll

    async def _electorate(self, poll: Poll) -> Sequence[Resident]:
        return await self.polls.electorate_people(poll.electorate, poll.meeting_id, WORKPLACE_ROLES)

    async def electorate_size(self, poll: Poll) -> int:
        return await self.polls.electorate_size(poll.electorate, poll.meeting_id, WORKPLACE_ROLES)

    async def closed_polls(self) -> list[Poll]:
        """Every closed poll with its published result, the latest closed first
        (投票结果 without a number shows the first and names the others)."""
        closed = await self.polls.closed_since(datetime(2000, 1, 1, tzinfo=UTC))
        with_result = [p for p in closed if stored_tally(p) is not None]
        return sorted(with_result, key=lambda p: (p.closed_at or p.opened_at, p.id or 0))[::-1]

    async def may_vote(self, poll: Poll, resident: Resident | None) -> bool:
        """Whether ``resident`` may vote in ``poll`` now (its buttons are for them)."""
        if resident is None or not self.is_open(poll):
            return False
        try:
            await self.voter_key(poll, resident)
        except PollError:
            return False
        return True

    def is_open(self, poll: Poll) -> bool:
        return poll.status == "open" and (poll.closes_at is None or self.now < poll.closes_at)

    async def voter_key(self, poll: Poll, resident: Resident) -> str:
        """The key this resident votes under, or :class:`PollError` saying why not."""
        assert resident.id is not None
        electorate = Electorate(poll.electorate)
        if electorate is Electorate.COMMITTEE:
            roles = {r.role for r in await self.uow.residents.roles_of(resident.id)}
            if Role.COMMITTEE.value not in roles:
                raise PollError("only_committee", ref=poll_ref(poll.id or 0))
            return f"r:{resident.id}"
        if electorate is Electorate.ATTENDEES:
            # 到会: present in the hall (signed in by the staff or with the hall's code)
            meetings = self.uow.get(MeetingRepository)
            attendees = await meetings.attendees(poll.meeting_id or 0, hall_only=True)
            if resident.id not in attendees:
                raise PollError("only_attendees", ref=poll_ref(poll.id or 0))
            return f"r:{resident.id}"
        if not resident.verified:
            raise PollError("not_verified", ref=poll_ref(poll.id or 0))
        home = bool(resident.room or resident.household)
        roles = set() if home else {r.role for r in await self.uow.residents.roles_of(resident.id)}
        if not lives_here(resident, roles):
            raise PollError("not_living_here", ref=poll_ref(poll.id or 0))
        if electorate is Electorate.HOUSEHOLDS and resident.household:
            return f"h:{resident.household}"
        return f"r:{resident.id}"

    async def check_choice(self, poll: Poll, mask: int) -> None:
        options = poll.options
        if mask <= 0 or mask >> len(options):
            raise PollError("bad_choice")
        chosen = bin(mask).count("1")
        limit = poll.max_choices if poll.kind == PollKind.MULTI.value else 1
        if chosen > limit:
            raise PollError("too_many", max=limit)

    async def _locked_open(self, poll_id: int) -> Poll:
        """The poll, checked open while holding it against a concurrent close."""
        poll = await self.get(poll_id)
        state = await self.polls.lock_open(poll_id)
        status, closes_at = state if state is not None else ("closed", None)
        if status != "open" or (closes_at is not None and self.now >= closes_at):
            raise PollError("closed", ref=poll_ref(poll_id))
        return poll

    async def cast(
        self,
        poll_id: int,
        resident: Resident,
        mask: int,
        actor: str,
        channel: str = "chat",
        assisted_by: Resident | None = None,
    ) -> CastOutcome:
        """One vote; it may be changed until close (the last one counts), in chat.

        ``assisted_by``: a grid worker or moderator casts it for the resident (代办), under
        the resident's own eligibility; never in an anonymous poll (a ballot someone else
        cast can't be secret), never over the resident's own vote."""
        assert resident.id is not None
        poll = await self._locked_open(poll_id)
        if assisted_by is not None and poll.anonymous:
            raise PollError("anonymous_assist", ref=poll_ref(poll_id))
        key = await self.voter_key(poll, resident)
        await self.check_choice(poll, mask)
        helper = assisted_by.id if assisted_by is not None else None
        if poll.anonymous:
            status = await self._cast_sealed(poll_id, key, resident.id, mask, channel)
        else:
            status = await self.polls.cast_named(
                poll_id, key, resident.id, mask, channel, self.now, helper
            )
        if status == "refused":
            existing = await self.polls.voter(poll_id, key)
            if helper is None and _stands(existing, resident.id, mask):
                return CastOutcome("same", poll)  # nothing changed: no event either
            if existing is not None and existing.channel == "paper":
                raise PollError("paper_stands", ref=poll_ref(poll_id))
            if existing is not None and existing.resident_id != resident.id:
                raise PollError("household_voted", ref=poll_ref(poll_id))
            if helper is not None:
                raise PollError("own_vote_stands", ref=poll_ref(poll_id), name=resident.name)
            if poll.anonymous:
                raise PollError("anonymous_final", ref=poll_ref(poll_id))
            raise PollError("already_voted", ref=poll_ref(poll_id))
        if helper is not None:  # the choice is on the voter's row; the log says who cast it
            await self._audit(
                actor, "vote_assisted", poll, resident=resident.id, assisted_by=helper
            )
        self.uow.record(ev.PollProgressed(poll=poll))
        return CastOutcome(status, poll)

    async def withdraw(self, poll_id: int, resident: Resident, actor: str) -> Poll:
        """Take a named vote back while the poll is open (an assisted vote the resident
        undoes); once it has closed the vote is in the result and stays."""
        assert resident.id is not None
        poll = await self._locked_open(poll_id)
        if poll.anonymous or not await self.polls.remove_voter(poll_id, resident.id):
            raise PollError("not_voted", ref=poll_ref(poll_id))
        await self._audit(actor, "vote_withdrawn", poll, resident=resident.id)
        self.uow.record(ev.PollProgressed(poll=poll))
        return poll

    async def _cast_sealed(
        self, poll_id: int, key: str, resident_id: int, mask: int, channel: str
    ) -> str:
        """An anonymous vote: participation, and the choice sealed into the voter's slot.

        ``new``, ``changed`` (the voter's own slot now holds the new choice) or
        ``refused`` (a paper ballot, another household member's vote, or a vote
        counted before ballots were sealed: none of them can be changed in chat).
        """
        slot = self.ballots.slot(poll_id, key)
        sealed = self.ballots.seal(poll_id, slot, mask)
        if await self.polls.join_anonymous(poll_id, key, resident_id, channel):
            await self.polls.add_ballot(poll_id, slot, sealed)
            return "new"
        existing = await self.polls.voter(poll_id, key)
        if (
            channel != "chat"
            or existing is None
            or existing.channel != "chat"
            or existing.resident_id != resident_id
        ):
            return "refused"
        return "changed" if await self.polls.replace_ballot(poll_id, slot, sealed) else "refused"

    async def paper(self, poll_id: int, resident: Resident, mask: int, actor: str) -> CastOutcome:
        """A paper ballot entered by a moderator; refused when the voter already voted
        (in an anonymous poll without saying how or when: participation is for 参与名单,
        after close)."""
        poll = await self._locked_open(poll_id)
        with on_behalf_of(resident.name):  # “小陈还没有完成居民身份认证”, not “您”
            key = await self.voter_key(poll, resident)
        await self.check_choice(poll, mask)
        assert resident.id is not None
        if poll.anonymous:
            ok = await self._cast_sealed(poll_id, key, resident.id, mask, "paper") == "new"
        else:
            ok = (
                await self.polls.cast_named(poll_id, key, resident.id, mask, "paper", self.now)
                == "new"
            )
        if not ok:
            # Refusing tells the moderator this one voter (or household) is counted: they
            # must not take the paper. An anonymous poll's refusal says no more than that.
            code = "paper_counted" if poll.anonymous else "paper_already"
            raise PollError(code, ref=poll_ref(poll_id), name=resident.name)
        await audit_change(
            self.uow,
            self.now,
            actor,
            "paper_ballot_entered",
            "poll",
            poll_ref(poll_id),
            voter=resident.name,
        )
        self.uow.record(ev.PollProgressed(poll=poll))
        return CastOutcome("new", poll)

    async def progress(self, poll: Poll) -> Turnout:
        assert poll.id is not None
        return Turnout(
            await self.polls.turnout(poll.id), await self.electorate_size(poll), poll.quorum_pct
        )

    async def final(self, poll: Poll) -> tuple[Tally, Decision | None] | None:
        """A closed poll's result as it was published at close, and the decision it
        recorded; None while the poll is open (or closed without a stored result)."""
        if self.is_open(poll) or poll.id is None:
            return None
        result = stored_tally(poll)
        if result is None:
            return None
        return result, await self.uow.get(DecisionRepository).for_poll(poll.id)

    async def tally(self, poll: Poll, electorate: int | None = None) -> Tally:
        """The counts as they stand. An open anonymous poll's ballots are not opened for
        it: its tally is participation only (nothing shows per-option running counts of
        a secret ballot, whatever asks)."""
        size = electorate if electorate is not None else await self.electorate_size(poll)
        if poll.anonymous and poll.status == "open":
            turnout = await self.polls.turnout(poll.id or 0)
            return withhold_counts(self._count(poll, {0: turnout}, size), self.anonymous_min)
        counted = self._count(poll, await self.polls.mask_counts(poll), size)
        if poll.anonymous:  # nobody votes for anyone in a secret ballot
            return counted
        return replace(counted, extra=await self._assisted(poll))

    async def _assisted(self, poll: Poll) -> dict[str, int]:
        """The 代办 votes: how many, how many the resident confirmed, and how many of the
        rest could not be asked (no chat account a push reaches)."""
        confirmed = unreachable = total = 0
        for voter, person in await self.polls.participants(poll.id or 0):
            if voter.assisted_by is None:
                continue
            total += 1
            if voter.assist_confirmed_at is not None:
                confirmed += 1
            elif person.id is None or not (await push_route(self.uow, person.id)).accounts:
                unreachable += 1
        return {
            "assisted": total,
            "assisted_confirmed": confirmed,
            "assisted_unreachable": unreachable,
        }

    @staticmethod
    def _count(poll: Poll, counts: dict[int, int], electorate: int) -> Tally:
        return tally(
            counts,
            kind=PollKind(poll.kind),
            options=poll.options,
            electorate=electorate,
            quorum_pct=poll.quorum_pct,
            rule=PassRule(poll.pass_rule),
        )

    async def set_hidden(self, poll_id: int, hide: bool, actor: str) -> Poll:
        """Hide results until close; once voting has started it cannot be switched off."""
        poll = await self.get(poll_id)
        if poll.status != "open":
            raise PollError("closed", ref=poll_ref(poll_id))
        if not hide and poll.hide_results and poll.anonymous:
            raise PollError("hide_locked_anonymous", ref=poll_ref(poll_id))
        if not hide and poll.hide_results and await self.polls.turnout(poll_id) > 0:
            raise PollError("hide_locked", ref=poll_ref(poll_id))
        poll.hide_results = hide
        await self.polls.save(poll)
        await self._audit(actor, "poll_hide_results" if hide else "poll_show_results", poll)
        self.uow.record(ev.PollProgressed(poll=poll))
        return poll

    async def close(
        self,
        poll_id: int,
        actor: str,
        *,
        late: bool = False,
        closed_in: tuple[str, str] | None = None,
        closed_by: int | None = None,
    ) -> ev.PollClosed:
        """Close once (a second closer gets ``already_closed``), tally, record the decision.

        Whoever closes it (a moderator, the scheduler at its time), everyone who could
        vote hears the result: the event says so once, here."""
        poll = await self.get(poll_id)
        if poll.anonymous and poll.status == "open":
            try:  # before anything is written: a wrong secret must not close the poll
                await self._count_sealed(poll, {})
            except BallotError as exc:
                raise PollError("ballots_unreadable", ref=poll_ref(poll_id)) from exc
        if not await self.polls.close_if_open(poll_id, self.now):
            raise PollError("already_closed", ref=poll_ref(poll_id))
        if poll.anonymous:
            # Every accepted vote is committed now (votes hold the poll until they
            # commit, and closing waited for them): count them all in memory, publish
            # the counts once — only when enough voted that nobody's choice can be read
            # off them; fewer, and they are stored nowhere — and delete the sealed ballots.
            # Nobody at all is fewer too: participation only, never a row of "0 票".
            counts = await self._count_sealed(poll, await self.polls.mask_counts(poll))
            voters = sum(counts.values())
            few = voters < self.anonymous_min
            await self.polls.publish_counts(poll_id, {} if few else counts)
            await self.uow.session.refresh(poll)
            result = self._count(poll, counts, await self.electorate_size(poll))
            if few:
                result = withhold_counts(result, self.anonymous_min)
        else:
            await self.uow.session.refresh(poll)
            result = await self.tally(poll)
        poll.result = result.as_json()
        await self.polls.save(poll)
        await self._audit(actor, "poll_closed", poll, result=poll.result)
        # A vote that passed or failed is a decision on the record (居务公开), whether it
        # was taken on a topic, at a consultation day or on its own. A void one (nobody
        # voted, too few, a tie) decided nothing: it gets no decision number, nothing to
        # carry out or evaluate; the poll and its stored result say what happened, and
        # a topic it was about goes back to wait for a consultation day's agenda, to be
        # put to the vote again.
        requeued = None
        if decides(result):
            decision = await self._decide(poll, result, actor)
        else:
            decision = None
            requeued = await self._requeue(poll, result, actor)
        electorate = [p.id for p in await self._electorate(poll) if p.id is not None]
        closed = ev.PollClosed(
            poll=poll,
            tally=result,
            decision=decision,
            electorate=electorate,
            closed_in=closed_in,
            closed_by=closed_by,
            late=late,
            requeued=requeued,
        )
        self.uow.record(closed)
        return closed

    async def remind(self, poll_id: int, stamp: str) -> ev.PollReminded:
        """提醒投票: those who may vote and haven't (``stamp`` tells reminders apart)."""
        poll = await self.get(poll_id)
        if not self.is_open(poll):
            raise PollError("closed", ref=poll_ref(poll_id))
        reminded = ev.PollReminded(poll=poll, residents=await self.non_voters(poll), stamp=stamp)
        self.uow.record(reminded)
        return reminded

    async def _requeue(self, poll: Poll, result: Tally, actor: str) -> Topic | None:
        """A void vote on a topic decided nothing about it: a topic on an agenda (or
        qualified and voted on) goes back to 已达附议人数, off the meeting that is past,
        saying why (its reason), so the next consultation day's agenda can take it and
        whoever asks about it is not told it is still 已列入议程. Audited with who and
        when; a topic in any other state (decided on by another vote, still collecting)
        stays where it is."""
        topics = self.uow.get(TopicRepository)
        topic = await topics.get(poll.topic_id or 0)
        if topic is None or topic.status not in ("scheduled", "qualified"):
            return None
        before, meeting_id = topic.status, topic.meeting_id
        meeting = await self.uow.get(MeetingRepository).get(meeting_id) if meeting_id else None
        if meeting is not None and meeting.status != "cancelled" and meeting.starts_at > self.now:
            return None  # on the agenda of a consultation day still ahead: voted on there
        topic.reason = requeue_reason(poll.id or 0, result.outcome)
        topic.status, topic.meeting_id, topic.updated_at = "qualified", None, self.now
        await topics.save(topic)
        await audit_change(
            self.uow,
            self.now,
            actor,
            "topic_requeued",
            "topic",
            topic_ref(topic.id or 0),
            {"status": before, "meeting": meeting.code if meeting else None},
            status=topic.status,
            poll=poll_ref(poll.id or 0),
            outcome=result.outcome,
            reason=topic.reason,
        )
        return topic

    async def _decide(self, poll: Poll, result: Tally, actor: str) -> Decision:
        topics = self.uow.get(TopicRepository)
        topic = await topics.get(poll.topic_id or 0)
        decisions = self.uow.get(DecisionRepository)
        text = decided_text(poll, result)
        decision = await decisions.add(
            Decision(
                meeting_id=poll.meeting_id,
                topic_id=poll.topic_id,
                poll_id=poll.id,
                text=text[:1000],
                passed=result.passed,
                status="decided",
                created_at=self.now,
            )
        )
        if topic is not None:
            before = topic.status
            topic.status, topic.updated_at = "decided", self.now
            await topics.save(topic)
            await audit_change(
                self.uow,
                self.now,
                actor,
                "topic_decided",
                "topic",
                topic_ref(topic.id or 0),
                {"status": before},
                status="decided",
                decision=decision_ref(decision.id or 0),
            )
        await audit_change(
            self.uow,
            self.now,
            actor,
            "decision_recorded",
            "decision",
            decision_ref(decision.id or 0),
            passed=decision.passed,
            poll=poll_ref(poll.id or 0),
        )
        return decision

    async def _count_sealed(self, poll: Poll, counts: dict[int, int]) -> dict[int, int]:
        """``counts`` plus the poll's sealed ballots, opened in memory only."""
        assert poll.id is not None
        total = dict(counts)
        for slot, sealed in await self.polls.sealed_ballots(poll.id):
            mask = self.ballots.open(poll.id, slot, sealed)
            total[mask] = total.get(mask, 0) + 1
        return total

    async def participants(self, poll: Poll) -> list[Participant]:
        """Who took part (those voted for by someone else marked, 代办); never for an
        anonymous poll: names beside its counts tell choices (a unanimous result, or one
        voter told apart by the others), and its quorum needs only the count."""
        if poll.anonymous:
            raise PollError("participants_anonymous", ref=poll_ref(poll.id or 0))
        return await participants(self.uow, await self.polls.participants(poll.id or 0))

    async def non_voters(self, poll: Poll) -> list[int]:
        """Eligible residents whose vote (or household's) is not in yet: reminder targets."""
        assert poll.id is not None
        voted = await self.polls.voted_keys(poll.id)
        out = []
        for person in await self._electorate(poll):
            assert person.id is not None
            key = (
                f"h:{person.household}"
                if poll.electorate == Electorate.HOUSEHOLDS.value and person.household
                else f"r:{person.id}"
            )
            if key not in voted:
                out.append(person.id)
        return out

    async def pick_open_poll(self, chat_id: str, named: int | None) -> Poll:
        """The poll a vote is for: the one named, else the open one (this chat's first)."""
        if named is not None:
            return await self.get(named)
        live = [p for p in await self.polls.open_polls() if self.is_open(p)]
        if not live:
            raise PollError("none_open")
        here = [p for p in live if p.chat_id == chat_id]
        if len(here) == 1:
            return here[0]
        if len(live) == 1:
            return live[0]
        raise PollError("which", refs="、".join(poll_ref(p.id or 0) for p in live))


def referenced_poll(text: str) -> int | None:
    return find_ref(text, "P")


class PollEvents:
    """Closing polls at their time; the result follows from the PollClosed event."""

    kinds: tuple[str, ...] = ("poll.close",)

    def __init__(
        self, ballots: BallotKeys | None = None, anonymous_min: int = ANONYMOUS_MIN_VOTES
    ) -> None:
        self.ballots = ballots
        self.anonymous_min = anonymous_min

    async def upcoming(
        self, uow: UnitOfWork, now: datetime, horizon: timedelta
    ) -> list[TimedEvent]:
        return [
            TimedEvent(
                key=f"poll.close:{poll_ref(p.id or 0)}",
                kind="poll.close",
                ref=poll_ref(p.id or 0),
                due_at=p.closes_at,
            )
            for p in await uow.get(PollRepository).open_polls()
            if p.closes_at is not None and p.closes_at <= now + horizon
        ]

    async def fire(self, uow: UnitOfWork, event: TimedEvent, now: datetime, late: bool) -> None:
        poll_id = find_ref(event.ref, "P")
        if poll_id is None:
            return
        try:
            service = PollService(uow, now, self.ballots, self.anonymous_min)
            await service.close(poll_id, "scheduler", late=late)
        except PollError as exc:
            if exc.code == "ballots_unreadable":  # a wrong secret: loud, and tried again
                raise RuntimeError(f"{event.ref}: sealed ballots do not open") from exc
            return
