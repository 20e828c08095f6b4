"""表决 as the replies show it: a vote's receipt, a word that is no vote, a poll's state,
who took part, and the question a poll with no consultation day asks first."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from consultation.ids import poll_ref
from consultation.participation import Participant
from consultation.polls import STANDALONE_WORDS
from kernel.messages import Button, Reply
from kernel.texts import t
from notices.assisted import names, of_which_in
from notices.common import date_text
from notices.polls import choice_label, example, option_label, poll_buttons
from storage.meetings import Meeting
from storage.polls import Poll


def _poll_label(poll: Poll) -> str:
    return poll_ref(poll.id or 0)


def bad_vote(poll: Poll) -> Reply:
    """Words that choose none of the options: the options, and how to say one."""
    options = "、".join(option_label(poll, i) for i in range(len(poll.options)))
    return Reply(t("poll.bad_vote", ref=_poll_label(poll), options=options, example=example(poll)))


def vote_receipt(poll: Poll, mask: int, changed: bool, progress: str) -> Reply:
    """Counted (or replaced); an anonymous poll's receipt never repeats the choice, as
    the router stores replies for redelivery."""
    ref = _poll_label(poll)
    if poll.anonymous:
        key = "poll.anonymous_changed" if changed else "poll.anonymous_cast"
        return Reply(t(key, ref=ref, progress=progress))
    key = "poll.changed" if changed else "poll.cast"
    return Reply(t(key, ref=ref, choice=choice_label(poll, mask), progress=progress))


def poll_state(poll: Poll, is_open: bool, progress: str) -> Reply:
    """投票情况 before the final count: open or closed, and the running count."""
    state = t("poll.state_open" if is_open else "poll.state_closed")
    return Reply(
        t(
            "poll.status",
            ref=_poll_label(poll),
            question=poll.question,
            state=state,
            progress=progress,
        )
    )


def participant_roll(poll: int, people: Sequence[Participant]) -> Reply:
    """参与名单: names, never choices; those voted for by someone else marked 代办."""
    listed = {"names": names(people), "assisted": of_which_in(people)}
    return Reply(t("poll.participants", ref=poll_ref(poll), **listed))


def which_home(spec: str, ahead: Meeting, zone: ZoneInfo, now: datetime) -> Reply:
    """A decision belongs to its consultation day: 开启投票 without one asks whether it is
    the next day's, or a standalone poll."""
    return Reply(
        t("poll.ask_meeting", code=ahead.code, when=date_text(ahead.starts_at, zone, now)),
        buttons=(
            Button(t("poll.b_of_meeting", code=ahead.code), f"开启投票 {spec} {ahead.code}"),
            Button(t("poll.b_standalone"), f"开启投票 {spec} {STANDALONE_WORDS[0]}"),
        ),
    )


def vote_on_topic(topic: int, polls: Sequence[Poll]) -> Reply:
    """Vote words that name a topic, not a poll ("我反对T3"): nothing is counted. Its
    open poll is offered with its buttons (the same whatever was said, so nothing kept
    of an anonymous poll's exchange depends on the choice); no poll: what 附议 is for."""
    ref = f"T{topic}"
    if not polls:
        return Reply(t("vote_check.topic_no_poll", ref=ref), buttons=(Button(ref, ref),))
    if len(polls) > 1:
        refs = "、".join(_poll_label(p) for p in polls)
        return Reply(t("vote_check.topic_polls", ref=ref, polls=refs))
    [poll] = polls
    return Reply(
        t(
            "vote_check.topic_poll",
            ref=ref,
            poll=_poll_label(poll),
            question=poll.question,
            example=f"投票 {_poll_label(poll)} {example(poll)}",
        ),
        buttons=poll_buttons(poll),
    )
