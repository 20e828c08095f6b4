"""表决: how polls are phrased, and who is told what when one opens, moves or closes.

The phrasing is shared with the handlers and the public page, so every place
says a result the same way. A poll's result goes to the chat it was opened in,
the community's groups and, privately, to everyone who could vote.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from consultation import events as ev
from consultation.audiences import Audience, Chat, People
from consultation.ballots import LETTERS, YES_NO_OPTIONS, Electorate, PassRule, Tally
from consultation.config import ConsultationRules
from consultation.ids import decision_ref, poll_ref, topic_ref
from consultation.polls import PollService, Turnout
from kernel.messages import EDITS_IN_PLACE, Button, Reply
from kernel.texts import t
from notices.common import date_text
from notices.dispatch import Dispatcher, Notify, Route, Table
from storage.outcomes import Decision
from storage.polls import Poll
from storage.unit_of_work import UnitOfWork

ELECTORATE_ZH = {
    Electorate.RESIDENTS.value: "已认证居民，每人一票",
    Electorate.HOUSEHOLDS.value: "已认证居民，每户一票",
    Electorate.COMMITTEE.value: "协商委员会委员",
    Electorate.ATTENDEES.value: "到会签到人员",
}
#: Electorates narrower than the community's residents.
RESTRICTED = frozenset({Electorate.COMMITTEE.value, Electorate.ATTENDEES.value})
RULE_ZH = {
    PassRule.MAJORITY.value: "过半数（超过投票数的一半）",
    PassRule.TWO_THIRDS.value: "三分之二（不少于投票数的三分之二）",
    PassRule.ELIGIBLE_MAJORITY.value: "全体过半（超过应投人数的一半）",
}


def option_label(poll: Poll, index: int) -> str:
    if tuple(poll.options) == YES_NO_OPTIONS:
        return poll.options[index]
    return f"{LETTERS[index]}.{poll.options[index]}"


def choice_label(poll: Poll, mask: int) -> str:
    return "、".join(option_label(poll, i) for i in range(len(poll.options)) if mask >> i & 1)


def poll_buttons(poll: Poll) -> tuple[Button, ...]:
    ref = poll_ref(poll.id or 0)
    if tuple(poll.options) == YES_NO_OPTIONS:
        return tuple(Button(o, f"投票 {ref} {o}", private=True) for o in poll.options)
    if poll.kind == "multi":
        return ()
    return tuple(
        Button(option_label(poll, i), f"投票 {ref} {LETTERS[i]}", private=True)
        for i in range(len(poll.options))
    )


def example(poll: Poll) -> str:
    if tuple(poll.options) == YES_NO_OPTIONS:
        return "赞成"
    return "选A和C" if poll.kind == "multi" else "投2"


def command_example(poll: Poll) -> str:
    """A whole vote naming ``poll``, as one would type it: ``投票 P4 B`` (not ``投票 P4 投2``)."""
    if tuple(poll.options) == YES_NO_OPTIONS:
        choice = "赞成"
    else:
        choice = "A和C" if poll.kind == "multi" else LETTERS[min(1, len(poll.options) - 1)]
    return f"投票 {poll_ref(poll.id or 0)} {choice}"


def poll_opened(poll: Poll, zone: ZoneInfo, *, watching: bool = False) -> Reply:
    """The announcement; ``watching``: as shown to those who can't vote in it (the
    residents' group of a committee-only poll), with no buttons."""
    options = "\n".join(option_label(poll, i) for i in range(len(poll.options)))
    if poll.kind == "multi":
        options += f"\n（可多选，最多 {poll.max_choices} 项）"
    text = t(
        "poll.opened",
        ref=poll_ref(poll.id or 0),
        question=poll.question,
        options=options,
        electorate=ELECTORATE_ZH[poll.electorate],
        size=t(
            "poll.size_households" if poll.electorate == "households" else "poll.size_people",
            size=poll.electorate_size,
        ),
        secrecy=t("poll.anonymous_note" if poll.anonymous else "poll.named_note"),
        quorum=poll.quorum_pct,
        rule=RULE_ZH[poll.pass_rule],
        deadline=(
            t("poll.deadline", when=date_text(poll.closes_at, zone))
            if poll.closes_at
            else t("poll.no_deadline")
        ),
        hidden=t("poll.hidden_note") if poll.hide_results else "",
        how=t("poll.watch_only") if watching else t("poll.how_to_vote", example=example(poll)),
    )
    if watching:
        return Reply(text)
    return Reply(text, buttons=poll_buttons(poll), edit_key=live_key(poll))


def live_key(poll: Poll) -> str:
    """The key of a poll's announcement, the message edited as votes arrive."""
    return f"poll:{poll_ref(poll.id or 0)}"


def poll_live(poll: Poll, zone: ZoneInfo, progress: str) -> Reply:
    """The announcement with the running count under it (and its buttons while open)."""
    opened = poll_opened(poll, zone)
    return Reply(
        f"{opened.text}\n{t('poll.live', progress=progress)}",
        buttons=opened.buttons,
        edit_key=opened.edit_key,
    )


def poll_live_closed(closed: ev.PollClosed, zone: ZoneInfo) -> Reply:
    """The announcement's last edit: closed, with the tally and no buttons."""
    poll = closed.poll
    lines = [poll_opened(poll, zone).text, t("poll.live_closed")]
    lines += tally_lines(poll, closed.tally)
    return Reply("\n".join(lines), edit_key=live_key(poll))


def progress_line(poll: Poll, progress: Turnout, tally: Tally | None = None) -> str:
    values = {
        "voters": progress.voters,
        "electorate": progress.electorate,
        "quorum": progress.quorum_pct,
    }
    if tally is None or poll.hide_results or poll.anonymous or tally.withheld:
        return t("poll.progress", **values)
    counts = "，".join(f"{option_label(poll, i)} {c}" for i, c in enumerate(tally.counts))
    return t("poll.progress_with_counts", counts=counts, **values)


def assisted_line(extra: dict[str, int]) -> str:
    """其中代办 2 人，1 人本人已确认，1 人无法联系本人确认: what each 代办 vote came to."""
    count = extra.get("assisted", 0)
    confirmed = extra.get("assisted_confirmed", 0)
    unreachable = extra.get("assisted_unreachable", 0)
    shares = (
        ("confirmed", confirmed),
        ("pending", count - confirmed - unreachable),
        ("unreachable", unreachable),
    )
    parts = "".join("，" + t(f"poll.result_assisted_{key}", count=n) for key, n in shares if n > 0)
    return t("poll.result_assisted", count=count, parts=parts)


def _one_decimal(value: float) -> str:
    return f"{value:.1f}"


def tally_lines(poll: Poll, tally: Tally) -> list[str]:
    if tally.withheld:  # an anonymous poll with too few votes: how many took part, no more
        return [
            t("poll.result_withheld", voters=tally.voters, minimum=tally.withheld_below),
            _turnout_line(poll, tally),
            t(f"poll.result_{tally.outcome}", winner=""),  # too_few, or no_votes
        ]
    lines = [
        t(
            "poll.result_line",
            option=option_label(poll, i),
            count=count,
            pct=_one_decimal(tally.pct(i)),
        )
        for i, count in enumerate(tally.counts)
    ]
    lines.append(_turnout_line(poll, tally))
    if tally.extra.get("assisted"):
        lines.append(assisted_line(tally.extra))
    lines.append(
        t(
            "poll.result_rule",
            rule=RULE_ZH[tally.rule.value],
            rule_state=t("poll.met" if tally.rule_met else "poll.not_met"),
        )
    )
    winner = ""
    if tally.winner is not None and tuple(poll.options) != YES_NO_OPTIONS:
        winner = f"：{option_label(poll, tally.winner)}"
    lines.append(t(f"poll.result_{tally.outcome}", winner=winner))
    return lines


def _turnout_line(poll: Poll, tally: Tally) -> str:
    return t(
        "poll.result_turnout",
        # Only some could vote: said, so "1/1" reads as what it was.
        who=f"{ELECTORATE_ZH[poll.electorate]}" if poll.electorate in RESTRICTED else "",
        voters=tally.voters,
        electorate=tally.electorate,
        turnout=_one_decimal(tally.turnout_pct),
        quorum=tally.quorum_pct,
        quorum_state=t("poll.met" if tally.quorum_met else "poll.not_met"),
    )


def verdict_words(outcome: str) -> str:
    """What a vote came to in a word or two (:attr:`Tally.outcome`): 通过, 未通过, or
    void and why (无效：未达法定人数)."""
    return t(f"poll.verdict_{outcome}")


def poll_result(closed: ev.PollClosed, zone: ZoneInfo, late: bool = False) -> Reply:
    poll = closed.poll
    lines = [t("poll.result_header", ref=poll_ref(poll.id or 0), question=poll.question)]
    lines += tally_lines(poll, closed.tally)
    if closed.decision is not None and closed.decision.id is not None:
        lines.append(t("poll.result_decision", ref=decision_ref(closed.decision.id)))
    if closed.requeued is not None:  # the topic waits for an agenda again
        topic = closed.requeued
        lines.append(t("poll.result_requeued", ref=topic_ref(topic.id or 0), title=topic.title))
    if late and poll.closes_at is not None:
        lines.append(t("poll.result_late", when=date_text(poll.closes_at, zone)))
    return Reply("\n".join(lines))


def poll_final(poll: Poll, tally: Tally, decision: Decision | None) -> Reply:
    """投票情况 of a closed poll: the result as published, with its conclusion and the
    decision it recorded."""
    lines = [
        t(
            "poll.status_closed",
            ref=poll_ref(poll.id or 0),
            question=poll.question,
            state=t("poll.state_closed"),
        )
    ]
    lines += tally_lines(poll, tally)
    if decision is not None and decision.id is not None:
        lines.append(t("poll.result_decision", ref=decision_ref(decision.id)))
    return Reply("\n".join(lines))


def _only_watches(poll: Poll, audience: Audience) -> bool:
    """A community group shown a committee-only poll: its residents can't vote in it."""
    return poll.electorate == Electorate.COMMITTEE.value and isinstance(audience, Chat)


def _elsewhere(
    poll: Poll, rules: ConsultationRules, *skip: tuple[str, str] | None
) -> list[Audience]:
    """The community's groups, and the chat the poll was opened in, except ``skip``."""
    chats = [(poll.platform, poll.chat_id), *rules.group_chats()]
    left = [c for c in dict.fromkeys(chats) if c not in skip]
    return [Chat(p, c) for p, c in left]


class LiveCount:
    """Where the platform edits a message in place (Telegram), the poll's announcement
    shows the running count; elsewhere a busy poll would flood the group, so those chats
    keep the announcement and get the result."""

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone

    async def run(self, uow: UnitOfWork, event: ev.PollProgressed, bus: Dispatcher) -> None:
        poll = event.poll
        if poll.platform not in EDITS_IN_PLACE:
            return
        service = PollService(uow, bus.clock())
        line = await running_count(service, poll)
        await bus.replace(uow, poll.platform, poll.chat_id, poll_live(poll, self.zone, line))


class ClosedCount:
    """The announcement's last edit: closed, with the tally and no buttons."""

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone

    async def run(self, uow: UnitOfWork, event: ev.PollClosed, bus: Dispatcher) -> None:
        poll = event.poll
        if poll.platform in EDITS_IN_PLACE:
            await bus.replace(uow, poll.platform, poll.chat_id, poll_live_closed(event, self.zone))


async def running_count(service: PollService, poll: Poll) -> str:
    """Turnout, and the counts unless the poll hides them (anonymous polls always do)."""
    progress = await service.progress(poll)
    shown = (
        None
        if poll.hide_results or poll.anonymous
        else await service.tally(poll, progress.electorate)
    )
    return progress_line(poll, progress, shown)


def routes(rules: ConsultationRules, zone: ZoneInfo) -> Table:
    """The polls' rows of the dispatch table."""

    def opened_to(event: ev.PollOpened) -> list[Audience]:
        poll = event.poll
        skip = (poll.platform, poll.chat_id)  # the opener's chat has it as the reply
        audiences = _elsewhere(poll, rules, skip)
        if not event.opened_in_group:
            others = [r for r in event.electorate if r != poll.opened_by]
            audiences.append(People(others, "electorate"))
        return audiences

    def closed_to(event: ev.PollClosed) -> list[Audience]:
        audiences = _elsewhere(event.poll, rules, event.closed_in)
        voters = [r for r in event.electorate if r != event.closed_by]
        return [*audiences, People(voters, "electorate")]

    def reminded(event: ev.PollReminded, _a: Audience) -> Reply:
        poll = event.poll
        deadline = (
            t("poll.reminder_deadline", when=date_text(poll.closes_at, zone))
            if poll.closes_at
            else ""
        )
        return Reply(
            t(
                "poll.reminder",
                ref=poll_ref(poll.id or 0),
                question=poll.question,
                deadline=deadline,
            ),
            buttons=poll_buttons(poll),
        )

    table: dict[type[ev.Event], Sequence[Route[Any]]] = {
        ev.PollOpened: [
            Notify[ev.PollOpened](
                opened_to,
                lambda e, a: poll_opened(e.poll, zone, watching=_only_watches(e.poll, a)),
            ),
        ],
        ev.PollProgressed: [LiveCount(zone)],
        ev.PollReminded: [
            Notify[ev.PollReminded](lambda e: [People(e.residents, "not_voted")], reminded)
        ],
        ev.PollClosed: [
            ClosedCount(zone),
            Notify[ev.PollClosed](closed_to, lambda e, _a: poll_result(e, zone)),
        ],
    }
    return table
