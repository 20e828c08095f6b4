"""议事日 as the replies show it: a resident's sign-up, and the moderator's set-up —
created, agenda, invitations, the sign-up list, and the previews of a move or a
cancellation that wait for a confirming tap."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from consultation.ids import topic_ref
from consultation.meetings import MODE_ZH, ChangePreview
from consultation.participation import Participant
from kernel.messages import Button, Reply
from kernel.texts import t
from notices.assisted import marked, of_which_in
from notices.common import date_text, day_text
from storage.meetings import Meeting

#: What each way of taking part is switched to with.
_SWITCH_VERB = {"online": "改为线上", "onsite": "改为现场"}


def signup_reply(
    meeting: Meeting, mode: str, outcome: str, zone: ZoneInfo, now: datetime | None = None
) -> Reply:
    """报名 / 线上报名 answered: signed up, already so, switched, or asked to switch (the
    resident is signed up the other way). Once the meeting has begun (``now``), no
    reminder before it is promised."""
    values = {
        "code": meeting.code,
        "when": date_text(meeting.starts_at, zone),
        "place": meeting.place,
        "mode": MODE_ZH[mode],
    }
    if outcome == "same":
        return Reply(t("meeting.same", **values))
    if outcome == "switched":
        return Reply(t("meeting.switched", **values))
    if outcome == "ask_switch":
        other = "onsite" if mode == "online" else "online"
        switch = Button(
            t("meeting.b_switch", mode=MODE_ZH[mode]), f"{_SWITCH_VERB[mode]} {meeting.code}"
        )
        return Reply(t("meeting.ask_switch", current=MODE_ZH[other], **values), buttons=(switch,))
    key = "meeting.signed_up_online" if mode == "online" else "meeting.signed_up"
    if now is not None and now >= meeting.starts_at:
        key += "_started"
    return Reply(t(key, **values))


def which_signup(values: dict[str, object]) -> Reply:
    """取消报名 with several sign-ups: which one, a button each."""
    codes = str(values["codes"]).split("、")
    buttons = tuple(Button(f"取消 {c}", f"取消报名 {c}") for c in codes)
    return Reply(t("meeting_error.which_signup", **values), buttons=buttons)


def leave_offer(signups: Sequence[tuple[Meeting, str]], zone: ZoneInfo) -> Reply:
    """ "我不去了": the sign-up it would cancel and a button to, never cancelled unasked;
    several: which; none: said so."""
    if not signups:
        return Reply(t("meeting.leave_none"))
    if len(signups) > 1:
        return which_signup({"codes": "、".join(m.code for m, _ in signups)})
    [(meeting, mode)] = signups
    when, how = date_text(meeting.starts_at, zone), MODE_ZH[mode]
    return Reply(
        t("meeting.leave_confirm", code=meeting.code, when=when, mode=how),
        buttons=(Button(t("meeting.b_withdraw"), f"取消报名 {meeting.code}"),),
    )


def signup_status(
    signups: Sequence[tuple[Meeting, str]], upcoming: Meeting | None, zone: ZoneInfo
) -> Reply:
    """我报名了吗: the meetings ahead the resident is signed up for (and how); else the
    next meeting, with 报名 and 线上报名 to tap; else that none is scheduled."""
    if signups:
        lines = [
            t(
                "meeting.status_line",
                code=m.code,
                when=date_text(m.starts_at, zone),
                mode=MODE_ZH[how],
            )
            for m, how in signups
        ]
        return Reply(t("meeting.status_signed", lines="\n".join(lines)))
    if upcoming is None:
        return Reply(t("meeting.status_none"))
    when = date_text(upcoming.starts_at, zone)
    return Reply(
        t("meeting.status_not_signed", code=upcoming.code, when=when, place=upcoming.place),
        buttons=(
            Button(t("meeting.b_sign_up"), f"报名 {upcoming.code}"),
            Button(t("meeting.b_sign_up_online"), f"线上报名 {upcoming.code}"),
        ),
    )


def meeting_created(meeting: Meeting, zone: ZoneInfo) -> Reply:
    return Reply(
        t(
            "meeting.created",
            code=meeting.code,
            when=date_text(meeting.starts_at, zone),
            place=meeting.place,
            capacity=meeting.capacity,
        )
    )


def agenda_set(code: str, topic: int, title: str, position: int, minutes: int) -> Reply:
    return Reply(
        t(
            "meeting.agenda_set",
            ref=topic_ref(topic),
            title=title,
            code=code,
            position=position,
            minutes=minutes,
        )
    )


def invitations(code: str, roles: Sequence[str]) -> Reply:
    """邀请: how many were invited, committee members and stakeholders (7+X)."""
    committee = roles.count("committee")
    if not roles:
        return Reply(t("meeting.invited_none", code=code))
    return Reply(
        t(
            "meeting.invited",
            code=code,
            count=len(roles),
            committee=committee,
            stakeholders=len(roles) - committee,
        )
    )


def signup_roll(meeting: Meeting, people: Sequence[tuple[Participant, str]]) -> Reply:
    """报名名单: who comes and how, those signed up by a grid worker marked 代办."""
    if not people:
        return Reply(t("meeting.signups_none", code=meeting.code))
    lines = [f"{marked(p)}｜{MODE_ZH[mode]}" for p, mode in people]
    onsite = sum(1 for _, mode in people if mode == "onsite")
    return Reply(
        t(
            "meeting.signups_list",
            code=meeting.code,
            onsite=onsite,
            online=len(people) - onsite,
            assisted=of_which_in([p for p, _ in people]),
            names="\n".join(lines),
        )
    )


def _reach(preview: ChangePreview) -> dict[str, object]:
    """How many are told: the groups, those signed up, and those invited who are not."""
    invited = t("meeting.and_invited", count=preview.invited) if preview.invited else ""
    return {"groups": preview.groups, "signed_up": preview.signed_up, "invited": invited}


def _awaiting(text: str, changed: bool, button: str, data: str) -> Reply:
    """A preview with its confirming button; said again (``changed``) when the meeting
    moved on since the preview the tap was made on."""
    return Reply(
        t("meeting.preview_changed") + text if changed else text,
        buttons=(Button(t(button), data),),
    )


def cancel_preview(
    preview: ChangePreview, reason: str, zone: ZoneInfo, now: datetime, changed: bool
) -> Reply:
    """取消议事日: what will be sent to how many, and a button to confirm."""
    code = preview.meeting.code
    text = t(
        "meeting.cancel_preview",
        code=code,
        when=date_text(preview.starts_at, zone, now),
        reason=reason,
        **_reach(preview),
    )
    data = f"确认取消议事日 {code} {preview.stamp} {reason}"
    return _awaiting(text, changed, "meeting.b_confirm_cancel", data)


def cancelled(meeting: Meeting, told: int, invited: int, zone: ZoneInfo, now: datetime) -> Reply:
    """确认取消 done: told ``told`` signed up and ``invited`` invited who were not."""
    when = date_text(meeting.starts_at, zone, now)
    also = t("meeting.and_invited", count=invited) if invited else ""
    return Reply(t("meeting.cancelled", code=meeting.code, when=when, count=told, invited=also))


def move_preview(preview: ChangePreview, zone: ZoneInfo, now: datetime, changed: bool) -> Reply:
    """改期: the new time in full, what goes to how many, any clash, and 确认改期."""
    meeting = preview.meeting
    local = preview.starts_at.astimezone(zone)
    exact = f"{day_text(local, zone, year=True)} {local:%H:%M}"
    if preview.place != meeting.place:
        exact += f" 地点：{preview.place}"
    month = ""
    if preview.new_month:
        month = t("meeting.move_month", code=meeting.code, month=preview.new_month)
        if preview.clash and preview.clash != preview.same_time:
            month += t("meeting.move_clash", month=preview.new_month, other=preview.clash)
    when = date_text(preview.starts_at, zone, now)
    place_only = preview.starts_at == meeting.starts_at  # 地点改为…（时间不变）
    text = t(
        "meeting.move_place_preview" if place_only else "meeting.move_preview",
        code=meeting.code,
        old_when=date_text(meeting.starts_at, zone, now),
        when=when,
        place=preview.place,
        month=month,
        **_reach(preview),
    )
    if preview.same_time:
        key = "meeting.move_same_slot" if preview.same_place else "meeting.move_same_time"
        warning = t(key, other=preview.same_time, when=when, place=preview.place)
        text = f"{warning}\n{text}"
    data = f"确认改期 {meeting.code} {preview.stamp} {exact}"
    return _awaiting(text, changed, "meeting.b_confirm_move", data)


def moved(meeting: Meeting, old_start: datetime, zone: ZoneInfo, now: datetime) -> Reply:
    """确认改期 done: the new time and place, or only the place when the time stays."""
    when = date_text(meeting.starts_at, zone, now)
    key = "meeting.moved_place" if old_start == meeting.starts_at else "meeting.moved"
    return Reply(t(key, code=meeting.code, when=when, place=meeting.place))
