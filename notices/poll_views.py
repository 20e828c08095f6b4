"""表决 as the replies show it: a vote's receipt, a word that is no vote, a poll's state,
who took part, and the question a poll with no consultation day asks first."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from consultation.ballots import LETTERS, YES_NO_OPTIONS
from consultation.ids import poll_ref
from consultation.participation import Participant
from consultation.polls import STANDALONE_WORDS
from kernel.messages import Button, Reply
from kernel.texts import t
from notices.assisted import names, of_which_in
from notices.common import date_text
from notices.polls import choice_label, command_example, example, option_label, poll_buttons
from storage.meetings import Meeting
from storage.polls import Poll, PollVoter


def _poll_label(poll: Poll) -> str:
    return poll_ref(poll.id or 0)


def bad_vote(poll: Poll) -> Reply:
    """Words that choose none of the options: the options, and how to say one."""
    options = "、".join(option_label(poll, i) for i in range(len(poll.options)))
    return Reply(t("poll.bad_vote", ref=_poll_label(poll), options=options, example=example(poll)))


def vote_receipt(poll: Poll, mask: int, status: str, progress: str) -> Reply:
    """Counted, replaced, or (``same``) already so: nothing changed. An anonymous poll's
    receipt never repeats the choice, as the router stores replies for redelivery; cast
    again, it says neither "changed" nor "the same", which would depend on the choice."""
    ref = _poll_label(poll)
    if poll.anonymous:
        key = "poll.anonymous_cast" if status == "new" else "poll.anonymous_again"
        return Reply(t(key, ref=ref, progress=progress))
    if status == "same":
        return Reply(t("poll.same", ref=ref, choice=choice_label(poll, mask)))
    key = "poll.changed" if status == "changed" else "poll.cast"
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


def earlier_results(polls: Sequence[Poll], shown: int = 5) -> Reply:
    """投票结果's line under the latest result: the earlier closed polls by number."""
    listed = "、".join(f"{poll_ref(p.id or 0)}“{p.question}”" for p in polls[:shown])
    return Reply(t("poll.earlier_results", polls=listed, example=poll_ref(polls[0].id or 0)))


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


def _offered(poll: Poll) -> tuple[str, tuple[Button, ...]]:
    """How to vote in ``poll`` from here: its buttons and an example; for an anonymous
    poll neither names an option (nothing kept with a voter's exchange may), so it says
    how in words and points to the poll's own message."""
    ref = _poll_label(poll)
    if poll.anonymous:
        return t("vote_check.how_anonymous", ref=ref), ()
    return t("vote_check.how", example=command_example(poll)), poll_buttons(poll)


def vote_on_topic(topic: int, polls: Sequence[Poll]) -> Reply:
    """Vote words that name a topic, not a poll ("我反对T3"): nothing is counted. Its
    open poll is offered (the same reply whatever was said); no poll: what 附议 is for."""
    ref = f"T{topic}"
    if not polls:
        return Reply(t("vote_check.topic_no_poll", ref=ref), buttons=(Button(ref, ref),))
    if len(polls) > 1:
        refs = "、".join(_poll_label(p) for p in polls)
        return Reply(t("vote_check.topic_polls", ref=ref, polls=refs))
    [poll] = polls
    how, buttons = _offered(poll)
    text = t("vote_check.topic_poll", ref=ref, poll=_poll_label(poll), question=poll.question)
    return Reply(f"{text}{how}", buttons=buttons)


def which_poll(open_polls: Sequence[Poll], ended: Sequence[Poll]) -> Reply:
    """Bare vote words with more than one poll in play for the person: nothing counted.
    The one open poll is offered beside the ended ones; several open are named. (The
    reply is the same whatever was said.)"""
    ended_refs = "、".join(_poll_label(p) for p in ended)
    if not open_polls:
        if len(ended) == 1:
            return Reply(t("poll_error.closed", ref=ended_refs))
        return Reply(t("vote_check.all_ended", ended=ended_refs))
    if len(open_polls) > 1:
        refs = "、".join(_poll_label(p) for p in open_polls)
        also = t("vote_check.also_ended", ended=ended_refs) if ended else ""
        said = t("vote_check.which", polls=refs, ended=also, example=command_example(open_polls[0]))
        # Each poll's button shows its card with its options: nothing here names one.
        return Reply(said, buttons=tuple(_shown(p) for p in open_polls))
    [poll] = open_polls
    how, buttons = _offered(poll)
    text = t(
        "vote_check.ended_and_open",
        ended=ended_refs,
        poll=_poll_label(poll),
        question=poll.question,
    )
    return Reply(f"{text}{how}", buttons=buttons)


def _shown(poll: Poll) -> Button:
    """A button that shows ``poll``'s card (its number: the card, with its buttons)."""
    ref = _poll_label(poll)
    question = poll.question if len(poll.question) <= 10 else f"{poll.question[:9]}…"
    return Button(t("vote_check.b_which", ref=ref, question=question), ref, private=True)


def change_vote(poll: Poll, standing: int | None, wanted: int) -> Reply:
    """Bare vote words over a vote already cast: asked before it is changed. A named
    poll says both choices and offers the change; an anonymous one says neither (its
    exchange must not depend on the choice, nor name an option) and says how to change."""
    ref = _poll_label(poll)
    if poll.anonymous or standing is None:
        return Reply(t("vote_check.change_anonymous", ref=ref))
    new = choice_label(poll, wanted)
    if tuple(poll.options) == YES_NO_OPTIONS:
        said = new
    else:
        said = "".join(LETTERS[i] for i in range(len(poll.options)) if wanted >> i & 1)
    old = choice_label(poll, standing)
    return Reply(
        t("vote_check.change_named", ref=ref, old=old, new=new),
        buttons=(Button(t("vote_check.b_change", new=new), f"投票 {ref} {said}", private=True),),
    )


def own_votes(
    ballots: Sequence[tuple[Poll, PollVoter]], resident: int, is_open: Callable[[Poll], bool]
) -> Reply:
    """我投的是什么: a named poll's choice as recorded; an anonymous poll's never (the
    system keeps only that they took part; the choice is sealed, shown to nobody, and
    the sealed ballots are destroyed once counted)."""
    if not ballots:
        return Reply(t("vote_check.own_none"))
    lines = []
    for poll, voter in ballots:
        values = {"ref": _poll_label(poll), "question": poll.question}
        still = is_open(poll)
        if voter.resident_id != resident:
            lines.append(t("vote_check.own_household", **values))
        elif poll.anonymous:
            closed = "closed" if poll.status == "closed" else "counting"  # past its deadline
            lines.append(t(f"vote_check.own_anonymous_{'open' if still else closed}", **values))
        else:
            choice = choice_label(poll, voter.choice_mask or 0)
            how = t("vote_check.own_paper") if voter.channel == "paper" else ""
            how += t("vote_check.own_assisted") if voter.assisted_by is not None else ""
            lines.append(t("vote_check.own_named", choice=choice, how=how, **values))
            if still and voter.channel == "chat":
                lines[-1] += t("vote_check.own_can_change")
    return Reply("\n".join(lines))
