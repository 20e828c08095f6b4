"""Phrasing ticket notices and queueing them as pushes (the :class:`TicketNotifier`).

The domain says what happened and to whom; this module says it in Chinese, with
the right buttons, to each person's private chats, once (dedupe key per history
row and recipient).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, tzinfo

from consultation.binding import push_to_person
from consultation.roles import Role
from consultation.ticket_parsing import STATUS_ZH, Catalogue
from consultation.tickets import Notice
from kernel.messages import Button, Reply
from kernel.texts import t
from storage.tickets import Ticket
from storage.unit_of_work import UnitOfWork

RATING_FLOW = "ticket_rating"


def location_of(ticket: Ticket) -> str:
    parts = "".join(p for p in (ticket.building, ticket.unit) if p)
    if ticket.room:
        parts += f"{ticket.room}室"
    if ticket.spot:
        parts += ticket.spot
    return parts or "未说明"


def summary(ticket: Ticket, limit: int = 14) -> str:
    text = ticket.description.replace("\n", " ")
    return text if len(text) <= limit else text[:limit] + "…"


def local(moment: datetime | None, zone: tzinfo) -> str:
    if moment is None:
        return "—"
    return moment.astimezone(zone).strftime("%m-%d %H:%M")


def status_zh(status: str) -> str:
    return STATUS_ZH.get(status, status)


def task_buttons(number: str) -> tuple[Button, ...]:
    return (
        Button(t("ticket.b_accept"), f"接单 {number}"),
        Button(t("ticket.b_progress"), f"处理中 {number}"),
        Button(t("ticket.b_resolve"), f"办结 {number}"),
        Button(t("ticket.b_hand_up"), f"上报 {number}"),
        Button(t("ticket.b_reassign"), f"转派 {number}"),
    )


def rating_buttons(number: str) -> tuple[Button, ...]:
    return tuple(
        Button(t(key), f"{t(key)} {number}")
        for key in ("ticket.rate_satisfied", "ticket.rate_ok", "ticket.rate_unsatisfied")
    )


def extra_lines(ticket: Ticket) -> str:
    lines = [f"\n{q}{a}" for q, a in ticket.details.items()]
    if ticket.photos:
        lines.append(t("ticket.photos_line", count=len(ticket.photos)))
    return "".join(lines)


class PushTicketNotifier:
    """Resolves each notice's audience to people and queues one push per person."""

    def __init__(self, catalogue: Catalogue, zone: tzinfo) -> None:
        self.catalogue = catalogue
        self.zone = zone

    async def notify(self, uow: UnitOfWork, notices: Sequence[Notice], now: datetime) -> None:
        for notice in notices:
            for audience in notice.audience:
                await self._send(uow, notice, audience, now)

    async def _send(self, uow: UnitOfWork, notice: Notice, audience: str, now: datetime) -> None:
        ticket = notice.ticket
        base = f"ticket:{notice.event_id}:{audience}"
        if audience == "reporter":
            reply = self.resident_reply(notice)
            if reply is None:
                return
            targets: list[tuple[str, str]] = []
            if ticket.wants_updates:
                targets.append((ticket.reporter_platform, ticket.reporter_user_id))
            assert ticket.id is not None
            from storage.tickets import TicketRepository

            for follower in await uow.get(TicketRepository).followers(ticket.id):
                targets.append((follower.platform, follower.user_id))
            for platform, user_id in dict.fromkeys(targets):
                await uow.pushes.enqueue(
                    platform, user_id, reply.as_json(), f"{base}:{platform}:{user_id}", now=now
                )
            if notice.kind == "resolved" and ticket.wants_updates:
                await self._await_rating(uow, ticket, now)
            return
        reply = self.staff_reply(notice, audience)
        if reply is None:
            return
        people: list[int] = []
        if audience == "grid" and ticket.grid_id is not None:
            people = [
                p.id
                for p in await uow.residents.with_role(Role.GRID_WORKER.value, ticket.grid_id)
                if p.id is not None
            ]
        elif audience == "moderators":
            people = [p.id for p in await uow.residents.with_role(Role.MODERATOR.value) if p.id]
        elif audience == "department":
            people = await self._department_people(uow, notice, base, now)
        elif audience == "holder" and ticket.holder_id is not None:
            people = [ticket.holder_id]
        elif audience.startswith("worker:"):
            people = [int(audience.split(":", 1)[1])]
        for person in dict.fromkeys(people):
            await push_to_person(uow, person, reply.as_json(), lambda p, c: f"{base}:{p}:{c}", now)

    async def _department_people(
        self, uow: UnitOfWork, notice: Notice, base: str, now: datetime
    ) -> list[int]:
        """Only the people registered for the ticket's department; when there are none,
        the moderators are told to call the department and register a contact."""
        from storage.tickets import DepartmentRepository

        department = notice.ticket.department or notice.note or ""
        people = await uow.get(DepartmentRepository).members(department) if department else []
        if people:
            return people
        reply = Reply(
            t(
                "ticket.s_no_department_contact",
                number=notice.ticket.number,
                department=department or t("ticket.level_department"),
            )
        )
        for moderator in await uow.residents.with_role(Role.MODERATOR.value):
            assert moderator.id is not None
            for identity in await uow.identities.for_resident(moderator.id):
                await uow.pushes.enqueue(
                    identity.platform,
                    identity.platform_user_id,
                    reply.as_json(),
                    f"{base}:no_department:{identity.platform}:{identity.platform_user_id}",
                    now=now,
                )
        return []

    async def _await_rating(self, uow: UnitOfWork, ticket: Ticket, now: datetime) -> None:
        """Make the resident's next "满意" in private chat the rating of this ticket."""
        platform, user = ticket.reporter_platform, ticket.reporter_user_id
        state = await uow.conversations.get(platform, user, user, now)
        if state is not None and state.flow != RATING_FLOW:
            return  # they are in the middle of something else; the buttons still work
        expires = now + timedelta(hours=self.catalogue.rating_timeout_hours)
        await uow.conversations.save(
            platform, user, user, RATING_FLOW, "rating", {"number": ticket.number}, expires
        )

    def _late(self, notice: Notice, due: datetime) -> str:
        return t("ticket.late", due=local(due, self.zone)) if notice.late else ""

    def resident_reply(self, notice: Notice) -> Reply | None:
        """What the reporter and followers are told, or None when they needn't be."""
        tk, n = notice.ticket, notice.ticket.number
        note, actor = notice.note or "", notice.actor_name or ""
        kind = notice.kind
        if kind == "accepted":
            return Reply(
                t(
                    "ticket.n_accepted",
                    number=n,
                    summary=summary(tk),
                    holder=notice.holder_name or "",
                )
            )
        if kind == "progress":
            return Reply(t("ticket.n_progress", number=n, note=note, actor=actor))
        if kind == "resolved":
            text = t("ticket.rate_ask", number=n, note=note, holder=actor)
            return Reply(text, buttons=rating_buttons(n))
        if kind == "handed_up":
            return Reply(t("ticket.n_handed_up", number=n, note=note))
        if kind == "returned":
            return Reply(t("ticket.n_returned", number=n, note=note, actor=actor))
        if kind == "extended":
            return Reply(
                t(
                    "ticket.n_extended",
                    number=n,
                    note=note,
                    due=local(tk.resolution_due_at, self.zone),
                )
            )
        if kind == "reassigned":
            return Reply(t("ticket.n_reassigned", number=n, holder=notice.holder_name or ""))
        if kind == "escalated_response":
            return Reply(
                t("ticket.n_escalated_response", number=n) + self._late(notice, tk.response_due_at)
            )
        if kind == "escalated_resolution":
            return Reply(
                t("ticket.n_escalated_resolution", number=n, department=note)
                + self._late(notice, tk.resolution_due_at)
            )
        if kind == "closed_unrated":
            return Reply(t("ticket.n_closed_unrated", number=n))
        if kind == "merged":
            return Reply(t("ticket.n_merged", number=n, into=note))
        return None

    def task_reply(self, ticket: Ticket, title: str, extra: str = "") -> Reply:
        """The task card a grid worker gets, with its five buttons."""
        reporter = ticket.reporter_name or "居民"
        return Reply(
            t(
                "ticket.task",
                title=t(f"ticket.title_{title}"),
                number=ticket.number,
                urgent=t("ticket.urgent_mark") if ticket.urgent else "",
                category=ticket.category,
                location=location_of(ticket),
                description=ticket.description,
                extra=extra_lines(ticket) + extra,
                reporter=reporter,
                response_due=local(ticket.response_due_at, self.zone),
                resolution_due=local(ticket.resolution_due_at, self.zone),
            ),
            buttons=task_buttons(ticket.number),
        )

    def staff_reply(self, notice: Notice, audience: str) -> Reply | None:
        """What grid workers, moderators and departments are told."""
        tk, n = notice.ticket, notice.ticket.number
        note, actor = notice.note or "", notice.actor_name or ""
        kind = notice.kind
        if kind == "new_task":
            return self.task_reply(tk, "new" if audience == "grid" else "community")
        if kind == "reassigned":
            return self.task_reply(tk, "reassigned")
        if kind == "reopened":
            return self.task_reply(tk, "reopened", t("ticket.reopened_note", note=note or "—"))
        if kind == "returned":
            return self.task_reply(
                tk, "returned", t("ticket.returned_note", actor=actor, note=note)
            )
        if kind == "handed_up":
            return Reply(
                t("ticket.s_handed_up", number=n, actor=actor, note=note),
                buttons=(Button(t("ticket.b_reassign"), f"转派 {n}"),),
            )
        if kind == "extended":
            return Reply(
                t(
                    "ticket.s_extended",
                    number=n,
                    actor=actor,
                    note=note,
                    due=local(tk.resolution_due_at, self.zone),
                )
            )
        if kind == "warn_response":
            return Reply(
                t("ticket.s_warn_response", number=n, due=local(tk.response_due_at, self.zone)),
                buttons=(Button(t("ticket.b_accept"), f"接单 {n}"),),
            )
        if kind == "warn_resolution":
            return Reply(
                t("ticket.s_warn_resolution", number=n, due=local(tk.resolution_due_at, self.zone)),
                buttons=(
                    Button(t("ticket.b_resolve"), f"办结 {n}"),
                    Button(t("ticket.b_extend"), f"延期 {n}"),
                ),
            )
        if kind == "escalated_response":
            return Reply(
                t(
                    "ticket.s_escalated_response",
                    number=n,
                    category=tk.category,
                    location=location_of(tk),
                )
                + self._late(notice, tk.response_due_at),
                buttons=(Button(t("ticket.b_reassign"), f"转派 {n}"),),
            )
        if kind == "escalated_resolution":
            return Reply(
                t(
                    "ticket.s_escalated_resolution",
                    number=n,
                    category=tk.category,
                    location=location_of(tk),
                    department=note,
                    description=tk.description,
                )
                + self._late(notice, tk.resolution_due_at)
            )
        if kind == "rated":
            comment = f"，“{note}”" if note else ""
            return Reply(t("ticket.s_rated", number=n, rating=tk.rating or "", comment=comment))
        return None
