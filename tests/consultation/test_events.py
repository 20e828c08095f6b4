"""Every event's key, to the byte: the outbox derives each push's de-duplication key
from it, so a key that changed shape would send again what was already sent."""

from __future__ import annotations

import inspect
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from consultation import events as ev

AT = datetime(2026, 11, 22, 2, 3, 4, 5678, tzinfo=UTC)
TICKET = SimpleNamespace(id=7)
TOPIC = SimpleNamespace(id=12)
POLL = SimpleNamespace(id=3)
DECISION = SimpleNamespace(id=4)
MEETING = SimpleNamespace(code="M202611")
VIEW = SimpleNamespace(meeting=MEETING)
ASSIST: dict[str, Any] = {
    "ref": "T12",
    "title": "加装电梯",
    "resident_id": 5,
    "assistant_id": 9,
    "at": AT,
}

_TICKET = {"ticket": TICKET, "history_id": 41}
_TICKET_EVENTS = [
    c for c in vars(ev).values() if inspect.isclass(c) and issubclass(c, ev.TicketChanged)
]
_TOPIC_EVENTS = {
    ev.TopicChanged: {},
    ev.TopicProposed: {"proposer_name": "张阿姨"},
    ev.TopicScreened: {"by": 3, "reporters": ((5, ("R20261122-0001",)),)},
    ev.TopicAccepted: {"threshold": 10},
    ev.TopicRejected: {},
    ev.TopicMerged: {"into": TOPIC},
    ev.TopicQualified: {"count": 10, "supporters": ()},
}

CASES: list[tuple[ev.Event, str]] = [
    *[
        (c(**_TICKET, worker_id=2) if c is ev.TicketReassigned else c(**_TICKET), "ticket:41")
        for c in _TICKET_EVENTS
    ],
    *[(c(topic=TOPIC, **kw), f"topic.{c.__name__}:T12") for c, kw in _TOPIC_EVENTS.items()],
    (
        ev.TopicQualified(topic=TOPIC, count=10, supporters=(), round=2),
        "topic.TopicQualified:T12#2",
    ),
    (
        ev.TopicUnqualified(topic=TOPIC, count=9, threshold=10, supporters=(), round=1),
        "topic.TopicUnqualified:T12#1",
    ),
    (ev.RecurringProblemOffered(offer=SimpleNamespace(id=8), days=30), "recurring:O8"),
    (
        ev.RecurringProblemAccepted(offer=SimpleNamespace(id=8), topic=SimpleNamespace(id=3)),
        "recurring.accepted:O8",
    ),
    (ev.PollOpened(poll=POLL, electorate=()), "poll.open:P3"),
    (ev.PollProgressed(poll=POLL), "poll.live:P3"),
    (ev.PollReminded(poll=POLL, residents=(), stamp="20261122"), "poll.remind:P3:20261122"),
    (ev.PollClosed(poll=POLL, tally=SimpleNamespace()), "poll.close:P3"),
    (
        ev.AssistRecorded(kind="cosign", **ASSIST, assistant_name="李"),
        "assist.record:cosign:T12:5:20261122020304005678",
    ),
    (
        ev.CosignAssisted(**ASSIST, assistant_name="李"),
        "assist.record:cosign:T12:5:20261122020304005678",
    ),
    (
        ev.SignupAssisted(**ASSIST, assistant_name="李", mode="onsite", starts_at=AT),
        "assist.record:signup:T12:5:20261122020304005678",
    ),
    (
        ev.VoteAssisted(**ASSIST, assistant_name="李", poll=POLL, mask=1),
        "assist.record:vote:T12:5:20261122020304005678",
    ),
    (
        ev.AssistUndone(kind="vote", **ASSIST, resident_name="王"),
        "assist.undo:vote:T12:5:20261122020304005678",
    ),
    (ev.MeetingAnnounced(view=VIEW, timed_key="meeting.announce:M1:7d"), "meeting.announce:M1:7d"),
    (
        ev.MeetingReminderDue(view=VIEW, modes={}, timed_key="meeting.remind:M1"),
        "meeting.remind:M1",
    ),
    (
        ev.MeetingMoved(view=VIEW, change_id=2, old_when=AT, old_place="", signed_up=()),
        "meeting.moved:M202611:2",
    ),
    (
        ev.MeetingCancelled(view=VIEW, change_id=3, reason="台风", signed_up=()),
        "meeting.cancelled:M202611:3",
    ),
    (ev.MeetingInvited(meeting=MEETING, invitees=()), "meeting.invite:M202611"),
    (ev.MinutesPublished(minutes=SimpleNamespace(meeting=MEETING)), "minutes:M202611"),
    (
        ev.DecisionAssigned(decision=DECISION, owner_id=9, stamp="20261122020304"),
        "decision.assign:D4:20261122020304",
    ),
    (ev.DecisionProgressed(decision=DECISION, note="", stamp="s1"), "decision.progress:D4:s1"),
    (ev.DecisionCarriedOut(decision=DECISION), "decision.evaluate:D4"),
    (
        ev.BindQrReady(platform="wechat", chat_id="c", code="AB12", name="", image_url=None),
        "bindqr:AB12",
    ),
    (ev.ResidentVerified(resident_id=5, name="张"), "verified:5"),
    (
        ev.BoundElsewhere(
            resident_id=5, account="web:1a2b", accounts=(("web", "zhang"),), stamp="s1"
        ),
        "bound:web:1a2b:s1",
    ),
    (
        ev.GridDigestDue(
            worker=SimpleNamespace(resident_id=9), timed_key="digest:20261122", due_at=AT, at=AT
        ),
        "digest:20261122:9",
    ),
    (
        ev.MonthlyReportDue(
            month=date(2026, 11, 1),
            tickets=None,
            consultation=None,
            moderators=(),
            timed_key="report:202611",
            due_at=AT,
        ),
        "report:202611",
    ),
]


@pytest.mark.parametrize(("event", "key"), CASES, ids=lambda c: type(c).__name__)
def test_key(event: ev.Event, key: str) -> None:
    assert event.key == key


def test_every_event_is_pinned() -> None:
    pinned = {type(event) for event, _ in CASES}
    bases = {ev.Event, ev.Fired, ev.MeetingChanged, ev.TopicThresholdCrossed}
    defined = {
        c for c in vars(ev).values() if inspect.isclass(c) and issubclass(c, ev.Event)
    } - bases
    assert defined == pinned


def test_family_is_the_keys_first_word() -> None:
    families = {type(event).__name__: event.family for event, _ in CASES}
    assert families["TicketRated"] == "ticket"
    assert families["TopicQualified"] == "topic"
    assert families["PollReminded"] == "poll"
    assert families["MeetingAnnounced"] == "meeting"
    assert families["VoteAssisted"] == "assist"
