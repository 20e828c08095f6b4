"""居务公开: the public pages of the consultation days and their decisions, readable
without login: an index (``/public/``), each meeting, each decision, and each vote that
decided nothing (``/public/polls/P3``: void, said why, with no decision number and
nothing to carry out or evaluate).

Server-rendered HTML, every value escaped. A meeting's page shows the meeting, the agenda,
attendance as counts (saying how many were signed up by a grid worker, 代办), the
committee members' names, the discussion notes once the minutes are published,
each decision with its tally, progress and 评议, and how many households the
meeting's notices (a decision page: the poll's result) actually reached
(consultation.notice_reach) — and no other personal data (no proposer, no voter,
no phone, no list of who was reached).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from html import escape
from pathlib import Path

from aiohttp import web

from consultation.ids import decision_ref, poll_ref, topic_ref
from consultation.notice_reach import NoticeReach, Reach
from consultation.outcomes import (
    DECISION_STATUS_ZH,
    DecisionView,
    Minutes,
    OutcomeService,
    VoidVote,
    stored_tally,
)
from consultation.topics import TOPIC_STATUS_ZH
from kernel.context import Community
from kernel.texts import t
from notices.assisted import of_which
from notices.common import date_text
from notices.polls import tally_lines, verdict_words
from storage.meetings import Meeting, MeetingRepository
from storage.outcomes import DecisionRepository
from storage.polls import PollRepository
from storage.topics import TopicRepository
from storage.types import utcnow
from storage.unit_of_work import UnitOfWork

_CODE = re.compile(r"M\d{6}")
_DECISION = re.compile(r"D(\d{1,9})")
_POLL = re.compile(r"P(\d{1,9})")
#: How many meetings and decisions the index lists (newest first).
INDEX_MEETINGS = 24
INDEX_DECISIONS = 50

#: The pages' stylesheet: a file, because the Content-Security-Policy allows no inline style.
STYLESHEET = Path(__file__).resolve().parent / "static" / "public.css"


def meeting_state(meeting: Meeting, now: datetime) -> str:
    """Where a consultation day stands, as a resident reads it."""
    if meeting.status == "cancelled":
        return "已取消"
    if meeting.minutes_published_at is not None:
        return "纪要已发布"
    return "即将召开" if meeting.starts_at > now else "已召开"


def verdict(view: DecisionView) -> str:
    """What the vote came to, said as what it was: passed, failed, or void (nobody voted,
    too few voted, a tie) — a void vote is no 未通过, it decided nothing."""
    return view.outcome


def outcome_html(outcome: str) -> str:
    """What a vote came to as a coloured word: green passed, red failed, grey void."""
    css = outcome if outcome in ("passed", "failed") else "void"
    return f'<span class="{css}">{escape(verdict_words(outcome))}</span>'


def verdict_html(view: DecisionView) -> str:
    """The decision's verdict as a coloured word."""
    return outcome_html(verdict(view))


def is_void(outcome: str) -> bool:
    """Nobody voted, too few, a tie: nothing decided, nothing to carry out or evaluate."""
    return outcome not in ("passed", "failed")


def decision_state(view: DecisionView) -> str:
    """How a decision is being carried out; one that did not pass has nothing to do."""
    outcome = verdict(view)
    if outcome != "passed":
        return t("public.void_nothing" if is_void(outcome) else "public.nothing_to_carry_out")
    return DECISION_STATUS_ZH.get(view.decision.status, view.decision.status)


def reach_html(key: str, reach: Reach) -> str:
    """Proof of notice in one line: the figure, what it counts, the groups apart."""
    groups = t("public.reach_groups", groups=reach.groups) if reach.groups else ""
    figure = t(key, reached=reach.reached, eligible=reach.eligible)
    how = t("public.reach_how") + groups
    return (
        f'<p class="reach"><strong>{escape(figure)}</strong> '
        f'<span class="muted">（{escape(how)}）</span></p>'
    )


async def _meeting_of(uow: UnitOfWork, meeting_id: int | None) -> Meeting | None:
    return await uow.get(MeetingRepository).get(meeting_id) if meeting_id else None


@dataclass(eq=False)
class PublicPages:
    """``GET /public/``, ``/public/meetings/{code}``, ``/public/decisions/{ref}`` and
    ``/public/polls/{ref}``; plugs into the one aiohttp app like an adapter."""

    uow_factory: Callable[[], UnitOfWork]
    community: Community
    #: The bot's clock (a test's own), for what is ahead and what is past.
    clock: Callable[[], datetime] = utcnow

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/public/", self.index)
        app.router.add_get("/public", self.index)
        app.router.add_get("/public/meetings/{code}", self.meeting)
        app.router.add_get("/public/decisions/{ref}", self.decision)
        app.router.add_get("/public/polls/{ref}", self.void_vote)
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
            minutes = await OutcomeService(uow, self.clock()).minutes(meeting)
            reach = await NoticeReach(uow).meeting(meeting.code)
        return self._page(f"协商议事日 {code}", self.render(minutes, reach))

    async def index(self, _request: web.Request) -> web.Response:
        """Every consultation day and every decision, newest first: where a resident
        starts to look (居务公开)."""
        now = self.clock()
        async with self.uow_factory() as uow:
            every = await uow.get(MeetingRepository).all()
            meetings = sorted(every, key=lambda m: m.starts_at, reverse=True)[:INDEX_MEETINGS]
            service = OutcomeService(uow, now)
            newest = await uow.get(DecisionRepository).newest(INDEX_DECISIONS)
            views = [await service.view(d) for d in newest]
            voids = await service.void_votes(limit=INDEX_DECISIONS)
            codes = {m.id: m.code for m in every}
        zone = self.community.zone
        parts = [f"<h1>{escape(self.community.name)} 居务公开</h1>", "<h2>协商议事日</h2>"]
        if not meetings:
            parts.append('<p class="muted">还没有协商议事日。</p>')
        parts.append('<ul class="index">')
        for m in meetings:
            parts.append(
                f'<li><a href="/public/meetings/{escape(m.code)}">{escape(m.code)}</a> '
                f"{escape(date_text(m.starts_at, zone))} {escape(m.place)} "
                f'<span class="muted">{escape(meeting_state(m, now))}</span></li>'
            )
        parts.append("</ul><h2>决议与落实</h2>")
        if not views:
            parts.append('<p class="muted">还没有决议。</p>')
        parts.append('<ul class="index">')
        for view in views:
            d = view.decision
            ref = decision_ref(d.id or 0)
            where = codes.get(d.meeting_id) if d.meeting_id else None
            at = f"（{escape(where)}）" if where else ""
            evaluated = (
                ""
                if is_void(verdict(view))
                else f"｜评议：满意 {view.satisfied}，不满意 {view.unsatisfied}"
            )
            parts.append(
                f'<li><a href="/public/decisions/{ref}">{ref} {escape(view.wording)}</a>{at} '
                f"{verdict_html(view)}｜"
                f"落实：{escape(decision_state(view))}{evaluated}</li>"
            )
        parts.append("</ul>")
        if voids:
            parts.append(f"<h2>{escape(t('public.void_votes'))}</h2>")
            parts.append(f'<p class="muted">{escape(t("public.void_votes_note"))}</p>')
            parts.append('<ul class="index">')
            for void in voids:
                ref = poll_ref(void.poll.id or 0)
                where = codes.get(void.poll.meeting_id) if void.poll.meeting_id else None
                at = f"（{escape(where)}）" if where else ""
                turnout = t(
                    "public.void_turnout",
                    voters=void.tally.voters,
                    electorate=void.tally.electorate,
                    quorum=void.tally.quorum_pct,
                )
                parts.append(
                    f'<li><a href="/public/polls/{ref}">{ref} {escape(void.poll.question)}</a>'
                    f"{at} {outcome_html(void.tally.outcome)}｜{escape(turnout)}</li>"
                )
            parts.append("</ul>")
        return self._page("居务公开", "\n".join(parts))

    async def decision(self, request: web.Request) -> web.Response:
        """One decision with its vote, its progress and residents' 评议, also when it was
        not taken at a consultation day."""
        found = _DECISION.fullmatch(request.match_info["ref"].upper())
        if found is None:
            return self._page("参数错误", "<p>决议编号格式应为 D3。</p>", status=400)
        async with self.uow_factory() as uow:
            decision = await uow.get(DecisionRepository).get(int(found.group(1)))
            if decision is None:
                ref = escape(request.match_info["ref"])
                return self._page("未找到", f"<p>没有找到决议 {ref}。</p>", 404)
            view = await OutcomeService(uow, self.clock()).view(decision)
            reach = await NoticeReach(uow).poll_result(view.poll) if view.poll else None
            meeting = await _meeting_of(uow, decision.meeting_id)
        title = f"决议 {decision_ref(decision.id or 0)}"
        return self._record_page(title, meeting, self.decision_html(view, reach))

    def _record_page(self, title: str, meeting: Meeting | None, record: str) -> web.Response:
        """A decision's or a void vote's own page: the meeting it was taken at, if any."""
        back = (
            f'<p><a href="/public/meetings/{escape(meeting.code)}">协商议事日 '
            f"{escape(meeting.code)}</a></p>"
            if meeting is not None
            else ""
        )
        body = (
            f"<h1>{escape(self.community.name)} {escape(title)}</h1>"
            + back
            + record
            + '<p><a href="/public/">居务公开首页</a></p>'
        )
        return self._page(title, body)

    async def void_vote(self, request: web.Request) -> web.Response:
        """A closed poll that decided nothing: its tally (which says why) and how many
        households its result reached, under the poll's own number. A poll that did
        decide is its decision's page."""
        found = _POLL.fullmatch(request.match_info["ref"].upper())
        if found is None:
            return self._page("参数错误", "<p>表决编号格式应为 P3。</p>", status=400)
        poll_id = int(found.group(1))
        async with self.uow_factory() as uow:
            decision = await uow.get(DecisionRepository).for_poll(poll_id)
            if decision is not None:
                raise web.HTTPFound(f"/public/decisions/{decision_ref(decision.id or 0)}")
            poll = await uow.get(PollRepository).get(poll_id)
            tally = stored_tally(poll) if poll is not None and poll.status == "closed" else None
            if poll is None or tally is None:
                ref = escape(request.match_info["ref"])
                return self._page("未找到", f"<p>没有找到已结束的表决 {ref}。</p>", 404)
            reach = await NoticeReach(uow).poll_result(poll)
            meeting = await _meeting_of(uow, poll.meeting_id)
            topic = await uow.get(TopicRepository).get(poll.topic_id) if poll.topic_id else None
        title = f"表决 {poll_ref(poll_id)}"
        void = VoidVote(poll, tally, topic)
        return self._record_page(title, meeting, self.void_html(void, reach))

    def void_html(self, void: VoidVote, reach: Reach | None = None) -> str:
        """A vote that decided nothing: its tally and why, no decision number, nothing
        to carry out or evaluate."""
        ref = poll_ref(void.poll.id or 0)
        lines = tally_lines(void.poll, void.tally)
        parts = [
            f'<section class="decision" id="{ref}">'
            f"<h3>表决 {ref} {escape(void.poll.question)} {outcome_html(void.tally.outcome)}</h3>",
            "<ul>" + "".join(f"<li>{escape(x)}</li>" for x in lines) + "</ul>",
        ]
        if reach is not None:
            parts.append(reach_html("public.reach_result", reach))
        parts.append(f"<p>{escape(t('public.void_no_decision'))}</p>")
        if void.topic is not None:  # where the topic it was about stands now
            topic = void.topic
            key = "public.void_topic_again" if topic.status == "qualified" else "public.void_topic"
            said = t(
                key,
                ref=topic_ref(topic.id or 0),
                title=topic.title,
                status=TOPIC_STATUS_ZH.get(topic.status, topic.status),
            )
            parts.append(f"<p>{escape(said)}</p>")
        parts.append("</section>")
        return "\n".join(parts)

    def render(self, minutes: Minutes, reach: Reach | None = None) -> str:
        zone, meeting = self.community.zone, minutes.meeting
        published = meeting.minutes_published_at is not None
        parts = [
            f"<h1>{escape(self.community.name)} 协商议事日 {escape(meeting.code)}</h1>",
            f"<p>时间：{escape(date_text(meeting.starts_at, zone))}"
            f"　地点：{escape(meeting.place)}</p>",
            f"<p>协商委员：{escape('、'.join(minutes.committee) or '—')}</p>",
            f"<p>报名：现场 {minutes.signed_up_onsite} 人，线上 {minutes.signed_up_online} 人"
            f"{escape(of_which(minutes.signed_up_assisted))}；签到：到会 {minutes.attended} 人，"
            f"线上参会 {minutes.attended_online} 人</p>",
        ]
        if minutes.cancelled_because is not None:
            said = t("public.cancelled", reason=minutes.cancelled_because or "—")
            parts.insert(1, f'<p class="cancelled"><strong>{escape(said)}</strong></p>')
        if reach is not None:
            parts.append(reach_html("public.reach_meeting", reach))
        if not published and minutes.cancelled_because is None:
            parts.append('<p class="muted">会议纪要尚未发布。</p>')
        parts.append("<h2>议程</h2>")
        if not minutes.agenda:
            parts.append(f'<p class="muted">{escape(t("public.agenda_empty"))}</p>')
        parts.append("<ol>")
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
        if not minutes.decisions and not minutes.void_votes:
            parts.append(f'<p class="muted">{escape(t("minutes.no_decisions"))}</p>')
        for view in minutes.decisions:
            parts.append(self.decision_html(view))
        for void in minutes.void_votes:
            parts.append(self.void_html(void))
        return "\n".join(parts)

    def decision_html(self, view: DecisionView, reach: Reach | None = None) -> str:
        """One decision: its vote's tally (and, on its own page, how many households its
        result reached), how it is being carried out, its 评议."""
        zone = self.community.zone
        parts: list[str] = []
        decision = view.decision
        parts.append(
            f'<section class="decision" id="{decision_ref(decision.id or 0)}">'
            f"<h3>{decision_ref(decision.id or 0)} {escape(view.wording)} "
            f"{verdict_html(view)}</h3>"
        )
        if view.question is not None and view.question != view.wording:
            asked = t("public.question", question=view.question)
            parts.append(f'<p class="muted">{escape(asked)}</p>')
        if view.poll is not None and view.tally is not None:
            lines = tally_lines(view.poll, view.tally)
            parts.append("<ul>" + "".join(f"<li>{escape(x)}</li>" for x in lines) + "</ul>")
        if reach is not None:
            parts.append(reach_html("public.reach_result", reach))
        state = decision_state(view)
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
        if not is_void(verdict(view)):  # a void vote decided nothing to evaluate
            parts.append(
                f'<p class="evaluation">居民评议：满意 {view.satisfied} 人，'
                f"不满意 {view.unsatisfied} 人</p>"
            )
        parts.append("</section>")
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
