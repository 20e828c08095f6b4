"""总览: this month and the last twelve (收集/分理/办结/反馈, on-time rates, satisfaction),
by grid and by category, as charts; and what needs attention today.

The figures are :meth:`TicketService.statistics` — the very numbers the chat's
诉求统计 answers — so the page, the chat and the 台账 never disagree.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from aiohttp import web
from sqlmodel import col, select

from console.desk import MODERATOR, Desk, Visit
from console.tickets import STATUS_OPEN, TicketPages, scope
from consultation.ticket_parsing import Catalogue
from consultation.tickets import Statistics, StatRow, TicketService
from consultation.worktime import RED, YELLOW
from storage.meetings import Meeting
from storage.polls import Poll
from storage.tickets import Ticket
from storage.topics import Topic


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def parse_month(text: str, today: date) -> date:
    """``2026-11`` → its first day; anything else → this month."""
    try:
        year, month = (int(x) for x in text.split("-"))
        return date(year, month, 1)
    except ValueError:
        return month_start(today)


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def rate(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def stat_dict(row: StatRow, name: str) -> dict[str, Any]:
    return {
        "name": name,
        "received": row.received,
        "dispatched": row.dispatched,
        "resolved": row.resolved,
        "rated": row.rated,
        "response": pct(row.response_rate),
        "resolution": pct(row.resolution_rate),
        "satisfaction": pct(row.satisfaction_rate),
    }


async def month_statistics(service: TicketService, first: date, now: datetime) -> Statistics:
    return await service.statistics(first, add_months(first, 1), now)


@dataclass(eq=False)
class OverviewPage:
    """``/console/`` and ``/console/overview.csv``."""

    desk: Desk
    catalogue: Catalogue
    tickets: TicketPages

    def add_routes(self) -> None:
        self.desk.get("/", self.page)
        self.desk.get("/overview.csv", self.csv, MODERATOR)

    async def figures(self, visit: Visit) -> dict[str, Any]:
        zone = self.desk.zone
        today = visit.now.astimezone(zone).date()
        first = parse_month(visit.arg("month"), today)
        service = TicketService(visit.uow, self.catalogue, zone)
        stats = await month_statistics(service, first, visit.now)
        months = [add_months(first, -i) for i in range(11, -1, -1)]
        series: dict[str, list[Any]] = {
            k: []
            for k in (
                "received",
                "dispatched",
                "resolved",
                "rated",
                "response",
                "resolution",
                "satisfaction",
            )
        }
        for month in months:
            total = (await month_statistics(service, month, visit.now)).total
            series["received"].append(total.received)
            series["dispatched"].append(total.dispatched)
            series["resolved"].append(total.resolved)
            series["rated"].append(total.rated)
            series["response"].append(rate(total.response_rate))
            series["resolution"].append(rate(total.resolution_rate))
            series["satisfaction"].append(rate(total.satisfaction_rate))
        labels = [f"{m.year}-{m.month:02d}" for m in months]
        return {
            "month": f"{first.year}-{first.month:02d}",
            "label": f"{first.year}年{first.month}月",
            "prev": f"{add_months(first, -1):%Y-%m}",
            "next": f"{add_months(first, 1):%Y-%m}",
            "total": stat_dict(stats.total, "全部"),
            "by_grid": [stat_dict(r, r.grid) for r in stats.by_grid],
            "by_category": [stat_dict(r, r.category) for r in stats.by_category],
            "chart_months": json.dumps(
                {
                    "labels": labels,
                    **{k: series[k] for k in ("received", "dispatched", "resolved", "rated")},
                },
                ensure_ascii=False,
            ),
            "chart_rates": json.dumps(
                {
                    "labels": labels,
                    **{k: series[k] for k in ("response", "resolution", "satisfaction")},
                },
                ensure_ascii=False,
            ),
            "chart_grids": json.dumps(
                {
                    "labels": [r.grid for r in stats.by_grid],
                    "received": [r.received for r in stats.by_grid],
                    "resolved": [r.resolved for r in stats.by_grid],
                },
                ensure_ascii=False,
            ),
            "chart_categories": json.dumps(
                {"items": [{"name": r.category, "value": r.received} for r in stats.by_category]},
                ensure_ascii=False,
            ),
            "twelve": list(
                zip(
                    labels,
                    series["received"],
                    series["dispatched"],
                    series["resolved"],
                    series["rated"],
                    strict=True,
                )
            ),
        }

    async def attention(self, visit: Visit) -> dict[str, Any]:
        """What needs doing today: late and nearly late tickets, topics to screen, polls
        closing and meetings held today."""
        zone = self.desk.zone
        stmt = select(Ticket).where(col(Ticket.status).in_(list(STATUS_OPEN)))
        where = scope(visit.staff)
        if where is not None:
            stmt = stmt.where(where)
        tickets = list((await visit.uow.session.exec(stmt.order_by(col(Ticket.id)))).all())
        grids = await self.tickets.grids(visit)
        rows = [self.tickets.row(visit, tk, grids) for tk in tickets]
        late = [r for r in rows if r["light"] == RED]
        near = [r for r in rows if r["light"] == YELLOW]
        today = visit.now.astimezone(zone).date()
        day_start = datetime.combine(today, time(), zone)
        day_end = day_start + timedelta(days=1)
        found: dict[str, Any] = {"late": late, "near": near, "open_count": len(rows)}
        if visit.staff.moderator:
            session = visit.uow.session
            found["to_screen"] = list(
                (await session.exec(select(Topic).where(col(Topic.status) == "proposed"))).all()
            )
            found["polls_closing"] = list(
                (
                    await session.exec(
                        select(Poll).where(
                            col(Poll.status) == "open",
                            col(Poll.closes_at) < day_end,
                        )
                    )
                ).all()
            )
            found["meetings_today"] = list(
                (
                    await session.exec(
                        select(Meeting).where(
                            col(Meeting.starts_at) >= day_start, col(Meeting.starts_at) < day_end
                        )
                    )
                ).all()
            )
        return found

    async def page(self, visit: Visit) -> web.StreamResponse:
        context = {"attention": await self.attention(visit)}
        if visit.staff.moderator:
            context["figures"] = await self.figures(visit)
        return self.desk.render(visit, "overview.html", context)

    async def csv(self, visit: Visit) -> web.StreamResponse:
        from console.exports import csv_response

        figures = await self.figures(visit)
        header = [
            "范围",
            "名称",
            "收集",
            "分理",
            "办结",
            "反馈",
            "按时响应率",
            "按时办结率",
            "满意率",
        ]
        rows = []
        for kind, items in (
            ("合计", [figures["total"]]),
            ("网格", figures["by_grid"]),
            ("类别", figures["by_category"]),
        ):
            for r in items:
                rows.append(
                    [
                        kind,
                        r["name"],
                        r["received"],
                        r["dispatched"],
                        r["resolved"],
                        r["rated"],
                        r["response"],
                        r["resolution"],
                        r["satisfaction"],
                    ]
                )
        return csv_response(f"statistics-{figures['month']}.csv", header, rows)
