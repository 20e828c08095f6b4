"""Phrasing for the consultation day: tallies, meetings, minutes and timed notices.

Shared by the handlers, the timed notices and the public page so that every
place says a result the same way.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from consultation.ballots import LETTERS, YES_NO_OPTIONS, Electorate, PassRule, Tally
from consultation.ids import decision_ref, poll_ref, topic_ref
from consultation.meetings import MeetingView
from consultation.notices import Notice
from consultation.outcomes import Minutes
from consultation.polls import Closed, Progress
from kernel.messages import EDITS_IN_PLACE, Button, Reply
from kernel.texts import t
from storage.polls import Poll

ELECTORATE_ZH = {
    Electorate.RESIDENTS.value: "已认证居民，每人一票",
    Electorate.HOUSEHOLDS.value: "已认证居民，每户一票",
    Electorate.COMMITTEE.value: "协商委员会委员",
    Electorate.ATTENDEES.value: "到会签到人员",
}
RULE_ZH = {
    PassRule.MAJORITY.value: "过半数（超过投票数的一半）",
    PassRule.TWO_THIRDS.value: "三分之二（不少于投票数的三分之二）",
    PassRule.ELIGIBLE_MAJORITY.value: "全体过半（超过应投人数的一半）",
}


def local(when: Any, zone: ZoneInfo) -> str:
    return f"{when.astimezone(zone):%m月%d日 %H:%M}"


def option_label(poll: Poll, index: int) -> str:
    if tuple(poll.options) == YES_NO_OPTIONS:
        return poll.options[index]
    return f"{LETTERS[index]}.{poll.options[index]}"


def choice_label(poll: Poll, mask: int) -> str:
    return "、".join(option_label(poll, i) for i in range(len(poll.options)) if mask >> i & 1)


def poll_buttons(poll: Poll) -> tuple[Button, ...]:
    ref = poll_ref(poll.id or 0)
    if tuple(poll.options) == YES_NO_OPTIONS:
        return tuple(Button(o, f"投票 {ref} {o}") for o in poll.options)
    if poll.kind == "multi":
        return ()
    return tuple(
        Button(option_label(poll, i), f"投票 {ref} {LETTERS[i]}") for i in range(len(poll.options))
    )


def example(poll: Poll) -> str:
    if tuple(poll.options) == YES_NO_OPTIONS:
        return "赞成"
    return "选A和C" if poll.kind == "multi" else "投2"


def poll_opened(poll: Poll, zone: ZoneInfo) -> Reply:
    options = "\n".join(option_label(poll, i) for i in range(len(poll.options)))
    if poll.kind == "multi":
        options += f"\n（可多选，最多 {poll.max_choices} 项）"
    text = t(
        "poll.opened",
        ref=poll_ref(poll.id or 0),
        question=poll.question,
        options=options,
        electorate=ELECTORATE_ZH[poll.electorate],
        size=poll.electorate_size,
        secrecy=t("poll.anonymous_note" if poll.anonymous else "poll.named_note"),
        quorum=poll.quorum_pct,
        rule=RULE_ZH[poll.pass_rule],
        deadline=(
            t("poll.deadline", when=local(poll.closes_at, zone))
            if poll.closes_at
            else t("poll.no_deadline")
        ),
        hidden=t("poll.hidden_note") if poll.hide_results else "",
        example=example(poll),
    )
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


def poll_live_closed(closed: Closed, zone: ZoneInfo) -> Reply:
    """The announcement's last edit: closed, with the tally and no buttons."""
    poll = closed.poll
    lines = [poll_opened(poll, zone).text, t("poll.live_closed")]
    lines += tally_lines(poll, closed.tally)
    return Reply("\n".join(lines), edit_key=live_key(poll))


def progress_line(poll: Poll, progress: Progress, tally: Tally | None = None) -> str:
    values = {
        "voters": progress.voters,
        "electorate": progress.electorate,
        "quorum": progress.quorum_pct,
    }
    if tally is None or poll.hide_results:
        return t("poll.progress", **values)
    counts = "，".join(f"{option_label(poll, i)} {c}" for i, c in enumerate(tally.counts))
    return t("poll.progress_with_counts", counts=counts, **values)


def _pct(value: float) -> str:
    return f"{value:.1f}"


def tally_lines(poll: Poll, tally: Tally) -> list[str]:
    lines = [
        t(
            "poll.result_line",
            option=option_label(poll, i),
            count=count,
            pct=_pct(tally.pct(i)),
        )
        for i, count in enumerate(tally.counts)
    ]
    lines.append(
        t(
            "poll.result_turnout",
            voters=tally.voters,
            electorate=tally.electorate,
            turnout=_pct(tally.turnout_pct),
            quorum=tally.quorum_pct,
            quorum_state=t("poll.met" if tally.quorum_met else "poll.not_met"),
        )
    )
    lines.append(
        t(
            "poll.result_rule",
            rule=RULE_ZH[tally.rule.value],
            rule_state=t("poll.met" if tally.rule_met else "poll.not_met"),
        )
    )
    if tally.tie:
        lines.append(t("poll.result_tie"))
    elif tally.passed:
        winner = ""
        if tally.winner is not None and tuple(poll.options) != YES_NO_OPTIONS:
            winner = f"：{option_label(poll, tally.winner)}"
        lines.append(t("poll.result_passed", winner=winner))
    else:
        lines.append(t("poll.result_failed"))
    return lines


def poll_result(closed: Closed, zone: ZoneInfo, late: bool = False) -> Reply:
    poll = closed.poll
    lines = [t("poll.result_header", ref=poll_ref(poll.id or 0), question=poll.question)]
    lines += tally_lines(poll, closed.tally)
    if closed.participants and poll.anonymous:
        lines.append(t("poll.result_participants", names="、".join(closed.participants)))
    if late and poll.closes_at is not None:
        lines.append(t("poll.result_late", when=local(poll.closes_at, zone)))
    return Reply("\n".join(lines))


def meeting_info(view: MeetingView, zone: ZoneInfo) -> Reply:
    meeting = view.meeting
    agenda = "\n".join(
        f"{n}. {topic_ref(topic.id or 0)} {topic.title}（{item.minutes_alloc} 分钟）"
        for n, (item, topic) in enumerate(view.agenda, start=1)
    ) or t("meeting.info_agenda_empty")
    text = t(
        "meeting.info",
        code=meeting.code,
        when=local(meeting.starts_at, zone),
        place=meeting.place,
        agenda=agenda,
        onsite=view.onsite,
        seats=view.seats_left,
        online=view.online,
    )
    buttons = (
        Button(t("meeting.button_onsite"), f"报名 {meeting.code}"),
        Button(t("meeting.button_online"), f"线上报名 {meeting.code}"),
    )
    return Reply(text, buttons=buttons)


def render_minutes(minutes: Minutes, community: str, zone: ZoneInfo, url: str) -> str:
    meeting = minutes.meeting
    lines = [
        t("minutes.header", community=community, code=meeting.code),
        t("minutes.when", when=local(meeting.starts_at, zone), place=meeting.place),
        t("minutes.committee", names="、".join(minutes.committee) or "—"),
        t(
            "minutes.attendance",
            onsite=minutes.signed_up_onsite,
            online=minutes.signed_up_online,
            attended=minutes.attended,
        ),
        t("minutes.agenda"),
    ]
    for n, (item, topic) in enumerate(minutes.agenda, start=1):
        lines.append(
            t(
                "minutes.item",
                n=n,
                ref=topic_ref(topic.id or 0),
                title=topic.title,
                minutes=item.minutes_alloc,
            )
        )
        if item.notes:
            lines.append(t("minutes.notes", notes=item.notes.replace("\n", "；")))
    lines.append(t("minutes.decisions"))
    if not minutes.decisions:
        lines.append(t("minutes.no_decisions"))
    for view in minutes.decisions:
        lines.append(decision_line(view.decision.id or 0, view.decision.text, view))
    lines.append(t("minutes.public", url=url))
    return "\n".join(lines)


def decision_line(decision_id: int, text: str, view: Any) -> str:
    tally_text = ""
    if view.tally is not None and view.poll is not None:
        counts = "，".join(
            f"{option_label(view.poll, i)} {c}" for i, c in enumerate(view.tally.counts)
        )
        tally_text = t(
            "minutes.tally",
            counts=counts,
            voters=view.tally.voters,
            electorate=view.tally.electorate,
        )
    return t(
        "minutes.decision",
        ref=decision_ref(decision_id),
        text=text,
        verdict=t("minutes.passed" if view.decision.passed else "minutes.failed"),
        tally=tally_text,
    )


def make_renderer(zone: ZoneInfo) -> Any:
    """The :data:`consultation.notices.Renderer` the timed events use."""

    def render(notice: Notice) -> dict[str, Any]:
        if notice.key == "poll_result":
            closed = notice.values["closed"]
            return poll_result(closed, zone, bool(notice.values.get("late"))).as_json()
        if notice.key == "poll_live_closed":
            closed = notice.values["closed"]
            if closed.poll.platform not in EDITS_IN_PLACE:
                return {}
            return poll_live_closed(closed, zone).as_json()
        values = dict(notice.values)
        late = bool(values.pop("late", False))
        text = t(f"notice.{notice.key}", **values)
        if late:
            text += "\n" + t("notice.announce_late")
        buttons = tuple(Button(t(f"notice.{label}"), data) for label, data in notice.buttons)
        return Reply(text, buttons=buttons).as_json()

    return render


def error_reply(section: str, code: str, values: dict[str, object]) -> Reply:
    """A domain error's catalogue sentence (``topic_error.not_found`` …)."""
    return Reply(t(f"{section}.{code}", **values))
