"""诉求 as the replies show them: a ticket's status, the lists, the statistics table, and
the report draft's questions. The handlers ask the ticket service; these say what it
answered, in the same words as the pushed notices (:mod:`notices.tickets`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, tzinfo

from consultation.confidentiality import Shown
from consultation.tickets import (
    Extension,
    Statistics,
    StatRow,
    StatusView,
    TicketDraft,
    TicketError,
)
from kernel.flows import stamped
from kernel.messages import Button, Reply
from kernel.texts import t
from notices.common import date_text
from notices.tickets import (
    action_zh,
    clock_text,
    department_buttons,
    detail_line,
    location_of,
    status_zh,
    summary,
)
from storage.tickets import Ticket

#: What the duplicate offer's and the draft's buttons send back, and (FOLLOW) the follow
#: button's word as people type it.
FOLLOW_PREFIX = "关注 "
FOLLOW = "关注它"
FILE_ANYWAY = "继续提交"
#: How many tickets a department's 我的任务 shows as cards with buttons (the 工作台 has all).
DEPARTMENT_LISTED = 10
CONFIRM = "确认提交"


def building_range(numbers: list[int]) -> str:
    """The community's buildings as people say them: 1–8号楼, or 1、2、5号楼 with gaps."""
    if len(numbers) > 2 and numbers == list(range(numbers[0], numbers[-1] + 1)):
        return f"{numbers[0]}–{numbers[-1]}号楼"
    return "、".join(str(n) for n in numbers) + "号楼"


def error_reply(exc: TicketError) -> Reply:
    """A refused operation in plain words."""
    info = dict(exc.info)
    if "status" in info:
        info["status"] = status_zh(str(info["status"]))
    info.setdefault("number", "")
    info.setdefault("holder", "其他网格员")
    return Reply(t(f"ticket.{exc.code}", **info))


def ticket_status(view: StatusView, zone: tzinfo) -> Reply:
    """One ticket as its reporter asks after it: where it stands and its last step."""
    tk = view.ticket
    last = "—"
    if view.last_at is not None:
        note = f"：{view.shown.said(view.last_note)}" if view.last_note else ""
        last = t(
            "ticket.status_last",
            at=clock_text(view.last_at, zone),
            action=action_zh(view.last_action or ""),
            note=note,
        )
    return Reply(
        t(
            "ticket.status",
            number=tk.number,
            category=tk.category,
            status=status_zh(tk.status),
            location=location_of(view.shown),
            description=view.shown.description,
            holder=view.holder_name or t("ticket.status_nobody"),
            last=last,
        )
    )


def my_tickets(tickets: Sequence[Ticket], shown: Callable[[Ticket], Shown] | None = None) -> Reply:
    """我的诉求: one line a ticket (those followed too); ``shown``: each as its reader may
    see it (a followed one without the reporter's room or phone)."""
    if not tickets:
        return Reply(t("ticket.mine_empty"))
    lines = [t("ticket.mine_header")]
    lines += [
        t(
            "ticket.status_line",
            number=_marked(tk),
            category=tk.category,
            status=status_zh(tk.status),
            summary=summary(tk, shown=shown(tk) if shown is not None else None),
        )
        for tk in tickets
    ]
    lines.append(t("ticket.mine_footer"))
    return Reply("\n".join(lines))


def _marked(ticket: Ticket) -> str:
    """A ticket's number in a list, marked （紧急） as its task card is when urgent."""
    return ticket.number + (t("ticket.urgent_mark") if ticket.urgent else "")


def task_list(tickets: Sequence[tuple[Ticket, Shown]], zone: tzinfo) -> Reply:
    """我的任务: a grid worker's open tickets with their deadlines, each as the worker may
    see it (:meth:`TicketService.shown`)."""
    if not tickets:
        return Reply(t("ticket.tasks_empty"))
    lines = [t("ticket.tasks_header", count=len(tickets))]
    lines += [
        t(
            "ticket.task_line",
            number=_marked(tk),
            status=status_zh(tk.status),
            category=tk.category,
            location=location_of(shown),
            due=clock_text(tk.resolution_due_at, zone),
        )
        for tk, shown in tickets
    ]
    return Reply("\n".join(lines))


def waiting_tasks(tickets: Sequence[tuple[Ticket, Shown]]) -> Reply:
    """ "收到" or 接单 with several tasks waiting to be taken: which, a 接单 button each."""
    if not tickets:
        return Reply(t("ticket.waiting_none"))
    lines = [
        t("ticket.waiting_line", number=_marked(tk), category=tk.category, location=location_of(s))
        for tk, s in tickets
    ]
    buttons = tuple(
        Button(
            t("ticket.b_accept_which", number=tk.number, category=tk.category), f"接单 {tk.number}"
        )
        for tk, _ in tickets
    )
    text = t("ticket.waiting_which", count=len(tickets), lines="\n".join(lines))
    return Reply(text, buttons=buttons)


def department_tasks(
    tickets: Sequence[tuple[Ticket, Shown]], zone: tzinfo, now: datetime
) -> list[Reply]:
    """我的任务 of a department's contact: the tickets sent to the department, the longest
    waiting first, each with the buttons a department may use (处理中, 办结); urgent and
    overdue ones marked. Never the reporter: a department sees the problem, not who
    reported it (a neighbour dispute's complainant above all)."""
    if not tickets:
        return [Reply(t("ticket.department_tasks_empty"))]
    replies = [Reply(t("ticket.department_tasks_header", count=len(tickets)))]
    for tk, shown in tickets[:DEPARTMENT_LISTED]:
        overdue = t("ticket.overdue_mark") if tk.resolution_due_at <= now else ""
        line = t(
            "ticket.department_task_line",
            number=_marked(tk) + overdue,
            status=status_zh(tk.status),
            category=tk.category,
            location=location_of(shown),
            summary=summary(tk, 30, shown),
            due=clock_text(tk.resolution_due_at, zone),
        )
        replies.append(Reply(line, buttons=department_buttons(tk.number)))
    if len(tickets) > DEPARTMENT_LISTED:
        replies.append(Reply(t("ticket.department_tasks_more", count=DEPARTMENT_LISTED)))
    return replies


def ticket_listing(header: str, held: Sequence[StatusView], zone: tzinfo) -> Reply:
    """The moderator's lists, one line per ticket and its holder's name: number, status,
    level, category, place (as the asker may see it), holder, deadline."""
    lines = [header]
    lines += [
        t(
            "ticket.overdue_line",
            number=_marked(view.ticket),
            status=status_zh(view.ticket.status),
            level=t(f"ticket.level_{view.ticket.level}"),
            category=view.ticket.category,
            location=location_of(view.shown),
            holder=view.holder_name or "—",
            due=clock_text(view.ticket.resolution_due_at, zone),
        )
        for view in held
    ]
    return Reply("\n".join(lines))


#: Each worker action that takes a note (or a reason): what is asked when it is missing,
#: and what the worker is told once it is done.
_NOTED_ACTIONS = {
    "处理中": ("ticket.ask_note_progress", "ticket.done_progress"),
    "办结": ("ticket.ask_note_resolve", "ticket.done_resolve"),
    "上报": ("ticket.ask_reason_hand_up", "ticket.done_hand_up"),
    "退单": ("ticket.ask_reason_return", "ticket.done_return"),
    "延期": ("ticket.ask_reason_extend", "ticket.done_extend"),
}


def note_asked(action: str) -> Reply:
    return Reply(t(_NOTED_ACTIONS[action][0]))


def action_done(action: str, number: str, due: datetime | None, zone: tzinfo) -> Reply:
    """Done, and the ticket's resolution deadline as it now stands."""
    return Reply(t(_NOTED_ACTIONS[action][1], number=number, due=clock_text(due, zone)))


def extension_done(
    number: str, amount: Extension, plain: bool, due: datetime, zone: tzinfo
) -> Reply:
    """延期 done: how much was added (on working time, said so) and the new deadline."""
    added = t(f"ticket.extend_{amount.unit}", count=amount.count)
    basis = "" if plain else t("ticket.extend_working")
    return Reply(
        t("ticket.done_extend", number=number, added=added + basis, due=clock_text(due, zone))
    )


def _rate(value: float | None) -> str:
    return t("ticket.rate_none") if value is None else f"{value * 100:.1f}%"


def _figures(row: StatRow) -> dict[str, object]:
    """The counts and rates every line of the statistics table shows."""
    return {
        "received": row.received,
        "dispatched": row.dispatched,
        "resolved": row.resolved,
        "rated": row.rated,
        "resolution": _rate(row.resolution_rate),
        "satisfaction": _rate(row.satisfaction_rate),
    }


def statistics_table(stats: Statistics, community: str, period: str) -> Reply:
    """诉求统计: the period's total (with the on-time response rate), then by grid and by
    category."""
    lines = [t("ticket.stats_header", community=community, period=period)]
    total = stats.total
    if total.received == 0:
        lines.append(t("ticket.stats_empty"))
        return Reply("\n".join(lines))
    lines.append(t("ticket.stats_total", response=_rate(total.response_rate), **_figures(total)))
    lines.append(t("ticket.stats_by_grid"))
    lines += [t("ticket.stats_line", name=row.grid, **_figures(row)) for row in stats.by_grid]
    lines.append(t("ticket.stats_by_category"))
    lines += [
        t("ticket.stats_line", name=row.category, **_figures(row)) for row in stats.by_category
    ]
    return Reply("\n".join(lines))


def duplicate_offer(
    found: Ticket, own: bool, shown: Shown | None = None, followable: bool = True
) -> Reply:
    """An open ticket like the draft: the resident's own is named as hers (nothing to
    follow), with its progress a tap away; a neighbour's is offered to follow, quoted as a
    follower reads it (``shown``: no room, no phone); a complaint about a neighbour
    (``followable`` False) only said to be in hand, no number, no word of it."""
    if not own and not followable:
        return Reply(
            t("ticket.duplicate_in_hand"),
            buttons=(Button(t("ticket.file_anyway_button"), FILE_ANYWAY),),
        )
    first = (
        Button(t("ticket.progress_button"), found.number)
        if own
        else Button(t("ticket.follow_button"), f"{FOLLOW_PREFIX}{found.number}")
    )
    return Reply(
        t(
            "ticket.duplicate_own" if own else "ticket.duplicate",
            number=found.number,
            summary=summary(found, shown=None if own else shown),
            status=status_zh(found.status),
        ),
        buttons=(first, Button(t("ticket.file_anyway_button"), FILE_ANYWAY)),
    )


def category_question(categories: Sequence[str]) -> Reply:
    return Reply(
        t("ticket.ask_category"),
        buttons=tuple(Button(name, name) for name in categories),
    )


def updates_question() -> Reply:
    return Reply(
        t("ticket.ask_updates"),
        buttons=(
            Button(t("ticket.updates_yes"), t("ticket.updates_yes")),
            Button(t("ticket.updates_no"), t("ticket.updates_no")),
        ),
    )


def building_check(place: str) -> Reply:
    """ "问题是在5号楼吗？": a building the words seemed to name ("5号电梯") and were not
    read as, asked about before anything is taken for it (never the reporter's home)."""
    yes, no = t("ticket.building_check_yes"), t("ticket.building_check_no")
    return Reply(
        t("ticket.building_check", place=place), buttons=(Button(yes, yes), Button(no, no))
    )


def draft_buttons(draft_id: str) -> tuple[Button, ...]:
    """确认提交 and 取消 of the draft ``draft_id`` only: its stamp goes with them, so the
    card acts on no draft that takes its place (kernel.flows.card_tap)."""
    return (
        Button(t("ticket.confirm_button"), stamped(CONFIRM, draft_id)),
        Button(t("ticket.cancel_button"), stamped("取消", draft_id)),
    )


def submit_question(draft_id: str) -> Reply:
    """A bare 👍 or 好 at the draft's card: it is not filed yet, and asked once."""
    return Reply(t("ticket.submit_question"), buttons=draft_buttons(draft_id))


def draft_confirmation(draft: TicketDraft) -> Reply:
    """The draft as it will be filed, with 确认提交 and 取消."""
    details = "".join(detail_line(q, a) for q, a in draft.details.items())
    photos = draft.photos
    extra = details + (t("ticket.photos_line", count=len(photos)) if photos else "")
    return Reply(
        t(
            "ticket.confirm",
            category=draft.category,
            urgent=t("ticket.urgent_mark") if draft.urgent else "",
            location=draft.place.label() or "未说明",
            description=draft.description,
            extra=extra,
        ),
        buttons=draft_buttons(draft.draft_id),
    )


_MARKS = "①②③④⑤⑥⑦⑧⑨⑩"
_COUNTS = {2: "两", 3: "三", 4: "四", 5: "五"}


def drafts_confirmation(drafts: Sequence[TicketDraft]) -> Reply:
    """Several problems said one after another ("4号楼灯坏了", "5号楼灯坏了"): each as it
    will be filed, one ticket each, under one 确认提交 (the last draft's card)."""
    items = []
    for mark, draft in zip(_MARKS, drafts, strict=False):
        details = "".join(detail_line(q, a) for q, a in draft.details.items())
        photos = t("ticket.photos_line", count=len(draft.photos)) if draft.photos else ""
        items.append(
            t(
                "ticket.confirm_item",
                mark=mark,
                category=draft.category,
                urgent=t("ticket.urgent_mark") if draft.urgent else "",
                location=draft.place.label() or "未说明",
                description=draft.description,
                extra=details + photos,
            )
        )
    count = _COUNTS.get(len(drafts), str(len(drafts)))
    return Reply(
        t("ticket.confirm_many", count=count, items="\n".join(items)),
        buttons=draft_buttons(drafts[-1].draft_id),
    )


def filed_reply(ticket: Ticket, grid: str | None, response: timedelta, zone: tzinfo) -> Reply:
    """Filed: the number, whom it went to (the grid, or the community when it has none)
    and, unless urgent, how soon someone answers: "4 小时内" when the ticket's own deadline
    is that, else the deadline (it counts working time: filed in the evening or across
    the lunch break, "4 小时" would promise what nobody is on duty to keep)."""
    if not ticket.wants_updates:
        # 不用了 can be taken back: one tap (or "开启通知") switches them on.
        on = t("notify.b_updates_on")
        return Reply(t("ticket.filed_quiet", number=ticket.number), buttons=(Button(on, on),))
    where = t("ticket.where_grid", grid=grid) if grid is not None else t("ticket.where_community")
    if ticket.urgent:
        whom = emergency_whom(emergency_where(grid))
        return Reply(t("ticket.filed_urgent", number=ticket.number, whom=whom))
    due = ticket.response_due_at
    if due is not None and due - ticket.received_at > response + timedelta(minutes=1):
        when = date_text(due, zone)
        filed = t("ticket.filed_by", number=ticket.number, where=where, due=when)
        return Reply(filed, offers_notices="ticket")
    hours = response.total_seconds() / 3600
    span = f"{hours:g} 小时" if hours >= 1 else f"{int(response.total_seconds() // 60)} 分钟"
    filed = t("ticket.filed", number=ticket.number, where=where, response=span)
    return Reply(filed, offers_notices="ticket")


def staff_complaint_filed(ticket: Ticket, handlers: int, duty_phone: str) -> Reply:
    """Filed, a complaint about staff: it went to the community's moderators but the one
    complained about — or, with none other, nobody, and the resident is told whom to call."""
    if handlers:
        return Reply(t("ticket.filed_staff_complaint", number=ticket.number))
    phone = (
        t("ticket.staff_complaint_phone", phone=duty_phone)
        if duty_phone
        else t("ticket.staff_complaint_no_phone")
    )
    return Reply(t("ticket.filed_staff_complaint_nobody", number=ticket.number, phone=phone))


def emergency_advice(kind: str, duty_phone: str) -> Reply:
    """What to do at once in danger to life (``fire``, ``trapped``, ``hurt``), and the
    community's duty phone when it has one."""
    advice = t(f"emergency.{kind}")
    if duty_phone:
        advice += t("emergency.duty", phone=duty_phone)
    return Reply(advice)


def emergency_where(grid: str | None) -> str:
    """Whom an urgent ticket went to, as the emergency reply says it."""
    if grid is None:
        return t("emergency.where_community")
    return t("emergency.where_grid", grid=grid)


def emergency_whom(where: str) -> str:
    """Who was told of an urgent ticket: ``where`` and the community's moderators
    ("第一网格的网格员和社区"), or the community alone when ``where`` is the community's
    own people — never "社区工作者和社区"."""
    if where == t("emergency.where_community"):
        return t("emergency.whom_community")
    return t("emergency.whom_both", where=where)


def emergency_received(where: str) -> str:
    """ "第一网格的网格员和社区都已收到", or "社区已收到" (see :func:`emergency_whom`)."""
    if where == t("emergency.where_community"):
        return t("emergency.received_community")
    return t("emergency.received_both", where=where)


def emergency_told(key: str, number: str, where: str, **values: str) -> str:
    """The line ``key`` about ticket ``number`` that went to ``where``, whom it names
    said as the emergency lines say it (``{where}``, ``{whom}``, ``{received}``)."""
    whom, received = emergency_whom(where), emergency_received(where)
    return t(key, number=number, where=where, whom=whom, received=received, **values)
