"""议题 as the replies show them: a draft to confirm, a topic's standing, the lists to
co-sign and to screen, a co-signature's receipt, and a recurring problem's offer decided."""

from __future__ import annotations

from collections.abc import Sequence

from consultation import events as ev
from consultation.binding import push_route
from consultation.ids import topic_ref
from consultation.participation import Participant
from consultation.recurring import OfferOutcome
from consultation.topics import TOPIC_STATUS_ZH, CosignResult, TopicDraft
from kernel.flows import stamped
from kernel.messages import Button, Reply
from kernel.texts import t
from notices.assisted import names, of_which_in
from notices.topics import screening_hint
from storage.topics import Topic
from storage.unit_of_work import UnitOfWork


def _ref(topic: Topic) -> str:
    return topic_ref(topic.id or 0)


def _cosign_button(ref: str, private: bool = False) -> Button:
    return Button(f"附议 {ref}", f"附议 {ref}", private=private)


def topic_draft(draft: TopicDraft, draft_id: str) -> Reply:
    """The proposal as it will be filed, with 确认提交 and 取消 of this draft only (its
    stamp goes with them: the card acts on no draft that takes its place)."""
    submit = Button(t("topic.confirm_button"), stamped("确认提交", draft_id))
    return Reply(
        t("topic.confirm", title=draft.title, description=draft.description),
        buttons=(submit, Button("取消", stamped("取消", draft_id))),
    )


def topic_standing(topic: Topic, need: int, viewer: int | None) -> Reply:
    """A topic as it stands, with 附议 offered while it collects co-signatures — except to
    its proposer (``viewer``), who is told the count instead."""
    ref = _ref(topic)
    values = {"ref": ref, "title": topic.title, "status": TOPIC_STATUS_ZH[topic.status]}
    if topic.status == "qualified" and topic.reason:  # back from a void vote, saying why
        return Reply(t("topic.status_requeued", reason=topic.reason, **values))
    if topic.status != "accepted":
        return Reply(t("topic.status", **values))
    if topic.proposer_id == viewer:
        return Reply(t("topic.status_own", count=topic.cosign_count, need=need, **values))
    return Reply(
        t("topic.status_collecting", count=topic.cosign_count, need=need, **values),
        buttons=(_cosign_button(ref, private=True),),
    )


def cosign_choices(open_topics: Sequence[Topic], need: int) -> Reply:
    """附议 without a number: what is open for co-signing (ten listed, five buttons)."""
    if not open_topics:
        return Reply(t("topic.none_to_cosign"))
    buttons = tuple(_cosign_button(_ref(x)) for x in open_topics[:5])
    return Reply(t("topic.which_to_cosign", topics=_listed(open_topics, need)), buttons=buttons)


def topics_overview(
    open_topics: Sequence[Topic],
    mine: Sequence[Topic],
    need: int,
    viewer: int | None,
    *,
    own_first: bool,
) -> Reply:
    """议题列表 / 我的议题: what is open for co-signing, and the sender's (``viewer``'s)
    own topics, first when they asked for theirs. Buttons only for neighbours' topics."""
    theirs = [x for x in open_topics if x.proposer_id != viewer]
    parts = [
        t("topic.overview_open", topics=_listed(open_topics, need))
        if open_topics
        else t("topic.overview_none_open")
    ]
    if theirs:
        parts.append(t("topic.overview_hint"))
    if mine:
        own = "\n".join(f"{_ref(x)} {x.title}（{TOPIC_STATUS_ZH[x.status]}）" for x in mine)
        parts.insert(0 if own_first else len(parts), t("topic.overview_mine", topics=own))
    elif own_first:
        parts.insert(0, t("topic.overview_mine_none"))
    buttons = tuple(_cosign_button(_ref(x), private=True) for x in theirs[:5])
    return Reply("\n\n".join(parts), buttons=buttons)


def _listed(open_topics: Sequence[Topic], need: int) -> str:
    """Ten topics open for co-signing, each with its count of the threshold."""
    return "\n".join(f"{_ref(x)} {x.title}（{x.cosign_count}/{need}）" for x in open_topics[:10])


def cosign_receipt(result: CosignResult) -> Reply:
    """Counted; and when this signature was the one it needed, qualified."""
    values = {"ref": _ref(result.topic), "count": result.count}
    if result.qualified_now:
        return Reply(t("topic.cosigned_qualified", **values))
    title, threshold = result.topic.title, result.threshold
    text = t("topic.cosigned", title=title, threshold=threshold, **values)
    if result.awaiting and result.count >= threshold and result.topic.status == "accepted":
        text += t("topic.cosigned_awaiting", awaiting=result.awaiting)
    return Reply(text)


def cosign_withdrawn(topic: Topic, threshold: int, *, short: bool) -> Reply:
    """取消附议: taken back, the count now; and when that left a qualified topic short,
    that it collects co-signatures again."""
    key = "topic.cosign_withdrawn_short" if short else "topic.cosign_withdrawn"
    return Reply(
        t(key, ref=_ref(topic), title=topic.title, count=topic.cosign_count, threshold=threshold)
    )


async def _reachable(uow: UnitOfWork, resident_id: int) -> bool:
    """Whether a push to this person goes anywhere: the dispatch table queues one only
    to a bound account (:func:`consultation.binding.push_to_person`)."""
    return bool((await push_route(uow, resident_id)).accounts)


async def told_parts(
    uow: UnitOfWork, topic: Topic, by: int | None, reporters: Sequence[int]
) -> tuple[str, str]:
    """Who hears of a screening by ``by``, and who should but can't: the proposer unless
    it is ``by`` (a topic drawn from tickets is proposed by a moderator), and the
    tickets' ``reporters``; each only when an account of theirs can be reached."""
    told: list[str] = []
    missed: list[str] = []
    if topic.proposer_id != by:
        reached = await _reachable(uow, topic.proposer_id)
        (told if reached else missed).append(t("topic.told_proposer"))
    reached_reporters = [rid for rid in reporters if await _reachable(uow, rid)]
    if reached_reporters:
        told.append(t("topic.told_reporters", count=len(reached_reporters)))
    if len(reached_reporters) < len(reporters):
        gone = len(reporters) - len(reached_reporters)
        missed.append(t("topic.told_reporters", count=gone))
    return "和".join(told), "和".join(missed)


async def screened(
    uow: UnitOfWork, key: str, event: ev.TopicScreened, told: str = "topic.told", **values: object
) -> Reply:
    """A moderator's 通过 / 驳回 / 合并 answered (in chat and in the 工作台): what it did,
    who was told of it — never the proposer when the moderator is the proposer — and who
    could not be told, to be told otherwise."""
    reporters = [rid for rid, _numbers in event.reporters]
    whom, missed = await told_parts(uow, event.topic, event.by, reporters)
    said = t(told, whom=whom) if whom else ""
    if missed:
        said += t("topic.not_reached", whom=missed)
    return Reply(t(key, ref=_ref(event.topic), told=said, **values))


def reject_reason_asked(topic: Topic, whom: str) -> Reply:
    """驳回 without a reason: the reason is asked for, saying who will read it."""
    if whom:
        return Reply(t("topic.ask_reject_reason", ref=_ref(topic), whom=whom))
    return Reply(t("topic.ask_reject_reason_kept", ref=_ref(topic)))


def pending_topics(pending: Sequence[Topic]) -> Reply:
    """待审议题: each with its 六议六不议 pre-screen."""
    if not pending:
        return Reply(t("topic.pending_none"))
    lines = "\n".join(f"{_ref(x)} {x.title}｜{screening_hint(x)}" for x in pending)
    return Reply(t("topic.pending_list", topics=lines))


def cosigner_roll(topic: Topic, people: Sequence[Participant]) -> Reply:
    """附议名单: who co-signed, those signed for by a grid worker marked 代办."""
    label, title = _ref(topic), topic.title
    if not people:
        return Reply(t("topic.cosigns_none", ref=label, title=title))
    listed = {"count": len(people), "assisted": of_which_in(people), "names": names(people)}
    return Reply(t("topic.cosigns_list", ref=label, title=title, **listed))


def offer_decided(done: OfferOutcome) -> Reply:
    """What a tap on a recurring problem's offer made, or what an earlier one had (a
    second tap changes nothing)."""
    offer, topic = done.offer, done.topic
    who = offer.decided_by_name or ""
    if topic is None:
        return Reply(t("recurring.declined_before", who=who))
    ref = _ref(topic)
    if not done.decided_now:
        return Reply(t("recurring.accepted_before", who=who, ref=ref))
    return Reply(
        t("recurring.accepted", ref=ref, title=topic.title, tickets="、".join(offer.tickets))
    )
