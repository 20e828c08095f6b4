"""议题, 议事日, 表决 and 落实 in the workbench: moderators' pages over the chat's services.

Each form calls the same service method the chat command calls, with the same
actor (``resident:N``), so the audit log reads the same and the notices follow
from the same events when the request's unit of work commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from aiohttp import web

from console.desk import MODERATOR, ActionRefused, Desk, Visit, done
from console.exports import csv_response
from consultation.ballot_box import BallotKeys
from consultation.ballots import Electorate, PassRule, PollKind
from consultation.binding import push_route
from consultation.config import ConsultationRules
from consultation.errors import DomainError
from consultation.ids import decision_ref, meeting_code, poll_ref, topic_ref
from consultation.meetings import (
    ATTENDED_ZH,
    MEETING_STATUS_ZH,
    MODE_ZH,
    SIGN_UP_LATE,
    SIGNUP_STATUS_ZH,
    MeetingService,
)
from consultation.outcomes import (
    DECISION_STATUS_ZH,
    OutcomeService,
    outside_register,
    parse_due,
    stored_tally,
)
from consultation.participation import participants
from consultation.polls import ANONYMOUS_MIN_VOTES, WORKPLACE_ROLES, PollService, PollSpec
from consultation.topics import TOPIC_STATUS_ZH, TopicService
from kernel.texts import t
from notices.assisted import marked
from notices.outcomes import decision_assigned
from notices.polls import verdict_words
from notices.topic_views import screened
from storage.meetings import Meeting, MeetingRepository
from storage.models import Resident
from storage.outcomes import DecisionRepository
from storage.polls import Poll, PollRepository
from storage.topics import TopicRepository

KIND_ZH = {"yesno": "赞成/反对/弃权", "single": "单选", "multi": "多选"}
ELECTORATE_SHORT = {
    "residents": "认证居民（每人一票）",
    "households": "每户一票",
    "committee": "协商委员",
    "attendees": "到会人员",
}
RULE_SHORT = {"majority": "过半数", "two_thirds": "三分之二", "eligible_majority": "全体过半"}
HINT_ZH = {
    "ok": "属于可议事项",
    "not_discuss": "可能属于“六不议”",
    "unclear": "未能判断，请人工审核",
}


def explain(exc: DomainError) -> str:
    """A domain refusal in the chat's own words (the same catalogue sentences)."""
    values = {str(k): str(v) for k, v in exc.values.items()}
    try:
        return t(f"{exc.section}.{exc.code}", **values)
    except (KeyError, IndexError):
        return f"操作未完成（{exc.code}）。"


@dataclass(eq=False)
class ConsultationPages:
    """``/console/topics``, ``/meetings``, ``/polls``, ``/decisions`` and their forms."""

    desk: Desk
    rules: ConsultationRules
    #: The ballot keys and the anonymity minimum the chat's poll service has: closing an
    #: anonymous poll or entering its paper ballot here counts the same sealed ballots.
    ballots: BallotKeys | None = None
    anonymous_min_votes: int = ANONYMOUS_MIN_VOTES

    def _polls(self, visit: Visit) -> PollService:
        return PollService(visit.uow, visit.now, self.ballots, self.anonymous_min_votes)

    def add_routes(self) -> None:
        """Every page and form of consultation is the moderators' alone."""
        for method, path, view in (
            ("GET", "/topics", self.topics),
            ("GET", "/topics.csv", self.topics_csv),
            ("GET", "/meetings", self.meetings),
            ("GET", "/meetings.csv", self.meetings_csv),
            ("GET", "/meetings/{code}", self.meeting),
            ("GET", "/polls", self.polls),
            ("GET", "/polls.csv", self.polls_csv),
            ("GET", "/polls/{id}", self.poll),
            ("GET", "/decisions", self.decisions),
            ("GET", "/decisions.csv", self.decisions_csv),
            ("POST", "/topics/{id}/accept", self.topic_accept),
            ("POST", "/topics/{id}/reject", self.topic_reject),
            ("POST", "/topics/{id}/merge", self.topic_merge),
            ("POST", "/meetings/create", self.meeting_create),
            ("POST", "/meetings/{code}/agenda", self.meeting_agenda),
            ("POST", "/meetings/{code}/invite", self.meeting_invite),
            ("POST", "/meetings/{code}/checkin", self.meeting_checkin),
            ("POST", "/meetings/{code}/hallcode", self.meeting_hall_code),
            ("POST", "/meetings/{code}/notes", self.meeting_notes),
            ("POST", "/meetings/{code}/minutes", self.meeting_minutes),
            ("POST", "/polls/open", self.poll_open),
            ("POST", "/polls/{id}/close", self.poll_close),
            ("POST", "/polls/{id}/paper", self.poll_paper),
            ("POST", "/decisions/{id}/assign", self.decision_assign),
            ("POST", "/decisions/{id}/progress", self.decision_progress),
            ("POST", "/decisions/{id}/done", self.decision_done),
        ):
            self.desk.route(method, path, view, MODERATOR)

    def local(self, moment: datetime | None) -> str:
        return self.desk.local(moment)

    async def _names(self, visit: Visit, ids: list[int]) -> dict[int, str]:
        names: dict[int, str] = {}
        for rid in set(ids):
            person = await visit.uow.residents.get(rid)
            if person is not None:
                names[rid] = person.name
        return names

    async def _guard(self, back: str, call: Any) -> Any:
        try:
            return await call
        except DomainError as exc:
            raise ActionRefused(explain(exc), back) from exc

    def _id(self, visit: Visit) -> int:
        raw = visit.request.match_info.get("id", "")
        if not raw.isdigit():
            raise web.HTTPNotFound(text="编号不对。")
        return int(raw)

    # ---- 议题 --------------------------------------------------------------------------

    async def _topic_rows(self, visit: Visit) -> list[dict[str, Any]]:
        topics = list(await visit.uow.get(TopicRepository).all())
        names = await self._names(visit, [tp.proposer_id for tp in topics])
        rows = []
        for tp in sorted(topics, key=lambda x: -(x.id or 0)):
            hint = tp.screen_hint or {}
            rows.append(
                {
                    "id": tp.id,
                    "ref": topic_ref(tp.id or 0),
                    "title": tp.title,
                    "description": tp.description,
                    "status": tp.status,
                    "status_zh": TOPIC_STATUS_ZH.get(tp.status, tp.status),
                    "proposer": names.get(tp.proposer_id, "—"),
                    "hint": HINT_ZH.get(str(hint.get("verdict", "")), "—"),
                    "hint_verdict": str(hint.get("verdict", "")),
                    "hint_names": [
                        *hint.get("discuss", []),
                        *hint.get("catalogue", []),
                    ],
                    "hint_not": list(hint.get("not_discuss", [])),
                    "cosigns": tp.cosign_count,
                    "threshold": self.rules.cosign_threshold,
                    "progress": min(100, int(100 * tp.cosign_count / self.rules.cosign_threshold))
                    if self.rules.cosign_threshold
                    else 100,
                    "reason": tp.reason or "",
                    "created": self.local(tp.created_at),
                }
            )
        return rows

    async def topics(self, visit: Visit) -> web.StreamResponse:
        rows = await self._topic_rows(visit)
        return self.desk.render(
            visit,
            "topics.html",
            {
                "queue": [r for r in rows if r["status"] == "proposed"],
                "collecting": [r for r in rows if r["status"] in ("accepted", "qualified")],
                "others": [
                    r for r in rows if r["status"] not in ("proposed", "accepted", "qualified")
                ],
                "not_discuss": [line.partition(":")[0] for line in self.rules.not_discuss],
                "discuss": [line.partition(":")[0] for line in self.rules.discuss],
            },
        )

    async def topics_csv(self, visit: Visit) -> web.StreamResponse:
        rows = await self._topic_rows(visit)
        return csv_response(
            "topics.csv",
            ["编号", "标题", "状态", "提议人", "预审", "附议", "理由", "提出时间"],
            [
                [
                    r["ref"],
                    r["title"],
                    r["status_zh"],
                    r["proposer"],
                    r["hint"],
                    r["cosigns"],
                    r["reason"],
                    r["created"],
                ]
                for r in rows
            ],
        )

    def _topics(self, visit: Visit) -> TopicService:
        return TopicService(visit.uow, self.rules, visit.now)

    # Each screening is answered as in chat (notices.topic_views.screened): who was told,
    # only when true — not the proposer when the moderator is the proposer, nor one with no
    # account to reach, who is named so the moderator tells them otherwise.

    async def topic_accept(self, visit: Visit) -> web.StreamResponse:
        topic_id = self._id(visit)
        accepted = await self._guard(
            "/console/topics",
            self._topics(visit).accept(topic_id, visit.staff.actor, visit.staff.id),
        )
        grouped = t("topic.accepted_grouped") if self.rules.group_chats() else ""
        said = await screened(
            visit.uow,
            "topic.accepted_moderator",
            accepted,
            threshold=self.rules.cosign_threshold,
            grouped=grouped,
        )
        return done("/console/topics", said.text)

    async def topic_reject(self, visit: Visit) -> web.StreamResponse:
        topic_id = self._id(visit)
        reason = visit.arg("reason")
        rejected = await self._guard(
            "/console/topics",
            self._topics(visit).reject(topic_id, reason, visit.staff.actor, visit.staff.id),
        )
        said = await screened(
            visit.uow, "topic.rejected_moderator", rejected, told="topic.told_reason"
        )
        return done("/console/topics", said.text)

    async def topic_merge(self, visit: Visit) -> web.StreamResponse:
        topic_id = self._id(visit)
        into = visit.arg("into").upper().lstrip("T")
        if not into.isdigit():
            raise ActionRefused("请填写要合并到的议题编号，如 T3。", "/console/topics")
        merged = await self._guard(
            "/console/topics",
            self._topics(visit).merge(topic_id, int(into), visit.staff.actor, visit.staff.id),
        )
        said = await screened(
            visit.uow, "topic.merged_moderator", merged, into=topic_ref(int(into))
        )
        return done("/console/topics", said.text)

    # ---- 议事日 ------------------------------------------------------------------------

    def _meetings(self, visit: Visit) -> MeetingService:
        return MeetingService(visit.uow, self.rules, self.desk.zone, visit.now)

    async def _meeting_rows(self, visit: Visit) -> list[dict[str, Any]]:
        repo = visit.uow.get(MeetingRepository)
        rows = []
        for m in sorted(await repo.all(), key=lambda x: x.starts_at, reverse=True):
            assert m.id is not None
            counts = await repo.signup_counts(m.id)
            rows.append(
                {
                    "code": m.code,
                    "when": self.local(m.starts_at),
                    "day": m.starts_at.astimezone(self.desk.zone).date(),
                    "place": m.place,
                    "status": MEETING_STATUS_ZH.get(m.status, m.status),
                    "onsite": counts.get("onsite", 0),
                    "online": counts.get("online", 0),
                    "capacity": m.capacity,
                }
            )
        return rows

    async def meetings(self, visit: Visit) -> web.StreamResponse:
        rows = await self._meeting_rows(visit)
        today = visit.now.astimezone(self.desk.zone).date()
        return self.desk.render(
            visit,
            "meetings.html",
            {"rows": rows, "calendar": month_calendar(today, rows), "today": today},
        )

    async def meetings_csv(self, visit: Visit) -> web.StreamResponse:
        rows = await self._meeting_rows(visit)
        return csv_response(
            "meetings.csv",
            ["编号", "时间", "地点", "状态", "现场报名", "线上报名", "容量"],
            [
                [
                    r["code"],
                    r["when"],
                    r["place"],
                    r["status"],
                    r["onsite"],
                    r["online"],
                    r["capacity"],
                ]
                for r in rows
            ],
        )

    async def _meeting(self, visit: Visit) -> Meeting:
        code = visit.request.match_info["code"].upper()
        meeting = await visit.uow.get(MeetingRepository).by_code(code)
        if meeting is None:
            raise web.HTTPNotFound(text=f"没有找到议事日 {code}。")
        return meeting

    async def meeting(self, visit: Visit) -> web.StreamResponse:
        meeting = await self._meeting(visit)
        assert meeting.id is not None
        repo = visit.uow.get(MeetingRepository)
        agenda = await repo.agenda(meeting.id)
        invites = await repo.invites(meeting.id)
        signups = await repo.signups(meeting.id, status=None)
        people = await participants(visit.uow, signups)
        qualified = [tp for tp in await visit.uow.get(TopicRepository).with_status("qualified")]
        service = self._meetings(visit)
        return self.desk.render(
            visit,
            "meeting.html",
            {
                "m": meeting,
                # The sign-in code to show in the hall, while it works; on the day, a
                # button makes one.
                "hall_code": meeting.checkin_code if service.hall_code_open(meeting) else None,
                "hall_code_until": self.local(meeting.starts_at + SIGN_UP_LATE),
                "can_make_code": meeting.checkin_code is None
                and meeting.status != "cancelled"
                and service.checkin_today(meeting),
                "when": self.local(meeting.starts_at),
                "agenda": [(i, tp, topic_ref(tp.id or 0)) for i, tp in agenda],
                "invites": [
                    (
                        r.name,
                        "协商委员" if i.reason == "committee" else f"利益相关（{i.reason[12:]}）",
                    )
                    for i, r in invites
                ],
                "signups": [
                    {
                        "id": r.id,
                        "name": marked(person),
                        # A walk-in signed up for nothing: no way of taking part to show.
                        "mode": "—" if s.status == "walk_in" else MODE_ZH.get(s.mode, s.mode),
                        "status": SIGNUP_STATUS_ZH.get(s.status, s.status),
                        "checked_in": (
                            f"{self.local(s.checked_in_at)}"
                            f"（{ATTENDED_ZH.get(s.attended_as or 'onsite', '')}）"
                            if s.checked_in_at
                            else ""
                        ),
                    }
                    for (s, r), person in zip(signups, people, strict=True)
                ],
                "qualified": [(tp.id, topic_ref(tp.id or 0), tp.title) for tp in qualified],
                "published": meeting.minutes_published_at is not None,
            },
        )

    async def meeting_create(self, visit: Visit) -> web.StreamResponse:
        month = visit.arg("month")
        service = self._meetings(visit)
        if month:
            try:
                year, mon = (int(x) for x in month.split("-"))
                date(year, mon, 1)
            except ValueError as exc:
                raise ActionRefused("月份格式应为 2026-12。", "/console/meetings") from exc
            meeting = await self._guard(
                "/console/meetings", service.create(year, mon, visit.staff.actor)
            )
        else:
            meeting = await self._guard("/console/meetings", service.create_next(visit.staff.actor))
        return done(f"/console/meetings/{meeting.code}", f"已创建议事日 {meeting.code}。")

    async def meeting_agenda(self, visit: Visit) -> web.StreamResponse:
        meeting = await self._meeting(visit)
        back = f"/console/meetings/{meeting.code}"
        topic = visit.number("topic")
        minutes = visit.number("minutes") or 20
        if topic is None:
            raise ActionRefused("请选择一个已达附议人数的议题。", back)
        await self._guard(
            back,
            self._meetings(visit).add_to_agenda(meeting.code, topic, minutes, visit.staff.actor),
        )
        return done(back, f"{topic_ref(topic)} 已列入议程。")

    async def meeting_invite(self, visit: Visit) -> web.StreamResponse:
        meeting = await self._meeting(visit)
        back = f"/console/meetings/{meeting.code}"
        invited = await self._guard(
            back, self._meetings(visit).invite(meeting.code, visit.staff.actor)
        )
        return done(back, f"已邀请 {len(invited)} 人（7+X：协商委员和议题相关居民）。")

    async def meeting_checkin(self, visit: Visit) -> web.StreamResponse:
        meeting = await self._meeting(visit)
        back = f"/console/meetings/{meeting.code}"
        person = await self._resident(visit, back)
        _, fresh = await self._guard(
            back, self._meetings(visit).check_in(person, meeting.code, visit.staff.actor)
        )
        return done(back, f"{person.name} 已签到。" if fresh else f"{person.name} 之前已签到。")

    async def meeting_hall_code(self, visit: Visit) -> web.StreamResponse:
        """生成会场签到码: the page shows it (never the message, nor the address)."""
        meeting = await self._meeting(visit)
        back = f"/console/meetings/{meeting.code}"
        await self._guard(back, self._meetings(visit).hall_code(meeting.code, visit.staff.actor))
        return done(back, "已生成会场签到码，请在会场公布。")

    async def meeting_notes(self, visit: Visit) -> web.StreamResponse:
        meeting = await self._meeting(visit)
        back = f"/console/meetings/{meeting.code}"
        topic = visit.number("topic")
        text = visit.arg("notes")
        if topic is None or not text:
            raise ActionRefused("请选择议题并填写讨论要点。", back)
        await self._guard(
            back, self._meetings(visit).note(meeting.code, topic, text, visit.staff.actor)
        )
        return done(back, "讨论要点已记录。")

    async def meeting_minutes(self, visit: Visit) -> web.StreamResponse:
        meeting = await self._meeting(visit)
        back = f"/console/meetings/{meeting.code}"
        await self._guard(
            back, OutcomeService(visit.uow, visit.now).publish_minutes(meeting, visit.staff.actor)
        )
        return done(back, f"会议纪要已发布：/public/meetings/{meeting.code}")

    async def _resident(self, visit: Visit, back: str) -> Resident:
        rid = visit.number("resident")
        person = await visit.uow.residents.get(rid) if rid is not None else None
        if person is None:
            raise ActionRefused("请选择居民。", back)
        return person

    # ---- 表决 --------------------------------------------------------------------------

    async def _poll_rows(self, visit: Visit) -> list[dict[str, Any]]:
        repo = visit.uow.get(PollRepository)
        service = self._polls(visit)
        rows = []
        for poll in sorted(await repo.all(), key=lambda p: -(p.id or 0)):
            assert poll.id is not None
            progress = await service.progress(poll)
            shown = poll.status != "open" or not poll.hide_results
            tally = None
            if shown:
                tally = await service.tally(poll) if poll.status == "open" else None
            rows.append(
                {
                    "id": poll.id,
                    "ref": poll_ref(poll.id),
                    "question": poll.question,
                    "status": "进行中" if poll.status == "open" else "已结束",
                    "open": poll.status == "open",
                    "kind": KIND_ZH.get(poll.kind, poll.kind),
                    "electorate": ELECTORATE_SHORT.get(poll.electorate, poll.electorate),
                    "anonymous": poll.anonymous,
                    "rule": RULE_SHORT.get(poll.pass_rule, poll.pass_rule),
                    "quorum": poll.quorum_pct,
                    "voters": progress.voters,
                    "size": progress.electorate,
                    "turnout": round(100 * progress.voters / progress.electorate, 1)
                    if progress.electorate
                    else 0,
                    "closes": self.local(poll.closes_at),
                    "hidden": not shown,
                    "result": poll_tally_lines(poll, tally),
                }
            )
        return rows

    async def polls(self, visit: Visit) -> web.StreamResponse:
        rows = await self._poll_rows(visit)
        topics = [
            (tp.id, topic_ref(tp.id or 0), tp.title)
            for tp in await visit.uow.get(TopicRepository).with_status("qualified", "scheduled")
        ]
        meetings = [m.code for m in await visit.uow.get(MeetingRepository).all()]
        return self.desk.render(
            visit,
            "polls.html",
            {
                "rows": rows,
                "topics": topics,
                "meetings": meetings,
                "electorates": ELECTORATE_SHORT,
                "rules": RULE_SHORT,
                "quorum": self.rules.default_quorum_pct,
            },
        )

    async def polls_csv(self, visit: Visit) -> web.StreamResponse:
        rows = await self._poll_rows(visit)
        return csv_response(
            "polls.csv",
            [
                "编号",
                "问题",
                "状态",
                "方式",
                "范围",
                "匿名",
                "通过规则",
                "投票人数",
                "应投人数",
                "结果",
            ],
            [
                [
                    r["ref"],
                    r["question"],
                    r["status"],
                    r["kind"],
                    r["electorate"],
                    "是" if r["anonymous"] else "否",
                    r["rule"],
                    r["voters"],
                    r["size"],
                    "（结束后公布）" if r["hidden"] else "；".join(r["result"]),
                ]
                for r in rows
            ],
        )

    async def _poll(self, visit: Visit) -> Poll:
        poll = await visit.uow.get(PollRepository).get(self._id(visit))
        if poll is None:
            raise web.HTTPNotFound(text="没有找到这个表决。")
        return poll

    async def poll(self, visit: Visit) -> web.StreamResponse:
        poll = await self._poll(visit)
        rows = [r for r in await self._poll_rows(visit) if r["id"] == poll.id]
        people = [
            (r.id, r.name)
            for r in await visit.uow.get(PollRepository).electorate_people(
                poll.electorate, poll.meeting_id, WORKPLACE_ROLES
            )
        ]
        return self.desk.render(
            visit,
            "poll.html",
            {"p": poll, "row": rows[0], "people": people, "options": poll_options(poll)},
        )

    async def poll_open(self, visit: Visit) -> web.StreamResponse:
        """Every rule of ``开启投票``, as a form."""
        back = "/console/polls"
        spec = self.poll_spec(visit, back)
        platform, chat = await self._opened_in(visit)
        poll = await self._guard(
            back,
            self._polls(visit).open(
                spec,
                visit.staff.resident,
                platform,
                chat,
                visit.staff.actor,
                self.rules.default_quorum_pct,
            ),
        )
        return done(f"/console/polls/{poll.id}", f"{poll_ref(poll.id or 0)} 已开启。")

    async def _opened_in(self, visit: Visit) -> tuple[str, str]:
        """As if opened in the moderator's own private chat: the result comes back there."""
        route = await push_route(visit.uow, visit.staff.id)
        if route.accounts:
            return route.accounts[0]
        return "workbench", f"resident:{visit.staff.id}"

    def poll_spec(self, visit: Visit, back: str) -> PollSpec:
        question = visit.arg("question")[:300]
        kind = visit.arg("kind", "yesno")
        if kind not in {k.value for k in PollKind}:
            raise ActionRefused("请选择表决方式。", back)
        options = tuple(
            o.strip() for o in visit.arg("options").replace("／", "/").split("/") if o.strip()
        )
        if kind != "yesno" and not 2 <= len(options) <= 9:
            raise ActionRefused(t("poll_error.bad_options", max=9), back)
        max_choices = visit.number("max_choices") or 1
        electorate = visit.arg("electorate", "residents")
        if electorate not in {e.value for e in Electorate}:
            raise ActionRefused(t("poll_error.bad_electorate"), back)
        rule = visit.arg("rule", "majority")
        if rule not in {r.value for r in PassRule}:
            raise ActionRefused(t("poll_error.bad_rule"), back)
        quorum_raw = visit.arg("quorum")
        quorum = int(quorum_raw) if quorum_raw.isdigit() else None
        if quorum is not None and not 0 <= quorum <= 100:
            raise ActionRefused(t("poll_error.bad_quorum"), back)
        closes = self._deadline(visit, back)
        topic = visit.number("topic")
        anonymous = visit.arg("anonymous") == "on"
        return PollSpec(
            question=question,
            kind=PollKind(kind),
            options=options if kind != "yesno" else (),
            max_choices=min(max_choices, len(options)) if kind == "multi" else 1,
            electorate=Electorate(electorate),
            anonymous=anonymous,
            quorum_pct=quorum,
            rule=PassRule(rule),
            hide_results=anonymous or visit.arg("hide_results") == "on",
            closes_at=closes,
            topic_id=topic,
            meeting_code=visit.arg("meeting").upper() or None,
        )

    def _deadline(self, visit: Visit, back: str) -> datetime | None:
        raw = visit.arg("closes_at")
        if not raw:
            return None
        try:
            local = datetime.fromisoformat(raw)
        except ValueError as exc:
            raise ActionRefused(t("poll_error.bad_deadline"), back) from exc
        closes = local.replace(tzinfo=self.desk.zone) if local.tzinfo is None else local
        if closes <= visit.now:
            raise ActionRefused(t("poll_error.deadline_past"), back)
        return closes

    async def poll_close(self, visit: Visit) -> web.StreamResponse:
        poll = await self._poll(visit)
        back = f"/console/polls/{poll.id}"
        await self._guard(
            back,
            self._polls(visit).close(poll.id or 0, visit.staff.actor, closed_by=visit.staff.id),
        )
        return done(back, f"{poll_ref(poll.id or 0)} 已结束，结果已公布。")

    async def poll_paper(self, visit: Visit) -> web.StreamResponse:
        poll = await self._poll(visit)
        back = f"/console/polls/{poll.id}"
        person = await self._resident(visit, back)
        mask = 0
        for raw in visit.request.query.getall("choice", []) + [
            v for k, v in visit.form.items() if k.startswith("choice")
        ]:
            if raw.isdigit() and int(raw) < len(poll_options(poll)):
                mask |= 1 << int(raw)
        await self._guard(
            back,
            self._polls(visit).paper(poll.id or 0, person, mask, visit.staff.actor),
        )
        return done(back, f"已录入 {person.name} 的纸质票。")

    # ---- 落实 --------------------------------------------------------------------------

    async def _decision_rows(self, visit: Visit) -> list[dict[str, Any]]:
        service = OutcomeService(visit.uow, visit.now)
        rows = []
        for decision in sorted(
            await visit.uow.get(DecisionRepository).all(), key=lambda d: -(d.id or 0)
        ):
            view = await service.view(decision)
            rows.append(
                {
                    "id": decision.id,
                    "ref": decision_ref(decision.id or 0),
                    "text": view.wording,
                    "question": view.question if view.question != view.wording else "",
                    "passed": view.outcome == "passed",
                    "outcome": view.outcome,
                    "verdict": verdict_words(view.outcome),
                    "void": view.outcome not in ("passed", "failed"),
                    "status": (
                        "未形成决定"
                        if view.outcome not in ("passed", "failed")
                        else DECISION_STATUS_ZH.get(decision.status, decision.status)
                    ),
                    "done": decision.status == "done",
                    "owner": decision.owner or "",
                    "due": decision.due_date or "",
                    "updates": [(self.local(u.at), u.note) for u in view.updates],
                    "satisfied": view.satisfied,
                    "unsatisfied": view.unsatisfied,
                }
            )
        return rows

    async def decisions(self, visit: Visit) -> web.StreamResponse:
        return self.desk.render(visit, "decisions.html", {"rows": await self._decision_rows(visit)})

    async def decisions_csv(self, visit: Visit) -> web.StreamResponse:
        rows = await self._decision_rows(visit)
        return csv_response(
            "decisions.csv",
            [
                "编号",
                "决议",
                "表决事项",
                "是否通过",
                "状态",
                "负责人",
                "期限",
                "最新进展",
                "满意",
                "不满意",
            ],
            [
                [
                    r["ref"],
                    r["text"],
                    r["question"],
                    r["verdict"],
                    r["status"],
                    r["owner"],
                    r["due"],
                    r["updates"][-1][1] if r["updates"] else "",
                    r["satisfied"],
                    r["unsatisfied"],
                ]
                for r in rows
            ],
        )

    async def decision_assign(self, visit: Visit) -> web.StreamResponse:
        decision = self._id(visit)
        owner = visit.arg("owner")
        if not owner:
            raise ActionRefused("请填写负责人。", "/console/decisions")
        owner, outside = outside_register(owner)
        outside = outside or visit.arg("outside") == "on"
        today = visit.now.astimezone(self.desk.zone).date()
        due = parse_due(visit.arg("due"), today) if visit.arg("due") else None
        service = OutcomeService(visit.uow, visit.now)
        assigned = await self._guard(
            "/console/decisions",
            service.assign(
                decision, owner, due, visit.staff.actor, visit.staff.id, outside=outside
            ),
        )
        return done("/console/decisions", decision_assigned(assigned).text)

    async def decision_progress(self, visit: Visit) -> web.StreamResponse:
        decision = self._id(visit)
        note = visit.arg("note")
        if not note:
            raise ActionRefused("请填写进展。", "/console/decisions")
        await self._guard(
            "/console/decisions",
            OutcomeService(visit.uow, visit.now).progress(decision, note, visit.staff.actor),
        )
        return done("/console/decisions", f"{decision_ref(decision)} 进展已发布。")

    async def decision_done(self, visit: Visit) -> web.StreamResponse:
        decision = self._id(visit)
        await self._guard(
            "/console/decisions",
            OutcomeService(visit.uow, visit.now).done(decision, visit.staff.actor),
        )
        return done("/console/decisions", f"{decision_ref(decision)} 已落实，已请居民评议。")


def poll_options(poll: Poll) -> list[str]:
    return list(poll.options)


def poll_tally_lines(poll: Poll, live: Any) -> list[str]:
    """The tally as lines: the stored result once closed, the live one while open."""
    if poll.status != "open" and poll.result:
        tally = stored_tally(poll)  # a void vote is 无效/平票, not 未通过
        counts = poll.result.get("counts") or []  # None: withheld (anonymous, too few)
        options = poll.result.get("options", poll.options)
        lines = [f"{o}：{c}" for o, c in zip(options, counts, strict=False)]
        if tally is not None and tally.withheld:
            lines.append(
                t("poll.result_withheld", voters=tally.voters, minimum=tally.withheld_below)
            )
        lines.append(verdict_words(tally.outcome) if tally is not None else "")
        return lines
    if live is None or poll.anonymous or getattr(live, "withheld", False):
        return []
    return [f"{o}：{c}" for o, c in zip(live.options, live.counts, strict=False)]


def month_calendar(today: date, rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """This month as weeks (Monday first), each day with the meetings on it."""
    import calendar

    by_day: dict[date, list[str]] = {}
    for row in rows:
        by_day.setdefault(row["day"], []).append(row["code"])
    weeks = []
    for week in calendar.Calendar(0).monthdatescalendar(today.year, today.month):
        weeks.append(
            [
                {
                    "day": d.day,
                    "in_month": d.month == today.month,
                    "today": d == today,
                    "meetings": by_day.get(d, []),
                }
                for d in week
            ]
        )
    return weeks


__all__ = ["ConsultationPages", "meeting_code", "time"]
