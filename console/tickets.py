"""诉求 in the workbench: the list with its filters and lights, one ticket, and its actions.

Each action is the chat's own service call (:class:`TicketService`), so it is
audited the same way and its notices follow from its event when the request's
unit of work commits. Who sees what: moderators every ticket; grid workers the
tickets of their grids and those they hold; department contacts those sent to
their department. A confidential category (a neighbour dispute) is shown as the one
rule says (:mod:`consultation.confidentiality`): whole to moderators (and to its
reporter); to the others handling it without the complainant's name and room; the CSV
as any export.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from sqlalchemy import or_
from sqlmodel import col, select

from console.desk import MODERATOR, ActionRefused, Desk, Visit, done
from console.exports import TICKET_COLUMNS, ticket_cells, ticket_place
from consultation.confidentiality import Shown
from consultation.roles import Role
from consultation.ticket_parsing import STATUS_ZH, Catalogue
from consultation.tickets import PROGRESS, RESOLVE, Actor, TicketError, TicketMove, TicketService
from consultation.workbench import Staff
from consultation.worktime import LIGHT_ZH, Deadlines
from kernel.texts import t
from notices.tickets import action_zh
from storage.models import Grid
from storage.tickets import Ticket, TicketRepository

PAGE_SIZE = 200


def staff_actor(staff: Staff) -> Actor:
    """The worker as the ticket domain sees them (the same as in chat)."""
    return Actor(
        platform="console",
        user_id=str(staff.id),
        name=staff.resident.name,
        resident_id=staff.id,
        roles=staff.roles,
    )


def month_bounds(month: str, zone: Any) -> tuple[datetime, datetime] | None:
    """``2026-11`` → the month's [start, end) in UTC-comparable datetimes."""
    try:
        year, mon = (int(x) for x in month.split("-"))
        start = date(year, mon, 1)
    except ValueError:
        return None
    end = date(year + (mon == 12), mon % 12 + 1, 1)
    return datetime.combine(start, time(), zone), datetime.combine(end, time(), zone)


@dataclass
class TicketFilter:
    grid: int | None = None
    status: str = ""
    category: str = ""
    month: str = ""


def scope(staff: Staff) -> Any:
    """The tickets this person may see, as a WHERE clause (None: all of them)."""
    if staff.moderator:
        return None
    parts: list[Any] = []
    if staff.has(Role.GRID_WORKER):
        parts.append(col(Ticket.holder_id) == staff.id)
        if staff.grids:
            parts.append(col(Ticket.grid_id).in_(list(staff.grids)))
    if staff.departments:
        parts.append(col(Ticket.department).in_(list(staff.departments)))
    return or_(*parts) if parts else col(Ticket.id) < 0


class TicketPages:
    """``/console/tickets`` (list, CSV) and ``/console/tickets/{number}`` (detail, actions)."""

    def __init__(self, desk: Desk, catalogue: Catalogue) -> None:
        self.desk = desk
        self.catalogue = catalogue
        self.deadlines = Deadlines(catalogue, desk.zone)

    def add_routes(self) -> None:
        d = self.desk
        d.get("/tickets", self.list)
        d.get("/tickets.csv", self.csv)
        d.get("/tickets/{number}", self.detail)
        d.post("/tickets/{number}/assign", self.assign)
        d.post("/tickets/{number}/escalate", self.escalate)
        d.post("/tickets/{number}/merge", self.merge)
        staff = frozenset({Role.MODERATOR, Role.GRID_WORKER})
        d.post("/tickets/{number}/accept", self.accept, staff)
        # 部门报到: a department's contact may also say how it goes and resolve it, on the
        # tickets sent to their department (the domain's DEPARTMENT_MOVES, as in chat).
        reporting = staff | {Role.DEPARTMENT}
        d.post("/tickets/{number}/progress", self.progress, reporting)
        d.post("/tickets/{number}/resolve", self.resolve, reporting)

    # ---- reading -----------------------------------------------------------------------

    def _filter(self, visit: Visit) -> TicketFilter:
        return TicketFilter(
            grid=visit.number("grid"),
            status=visit.arg("status"),
            category=visit.arg("category"),
            month=visit.arg("month"),
        )

    async def tickets(self, visit: Visit, wanted: TicketFilter) -> list[Ticket]:
        stmt = select(Ticket)
        where = scope(visit.staff)
        if where is not None:
            stmt = stmt.where(where)
        if wanted.grid is not None:
            stmt = stmt.where(col(Ticket.grid_id) == wanted.grid)
        if wanted.status == "open":
            stmt = stmt.where(col(Ticket.status).in_(list(STATUS_OPEN)))
        elif wanted.status in STATUS_ZH:
            stmt = stmt.where(col(Ticket.status) == wanted.status)
        if wanted.category:
            stmt = stmt.where(col(Ticket.category) == wanted.category)
        bounds = month_bounds(wanted.month, self.desk.zone) if wanted.month else None
        if bounds is not None:
            stmt = stmt.where(col(Ticket.received_at) >= bounds[0])
            stmt = stmt.where(col(Ticket.received_at) < bounds[1])
        stmt = stmt.order_by(col(Ticket.id).desc()).limit(PAGE_SIZE)
        return list((await visit.uow.session.exec(stmt)).all())

    async def grids(self, visit: Visit) -> dict[int, str]:
        rows = (await visit.uow.session.exec(select(Grid).order_by(col(Grid.id)))).all()
        return {g.id: g.name for g in rows if g.id is not None}

    def shown(self, visit: Visit, ticket: Ticket) -> Shown:
        """The ticket as the signed-in worker may see it (the confidentiality rule)."""
        viewer = visit.staff.viewer(ticket.reporter_resident_id)
        return self.catalogue.confidentiality.shown(ticket, viewer)

    def row(self, visit: Visit, ticket: Ticket, grids: dict[int, str]) -> dict[str, Any]:
        light = self.deadlines.light(ticket, visit.now)
        return {
            "number": ticket.number,
            "category": ticket.category,
            "urgent": ticket.urgent,
            "status": STATUS_ZH.get(ticket.status, ticket.status),
            "grid": grids.get(ticket.grid_id or -1, "社区直办"),
            "place": ticket_place(self.shown(visit, ticket)) or "—",
            "summary": self.shown(visit, ticket).brief(40),
            "received": self.local(ticket.received_at),
            "due": self.local(ticket.resolution_due_at),
            "light": light or "none",
            "light_zh": LIGHT_ZH.get(light or "", "—"),
        }

    def local(self, moment: datetime | None) -> str:
        return self.desk.local(moment)

    async def list(self, visit: Visit) -> web.StreamResponse:
        wanted = self._filter(visit)
        grids = await self.grids(visit)
        rows = [self.row(visit, tk, grids) for tk in await self.tickets(visit, wanted)]
        return self.desk.render(
            visit,
            "tickets.html",
            {
                "rows": rows,
                "grids": grids,
                "statuses": STATUS_ZH,
                "categories": self.catalogue.names,
                "wanted": wanted,
                # The filters, for the CSV link (never the page's status line).
                "query": urlencode(
                    {k: v for k, v in visit.request.query.items() if k not in ("msg", "seal")}
                ),
            },
        )

    async def csv(self, visit: Visit) -> web.StreamResponse:
        from console.exports import csv_response

        wanted = self._filter(visit)
        grids = await self.grids(visit)
        header = [*TICKET_COLUMNS, "摘要", "受理时间", "办结时限", "时效"]
        body = []
        rule = self.catalogue.confidentiality
        for tk in await self.tickets(visit, wanted):
            # A CSV travels: every cell from the rule's view of a document, as the 台账's.
            r = self.row(visit, tk, grids)
            shown = rule.recorded(tk, visit.staff.viewer(tk.reporter_resident_id))
            lead = ticket_cells(tk, shown, grids, nowhere="—")
            body.append([*lead, shown.brief(40), r["received"], r["due"], r["light_zh"]])
        return csv_response("tickets.csv", header, body)

    async def _visible(self, visit: Visit, number: str) -> Ticket:
        repo = visit.uow.get(TicketRepository)
        ticket = await repo.by_number(number)
        where = scope(visit.staff)
        if ticket is not None and where is not None:
            stmt = select(Ticket.id).where(col(Ticket.id) == ticket.id, where)
            if (await visit.uow.session.exec(stmt)).first() is None:
                ticket = None
        if ticket is None:
            raise web.HTTPNotFound(text=f"没有找到诉求 {number}，或者您无权查看。")
        return ticket

    async def detail(self, visit: Visit) -> web.StreamResponse:
        number = visit.request.match_info["number"]
        ticket = await self._visible(visit, number)
        assert ticket.id is not None
        repo = visit.uow.get(TicketRepository)
        grids = await self.grids(visit)
        viewer = visit.staff.viewer(ticket.reporter_resident_id)
        rule = self.catalogue.confidentiality
        shown = rule.shown(ticket, viewer)
        history = [
            {
                "at": self.local(e.at),
                "who": rule.actor(ticket.category, e.action, e.actor_name or e.actor, viewer),
                "action": action_zh(e.action),
                "status": STATUS_ZH.get(e.to_status or "", ""),
                "note": shown.said(e.note),
            }
            for e in await repo.history(ticket.id)
        ]
        people = await repo.residents([i for i in (ticket.holder_id,) if i is not None])
        holder = people.get(ticket.holder_id or -1)
        workers = await visit.uow.residents.with_role(Role.GRID_WORKER.value)
        open_now = ticket.status in STATUS_OPEN
        service = TicketService(visit.uow, self.catalogue, self.desk.zone)
        may_report = open_now and await self._may(service, ticket.number, visit.staff, PROGRESS)
        return self.desk.render(
            visit,
            "ticket.html",
            {
                "t": ticket,
                "row": self.row(visit, ticket, grids),
                "history": history,
                "holder": holder.name if holder else "—",
                "reporter": shown.reporter or "居民",
                "details": shown.details,
                "description": shown.description,
                "photos": [p for p in ticket.photos if p.startswith(("https://", "http://", "/"))],
                "workers": [(w.id, w.name) for w in workers],
                "open": open_now,
                "response_due": self.local(ticket.response_due_at),
                "resolution_due": self.local(ticket.resolution_due_at),
                "department": self.catalogue.get(ticket.category).department,
                "mine": ticket.holder_id == visit.staff.id,
                "may_report": may_report,
                "can_accept": open_now
                and ticket.holder_id is None
                and visit.staff.has(Role.GRID_WORKER, Role.MODERATOR),
            },
        )

    @staticmethod
    async def _may(service: TicketService, number: str, staff: Staff, move: TicketMove) -> bool:
        """Whether ``staff`` may ``move`` the ticket: the domain's rule (its holder, a
        moderator, or the contact of the department it was sent to), asked, not copied."""
        try:
            await service.may_act(number, staff_actor(staff), move)
        except TicketError:
            return False
        return True

    # ---- changing ----------------------------------------------------------------------

    async def _act(
        self, visit: Visit, what: str, call: Any, move: TicketMove | None = None
    ) -> web.StreamResponse:
        """``call(service, number, me)``: the change, made by the worker on this page.

        A department's contact holds no grid: a form of theirs names a ticket sent to
        their department, or it was not made by this workbench's page (another
        department's ticket, one taken back by the community) and is refused outright."""
        number = visit.request.match_info["number"]
        back = f"/console/tickets/{number}"
        await self._visible(visit, number)
        service = TicketService(visit.uow, self.catalogue, self.desk.zone)
        staff = visit.staff
        department_only = staff.has(Role.DEPARTMENT) and not staff.has(
            Role.MODERATOR, Role.GRID_WORKER
        )
        if department_only and (move is None or not await self._may(service, number, staff, move)):
            raise web.HTTPForbidden(text=f"诉求 {number} 没有转到您的部门，不能办理。")
        try:
            await call(service, number, staff_actor(visit.staff))
        except TicketError as exc:
            info: dict[str, Any] = {"number": number, "holder": "其他网格员", **exc.info}
            if "status" in info:
                info["status"] = STATUS_ZH.get(str(info["status"]), str(info["status"]))
            raise ActionRefused(t(f"ticket.{exc.code}", **info), back) from exc
        return done(back, what)

    async def assign(self, visit: Visit) -> web.StreamResponse:
        """分派 / 转派 to a grid worker (the chat's 转派, by a moderator)."""
        worker = visit.number("worker")
        if worker is None:
            raise ActionRefused(
                "请选择网格员。", f"/console/tickets/{visit.request.match_info['number']}"
            )
        reason = visit.arg("reason")
        return await self._act(
            visit, "已分派。", lambda s, n, me: s.reassign(n, me, worker, reason, visit.now)
        )

    async def escalate(self, visit: Visit) -> web.StreamResponse:
        reason = visit.arg("reason")
        return await self._act(
            visit, "已转职能部门。", lambda s, n, me: s.send_to_department(n, me, reason, visit.now)
        )

    async def merge(self, visit: Visit) -> web.StreamResponse:
        """标记重复: this ticket is a duplicate of another; its people follow that one."""
        into = visit.arg("into").upper()
        return await self._act(
            visit,
            f"已标记为 {into} 的重复诉求并合并。",
            lambda s, n, me: s.merge(n, into, me, visit.now),
        )

    async def accept(self, visit: Visit) -> web.StreamResponse:
        return await self._act(visit, "已接单。", lambda s, n, me: s.accept(n, me, visit.now))

    async def progress(self, visit: Visit) -> web.StreamResponse:
        note = visit.arg("note")
        return await self._act(
            visit, "进展已记录。", lambda s, n, me: s.progress(n, me, note, visit.now), PROGRESS
        )

    async def resolve(self, visit: Visit) -> web.StreamResponse:
        note = visit.arg("note")
        return await self._act(
            visit,
            "已办结，等待居民评价。",
            lambda s, n, me: s.resolve(n, me, note, None, visit.now),
            RESOLVE,
        )


STATUS_OPEN = ("received", "assigned", "in_progress", "escalated", "reopened")
__all__ = ["MODERATOR", "TicketPages"]
