"""居务公开: the public page of each consultation day, readable without login.

Server-rendered HTML, every value escaped. It shows the meeting, the agenda,
attendance as counts, the committee members' names, the discussion notes once
the minutes are published, each decision with its tally, progress and 评议 —
and no other personal data (no proposer, no voter, no phone).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html import escape
from pathlib import Path

from aiohttp import web

from consultation.ids import decision_ref, topic_ref
from consultation.outcomes import DECISION_STATUS_ZH, Minutes, OutcomeService
from kernel.context import Community
from kernel.texts import t
from notices.common import date_text
from notices.polls import tally_lines
from storage.meetings import MeetingRepository
from storage.types import utcnow
from storage.unit_of_work import UnitOfWork

_CODE = re.compile(r"M\d{6}")

#: The pages' stylesheet: a file, because the Content-Security-Policy allows no inline style.
STYLESHEET = Path(__file__).resolve().parent / "static" / "public.css"


class PublicPages:
    """``GET /public/meetings/{code}``; plugs into the one aiohttp app like an adapter."""

    def __init__(self, uow_factory: Callable[[], UnitOfWork], community: Community) -> None:
        self.uow_factory = uow_factory
        self.community = community

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/public/meetings/{code}", self.meeting)
        app.router.add_get("/public/style.css", self.stylesheet)

    async def stylesheet(self, _request: web.Request) -> web.FileResponse:
        return web.FileResponse(STYLESHEET)

    async def meeting(self, request: web.Request) -> web.Response:
        code = request.match_info["code"].upper()
        if not _CODE.fullmatch(code):
            return self._page("参数错误", "<p>会议编号格式应为 M202612。</p>", status=400)
        async with self.uow_factory() as uow:
            meeting = await uow.get(MeetingRepository).by_code(code)
            if meeting is None:
                return self._page("未找到", f"<p>没有找到协商议事日 {escape(code)}。</p>", 404)
            minutes = await OutcomeService(uow, utcnow()).minutes(meeting)
        return self._page(f"协商议事日 {code}", self.render(minutes))

    def render(self, minutes: Minutes) -> str:
        zone, meeting = self.community.zone, minutes.meeting
        published = meeting.minutes_published_at is not None
        parts = [
            f"<h1>{escape(self.community.name)} 协商议事日 {escape(meeting.code)}</h1>",
            f"<p>时间：{escape(date_text(meeting.starts_at, zone))}"
            f"　地点：{escape(meeting.place)}</p>",
            f"<p>协商委员：{escape('、'.join(minutes.committee) or '—')}</p>",
            f"<p>报名：现场 {minutes.signed_up_onsite} 人，线上 {minutes.signed_up_online} 人；"
            f"签到 {minutes.attended} 人</p>",
        ]
        if not published:
            parts.append('<p class="muted">会议纪要尚未发布。</p>')
        parts.append("<h2>议程</h2><ol>")
        for item, topic in minutes.agenda:
            notes = (
                f"<br><span>讨论要点：{escape(item.notes)}</span>"
                if published and item.notes
                else ""
            )
            parts.append(
                f"<li>{escape(topic_ref(topic.id or 0))} {escape(topic.title)}"
                f"（{item.minutes_alloc} 分钟）{notes}</li>"
            )
        parts.append("</ol><h2>决议</h2>")
        if not minutes.decisions:
            parts.append(f'<p class="muted">{escape(t("minutes.no_decisions"))}</p>')
        for view in minutes.decisions:
            decision = view.decision
            verdict = "passed" if decision.passed else "failed"
            parts.append(
                f'<section class="decision" id="{decision_ref(decision.id or 0)}">'
                f"<h3>{decision_ref(decision.id or 0)} {escape(decision.text)} "
                f'<span class="{verdict}">'
                f"{'通过' if decision.passed else '未通过'}</span></h3>"
            )
            if view.poll is not None and view.tally is not None:
                lines = tally_lines(view.poll, view.tally)
                parts.append("<ul>" + "".join(f"<li>{escape(x)}</li>" for x in lines) + "</ul>")
            state = DECISION_STATUS_ZH.get(decision.status, decision.status)
            owner = f"，负责人 {escape(decision.owner)}" if decision.owner else ""
            due = f"，期限 {escape(decision.due_date)}" if decision.due_date else ""
            parts.append(f"<p>落实情况：{escape(state)}{owner}{due}</p>")
            if view.updates:
                parts.append(
                    "<ul>"
                    + "".join(
                        f"<li>{escape(date_text(u.at, zone))} {escape(u.note)}</li>"
                        for u in view.updates
                    )
                    + "</ul>"
                )
            parts.append(
                f'<p class="evaluation">居民评议：满意 {view.satisfied} 人，'
                f"不满意 {view.unsatisfied} 人</p></section>"
            )
        return "\n".join(parts)

    @staticmethod
    def _page(title: str, body: str, status: int = 200) -> web.Response:
        html = (
            '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width,initial-scale=1">'
            f'<title>{escape(title)}</title><link rel="stylesheet" href="/public/style.css"></head>'
            f'<body>{body}<p class="muted">居务公开 · 议事通</p></body></html>'
        )
        return web.Response(text=html, content_type="text/html", status=status)
