"""议题: who is told what as a topic is proposed, screened, merged and qualifies."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from consultation import events as ev
from consultation.audiences import Audience, CommunityGroups, Moderators, People, Person
from consultation.ids import topic_ref
from kernel.messages import Button, Reply
from kernel.texts import t
from notices.dispatch import Notify, Route, Table
from storage.topics import Topic


def screening_hint(topic: Topic) -> str:
    """The 六议六不议 pre-screen, as the moderator reads it."""
    hint = topic.screen_hint or {}
    if hint.get("verdict") == "not_discuss":
        return t("topic.hint_not", matched="、".join(hint.get("not_discuss", [])))
    if hint.get("verdict") == "ok":
        matched = [*hint.get("catalogue", []), *hint.get("discuss", [])]
        return t("topic.hint_ok", matched="、".join(dict.fromkeys(matched)))
    return t("topic.hint_unclear")


def _topic_ref(event: ev.TopicChanged) -> str:
    return topic_ref(event.topic.id or 0)


def _proposer(event: ev.TopicScreened) -> list[Audience]:
    """The proposer, unless they screened it themselves (a topic drawn from tickets is
    proposed by the moderator who tapped 提交初审: "您提的议题" about his own act)."""
    if event.by == event.topic.proposer_id:
        return []
    return [Person(event.topic.proposer_id)]


def _reporters(event: ev.TopicScreened) -> list[Audience]:
    """Those who reported the tickets a topic was drawn from (none for a proposal)."""
    return [Person(rid) for rid, _numbers in event.reporters]


def _to_reporter(key: str) -> Callable[[ev.TopicScreened, Audience], Reply]:
    """What became of the topic their tickets made, to one reporter: their own ticket
    numbers only (``recurring.reporter_<key>``), never who else reported."""

    def say(event: ev.TopicScreened, audience: Audience) -> Reply:
        assert isinstance(audience, Person)
        numbers = "、".join(dict(event.reporters).get(audience.resident_id, ()))
        topic, ref = event.topic, _topic_ref(event)
        values = {"numbers": numbers, "ref": ref, "title": topic.title, "reason": topic.reason}
        if isinstance(event, ev.TopicAccepted):
            text = t("recurring.reporter_accepted", threshold=event.threshold, **values)
            return Reply(text, buttons=(Button(f"附议 {ref}", f"附议 {ref}", private=True),))
        if isinstance(event, ev.TopicMerged):
            into = topic_ref(event.into.id or 0)
            values["title"] = event.into.title
            text = t("recurring.reporter_merged", into=into, **values)
            return Reply(text, buttons=(Button(f"附议 {into}", f"附议 {into}", private=True),))
        return Reply(t(f"recurring.reporter_{key}", **values))

    return say


def _proposed(event: ev.TopicProposed, _a: Audience) -> Reply:
    topic, ref = event.topic, _topic_ref(event)
    return Reply(
        t(
            "topic.moderator_new",
            ref=ref,
            who=event.proposer_name,
            title=topic.title,
            description=topic.description,
            hint=screening_hint(topic),
        ),
        buttons=(
            Button("通过", f"审核 {ref} 通过"),
            Button("驳回", f"驳回 {ref}"),  # asks for the reason the proposer will read
        ),
    )


def _accepted(event: ev.TopicAccepted, _a: Audience) -> Reply:
    ref = _topic_ref(event)
    text = t("topic.accepted_proposer", ref=ref, title=event.topic.title, threshold=event.threshold)
    return Reply(text)  # no 附议 button: a proposer can't co-sign their own


def _open_for_cosign(event: ev.TopicAccepted, _a: Audience) -> Reply | None:
    """The residents' groups hear that a topic is open for co-signing, with the button;
    one that qualified on acceptance (a threshold of 0) has nothing to ask for."""
    if event.topic.status != "accepted":
        return None
    ref = _topic_ref(event)
    text = t("topic.open_for_cosign", ref=ref, title=event.topic.title, threshold=event.threshold)
    return Reply(text, buttons=(Button(f"附议 {ref}", f"附议 {ref}", private=True),))


def _qualified(event: ev.TopicQualified, audience: Audience) -> Reply:
    values = {"ref": _topic_ref(event), "title": event.topic.title, "count": event.count}
    if not isinstance(audience, Moderators):
        return Reply(t("topic.qualified_notice", **values))
    code = event.next_meeting
    if code is None:
        return Reply(t("topic.qualified_moderator_no_meeting", **values))
    command = f"议程 {code} {values['ref']} 20分钟"
    return Reply(
        t("topic.qualified_moderator", code=code, command=command, **values),
        buttons=(Button(t("topic.b_schedule", code=code), command),),
    )


def _unqualified(event: ev.TopicUnqualified, audience: Audience) -> Reply:
    values = {
        "ref": _topic_ref(event),
        "title": event.topic.title,
        "count": event.count,
        "short": event.threshold - event.count,
    }
    if isinstance(audience, Moderators):
        return Reply(t("topic.unqualified_moderator", **values))
    return Reply(t("topic.unqualified_notice", **values))


def routes() -> Table:
    """The topics' rows of the dispatch table."""
    table: dict[type[ev.Event], Sequence[Route[Any]]] = {
        ev.TopicProposed: [Notify[ev.TopicProposed](lambda e: [Moderators()], _proposed)],
        ev.TopicAccepted: [
            Notify[ev.TopicAccepted](_proposer, _accepted),
            Notify[ev.TopicAccepted](_reporters, _to_reporter("accepted")),
            Notify[ev.TopicAccepted](lambda e: [CommunityGroups()], _open_for_cosign),
        ],
        ev.TopicRejected: [
            Notify[ev.TopicRejected](
                _proposer,
                lambda e, _a: Reply(
                    t(
                        "topic.rejected_proposer",
                        ref=_topic_ref(e),
                        title=e.topic.title,
                        reason=e.topic.reason,
                    )
                ),
            ),
            Notify[ev.TopicRejected](_reporters, _to_reporter("rejected")),
        ],
        ev.TopicMerged: [
            Notify[ev.TopicMerged](
                _proposer,
                lambda e, _a: Reply(
                    t(
                        "topic.merged_proposer",
                        ref=_topic_ref(e),
                        into=topic_ref(e.into.id or 0),
                        title=e.into.title,
                    )
                ),
            ),
            Notify[ev.TopicMerged](_reporters, _to_reporter("merged")),
        ],
        ev.TopicQualified: [
            Notify[ev.TopicQualified](
                lambda e: [
                    People([r for r in e.supporters if r != e.by], "supporters"),
                    Moderators(),
                ],
                _qualified,
            )
        ],
        ev.TopicUnqualified: [
            Notify[ev.TopicUnqualified](
                lambda e: [People(e.supporters, "supporters"), Moderators()],
                _unqualified,
            )
        ],
    }
    return table
