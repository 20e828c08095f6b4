"""The month's 台账: an Excel workbook (openpyxl) and a printable report page.

Sheets: 诉求 (each ticket received in the month), 诉求记录 (their history, one row
per step), 统计 (the chat's 诉求统计 for the month: total, by grid, by category),
议题, 议事日, 表决, 决议. Text cells that Excel would take for a formula are
neutralised; a confidential category's complainant is written as （保密）; phones
are not in the workbook at all.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, TypeVar

from aiohttp import web
from openpyxl import Workbook
from openpyxl.styles import Font
from sqlmodel import SQLModel, col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from console.desk import MODERATOR, Desk, Visit
from console.exports import TICKET_COLUMNS, safe_cell, ticket_cells
from console.overview import add_months, pct
from consultation.confidentiality import Viewer
from consultation.ids import decision_ref, poll_ref, topic_ref
from consultation.meetings import meeting_status_zh
from consultation.outcomes import (
    DECISION_STATUS_ZH,
    decision_outcome,
    decision_wording,
    stored_tally,
)
from consultation.ticket_parsing import STATUS_ZH, Catalogue
from consultation.tickets import Statistics, StatRow, TicketService
from consultation.topics import TOPIC_STATUS_ZH
from notices.polls import verdict_words
from notices.tickets import action_zh
from storage.meeting_changes import MeetingChange
from storage.meetings import Meeting
from storage.outcomes import Decision
from storage.polls import Poll, PollVoter
from storage.tickets import Ticket, TicketRepository
from storage.topics import Topic

_Row = TypeVar("_Row", bound=SQLModel)
_MONTH = re.compile(r"(\d{4})-(\d{2})")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STAT_HEADER = ["名称", "收集", "分理", "办结", "反馈", "按时响应率", "按时办结率", "满意率"]


def stat_line(name: str, row: StatRow) -> list[Any]:
    return [
        name,
        row.received,
        row.dispatched,
        row.resolved,
        row.rated,
        pct(row.response_rate),
        pct(row.resolution_rate),
        pct(row.satisfaction_rate),
    ]


@dataclass(frozen=True, slots=True)
class ConsultationRecords:
    """The month's consultation records: what the report counts and the workbook lists."""

    topics: Sequence[Topic]
    meetings: Sequence[Meeting]
    polls: Sequence[Poll]
    decisions: Sequence[Decision]
    #: The decisions' polls by id (a decision's poll may have opened the month before):
    #: what each vote came to, so one recorded for a void vote is said void.
    decision_polls: dict[int, Poll] = field(default_factory=dict)
    #: Why each cancelled meeting of the month was cancelled, by code ("" when not said).
    cancel_reasons: dict[str, str] = field(default_factory=dict)
    #: How many have voted so far in each poll still open, by id.
    turnout: dict[int, int] = field(default_factory=dict)

    @property
    def held(self) -> list[Meeting]:
        """The month's meetings not cancelled."""
        return [m for m in self.meetings if m.status != "cancelled"]

    @property
    def cancelled(self) -> list[str]:
        """The month's cancelled meetings: ``M202612，台风预警`` (the code alone, no reason)."""
        return [
            "，".join(filter(None, (m.code, self.cancel_reasons.get(m.code, ""))))
            for m in self.meetings
            if m.status == "cancelled"
        ]

    def decided(self, decision: Decision) -> tuple[str, str]:
        """The decision's words as decided and what its vote came to (a void one, made
        before void votes got no decision, is 无效/平票, not 未通过)."""
        poll = self.decision_polls.get(decision.poll_id or -1)
        tally = stored_tally(poll) if poll is not None else None
        return decision_wording(decision, poll, tally), decision_outcome(decision, tally)


async def consultation_within(
    session: AsyncSession, lo: datetime, hi: datetime
) -> ConsultationRecords:
    """Topics raised, meetings held, polls opened and decisions made in [lo, hi)."""

    async def within(model: type[_Row], at: Any) -> Sequence[_Row]:
        return (await session.exec(select(model).where(col(at) >= lo, col(at) < hi))).all()

    decisions = await within(Decision, Decision.created_at)
    ids = [d.poll_id for d in decisions if d.poll_id is not None]
    polls = (await session.exec(select(Poll).where(col(Poll.id).in_(ids)))).all() if ids else []
    meetings = await within(Meeting, Meeting.starts_at)
    reasons: dict[str, str] = {}
    for m in meetings:
        if m.status != "cancelled":
            continue
        changes = await session.exec(
            select(MeetingChange)
            .where(MeetingChange.meeting_id == m.id, MeetingChange.kind == "cancelled")
            .order_by(col(MeetingChange.at))
        )
        said = [c.reason for c in changes.all() if c.reason]
        reasons[m.code] = said[-1] if said else ""
    opened = await within(Poll, Poll.opened_at)
    running = [p.id for p in opened if p.status == "open" and p.id is not None]
    turnout: dict[int, int] = {}
    if running:
        counted = await session.exec(
            select(PollVoter.poll_id, func.count())
            .where(col(PollVoter.poll_id).in_(running))
            .group_by(col(PollVoter.poll_id))
        )
        turnout = {int(pid): int(n) for pid, n in counted.all()}
    return ConsultationRecords(
        await within(Topic, Topic.created_at),
        meetings,
        opened,
        decisions,
        {p.id: p for p in polls if p.id is not None},
        reasons,
        turnout,
    )


@dataclass(eq=False)
class ReportPages:
    """``/console/reports``, ``/console/reports/YYYY-MM`` and ``/console/reports/YYYY-MM.xlsx``."""

    desk: Desk
    catalogue: Catalogue

    def add_routes(self) -> None:
        self.desk.get("/reports", self.index, MODERATOR)
        self.desk.get("/reports/{month}.xlsx", self.workbook, MODERATOR)
        self.desk.get("/reports/{month}", self.printable, MODERATOR)

    def _month(self, visit: Visit) -> date:
        found = _MONTH.fullmatch(visit.request.match_info["month"])
        if not found or not 1 <= int(found.group(2)) <= 12:
            raise web.HTTPNotFound(text="月份格式应为 2026-11。")
        return date(int(found.group(1)), int(found.group(2)), 1)

    def _bounds(self, first: date) -> tuple[datetime, datetime]:
        zone = self.desk.zone
        return (
            datetime.combine(first, time(), zone),
            datetime.combine(add_months(first, 1), time(), zone),
        )

    def local(self, moment: datetime | None) -> str:
        return "" if moment is None else self.desk.local(moment)  # an empty cell in 台账

    async def index(self, visit: Visit) -> web.StreamResponse:
        today = visit.now.astimezone(self.desk.zone).date().replace(day=1)
        months = [f"{add_months(today, -i):%Y-%m}" for i in range(12)]
        return self.desk.render(visit, "reports.html", {"months": months})

    async def statistics(self, visit: Visit, first: date) -> Statistics:
        service = TicketService(visit.uow, self.catalogue, self.desk.zone)
        return await service.statistics(first, add_months(first, 1), visit.now)

    async def printable(self, visit: Visit) -> web.StreamResponse:
        first = self._month(visit)
        stats = await self.statistics(visit, first)
        held = await consultation_within(visit.uow.session, *self._bounds(first))
        return self.desk.render(
            visit,
            "report.html",
            {
                "month": f"{first:%Y-%m}",
                "label": f"{first.year}年{first.month}月",
                "total": stat_line("合计", stats.total),
                "by_grid": [stat_line(r.grid, r) for r in stats.by_grid],
                "by_category": [stat_line(r.category, r) for r in stats.by_category],
                "header": STAT_HEADER,
                "topics": len(held.topics),
                "topics_accepted": sum(
                    1 for tp in held.topics if tp.status not in ("proposed", "rejected")
                ),
                "meetings": [m.code for m in held.held],
                "cancelled": held.cancelled,
                "polls": len(held.polls),
                "decisions": sum(
                    1 for d in held.decisions if held.decided(d)[1] in ("passed", "failed")
                ),
            },
        )

    async def workbook(self, visit: Visit) -> web.StreamResponse:
        first = self._month(visit)
        book = await self.build(visit, first)
        out = io.BytesIO()
        book.save(out)
        await visit.uow.audit.record(
            visit.staff.actor, "report_exported", "report", f"{first:%Y-%m}"
        )
        return web.Response(
            body=out.getvalue(),
            content_type=XLSX,
            headers={
                "Content-Disposition": f'attachment; filename="taizhang-{first:%Y-%m}.xlsx"',
                "Cache-Control": "no-store",
            },
        )

    async def build(self, visit: Visit, first: date) -> Workbook:
        """The workbook for the month starting ``first``."""
        lo, hi = self._bounds(first)
        session = visit.uow.session
        repo = visit.uow.get(TicketRepository)
        grids = await repo.grid_names()
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = "诉求"
        history = book.create_sheet("诉求记录")
        _header(
            sheet,
            [
                *TICKET_COLUMNS,
                "问题",
                "反映人",
                "处理人",
                "部门",
                "受理时间",
                "响应时限",
                "办结时限",
                "接单时间",
                "办结时间",
                "评价",
                "重复于",
            ],
        )
        _header(history, ["编号", "时间", "操作", "办理人", "状态", "说明"])
        tickets = (
            await session.exec(
                select(Ticket)
                .where(col(Ticket.received_at) >= lo, col(Ticket.received_at) < hi)
                .order_by(col(Ticket.id))
            )
        ).all()
        rule = self.catalogue.confidentiality
        for tk in tickets:
            assert tk.id is not None
            # The 台账 is a document that travels: the rule's RECORD view of each ticket.
            shown = rule.shown(tk, Viewer.RECORD)
            people = await repo.residents([i for i in (tk.holder_id,) if i is not None])
            holder = people.get(tk.holder_id or -1)
            _row(
                sheet,
                [
                    *ticket_cells(tk, shown, grids),
                    shown.description,
                    shown.reporter or "居民",
                    holder.name if holder else "",
                    tk.department or "",
                    self.local(tk.received_at),
                    self.local(tk.response_due_at),
                    self.local(tk.resolution_due_at),
                    self.local(tk.accepted_at),
                    self.local(tk.resolved_at),
                    tk.rating or "",
                    tk.duplicate_of or "",
                ],
            )
            for e in await repo.history(tk.id):
                who = rule.actor(tk.category, e.action, e.actor_name or e.actor, Viewer.RECORD)
                _row(
                    history,
                    [
                        tk.number,
                        self.local(e.at),
                        action_zh(e.action),
                        who,
                        STATUS_ZH.get(e.to_status or "", ""),
                        shown.said(e.note),
                    ],
                )
        stats = await self.statistics(visit, first)
        figures = book.create_sheet("统计")
        figures.append([f"{first.year}年{first.month}月 诉求统计"])
        figures["A1"].font = Font(bold=True)
        _header(figures, STAT_HEADER, row=2)
        figures.append(stat_line("合计", stats.total))
        figures.append([])
        figures.append(["按网格"])
        for r in stats.by_grid:
            figures.append(stat_line(r.grid, r))
        figures.append([])
        figures.append(["按类别"])
        for r in stats.by_category:
            figures.append(stat_line(r.category, r))
        self._consultation(book, await consultation_within(session, lo, hi), visit.now)
        for ws in book.worksheets:
            for column in ws.columns:
                letter = column[0].column_letter
                width = max((len(str(c.value or "")) for c in column), default=8)
                ws.column_dimensions[letter].width = min(60, max(8, width * 1.6))
        return book

    def _consultation(self, book: Workbook, held: ConsultationRecords, now: datetime) -> None:
        """The sheets 议题, 议事日, 表决 and 决议: a row a record of the month."""
        topics = [
            [
                topic_ref(tp.id or 0),
                tp.title,
                TOPIC_STATUS_ZH.get(tp.status, tp.status),
                tp.cosign_count,
                tp.reason or "",
                self.local(tp.created_at),
            ]
            for tp in held.topics
        ]
        _sheet(book, "议题", ["编号", "标题", "状态", "附议", "理由", "提出时间"], topics)
        meetings = [
            [
                m.code,
                self.local(m.starts_at),
                m.place,
                meeting_status_zh(m, now),
                self.local(m.minutes_published_at),
            ]
            for m in held.meetings
        ]
        _sheet(book, "议事日", ["编号", "时间", "地点", "状态", "纪要发布"], meetings)
        polls = [_poll_cells(p, held.turnout) for p in held.polls]
        _sheet(
            book, "表决", ["编号", "问题", "状态", "匿名", "投票人数", "应投人数", "结果"], polls
        )
        decisions = []
        for d in held.decisions:
            wording, outcome = held.decided(d)
            decided = outcome in ("passed", "failed")
            decisions.append(
                [
                    decision_ref(d.id or 0),
                    wording,
                    verdict_words(outcome),
                    DECISION_STATUS_ZH.get(d.status, d.status) if decided else "未形成决定",
                    d.owner or "",
                    d.due_date or "",
                ]
            )
        _sheet(book, "决议", ["编号", "决议", "是否通过", "状态", "负责人", "期限"], decisions)


def _poll_cells(p: Poll, turnout: dict[int, int]) -> list[Any]:
    """A poll's row: how many voted (so far, while open) and the result once it has closed."""
    result = p.result or {}
    shown = p.status != "open"
    tally = stored_tally(p) if shown else None
    return [
        poll_ref(p.id or 0),
        p.question,
        "进行中" if p.status == "open" else "已结束",
        "是" if p.anonymous else "否",
        result.get("voters", "") if shown else turnout.get(p.id or 0, 0),
        p.electorate_size,
        verdict_words(tally.outcome) if tally is not None else "",
    ]


def _sheet(book: Workbook, title: str, header: list[str], rows: list[list[Any]]) -> None:
    ws = book.create_sheet(title)
    _header(ws, header)
    for values in rows:
        _row(ws, values)


def _header(ws: Any, names: list[str], row: int | None = None) -> None:
    if row is None:
        ws.append(names)
        row = ws.max_row
    else:
        for i, name in enumerate(names, start=1):
            ws.cell(row=row, column=i, value=name)
    for cell in ws[row]:
        cell.font = Font(bold=True)


def _row(ws: Any, values: list[Any]) -> None:
    ws.append([v if isinstance(v, int | float) else safe_cell(v) for v in values])
