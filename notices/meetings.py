"""议事日: how meetings and minutes are phrased, and who is told what as one nears or moves.

Announcements go to the community's groups; reminders to everyone signed up;
moves and cancellations to the groups, to everyone signed up and to everyone invited
(7+X), each person once; invitations (7+X) to each invitee.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from consultation import events as ev
from consultation.audiences import Audience, CommunityGroups, People, Person
from consultation.ballots import Tally
from consultation.ids import decision_ref, poll_ref, topic_ref
from consultation.meetings import Ahead, MeetingView, Skipped, sign_up_open
from consultation.outcomes import Minutes
from kernel.messages import Button, Reply
from kernel.texts import t
from notices.common import date_text
from notices.dispatch import Dispatcher, Notify, Route, Table
from notices.polls import option_label, verdict_words
from storage.meetings import Meeting
from storage.polls import Poll
from storage.unit_of_work import UnitOfWork

#: A meeting's public page (居务公开).
PUBLIC_PATH = "/public/meetings/{code}"


def skipped_text(skipped: Skipped, zone: ZoneInfo, now: datetime) -> str:
    """``12月的议事日 M202612 已取消（原因：台风）``."""
    local = skipped.starts_at.astimezone(zone)
    same_year = local.year == now.astimezone(zone).year
    month = f"{local.month}月" if same_year else f"{local.year}年{local.month}月"
    key = "meeting.skipped" if skipped.reason else "meeting.skipped_no_reason"
    return t(key, month=month, code=skipped.code, reason=skipped.reason)


def meeting_ahead(ahead: Ahead, rule: str, zone: ZoneInfo, now: datetime) -> Reply:
    """议事日是哪天: the next meeting, said after the one cancelled before it, if any."""
    if ahead.view is None:
        nothing = t("meeting.none_scheduled", rule=rule)
        if ahead.skipped is None:
            return Reply(nothing)
        said = skipped_text(ahead.skipped, zone, now)
        return Reply(t("meeting.skipped_none", skipped=said, none=nothing))
    info = meeting_info(ahead.view, zone, now)
    if ahead.skipped is None:
        return info
    first = t(
        "meeting.skipped_next",
        skipped=skipped_text(ahead.skipped, zone, now),
        when=date_text(ahead.view.meeting.starts_at, zone, now),
    )
    return Reply(f"{first}\n{info.text}", buttons=info.buttons)


def meeting_info(view: MeetingView, zone: ZoneInfo, now: datetime) -> Reply:
    meeting = view.meeting
    agenda = "\n".join(
        f"{n}. {topic_ref(topic.id or 0)} {topic.title}（{item.minutes_alloc} 分钟）"
        for n, (item, topic) in enumerate(view.agenda, start=1)
    ) or t("meeting.info_agenda_empty")
    text = t(
        "meeting.info",
        code=meeting.code,
        when=date_text(meeting.starts_at, zone, now),
        place=meeting.place,
        agenda=agenda,
        onsite=view.onsite,
        seats=view.seats_left,
        online=view.online,
    )
    if not sign_up_open(meeting, now):
        return Reply(text + "\n" + t("meeting.info_closed"))
    buttons = (
        Button(t("meeting.button_onsite"), f"报名 {meeting.code}", private=True),
        Button(t("meeting.button_online"), f"线上报名 {meeting.code}", private=True),
    )
    return Reply(text, buttons=buttons)


def render_minutes(minutes: Minutes, community: str, zone: ZoneInfo, url: str) -> str:
    meeting = minutes.meeting
    lines = [
        t("minutes.header", community=community, code=meeting.code),
        t("minutes.when", when=date_text(meeting.starts_at, zone), place=meeting.place),
        t("minutes.committee", names="、".join(minutes.committee) or "—"),
        t(
            "minutes.attendance",
            onsite=minutes.signed_up_onsite,
            online=minutes.signed_up_online,
            attended=minutes.attended,
            attended_online=minutes.attended_online,
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
    if not minutes.decisions and not minutes.void_votes:
        lines.append(t("minutes.no_decisions"))
    for view in minutes.decisions:
        lines.append(decision_line(view.decision.id or 0, view.wording, view))
    for void in minutes.void_votes:
        lines.append(
            t(
                "minutes.void_vote",
                ref=poll_ref(void.poll.id or 0),
                text=void.poll.question,
                verdict=_void_verdict(void.poll, void.tally),
            )
        )
    lines.append(t("minutes.public", url=url))
    return "\n".join(lines)


def _tally_text(poll: Poll, tally: Tally) -> str:
    counts = "，".join(f"{option_label(poll, i)} {c}" for i, c in enumerate(tally.counts))
    return t("minutes.tally", counts=counts, voters=tally.voters, electorate=tally.electorate)


def _void_verdict(poll: Poll, tally: Tally) -> str:
    """A void vote's result as the minutes say it: "无效（未达法定人数；赞成 1，…；投票
    1/5）" — never "…？：无效：未达法定人数" (a question, then two colons)."""
    if tally.withheld:  # an anonymous poll with too few votes: participation only
        said = t(
            "minutes.void_withheld",
            voters=tally.voters,
            minimum=tally.withheld_below,
            electorate=tally.electorate,
        )
        return t(f"minutes.void_{tally.outcome}", tally=said)
    counts = "，".join(f"{option_label(poll, i)} {c}" for i, c in enumerate(tally.counts))
    said = t("minutes.void_tally", counts=counts, voters=tally.voters, electorate=tally.electorate)
    return t(f"minutes.void_{tally.outcome}", tally=said)


def decision_line(decision_id: int, text: str, view: Any) -> str:
    """A decision in the minutes; one recorded for a void vote before void votes got no
    number says what it was (无效（未达法定人数；…）), not 未通过."""
    tally_text = ""
    verdict = t("minutes.passed" if view.decision.passed else "minutes.failed")
    if view.tally is not None and view.poll is not None:
        if view.tally.outcome in ("passed", "failed"):
            tally_text = _tally_text(view.poll, view.tally)
            verdict = verdict_words(view.tally.outcome)
        else:  # void: what, why and the tally in one pair of brackets
            verdict = _void_verdict(view.poll, view.tally)
    return t(
        "minutes.decision",
        ref=decision_ref(decision_id),
        text=text,
        verdict=verdict,
        tally=tally_text,
    )


def _signup_buttons(meeting: Meeting) -> tuple[Button, ...]:
    return (
        Button(t("notice.button_onsite"), f"报名 {meeting.code}", private=True),
        Button(t("notice.button_online"), f"线上报名 {meeting.code}", private=True),
    )


def routes(community: str, zone: ZoneInfo) -> Table:
    """The meetings' rows of the dispatch table."""

    def values(view: MeetingView) -> dict[str, object]:
        meeting = view.meeting
        agenda = "；".join(f"{topic_ref(tp.id or 0)} {tp.title}" for _, tp in view.agenda)
        return {
            "code": meeting.code,
            "when": date_text(meeting.starts_at, zone),
            "place": meeting.place,
            "agenda": agenda or "待定",
            "seats": view.seats_left,
        }

    def notice(
        key: str, event: ev.Event, view: MeetingView, *, buttons: bool, **more: object
    ) -> Reply:
        text = t(f"notice.{key}", **values(view), **more)
        if event.late:
            text += "\n" + t("notice.announce_late")
        return Reply(text, buttons=_signup_buttons(view.meeting) if buttons else ())

    def groups_and_people(event: ev.MeetingChanged) -> list[Audience]:
        """The groups, those signed up, and those invited who are not (nobody twice)."""
        return [
            CommunityGroups(),
            People(event.signed_up, "signed_up"),
            People(event.invited, "invited"),
        ]

    def offers_sign_up(audience: Audience) -> bool:
        """报名 buttons under a change: for the groups and those invited, not for those
        already signed up (their sign-up stands)."""
        return not (isinstance(audience, People) and audience.label == "signed_up")

    def invited(event: ev.MeetingInvited) -> list[Audience]:
        return [Person(rid) for rid, _name, _why in event.invitees]

    def invitation(event: ev.MeetingInvited, audience: Audience) -> Reply | None:
        assert isinstance(audience, Person)
        for rid, name, reason in event.invitees:
            if rid == audience.resident_id:
                kind, _, ref = reason.partition(":")
                why = t(f"meeting.why_{kind}", ref=ref)
                meeting = event.meeting
                return Reply(
                    t(
                        "meeting.invite_push",
                        name=name,
                        code=meeting.code,
                        why=why,
                        when=date_text(meeting.starts_at, zone),
                        place=meeting.place,
                    )
                )
        return None

    def minutes(event: ev.MinutesPublished, _a: Audience) -> Reply:
        code = event.minutes.meeting.code
        return Reply(render_minutes(event.minutes, community, zone, PUBLIC_PATH.format(code=code)))

    table: dict[type[ev.Event], Sequence[Route[Any]]] = {
        ev.MeetingAnnounced: [
            Notify[ev.MeetingAnnounced](
                lambda e: [CommunityGroups()],
                lambda e, _a: notice("announce", e, e.view, buttons=True),
            )
        ],
        ev.MeetingReminderDue: [Reminders(notice)],
        ev.MeetingMoved: [
            Notify[ev.MeetingMoved](
                groups_and_people,
                lambda e, a: notice(
                    "meeting_moved" if e.old_when != e.view.meeting.starts_at else "place_moved",
                    e,
                    e.view,
                    buttons=offers_sign_up(a),
                    old_when=date_text(e.old_when, zone),
                    old_place=e.old_place,
                ),
            )
        ],
        ev.MeetingCancelled: [
            Notify[ev.MeetingCancelled](
                groups_and_people,
                lambda e, _a: notice(
                    "meeting_cancelled", e, e.view, buttons=False, reason=e.reason
                ),
            )
        ],
        ev.MeetingInvited: [Notify[ev.MeetingInvited](invited, invitation)],
        ev.MinutesPublished: [Notify[ev.MinutesPublished](lambda e: [CommunityGroups()], minutes)],
    }
    return table


class Reminders:
    """Each person signed up is reminded, with the way they signed up (现场/线上)."""

    def __init__(self, notice: Any) -> None:
        self.notice = notice

    async def run(self, uow: UnitOfWork, event: ev.MeetingReminderDue, bus: Dispatcher) -> None:
        for resident_id, mode in event.modes.items():
            reply = self.notice("remind", event, event.view, buttons=False, mode=mode)
            await bus.tell(uow, event, Person(resident_id), reply)
