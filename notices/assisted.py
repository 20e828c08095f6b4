"""代办: the resident is asked to confirm what was recorded for them, the assistant hears
of an undo, and every list and count says what was assisted, in the same words."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from consultation import events as ev
from consultation.assisted import Assisted, Pending, card_stamp
from consultation.audiences import Audience, Person
from consultation.meetings import MODE_ZH
from consultation.participation import Participant, assisted_count
from kernel.messages import Button, Reply
from kernel.texts import t
from notices.common import date_text
from notices.dispatch import Notify, Route, Table
from notices.polls import choice_label


def marked(person: Participant) -> str:
    """``张阿姨`` or ``张阿姨（王网格员代办，待本人确认）``."""
    if person.assisted_by is None:
        return person.name
    state = t("assist.state_confirmed" if person.confirmed else "assist.state_pending")
    return t("assist.marked", name=person.name, assistant=person.assisted_by, state=state)


def names(people: Sequence[Participant]) -> str:
    return "、".join(marked(p) for p in people) or "—"


def of_which(count: int) -> str:
    """``（其中代办 1 人）`` after a count, or nothing when none was assisted."""
    return t("assist.of_which", count=count) if count else ""


def of_which_in(people: Sequence[Participant]) -> str:
    return of_which(assisted_count(people))


def answer_buttons(ref: str, at: datetime | None) -> tuple[Button, ...]:
    """确认 / 撤销: the sender's own record named by ``ref`` (nobody else's), the 代办
    recorded ``at`` only (its stamp: an older card's buttons don't act on a newer one)."""
    stamp = card_stamp(at)
    return (
        Button(t("assist.b_confirm"), f"确认代办 {ref} {stamp}", private=True),
        Button(t("assist.b_undo"), f"撤销代办 {ref} {stamp}", private=True),
    )


def _pending_values(item: Pending, zone: ZoneInfo, now: datetime) -> dict[str, object]:
    """What a line or a question about one waiting 代办 names."""
    values: dict[str, object] = {
        "ref": item.ref,
        "title": item.title,
        "assistant": item.assistant_name,
    }
    if item.kind == "vote" and item.poll is not None:
        values["choice"] = choice_label(item.poll, item.mask)
    if item.kind == "signup" and item.starts_at is not None:
        values["when"] = date_text(item.starts_at, zone, now)
        values["mode"] = MODE_ZH.get(item.mode, item.mode)
    return values


def not_mine(pending: Sequence[Pending], zone: ZoneInfo, now: datetime) -> Reply:
    """ "不是我的意思" with 代办 awaiting the resident's word: asked, with the card's own
    buttons (one) or an 撤销 for each (several); nothing undone unasked."""
    if len(pending) == 1:
        [item] = pending
        text = t(f"assist.not_mine_{item.kind}", **_pending_values(item, zone, now))
        return Reply(text, buttons=answer_buttons(item.ref, item.assisted_at))
    return which_of(pending, zone, now, undo=True)


def which_of(pending: Sequence[Pending], zone: ZoneInfo, now: datetime, *, undo: bool) -> Reply:
    """Several 代办 await the resident's word and a bare 撤销 (``undo``) or 确认 came: a
    line and a button each, for the one it is about."""
    lines, buttons = [], []
    for item in pending:
        lines.append(t(f"assist.line_{item.kind}", **_pending_values(item, zone, now)))
        verb = "撤销代办" if undo else "确认代办"
        label = t("assist.b_undo_ref" if undo else "assist.b_confirm_ref", ref=item.ref)
        data = f"{verb} {item.ref} {card_stamp(item.assisted_at)}"
        buttons.append(Button(label, data, private=True))
    votes = all(item.kind == "vote" for item in pending)
    key = "assist.not_mine_several" if votes else "assist.several"
    tail = t("assist.several_confirm")
    if undo:
        tail = t("assist.several_undo_vote" if votes else "assist.several_undo")
    return Reply(t(key, lines="\n".join(lines), tail=tail), buttons=tuple(buttons))


def _ask(done: Assisted) -> str:
    """Who asks the resident to confirm: the push, or the assistant when none can reach them."""
    key = "assist.ask_in_chat" if done.reachable else "assist.ask_by_phone"
    return t(key, name=done.resident.name)


def _recorded(key: str, done: Assisted, **values: object) -> Reply:
    """The assistant's receipt, with the resident's name and who asks them to confirm."""
    return Reply(t(key, name=done.resident.name, ref=done.ref, ask=_ask(done), **values))


def cosign_recorded(done: Assisted) -> Reply:
    key = "assist.cosigned_same" if done.status == "same" else "assist.cosigned"
    reply = _recorded(key, done, title=done.title, count=done.count, threshold=done.threshold)
    if done.held:
        return Reply(reply.text + t("assist.cosigned_held", name=done.resident.name))
    return reply


def signup_recorded(done: Assisted, mode: str, zone: ZoneInfo, now: datetime) -> Reply:
    key = {"same": "assist.signed_up_same", "changed": "assist.signed_up_changed"}.get(
        done.status, "assist.signed_up"
    )
    assert done.starts_at is not None
    when = date_text(done.starts_at, zone, now)
    return _recorded(key, done, when=when, mode=MODE_ZH[mode])


def vote_recorded(done: Assisted, choice: str, progress: str) -> Reply:
    key = {"same": "assist.voted_same", "changed": "assist.voted_changed"}.get(
        done.status, "assist.voted"
    )
    return _recorded(key, done, choice=choice, progress=progress)


def _to_resident(event: ev.AssistRecorded) -> list[Audience]:
    return [Person(event.resident_id)]


def _asked(event: ev.AssistRecorded, key: str, **values: object) -> Reply:
    """The resident is told who recorded what for them, and asked to confirm or undo it."""
    text = t(key, assistant=event.assistant_name, ref=event.ref, **values)
    return Reply(text, buttons=answer_buttons(event.ref, event.at))


def routes(zone: ZoneInfo) -> Table:
    """The 代办 rows of the dispatch table."""

    def cosign(event: ev.CosignAssisted, _a: Audience) -> Reply:
        return _asked(event, "assist.push_cosign", title=event.title)

    def signup(event: ev.SignupAssisted, _a: Audience) -> Reply:
        when = date_text(event.starts_at, zone, event.at)
        return _asked(
            event, "assist.push_signup", when=when, mode=MODE_ZH.get(event.mode, event.mode)
        )

    def vote(event: ev.VoteAssisted, _a: Audience) -> Reply:
        choice = choice_label(event.poll, event.mask)
        return _asked(event, "assist.push_vote", title=event.title, choice=choice)

    def undone(event: ev.AssistUndone, _a: Audience) -> Reply:
        return Reply(
            t(
                f"assist.told_{event.kind}",
                name=event.resident_name,
                ref=event.ref,
                title=event.title,
            )
        )

    table: dict[type[ev.Event], Sequence[Route[Any]]] = {
        ev.CosignAssisted: [Notify[ev.CosignAssisted](_to_resident, cosign)],
        ev.SignupAssisted: [Notify[ev.SignupAssisted](_to_resident, signup)],
        ev.VoteAssisted: [Notify[ev.VoteAssisted](_to_resident, vote)],
        ev.AssistUndone: [
            Notify[ev.AssistUndone](lambda e: [Person(e.assistant_id)], undone),
        ],
    }
    return table
