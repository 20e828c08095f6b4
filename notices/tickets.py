"""诉求: how tickets are phrased, and who is told what when one moves.

The phrasing helpers are shared with the handlers (a task card looks the same
whether pushed or asked for); :func:`routes` is the tickets' part of the
dispatch table.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta, tzinfo
from typing import Any

from consultation import events as ev
from consultation.audiences import (
    Audience,
    DepartmentContacts,
    Followers,
    GridWorkers,
    Moderators,
    ModeratorsBesides,
    People,
    Person,
    Rater,
    Reporter,
    viewer_of,
)
from consultation.confidentiality import Confidentiality, Shown, Viewer, brief
from consultation.staff_complaints import accused_of
from consultation.ticket_parsing import STATUS_ZH, Catalogue
from kernel.context import PUT_DOWN
from kernel.messages import Button, Reply
from kernel.texts import catalog, t
from nlu.dialogue import emergency_kind
from notices.common import date_text, titled
from notices.dispatch import Also, Dispatcher, Notify, Route, Table
from storage.tickets import Ticket
from storage.unit_of_work import UnitOfWork

#: The conversation that makes a resident's next "满意" the rating of their ticket.
RATING_FLOW = "ticket_rating"
#: The report's dialogue (handlers/report.py), and its steps that only follow a ticket
#: already filed ("有新情况直接发给我"): no draft in them to lose.
REPORT_FLOW = "report"
AFTER_FILING = ("filed", "followed")


def location_of(shown: Shown) -> str:
    """A ticket's place as a message says it, from what the confidentiality rule lets
    its reader see (:meth:`Confidentiality.shown`): a withheld room is said to be."""
    parts = "".join(p for p in (shown.building, shown.unit) if p)
    if shown.room:
        parts += f"{shown.room}室"
    if shown.spot:
        parts += shown.spot
    if shown.room_withheld:
        parts += t("ticket.room_withheld")
    return parts or "未说明"


def summary(ticket: Ticket, limit: int = 14, shown: Shown | None = None) -> str:
    """The start of a ticket's description, as a list line or a summary shows it (phone
    and ID numbers masked: :func:`consultation.confidentiality.brief`); ``shown``: as its
    reader may see it."""
    text = brief(shown.description if shown is not None else ticket.description)
    return text if len(text) <= limit else text[:limit] + "…"


def urgent_what(ticket: Ticket, shown: Shown | None = None) -> str:
    """What an urgent ticket is, as the first words of its reminders and escalations
    say it: its kind of danger (电梯困人, 燃气泄漏 …), else the start of what the resident
    said (``shown``: as its reader may see it)."""
    kind = emergency_kind(ticket.description)
    return t(f"emergency.what.{kind}") if kind else summary(ticket, 10, shown)


def urgent_key(key: str, ticket: Ticket) -> str:
    """``key``'s urgent wording for an urgent ticket ("【紧急·电梯困人】…"), when it has one."""
    urgent = f"{key}_urgent"
    return urgent if ticket.urgent and urgent in catalog() else key


def clock_text(moment: datetime | None, zone: tzinfo) -> str:
    """A ticket's time (a deadline, its last update) as every reply writes a date, on the
    community's clock: ``12月5日 18:00`` (:func:`notices.common.date_text`)."""
    if moment is None:
        return "—"
    return date_text(moment, zone)


def status_zh(status: str) -> str:
    return STATUS_ZH.get(status, status)


def action_zh(action: str) -> str:
    """A history step's name as people read it (``ticket_action`` in the catalogue)."""
    return catalog().get(f"ticket_action.{action}", action)


def task_buttons(number: str) -> tuple[Button, ...]:
    return (
        Button(t("ticket.b_accept"), f"接单 {number}"),
        Button(t("ticket.b_progress"), f"处理中 {number}"),
        Button(t("ticket.b_resolve"), f"办结 {number}"),
        Button(t("ticket.b_hand_up"), f"上报 {number}"),
        Button(t("ticket.b_reassign"), f"转派 {number}"),
    )


def department_buttons(number: str) -> tuple[Button, ...]:
    """What a department's contact may do to a ticket sent to them (DEPARTMENT_MOVES)."""
    return (
        Button(t("ticket.b_progress"), f"处理中 {number}"),
        Button(t("ticket.b_resolve"), f"办结 {number}"),
    )


def rating_buttons(number: str) -> tuple[Button, ...]:
    return tuple(
        Button(t(key), f"{t(key)} {number}")
        for key in ("ticket.rate_satisfied", "ticket.rate_ok", "ticket.rate_unsatisfied")
    )


def detail_line(question: str, answer: str) -> str:
    """A category's question and its answer as a line of its own, named by the question
    ("对方是几号楼几室？（我们会为您保密）" → "对方是几号楼几室：就楼上 202"), so the
    answer reads as that field, never as part of the problem."""
    label = re.sub(r"（[^）]*）|\([^)]*\)", "", question).rstrip("？?：: ")
    return f"\n{label}：{answer}"


def extra_lines(ticket: Ticket, shown: Shown) -> str:
    lines = [detail_line(q, a) for q, a in shown.details.items()]
    if ticket.photos:
        lines.append(t("ticket.photos_line", count=len(ticket.photos)))
        # The kept photos' links (bot/media.py), for the worker to open on the phone.
        lines += [t("ticket.photo_link", url=p) for p in ticket.photos if _openable(p)]
    return "".join(lines)


def _openable(photo: str) -> bool:
    return photo.startswith(("https://", "http://"))


def task_card(ticket: Ticket, shown: Shown, title: str, zone: tzinfo, extra: str = "") -> Reply:
    """The task card a grid worker gets, with its five buttons; ``shown``: the ticket as
    its reader may see it (a confidential complainant's name and room withheld)."""
    return Reply(
        t(
            "ticket.task",
            title=t(f"ticket.title_{title}"),
            number=ticket.number,
            urgent=t("ticket.urgent_mark") if ticket.urgent else "",
            category=ticket.category,
            location=location_of(shown),
            description=shown.description,
            extra=extra_lines(ticket, shown) + extra,
            reporter=shown.reporter or "居民",
            response_due=clock_text(ticket.response_due_at, zone),
            resolution_due=clock_text(ticket.resolution_due_at, zone),
        ),
        buttons=task_buttons(ticket.number),
    )


def _after_filing(flow: str, step: str, data: dict[str, Any], number: str) -> bool:
    """Is this conversation only the window after ``number`` was filed (or followed),
    which a fix within the half hour would otherwise keep the rating question from?"""
    return flow == REPORT_FLOW and step in AFTER_FILING and data.get("number") == number


def _noted_card(event: ev.TicketNoted, shown: Shown, zone: tzinfo) -> Reply:
    """The task card again with what the complainant added (his room withheld from a
    confidential ticket's handler, as in the description)."""
    note = t("ticket.noted_note", note=shown.said(event.note))
    return task_card(event.ticket, shown, "noted", zone, note)


def _told_of_progress(event: ev.TicketChanged) -> list[Audience]:
    """Who hears of a ticket's progress: its reporter, and its followers as neighbours
    read it (:attr:`Viewer.FOLLOWER`)."""
    return [Reporter(event.ticket), Followers(event.ticket)]


def _moderators(ticket: Ticket) -> Moderators:
    """The moderators who may hear of ``ticket``: all, but those a complaint about staff
    names (consultation.staff_complaints)."""
    named = accused_of(ticket.details)
    return ModeratorsBesides(tuple(sorted(named))) if named else Moderators()


def _grid_or_moderators(ticket: Ticket) -> Audience:
    return GridWorkers(ticket.grid_id) if ticket.grid_id is not None else _moderators(ticket)


def _holder(ticket: Ticket) -> list[Audience]:
    return [Person(ticket.holder_id)] if ticket.holder_id is not None else []


def routes(catalogue: Catalogue, zone: tzinfo) -> Table:
    """The tickets' rows of the dispatch table. Whatever names a ticket's place or
    reporter reads it through the confidentiality rule, for the audience it goes to."""
    rule = catalogue.confidentiality

    def shown(ticket: Ticket, audience: Audience) -> Shown:
        return rule.shown(ticket, viewer_of(audience))

    def late(event: ev.TicketChanged, due: datetime) -> str:
        return t("ticket.late", due=clock_text(due, zone)) if event.late else ""

    def card(title: str, extra: str = "") -> Notify[ev.TicketChanged]:
        """Staff get the task card (``new`` for the grid, ``community`` for moderators)."""

        def say(event: ev.TicketChanged, audience: Audience) -> Reply:
            title_of = title or ("new" if isinstance(audience, GridWorkers) else "community")
            seen = shown(event.ticket, audience)
            # A note's own line when there is none ("居民评价不满意", its reason to follow).
            key = extra if event.note or f"{extra}_none" not in catalog() else f"{extra}_none"
            note = (
                t(key, note=seen.said(event.note) or "—", actor=event.actor_name or "")
                if extra
                else ""
            )
            return _for_department(
                task_card(event.ticket, seen, title_of, zone, note), event.ticket, audience
            )

        return Notify(lambda e: _staff_for(e), say)

    def to_reporter(key: str, **fixed: str) -> Notify[ev.TicketChanged]:
        def say(event: ev.TicketChanged, audience: Audience) -> Reply:
            tk = event.ticket
            seen = shown(tk, audience)  # a follower reads no room, no phone, no name
            values = {
                "number": tk.number,
                "note": seen.said(event.note),
                "actor": event.actor_name or "",
                "holder": event.holder_name or "",
                "worker": titled("网格员", event.holder_name or event.actor_name or ""),
                "summary": summary(tk, shown=seen),
                "due": clock_text(tk.resolution_due_at, zone),
                "into": event.note or "",
                "department": tk.department or event.note or "",
                **fixed,
            }
            return Reply(t(key, **values))

        return Notify(_told_of_progress, say)

    def staff(
        audience: list[Audience] | None, key: str, *buttons: tuple[str, str]
    ) -> Notify[ev.TicketChanged]:
        def say(event: ev.TicketChanged, audience: Audience) -> Reply:
            tk = event.ticket
            n = tk.number
            seen = shown(tk, audience)
            text = t(
                key,
                number=n,
                actor=event.actor_name or "",
                worker=titled("网格员", event.actor_name or ""),
                note=seen.said(event.note),
                due=clock_text(tk.resolution_due_at, zone),
                category=tk.category,
                location=location_of(seen),
                department=event.note or "",
                description=seen.description,
            )
            return Reply(
                text, buttons=tuple(Button(t(label), f"{verb} {n}") for label, verb in buttons)
            )

        def who(event: ev.TicketChanged) -> list[Audience]:
            if audience is None:
                return _holder(event.ticket)
            return [_moderators(event.ticket) if type(a) is Moderators else a for a in audience]

        return Notify(who, say)

    def resolved(key: str, buttons: bool) -> Callable[[ev.TicketResolved, Audience], Reply]:
        """办结 told: the reporter asked to rate (``buttons``); a follower told, and how
        to say it isn't done (a rating is the reporter's: a follower's tap was refused)."""

        def say(event: ev.TicketResolved, audience: Audience) -> Reply:
            tk = event.ticket
            note = shown(tk, audience).said(event.note)
            text = t(key, number=tk.number, note=note, holder=event.actor_name or "")
            return Reply(text, buttons=rating_buttons(tk.number) if buttons else ())

        return say

    async def await_rating(uow: UnitOfWork, event: ev.TicketResolved, now: datetime) -> None:
        """Make the reporter's next "满意" in private chat the rating of this ticket (asked
        of a reporter who takes no progress notices too: see :class:`Rater`)."""
        ticket = event.ticket
        platform, user = ticket.reporter_platform, ticket.reporter_user_id
        owner = ticket.reporter_resident_id
        if owner is not None and await uow.identities.resident_of(platform, user) != owner:
            return  # the account is someone else's now (改绑): not theirs to rate
        state = await uow.conversations.get(platform, user, user, now)
        data: dict[str, Any] = {"number": ticket.number}
        if state is not None and state.flow != RATING_FLOW:
            if not _after_filing(state.flow, state.step, state.data, ticket.number):
                return  # in the middle of something else; the buttons still work
            if PUT_DOWN in state.data:  # a draft it had put down: its old card still told
                data[PUT_DOWN] = state.data[PUT_DOWN]
        expires = now + timedelta(hours=catalogue.rating_timeout_hours)
        await uow.conversations.save(platform, user, user, RATING_FLOW, "rating", data, expires)

    def escalated_to_reporter(key: str, due_of: str) -> Notify[ev.TicketChanged]:
        def say(event: ev.TicketChanged, _a: Audience) -> Reply:
            tk = event.ticket
            text = t(key, number=tk.number, department=event.note or "")
            return Reply(text + late(event, getattr(tk, due_of)))

        return Notify(_told_of_progress, say)

    def escalated_staff(
        key: str, due_of: str, *buttons: tuple[str, str]
    ) -> Notify[ev.TicketChanged]:
        def say(event: ev.TicketChanged, audience: Audience) -> Reply:
            tk = event.ticket
            seen = shown(tk, audience)
            # Given to a worker (分派/转派) who never took it: the moderators hear who.
            given = due_of == "response_due_at" and tk.holder_id is not None
            text = t(
                urgent_key(f"{key}_given" if given else key, tk),
                number=tk.number,
                holder=event.holder_name or "",
                what=urgent_what(tk, seen),
                category=tk.category,
                location=location_of(seen),
                department=event.note or "",
                description=seen.description,
            )
            btns = tuple(Button(t(label), f"{verb} {tk.number}") for label, verb in buttons)
            return Reply(text + late(event, getattr(tk, due_of)), buttons=btns)

        def who(event: ev.TicketChanged) -> list[Audience]:
            if isinstance(event, ev.TicketEscalatedToDepartment):
                return [_moderators(event.ticket), *_holder(event.ticket)]
            return [_moderators(event.ticket)]

        return Notify(who, say)

    rated = Notify[ev.TicketRated](
        lambda e: _holder(e.ticket),
        lambda e, _a: Reply(
            t(
                "ticket.s_rated",
                number=e.ticket.number,
                rating=e.ticket.rating or "",
                comment=f"，“{e.note}”" if e.note else "",
            )
        ),
    )
    reassigned_card = Notify[ev.TicketReassigned](
        lambda e: [Person(e.worker_id)],
        lambda e, a: task_card(
            e.ticket,
            shown(e.ticket, a),
            "reassigned",
            zone,
            # Who sent it always; why, when it was said with the name (a tap's reason
            # follows as a line of its own: TicketFollowedUp).
            t("ticket.reassigned_by", actor=e.actor_name or "")
            + (t("ticket.reassigned_why", note=e.note) if e.note else ""),
        ),
    )
    followed_up = Notify[ev.TicketFollowedUp](
        lambda e: _holder(e.ticket) or told_of_change(e.ticket),
        lambda e, a: Reply(
            t(
                f"ticket.s_follow_up_{e.kind}",
                number=e.ticket.number,
                actor=e.actor_name or "",
                note=shown(e.ticket, a).said(e.note),
            )
        ),
    )

    def warning(key: str, due: datetime, ticket: Ticket, audience: Audience) -> str:
        """A reminder ahead of a deadline; an urgent ticket's says so first, and what it is."""
        seen = shown(ticket, audience)
        return t(
            key,
            number=ticket.number,
            due=clock_text(due, zone),
            what=urgent_what(ticket, seen),
            location=location_of(seen),
        )

    warn_resolution = Notify[ev.TicketResolutionWarned](
        lambda e: _holder(e.ticket) or [_grid_or_moderators(e.ticket)],
        lambda e, a: Reply(
            warning(
                urgent_key("ticket.s_warn_resolution", e.ticket),
                e.ticket.resolution_due_at,
                e.ticket,
                a,
            ),
            buttons=(
                Button(t("ticket.b_resolve"), f"办结 {e.ticket.number}"),
                Button(t("ticket.b_extend"), f"延期 {e.ticket.number}"),
            ),
        ),
    )

    def response_warning(event: ev.TicketResponseWarned, audience: Audience) -> Reply:
        """Nobody took it yet: the grid's workers are reminded (an emergency filed straight
        to the community: its moderators, who may take it or hand it to a worker); one
        given to a worker (分派/转派) who has not taken it: he is."""
        tk = event.ticket
        verbs: tuple[tuple[str, str], ...]
        if tk.holder_id is not None:  # given to him (分派/转派), not taken yet
            key = urgent_key("ticket.s_warn_response_given", tk)
            text = warning(key, tk.response_due_at, tk, audience)
            verbs = (("ticket.b_accept", "接单"),)
        elif tk.grid_id is None:
            text = warning("ticket.s_warn_response_community", tk.response_due_at, tk, audience)
            verbs = (("ticket.b_reassign", "转派"), ("ticket.b_accept", "接单"))
        else:
            key = urgent_key("ticket.s_warn_response", tk)
            text = warning(key, tk.response_due_at, tk, audience)
            verbs = (("ticket.b_accept", "接单"),)
        buttons = tuple(Button(t(label), f"{verb} {tk.number}") for label, verb in verbs)
        return Reply(text, buttons=buttons)

    warn_response = Notify[ev.TicketResponseWarned](
        lambda e: _holder(e.ticket) or [_grid_or_moderators(e.ticket)], response_warning
    )

    def place_card(event: ev.TicketPlaceCorrected, audience: Audience) -> Reply:
        old = rule.place(event.ticket.category, event.old_place, viewer_of(audience))
        note = t("ticket.place_note", old=location_of(old))
        card = task_card(event.ticket, shown(event.ticket, audience), "place", zone, note)
        return _for_department(card, event.ticket, audience)

    def department_did(key: str) -> Notify[ev.TicketChanged]:
        """The worker holding a ticket hears what its department did to it (部门报到): a
        short line, no task card (there is nothing left for him to take)."""

        def say(event: ev.TicketChanged, _a: Audience) -> Reply:
            values = {
                "number": event.ticket.number,
                "department": event.by_department or "",
                "actor": event.actor_name or "",
                "note": event.note or "",
            }
            return Reply(t(key, **values))

        return Notify(_holder_of_department_move, say)

    place_corrected = Notify[ev.TicketPlaceCorrected](_told_of_change, place_card)
    noted = Notify[ev.TicketNoted](
        _told_of_change,
        lambda e, a: _for_department(_noted_card(e, shown(e.ticket, a), zone), e.ticket, a),
    )
    place_moved = Notify[ev.TicketPlaceCorrected](
        lambda e: [GridWorkers(e.old_grid_id)] if e.old_grid_id is not None else [],
        lambda e, a: Reply(
            t(
                "ticket.s_place_moved",
                number=e.ticket.number,
                location=location_of(shown(e.ticket, a)),
            )
        ),
    )
    table: dict[type[ev.Event], Sequence[Route[Any]]] = {
        ev.TicketFiled: [card("")],
        ev.TicketPlaceCorrected: [place_corrected, place_moved],
        ev.TicketNoted: [noted],
        ev.TicketAccepted: [to_reporter("ticket.n_accepted")],
        ev.TicketProgressed: [
            to_reporter("ticket.n_progress"),
            department_did("ticket.s_department_progress"),
        ],
        ev.TicketResolved: [
            Notify(lambda e: [Rater(e.ticket)], resolved("ticket.rate_ask", buttons=True)),
            Notify(lambda e: [Followers(e.ticket)], resolved("ticket.resolved_to_follower", False)),
            Also(await_rating),
            department_did("ticket.s_department_resolved"),
        ],
        ev.TicketHandedUp: [
            staff([Moderators()], "ticket.s_handed_up", ("ticket.b_reassign", "转派")),
            to_reporter("ticket.n_handed_up"),
        ],
        ev.TicketReturned: [
            card("returned", "ticket.returned_note"),
            to_reporter("ticket.n_returned"),
        ],
        ev.TicketExtended: [
            to_reporter("ticket.n_extended"),
            staff([Moderators()], "ticket.s_extended"),
        ],
        ev.TicketReassigned: [reassigned_card, to_reporter("ticket.n_reassigned")],
        ev.TicketFollowedUp: [followed_up],
        ev.TicketRated: [rated],
        ev.TicketReopened: [card("reopened", "ticket.reopened_note")],
        ev.TicketMerged: [to_reporter("ticket.n_merged")],
        ev.TicketClosedUnrated: [to_reporter("ticket.n_closed_unrated")],
        ev.TicketResponseWarned: [warn_response],
        ev.TicketResolutionWarned: [warn_resolution],
        ev.TicketEscalatedToCommunity: [
            escalated_staff(
                "ticket.s_escalated_response", "response_due_at", ("ticket.b_reassign", "转派")
            ),
            escalated_to_reporter("ticket.n_escalated_response", "response_due_at"),
        ],
        ev.TicketResponseOverdue: [
            escalated_staff(
                "ticket.s_overdue_response", "response_due_at", ("ticket.b_reassign", "转派")
            ),
            escalated_to_reporter("ticket.n_overdue_response", "response_due_at"),
        ],
        ev.TicketSentToDepartment: [
            ToDepartment(zone, rule, "ticket.s_sent_to_department"),
            to_reporter("ticket.n_sent_to_department"),
        ],
        ev.TicketEscalatedToDepartment: [
            ToDepartment(zone, rule),
            escalated_staff("ticket.s_escalated_resolution", "resolution_due_at"),
            escalated_to_reporter("ticket.n_escalated_resolution", "resolution_due_at"),
        ],
    }
    return table


def _staff_for(event: ev.TicketChanged) -> list[Audience]:
    """Who gets the task card: the grid (or the moderators when it has none); an urgent new
    ticket also the moderators; a returned one the grid's other workers (or the
    moderators when it has none)."""
    ticket = event.ticket
    first = _grid_or_moderators(ticket)
    if isinstance(event, ev.TicketFiled) and ticket.urgent and ticket.grid_id is not None:
        return [first, _moderators(ticket)]
    if isinstance(event, ev.TicketReopened) and _department_of(ticket):
        return _department_of(ticket)  # back to the department that resolved it
    if isinstance(event, ev.TicketReturned):
        # Never back to the worker who returned it: the grid's others, else the community.
        if event.others:
            return [People(event.others, label="grid_others")]
        return [_moderators(ticket)]
    return [first]


def _holder_of_department_move(event: ev.TicketChanged) -> list[Audience]:
    """The ticket's holder, when a department's contact (not he) moved it."""
    if event.by_department is None:
        return []
    return _holder(event.ticket)


def _told_of_change(event: ev.TicketChanged) -> list[Audience]:
    return told_of_change(event.ticket)


def told_of_change(ticket: Ticket) -> list[Audience]:
    """Who gets the card with what the resident corrected or added: whoever holds it, else
    the department it was sent to (its contacts, and the moderators who sent it or call
    one without contacts), else the grid it is in now (or the moderators); the moderators
    too when it is urgent, as when filed. The resident's reply names the first of them
    (handlers.report), so it says who was really told."""
    first = _holder(ticket) or _department_of(ticket) or [_grid_or_moderators(ticket)]
    if ticket.urgent and not any(isinstance(a, Moderators) for a in first):
        return [*first, _moderators(ticket)]
    return first


def _for_department(card: Reply, ticket: Ticket, audience: Audience) -> Reply:
    """A task card as a department's contact gets it: with what a department may do to
    it (处理中, 办结), not a grid worker's 接单/上报."""
    if isinstance(audience, DepartmentContacts):
        return replace(card, buttons=department_buttons(ticket.number))
    return card


def _department_of(ticket: Ticket) -> list[Audience]:
    """A ticket at a department (吹哨, or past its resolution limit): nobody in the grid
    has it, its department does."""
    if ticket.level != "department" or not ticket.department:
        return []
    return [DepartmentContacts(ticket.department), _moderators(ticket)]


class ToDepartment:
    """Escalated past the community: the department's registered contacts get it; with
    none registered, the moderators are told to call the department and register one."""

    def __init__(
        self, zone: tzinfo, rule: Confidentiality, key: str = "ticket.s_escalated_resolution"
    ) -> None:
        self.zone = zone
        self.rule = rule
        self.key = key

    async def run(self, uow: UnitOfWork, event: ev.TicketChanged, bus: Dispatcher) -> None:
        tk = event.ticket
        department = tk.department or event.note or ""
        seen = self.rule.shown(tk, Viewer.DEPARTMENT)
        text = t(
            urgent_key(self.key, tk),
            number=tk.number,
            what=urgent_what(tk, seen),
            category=tk.category,
            location=location_of(seen),
            department=department,
            description=seen.description,
        )
        if event.late:
            text += t("ticket.late", due=clock_text(tk.resolution_due_at, self.zone))
        card = Reply(text, buttons=department_buttons(tk.number))
        if department and await bus.tell(uow, event, DepartmentContacts(department), card):
            return
        missing = t(
            urgent_key("ticket.s_no_department_contact", tk),
            number=tk.number,
            what=urgent_what(tk, seen),
            department=department or t("ticket.level_department"),
        )
        await bus.tell(uow, event, _NoContact(), Reply(missing))


class _NoContact(Moderators):
    """The moderators, told that a department has no contact (its own de-duplication name)."""
