"""议题: proposal, pre-screening, the moderator's decision, merging and co-signing (附议)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from consultation import events as ev
from consultation.audit import audit_change
from consultation.config import ConsultationRules
from consultation.errors import DomainError, or_refuse
from consultation.ids import find_ref, topic_ref
from consultation.participation import Participant, participants
from consultation.schedule import TimedEvent
from consultation.screening import ScreenHint, screen
from storage.meetings import MeetingRepository
from storage.models import Resident
from storage.recurring import RecurringOfferRepository
from storage.tickets import Ticket
from storage.topics import Topic, TopicRepository
from storage.unit_of_work import UnitOfWork

TITLE_MAX = 30

#: status → Chinese, as residents see it.
TOPIC_STATUS_ZH = {
    "proposed": "待审核",
    "accepted": "征集附议中",
    "rejected": "未通过审核",
    "merged": "已合并",
    "qualified": "已达附议人数",
    "scheduled": "已列入议程",
    "decided": "已表决",
}

_LEAD = re.compile(
    r"^(?:我(?:想|要)?(?:提|提出|发起)(?:一?个)?(?:议题|建议|提议)|提议题|议题|我有个提议|我建议)"
    r"[:：,，\s]*"
)
_BUILDING = re.compile(r"(\d{1,3})\s*(?:号楼|栋|幢)")


class TopicThresholds:
    """A co-sign threshold lowered in the configuration qualifies the topics that
    already reach it (T2 at 2 co-signatures stayed off every agenda when 10 became 2).

    A :class:`~consultation.schedule.TimedEventSource`: every rebuild of the schedule
    (start-up, which reads the configuration, included) finds those topics, and the
    scheduler fires each once, as if the last co-signature had just arrived."""

    kinds: tuple[str, ...] = ("topic.qualify",)

    def __init__(self, rules: ConsultationRules) -> None:
        self.rules = rules

    async def upcoming(
        self, uow: UnitOfWork, now: datetime, horizon: timedelta
    ) -> list[TimedEvent]:
        threshold = self.rules.cosign_threshold
        return [
            TimedEvent(
                key=f"topic.qualify:{threshold}:{topic_ref(topic.id or 0)}",
                kind="topic.qualify",
                ref=topic_ref(topic.id or 0),
                due_at=now,
            )
            for topic in await uow.get(TopicRepository).accepted_reaching(threshold)
        ]

    async def fire(self, uow: UnitOfWork, event: TimedEvent, now: datetime, late: bool) -> None:
        topic_id = find_ref(event.ref, "T")
        if topic_id is not None:
            await TopicService(uow, self.rules, now).requalify(topic_id, "scheduler")


class TopicError(DomainError):
    """A refused topic action (``topic_error.<code>`` in the catalogue)."""

    section = "topic_error"


@dataclass(frozen=True, slots=True)
class TopicDraft:
    """A proposal's title and description, as the bot confirms them."""

    title: str
    description: str


#: Where a proposal's first sentence ends: a comma or a stop, but not the point of a
#: decimal ("限高从2.2米提高到2.5米", "1.5万元").
_TITLE_END = re.compile(r"[，,。!！？?；;\n]|(?<!\d)\.|\.(?!\d)")


def draft_from_message(text: str) -> TopicDraft | None:
    """ "我想提个议题：小区停车位太少，…" → title and description (None when empty)."""
    body = _LEAD.sub("", text.strip()).strip()
    if len(body) < 4:
        return None
    first = _TITLE_END.split(body, maxsplit=1)[0].strip() or body
    title = first if len(first) <= TITLE_MAX else first[: TITLE_MAX - 1] + "…"
    return TopicDraft(title=title, description=body)


def buildings_in(text: str) -> list[str]:
    """The buildings a topic names ("3号楼", "5栋" → "3号楼", "5号楼"), in order."""
    seen: list[str] = []
    for number in _BUILDING.findall(text):
        name = f"{int(number)}号楼"
        if name not in seen:
            seen.append(name)
    return seen


def signer_key(resident: Resident, per_household: bool) -> str:
    """One co-signature per resident, or per household when so configured."""
    if per_household and resident.household:
        return f"h:{resident.household}"
    return f"r:{resident.id}"


def ticket_reporters(tickets: Sequence[Ticket]) -> tuple[tuple[int, tuple[str, ...]], ...]:
    """Each reporting resident with the numbers of their own tickets, in ticket order."""
    numbers: dict[int, list[str]] = {}
    for ticket in tickets:
        if ticket.reporter_resident_id is not None:
            numbers.setdefault(ticket.reporter_resident_id, []).append(ticket.number)
    return tuple((rid, tuple(own)) for rid, own in numbers.items())


@dataclass(frozen=True, slots=True)
class CosignResult:
    topic: Topic
    qualified_now: bool
    count: int
    threshold: int
    #: Of ``count``, the 代办 co-signs still waiting for their resident's 确认: not
    #: counted towards the threshold until confirmed.
    awaiting: int = 0


class TopicService:
    """Topic life cycle; every state change is audited with who and when."""

    def __init__(self, uow: UnitOfWork, rules: ConsultationRules, now: datetime) -> None:
        self.uow, self.rules, self.now = uow, rules, now
        self.topics = uow.get(TopicRepository)

    async def _record(
        self, actor: str, action: str, topic: Topic, before: str | None, **extra: object
    ) -> None:
        await audit_change(
            self.uow,
            self.now,
            actor,
            action,
            "topic",
            topic_ref(topic.id or 0),
            {"status": before} if before else None,
            status=topic.status,
            **extra,
        )

    def hint(self, text: str) -> ScreenHint:
        return screen(text, self.rules.catalogue, self.rules.discuss, self.rules.not_discuss)

    async def propose(self, proposer: Resident, draft: TopicDraft, actor: str) -> Topic:
        assert proposer.id is not None
        hint = self.hint(draft.title + " " + draft.description)
        topic = await self.topics.add(
            Topic(
                title=draft.title,
                description=draft.description,
                proposer_id=proposer.id,
                screen_hint=hint.as_json(),
                buildings=buildings_in(draft.description),
                created_at=self.now,
                updated_at=self.now,
            )
        )
        await self._record(actor, "topic_proposed", topic, None, title=topic.title)
        self.uow.record(ev.TopicProposed(topic=topic, proposer_name=proposer.name))
        return topic

    async def get(self, topic_id: int) -> Topic:
        return or_refuse(
            await self.topics.get(topic_id), TopicError("not_found", ref=topic_ref(topic_id))
        )

    async def _change(
        self, topic: Topic, status: str, actor: str, action: str, **extra: object
    ) -> None:
        before = topic.status
        topic.status, topic.updated_at = status, self.now
        await self.topics.save(topic)
        await self._record(actor, action, topic, before, **extra)

    async def screening(self, topic_id: int) -> Topic:
        """The topic, if it still awaits screening: an old 通过/驳回 button under a card
        another moderator (or this one) has answered changes nothing, and is told so."""
        topic = await self.get(topic_id)
        if topic.status != "proposed":
            raise TopicError(
                "not_pending", ref=topic_ref(topic_id), status=TOPIC_STATUS_ZH[topic.status]
            )
        return topic

    async def reporters(
        self, topic: Topic, *leave_out: int | None
    ) -> tuple[tuple[int, tuple[str, ...]], ...]:
        """For a topic drawn from tickets (提交初审 on a recurring problem): who reported
        them, each with the numbers of their own tickets; none for a resident's proposal."""
        assert topic.id is not None
        offers = self.uow.get(RecurringOfferRepository)
        numbers = [n for offer in await offers.of_topic(topic.id) for n in offer.tickets]
        if not numbers:
            return ()
        found = ticket_reporters(await offers.tickets(numbers))
        return tuple((rid, own) for rid, own in found if rid not in leave_out)

    async def _told_reporters(
        self, topic: Topic, by: int | None
    ) -> tuple[tuple[int, tuple[str, ...]], ...]:
        """A screening event's ``reporters``: neither the moderator who acted nor the
        proposer (who hears as proposer) is told as a reporter as well."""
        return await self.reporters(topic, by, topic.proposer_id)

    async def accept(self, topic_id: int, actor: str, by: int | None = None) -> ev.TopicAccepted:
        """通过: it collects co-signatures (``by``: the moderator, a resident id)."""
        topic = await self.screening(topic_id)
        await self._change(topic, "accepted", actor, "topic_accepted")
        accepted = ev.TopicAccepted(
            topic=topic,
            threshold=self.rules.cosign_threshold,
            by=by,
            reporters=await self._told_reporters(topic, by),
        )
        self.uow.record(accepted)
        if topic.cosign_count >= self.rules.cosign_threshold:
            await self._change(topic, "qualified", actor, "topic_qualified")
        return accepted

    async def reject(
        self, topic_id: int, reason: str, actor: str, by: int | None = None
    ) -> ev.TopicRejected:
        """Only a topic awaiting screening: one already accepted stays accepted (an old
        驳回 button under a card its moderator had answered 通过 must change nothing)."""
        topic = await self.screening(topic_id)
        if not reason.strip():
            raise TopicError("reason_required")
        topic.reason = reason.strip()[:500]
        await self._change(topic, "rejected", actor, "topic_rejected", reason=topic.reason)
        reporters = await self._told_reporters(topic, by)
        rejected = ev.TopicRejected(topic=topic, by=by, reporters=reporters)
        self.uow.record(rejected)
        return rejected

    async def merge(
        self, topic_id: int, into_id: int, actor: str, by: int | None = None
    ) -> ev.TopicMerged:
        topic, target = await self.get(topic_id), await self.get(into_id)
        if topic_id == into_id:
            raise TopicError("merge_self")
        if topic.status not in ("proposed", "accepted") or target.status in ("rejected", "merged"):
            raise TopicError("cannot_merge", ref=topic_ref(topic_id), into=topic_ref(into_id))
        topic.merged_into_id = into_id
        topic.reason = f"与{topic_ref(into_id)}合并"
        await self._change(topic, "merged", actor, "topic_merged", into=topic_ref(into_id))
        reporters = await self._told_reporters(topic, by)
        merged = ev.TopicMerged(topic=topic, into=target, by=by, reporters=reporters)
        self.uow.record(merged)
        return merged

    async def cosign(
        self, topic_id: int, resident: Resident, actor: str, assisted_by: Resident | None = None
    ) -> CosignResult:
        """Add a 附议 (``assisted_by`` a grid worker or moderator for the resident, 代办,
        under the same rules); at the threshold the topic qualifies (once)."""
        assert resident.id is not None
        refusal = TopicError("not_found", ref=topic_ref(topic_id))
        topic = or_refuse(await self.topics.get_for_update(topic_id), refusal)
        if topic.status == "merged" and topic.merged_into_id:
            raise TopicError(
                "merged", ref=topic_ref(topic_id), into=topic_ref(topic.merged_into_id)
            )
        if topic.status not in ("accepted", "qualified", "scheduled"):
            raise TopicError(
                "not_open", ref=topic_ref(topic_id), status=TOPIC_STATUS_ZH[topic.status]
            )
        if topic.proposer_id == resident.id:
            raise TopicError("own_topic", ref=topic_ref(topic_id))
        key = signer_key(resident, self.rules.cosign_per_household)
        helper = assisted_by.id if assisted_by is not None else None
        if not await self.topics.cosign(topic_id, resident.id, key, helper, self.now):
            other = await self.topics.signer_of(topic_id, key)
            code = "already" if other == resident.id else "household_already"
            raise TopicError(code, ref=topic_ref(topic_id))
        await self.uow.session.refresh(topic)
        qualified_now = await self._qualify_if_reached(topic, actor, by=resident.id)
        after: dict[str, object] = {"count": topic.cosign_count}
        if assisted_by is not None:
            after.update(resident=resident.id, assisted_by=helper, at=self.now.isoformat())
        await self.uow.audit.record(
            actor, "topic_cosigned", "topic", topic_ref(topic_id), None, after
        )
        awaiting = await self.topics.awaiting_word(topic_id)
        return CosignResult(
            topic, qualified_now, topic.cosign_count, self.rules.cosign_threshold, awaiting
        )

    async def withdraw_cosign(self, topic_id: int, resident: Resident, actor: str) -> Topic:
        """Take a 附议 back; a topic that qualified and is now short goes back to collecting
        (one already on an agenda or decided stays where it is)."""
        assert resident.id is not None
        refusal = TopicError("not_found", ref=topic_ref(topic_id))
        topic = or_refuse(await self.topics.get_for_update(topic_id), refusal)
        if not await self.topics.remove_cosign(topic_id, resident.id):
            raise TopicError("not_cosigned", ref=topic_ref(topic_id))
        await self.uow.session.refresh(topic)
        await audit_change(
            self.uow,
            self.now,
            actor,
            "topic_cosign_withdrawn",
            "topic",
            topic_ref(topic_id),
            count=topic.cosign_count,
            resident=resident.id,
        )
        counted = topic.cosign_count - await self.topics.awaiting_word(topic_id)
        if topic.status == "qualified" and counted < self.rules.cosign_threshold:
            round_ = await self._times_short_again(topic) + 1
            await self._change(
                topic, "accepted", actor, "topic_unqualified", cosigns=topic.cosign_count
            )
            self.uow.record(
                ev.TopicUnqualified(
                    topic=topic,
                    count=topic.cosign_count,
                    threshold=self.rules.cosign_threshold,
                    supporters=await self.audience(topic),
                    round=round_,
                )
            )
        return topic

    async def _times_short_again(self, topic: Topic) -> int:
        """How often the topic has gone back from qualified to collecting."""
        entries = await self.uow.audit.for_entity("topic", topic_ref(topic.id or 0))
        return sum(1 for e in entries if e.action == "topic_unqualified")

    async def cosign_list(self, topic_id: int) -> tuple[Topic, list[Participant]]:
        """附议名单: who co-signed, in order, those signed for by someone else marked."""
        topic = await self.get(topic_id)
        return topic, await participants(self.uow, await self.topics.cosign_list(topic_id))

    async def _qualify_if_reached(self, topic: Topic, actor: str, by: int | None) -> bool:
        """At the threshold a topic collecting co-signatures qualifies, once; its
        supporters (but not ``by``, answered directly) and the moderators are told. A 代办
        co-sign its resident has not confirmed yet does not count towards it (README,
        "代办 and the threshold")."""
        if topic.status != "accepted" or topic.cosign_count < self.rules.cosign_threshold:
            return False
        awaiting = await self.topics.awaiting_word(topic.id or 0)
        if topic.cosign_count - awaiting < self.rules.cosign_threshold:
            return False
        await self._change(
            topic,
            "qualified",
            actor,
            "topic_qualified",
            cosigns=topic.cosign_count,
            threshold=self.rules.cosign_threshold,
        )
        ahead = await self.uow.get(MeetingRepository).upcoming(self.now, limit=1)
        self.uow.record(
            ev.TopicQualified(
                topic=topic,
                count=topic.cosign_count,
                supporters=await self.audience(topic),
                by=by,
                next_meeting=ahead[0].code if ahead else None,
                round=await self._times_short_again(topic),
            )
        )
        return True

    async def requalify(self, topic_id: int, actor: str) -> bool:
        """The threshold as configured now, applied to a topic that may reach it (also
        when a 代办 co-sign is confirmed: now it counts)."""
        topic = await self.topics.get_for_update(topic_id)
        return topic is not None and await self._qualify_if_reached(topic, actor, by=None)

    async def audience(self, topic: Topic) -> list[int]:
        """Proposer and co-signers: who is told when the topic moves on."""
        assert topic.id is not None
        return [topic.proposer_id, *await self.topics.cosigners(topic.id)]

    async def proposer(self, topic: Topic) -> Resident | None:
        return await self.uow.residents.get(topic.proposer_id)

    async def list(self, *statuses: str) -> list[Topic]:
        return list(await self.topics.with_status(*statuses))

    async def proposed_by(self, resident: Resident, limit: int = 10) -> Sequence[Topic]:
        """我提的议题: a resident's own, newest first, whatever became of them."""
        assert resident.id is not None
        return await self.topics.proposed_by(resident.id, limit)
