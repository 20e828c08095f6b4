"""The grid workers' morning digest and the moderators' monthly report, in Chinese."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from consultation import events as ev
from consultation.audiences import Audience, People, Person
from consultation.digests import ConsultationFigures, TicketFigures, WorkerTasks
from kernel.messages import Reply
from kernel.texts import t
from notices.common import date_text
from notices.dispatch import Notify, Route, Table


def _age_days(received_at: datetime, now: datetime, zone: ZoneInfo) -> int:
    """Calendar days on the community's wall clock: yesterday evening is 1 day, not today."""
    return max(0, (now.astimezone(zone).date() - received_at.astimezone(zone).date()).days)


def digest_text(worker: WorkerTasks, now: datetime, zone: ZoneInfo, late_note: str | None) -> str:
    """The digest message: header, then the tasks oldest first, one per line."""
    tasks = sorted(worker.tasks, key=lambda t: (t.received_at, t.number))
    lines = [t("schedule.digest_header", name=worker.name, count=len(tasks))]
    for index, task in enumerate(tasks, start=1):
        days = _age_days(task.received_at, now, zone)
        age = t("schedule.age_today") if days == 0 else t("schedule.age_days", days=days)
        place = (task.location or "") + (t("ticket.room_withheld") if task.room_withheld else "")
        where = f"（{place}）" if place else ""
        due = ""
        if task.due_at is not None:
            due = t("schedule.digest_due", due=date_text(task.due_at, zone))
        lines.append(
            t(
                "schedule.digest_item",
                index=index,
                number=task.number,
                summary=task.summary,
                where=where,
                age=age,
                due=due,
            )
        )
    if late_note:
        lines.insert(0, late_note)
    return "\n".join(lines)


def monthly_report_text(
    month: date,
    tickets: TicketFigures | None,
    consultation: ConsultationFigures | None,
    late_note: str | None,
) -> str:
    """The monthly report: the previous month's ticket and consultation figures (each
    line's placeholders are its figures' field names)."""
    lines = [t("schedule.report_header", year=month.year, month=month.month)]
    if tickets is not None:
        satisfied = (
            t("schedule.report_satisfied", percent=f"{tickets.satisfied_percent:.0f}")
            if tickets.satisfied_percent is not None
            else ""
        )
        lines.append(t("schedule.report_tickets", **asdict(tickets), satisfied=satisfied))
    if consultation is not None:
        lines.append(t("schedule.report_consultation", **asdict(consultation)))
    if tickets is None and consultation is None:
        lines.append(t("schedule.report_no_figures"))
    if late_note:
        lines.insert(0, late_note)
    return "\n".join(lines)


def late_line(due_at: datetime, zone: ZoneInfo) -> str:
    """The line a late message starts with, naming when it was due."""
    return t("schedule.late_note", due=date_text(due_at, zone))


def routes(zone: ZoneInfo) -> Table:
    """The digests' rows of the dispatch table."""

    def digest(event: ev.GridDigestDue, _a: Audience) -> Reply:
        note = late_line(event.due_at, zone) if event.late else None
        return Reply(digest_text(event.worker, event.at, zone, note))

    def report(event: ev.MonthlyReportDue, _a: Audience) -> Reply:
        note = late_line(event.due_at, zone) if event.late else None
        text = monthly_report_text(event.month, event.tickets, event.consultation, note)
        return Reply(text)

    table: dict[type[ev.Event], Sequence[Route[Any]]] = {
        ev.GridDigestDue: [
            Notify[ev.GridDigestDue](lambda e: [Person(e.worker.resident_id)], digest)
        ],
        ev.MonthlyReportDue: [
            Notify[ev.MonthlyReportDue](lambda e: [People(e.moderators, "moderators")], report)
        ],
    }
    return table
