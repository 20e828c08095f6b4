"""代办 — assisted participation: a grid worker or a moderator records a co-sign, a sign-up
or a named vote for a resident who asked by phone or in person.

Nothing here is a second set of rules: the resident must be verified and eligible
exactly as if they acted themselves (the same role sets as the chat commands, the same
services with their checks), and the record only says who assisted and when. Who may
assist: moderators, and grid workers of the resident's grid (any grid worker when the
register doesn't say which grid the resident lives in). A secret ballot can't be cast
by someone else, so anonymous polls refuse it.

The resident is asked to confirm (it stays marked assisted) or undo it — undone exactly
as their own withdrawal would be, and the assistant is told. Both act on the sender's
own record only, so nobody else can confirm or undo it, and only on the 代办 the card
was sent for (:func:`card_stamp`): a card of an earlier 代办 of the same thing, undone
or replaced since, is told so and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from consultation import events as ev
from consultation.audit import audit_change
from consultation.ballot_box import BallotKeys
from consultation.binding import push_route
from consultation.config import ConsultationRules
from consultation.errors import DomainError, on_behalf_of
from consultation.ids import card_stamp_of, poll_ref, topic_ref
from consultation.meetings import MeetingError, MeetingService
from consultation.polls import PollError, PollService
from consultation.roles import (
    ASSISTANTS,
    COSIGNERS,
    PARTICIPANTS,
    Role,
    allowed,
    effective_roles,
)
from consultation.topics import CosignResult, TopicService
from storage.meeting_changes import MeetingChangeRepository
from storage.meetings import MeetingRepository, MeetingSignup
from storage.models import Resident
from storage.polls import Poll, PollRepository, PollVoter
from storage.topics import TopicCosign, TopicRepository
from storage.unit_of_work import UnitOfWork

#: A record that can be assisted: a co-sign, a sign-up or a named vote.
AssistedRow = TopicCosign | MeetingSignup | PollVoter

#: What can be assisted, by the letter of its reference (T3, M202612, P2).
KIND_OF_LETTER = {"T": "cosign", "M": "signup", "P": "vote"}


def card_stamp(assisted_at: datetime | None) -> str:
    """The identity of one 代办, carried by its card's buttons (``v3f2a1c``): derived
    from when it was recorded, so a new 代办 of the same thing (after an undo, or another
    way of taking part) gets a new one and the old card's buttons no longer act."""
    seen = assisted_at.astimezone(UTC).isoformat() if assisted_at is not None else ""
    return card_stamp_of(f"assist|{seen}")


class AssistError(DomainError):
    """A refused 代办 (``assist_error.<code>`` in the catalogue)."""

    section = "assist_error"


@dataclass(frozen=True, slots=True)
class OnBehalf:
    """Who records (``assistant``, holding ``roles``, acting as ``actor``) for whom."""

    resident: Resident
    assistant: Resident
    roles: frozenset[Role]
    actor: str


@dataclass(frozen=True, slots=True)
class Assisted:
    """What was recorded: ``status`` is ``new``, ``changed`` or ``same`` (already so)."""

    ref: str
    title: str
    resident: Resident
    status: str
    #: Co-signs: how many now, of how many needed.
    count: int = 0
    threshold: int = 0
    #: Sign-ups: the meeting's start.
    starts_at: datetime | None = None
    #: The resident has an account a push can reach: else nobody can ask them in chat,
    #: and the assistant confirms with them by phone or in person.
    reachable: bool = True
    #: Co-signs: the count reaches the threshold only with 代办 still waiting for their
    #: resident's 确认, so the topic does not qualify until they confirm.
    held: bool = False


@dataclass(frozen=True, slots=True)
class Pending:
    """A 代办 waiting for the resident's word: a co-sign on a topic still open, a sign-up
    for a meeting ahead, or a vote in an open poll (``poll`` and its ``mask``)."""

    kind: str
    ref: str
    title: str
    assistant_name: str
    assisted_at: datetime | None
    poll: Poll | None = None
    mask: int = 0
    starts_at: datetime | None = None
    mode: str = ""


@dataclass(frozen=True, slots=True)
class Answered:
    """The resident confirmed or undid: what, and who had assisted."""

    kind: str
    ref: str
    title: str
    assistant_id: int
    assistant_name: str


def _held(result: CosignResult) -> bool:
    """The threshold is reached only by counting unconfirmed 代办 co-signs."""
    return (
        not result.qualified_now
        and result.awaiting > 0
        and result.count >= result.threshold
        and result.topic.status == "accepted"
    )


class AssistService:
    """Records for residents, and their confirmation or undoing."""

    def __init__(
        self,
        uow: UnitOfWork,
        rules: ConsultationRules,
        zone: ZoneInfo,
        now: datetime,
        ballots: BallotKeys | None = None,
    ) -> None:
        self.uow, self.rules, self.zone, self.now = uow, rules, zone, now
        self.ballots = ballots

    # ---- who may assist whom -------------------------------------------------------------

    async def _check(self, act: OnBehalf, needs: frozenset[Role]) -> None:
        """The assistant may assist this resident, and the resident may do this themselves."""
        resident, assistant, roles = act.resident, act.assistant, act.roles
        assert assistant.id is not None and resident.id is not None
        if not allowed(roles, ASSISTANTS):
            raise AssistError("not_staff")
        if assistant.id == resident.id:
            raise AssistError("self")
        if Role.MODERATOR not in roles:
            grid = await self.uow.residents.grid_of(resident)
            mine = {
                r.grid_id
                for r in await self.uow.residents.roles_of(assistant.id)
                if r.role == Role.GRID_WORKER.value
            }
            if grid is not None and grid not in mine:
                raise AssistError("not_your_grid", name=resident.name)
        granted = [r.role for r in await self.uow.residents.roles_of(resident.id)]
        own = effective_roles(granted, bound=True, verified=resident.verified)
        if not allowed(own, needs):
            raise AssistError("not_verified", name=resident.name)

    async def _reachable(self, resident: Resident) -> bool:
        """A push can reach the resident: they have a bound chat account. Someone without
        one (a neighbour who only phones) is asked by the assistant, by phone or in person."""
        assert resident.id is not None
        return bool((await push_route(self.uow, resident.id)).accounts)

    # ---- recording -----------------------------------------------------------------------

    async def cosign(self, topic_id: int, act: OnBehalf) -> Assisted:
        """附议 for the resident, under the co-sign rules."""
        await self._check(act, COSIGNERS)
        resident = act.resident
        assert resident.id is not None
        ref = topic_ref(topic_id)
        await self._not_withdrawn("cosign", ref, resident)
        existing = await self.uow.get(TopicRepository).cosign_of(topic_id, resident.id)
        if existing is not None:
            topic = await TopicService(self.uow, self.rules, self.now).get(topic_id)
            if existing.assisted_by is None:
                raise AssistError("own_cosign", name=resident.name, ref=ref)
            return Assisted(
                ref, topic.title, resident, "same", topic.cosign_count, self.rules.cosign_threshold
            )
        with on_behalf_of(resident.name):
            result = await TopicService(self.uow, self.rules, self.now).cosign(
                topic_id, resident, act.actor, assisted_by=act.assistant
            )
        self._recorded(ev.CosignAssisted, ref, result.topic.title, act)
        return Assisted(
            ref,
            result.topic.title,
            resident,
            "new",
            result.count,
            result.threshold,
            reachable=await self._reachable(resident),
            held=_held(result),
        )

    async def sign_up(self, code: str | None, mode: str, act: OnBehalf) -> Assisted:
        """报名 for the resident (现场 or 线上); a sign-up they made themselves stands."""
        await self._check(act, PARTICIPANTS)
        resident = act.resident
        assert resident.id is not None
        service = MeetingService(self.uow, self.rules, self.zone, self.now)
        meeting = await service.get(code)
        assert meeting.id is not None
        await self._not_withdrawn("signup", meeting.code, resident)
        existing = await self.uow.get(MeetingRepository).signup(meeting.id, resident.id)
        if existing is not None and existing.status == "signed":
            if existing.assisted_by is None:
                raise AssistError("own_signup", name=resident.name, code=meeting.code)
            if existing.mode == mode:
                return Assisted(meeting.code, "", resident, "same", starts_at=meeting.starts_at)
        with on_behalf_of(resident.name):
            meeting, outcome = await service.sign_up(
                resident, mode, meeting.code, act.actor, switch=True, assisted_by=act.assistant
            )
        self._recorded(
            ev.SignupAssisted, meeting.code, "", act, mode=mode, starts_at=meeting.starts_at
        )
        status = "changed" if outcome == "switched" else "new"
        return Assisted(
            meeting.code,
            "",
            resident,
            status,
            starts_at=meeting.starts_at,
            reachable=await self._reachable(resident),
        )

    async def vote(self, poll_id: int, mask: int, act: OnBehalf) -> Assisted:
        """A named vote for the resident; anonymous polls refuse (a ballot someone else
        cast can't be secret)."""
        resident = act.resident
        polls = PollService(self.uow, self.now, self.ballots)
        poll = await polls.get(poll_id)
        ref = poll_ref(poll_id)
        if poll.anonymous:
            raise AssistError("anonymous", ref=ref, name=resident.name)
        await self._check(act, PARTICIPANTS)
        assert resident.id is not None
        await self._not_withdrawn("vote", ref, resident)
        existing = await self.uow.get(PollRepository).voter_of(poll_id, resident.id)
        if existing is not None and existing.assisted_by is not None and polls.is_open(poll):
            if existing.choice_mask == mask:
                return Assisted(ref, poll.question, resident, "same")
            # A 代办 vote is changed by the resident only, never by whoever assisted.
            raise AssistError("vote_change", ref=ref, name=resident.name)
        with on_behalf_of(resident.name):
            outcome = await polls.cast(
                poll_id, resident, mask, act.actor, assisted_by=act.assistant
            )
        self._recorded(ev.VoteAssisted, ref, poll.question, act, poll=poll, mask=mask)
        reachable = await self._reachable(resident)
        return Assisted(ref, poll.question, resident, outcome.status, reachable=reachable)

    async def _not_withdrawn(self, kind: str, ref: str, resident: Resident) -> None:
        """A resident who undid (撤销) a 代办 of this topic, meeting or poll said it was not
        their wish: nobody assists them in it again, they act themselves."""
        entity = {"cosign": "topic", "signup": "meeting", "vote": "poll"}[kind]
        for entry in await self.uow.audit.for_entity(entity, ref):
            if entry.action == "assist_undone" and (entry.after or {}).get("resident") == (
                resident.id
            ):
                raise AssistError(f"withdrawn_{kind}", name=resident.name, ref=ref)

    def _recorded(
        self,
        event: type[ev.AssistRecorded],
        ref: str,
        title: str,
        act: OnBehalf,
        **own: Any,
    ) -> None:
        """Records the event that asks the resident to confirm or undo; ``own`` holds the
        fields of its kind (a sign-up's mode, a vote's choices)."""
        resident, assistant = act.resident, act.assistant
        assert resident.id is not None and assistant.id is not None
        self.uow.record(
            event(
                ref=ref,
                title=title,
                resident_id=resident.id,
                assistant_id=assistant.id,
                assistant_name=assistant.name,
                at=self.now,
                **own,
            )
        )

    # ---- the resident's answer -------------------------------------------------------------

    async def pending(self, resident: Resident) -> list[Pending]:
        """Every 代办 made for ``resident`` still waiting for their 确认 or 撤销 (what "不是我的
        意思" or a typed 撤销 can be about): co-signs, sign-ups, then votes."""
        if resident.id is None:
            return []
        found: list[Pending] = []
        for cosign, topic in await self.uow.get(TopicRepository).awaiting_word_of(resident.id):
            found.append(
                Pending(
                    "cosign",
                    topic_ref(topic.id or 0),
                    topic.title,
                    await self._name_of(cosign.assisted_by),
                    cosign.assisted_at,
                )
            )
        meetings = self.uow.get(MeetingRepository)
        for signup, meeting in await meetings.awaiting_word_of(resident.id, self.now):
            found.append(
                Pending(
                    "signup",
                    meeting.code,
                    "",
                    await self._name_of(signup.assisted_by),
                    signup.assisted_at,
                    starts_at=meeting.starts_at,
                    mode=signup.mode,
                )
            )
        polls = PollService(self.uow, self.now, self.ballots)
        for poll in await self.uow.get(PollRepository).open_polls():
            if not polls.is_open(poll) or poll.id is None:
                continue
            voter = await self.uow.get(PollRepository).voter_of(poll.id, resident.id)
            if voter is None or voter.assisted_by is None or voter.assist_confirmed_at:
                continue
            found.append(
                Pending(
                    "vote",
                    poll_ref(poll.id),
                    poll.question,
                    await self._name_of(voter.assisted_by),
                    voter.assisted_at,
                    poll=poll,
                    mask=voter.choice_mask or 0,
                )
            )
        return found

    async def _name_of(self, resident_id: int | None) -> str:
        helper = await self.uow.residents.get(resident_id) if resident_id is not None else None
        return helper.name if helper is not None else ""

    async def confirm(
        self, ref: str, resident: Resident, actor: str, card: str | None = None
    ) -> Answered:
        """确认: it was the resident's wish; it stays marked assisted. ``card``: the stamp
        the tapped card carries (None: typed by hand, the current 代办)."""
        ref = ref.upper()
        kind, found = await self._own_record(ref, resident, card)
        record, title = found
        await self._not_cancelled(kind, ref)
        if record.assist_confirmed_at is None:
            record.assist_confirmed_at = self.now
            await self._save(record)
            await self._audit(actor, "assist_confirmed", kind, ref, resident)
            if kind == "cosign":  # now it counts: the topic may reach its threshold
                await TopicService(self.uow, self.rules, self.now).requalify(int(ref[1:]), actor)
        assert record.assisted_by is not None
        return await self._answered(kind, ref, title, record.assisted_by)

    async def undo(
        self, ref: str, resident: Resident, actor: str, card: str | None = None
    ) -> Answered:
        """撤销: taken back exactly as the resident's own withdrawal would be; the assistant
        is told. A vote in a closed poll is in the result and stays. ``card`` as for
        :meth:`confirm`."""
        ref = ref.upper()
        kind, found = await self._own_record(ref, resident, card)
        record, title = found
        await self._not_cancelled(kind, ref)
        if record.assist_confirmed_at is not None:
            if kind == "vote":
                polls = PollService(self.uow, self.now, self.ballots)
                if not polls.is_open(await polls.get(int(ref[1:]))):
                    raise AssistError("poll_closed", ref=ref)  # in the result: it stays
            # Confirmed as their own: taken back only as their own is (取消附议 …).
            raise AssistError(f"confirmed_{kind}", ref=ref)
        assert record.assisted_by is not None and resident.id is not None
        number = int(ref[1:])
        if kind == "cosign":
            await TopicService(self.uow, self.rules, self.now).withdraw_cosign(
                number, resident, actor
            )
        elif kind == "signup":
            try:
                await MeetingService(self.uow, self.rules, self.zone, self.now).withdraw(
                    resident, ref, actor
                )
            except MeetingError as exc:
                raise AssistError("already_undone", ref=ref) from exc
        else:
            try:
                await PollService(self.uow, self.now, self.ballots).withdraw(
                    number, resident, actor
                )
            except PollError as exc:
                if exc.code == "closed":
                    raise AssistError("poll_closed", ref=ref) from exc
                raise
        await self._audit(
            actor, "assist_undone", kind, ref, resident, assisted_by=record.assisted_by
        )
        self.uow.record(
            ev.AssistUndone(
                kind=kind,
                ref=ref,
                title=title,
                resident_id=resident.id,
                resident_name=resident.name,
                assistant_id=record.assisted_by,
                at=self.now,
            )
        )
        return await self._answered(kind, ref, title, record.assisted_by)

    async def _not_cancelled(self, kind: str, ref: str) -> None:
        """A sign-up for a meeting cancelled since is neither confirmed nor undone: the
        resident is told it was cancelled, and why."""
        if kind != "signup":
            return
        meeting = await self.uow.get(MeetingRepository).by_code(ref)
        if meeting is None or meeting.id is None or meeting.status != "cancelled":
            return
        changes = await self.uow.get(MeetingChangeRepository).of_meeting(meeting.id)
        reasons = [c.reason for c in changes if c.kind == "cancelled" and c.reason]
        if reasons:
            raise AssistError("meeting_cancelled", ref=ref, reason=reasons[-1])
        raise AssistError("meeting_cancelled_no_reason", ref=ref)

    async def _answered(self, kind: str, ref: str, title: str, assistant_id: int) -> Answered:
        helper = await self.uow.residents.get(assistant_id)
        name = helper.name if helper is not None else f"#{assistant_id}"
        return Answered(kind, ref, title, assistant_id, name)

    async def _own_record(
        self, ref: str, resident: Resident, card: str | None = None
    ) -> tuple[str, tuple[AssistedRow, str]]:
        """The sender's own assisted record named by ``ref`` (T3, M202612, P2), and its title;
        with ``card``, only the 代办 that card was sent for (else ``superseded``)."""
        kind = KIND_OF_LETTER.get(ref[:1].upper())
        if kind is None or resident.id is None:
            raise AssistError("nothing", ref=ref)
        ref = ref.upper()
        found: tuple[AssistedRow, str] | None = None
        if kind == "cosign":
            topic = await self.uow.get(TopicRepository).get(int(ref[1:]))
            cosign = await self.uow.get(TopicRepository).cosign_of(int(ref[1:]), resident.id)
            if topic is not None and cosign is not None:
                found = cosign, topic.title
        elif kind == "signup":
            meeting = await self.uow.get(MeetingRepository).by_code(ref)
            signup = (
                await self.uow.get(MeetingRepository).signup(meeting.id, resident.id)
                if meeting is not None and meeting.id is not None
                else None
            )
            if signup is not None and signup.status == "signed":
                found = signup, ""
        else:
            poll = await self.uow.get(PollRepository).get(int(ref[1:]))
            voter = await self.uow.get(PollRepository).voter_of(int(ref[1:]), resident.id)
            if poll is not None and voter is not None:
                found = voter, poll.question
        if found is None or found[0].assisted_by is None:
            raise AssistError("nothing", ref=ref)
        record = found[0]
        if card is not None and card.lower() != card_stamp(record.assisted_at):
            helper = await self.uow.residents.get(found[0].assisted_by)
            key = "superseded_confirmed" if record.assist_confirmed_at else "superseded"
            raise AssistError(key, ref=ref, assistant=helper.name if helper else "")
        return kind, found

    async def _save(self, record: AssistedRow) -> None:
        if isinstance(record, TopicCosign):
            await self.uow.get(TopicRepository).save_cosign(record)
        elif isinstance(record, MeetingSignup):
            await self.uow.get(MeetingRepository).save(record)
        else:
            await self.uow.get(PollRepository).save_voter(record)

    async def _audit(
        self, actor: str, action: str, kind: str, ref: str, resident: Resident, **after: object
    ) -> None:
        entity = {"cosign": "topic", "signup": "meeting", "vote": "poll"}[kind]
        await audit_change(
            self.uow, self.now, actor, action, entity, ref, resident=resident.id, **after
        )
