"""居民 (the register) and 通知 (what the scheduler will send) in the workbench.

Phones are masked everywhere except on one resident's own record, which only
moderators open. A bind code is shown once, on the page that issued it (never in
an address or a log line), like the chat's 生成绑定码. The notices page is the
chat's 接下来的通知 / 取消通知 / 立即发送 over the same timetable.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from aiohttp import web
from sqlmodel import col, select

from console.desk import MODERATOR, ActionRefused, Desk, Visit, done
from console.exports import csv_response
from consultation.binding import issue_code
from consultation.register import Address, RegisterError, move, verify
from consultation.residents import REQUIRED, ImportReport, RowError, parse_row, save_row
from consultation.roles import ROLE_NAMES_ZH, Role
from consultation.timetable import Outcome, Timetable, UnknownEvent, short_number
from kernel.texts import catalog
from storage.models import Building, Grid, PlatformIdentity, Resident, RoleAssignment

PLATFORM_ZH = {"web": "网页", "wechat": "微信", "wecom": "企业微信", "telegram": "Telegram"}
NOTICE_DAYS = 14


@dataclass(eq=False)
class RegisterPages:
    """``/console/residents`` (+ one record, import, bind codes) and ``/console/notices``."""

    desk: Desk
    timetable: Timetable

    def add_routes(self) -> None:
        d = self.desk
        d.get("/residents", self.residents, MODERATOR)
        d.get("/residents.csv", self.residents_csv, MODERATOR)
        d.get("/residents/{id}", self.resident, MODERATOR)
        d.post("/residents/{id}/verify", self.verify)
        d.post("/residents/{id}/place", self.place)
        d.post("/residents/{id}/bindcode", self.bind_code)
        d.post("/residents/import", self.import_csv)
        d.get("/notices", self.notices, MODERATOR)
        d.get("/notices.csv", self.notices_csv, MODERATOR)
        d.post("/notices/cancel", self.notice_cancel)
        d.post("/notices/send", self.notice_send)

    # ---- 居民 --------------------------------------------------------------------------

    async def _rows(self, visit: Visit) -> list[dict[str, Any]]:
        session = visit.uow.session
        buildings = {b.id: b for b in (await session.exec(select(Building))).all()}
        grids = {g.id: g.name for g in (await session.exec(select(Grid))).all()}
        roles: dict[int, list[str]] = {}
        for r in (await session.exec(select(RoleAssignment))).all():
            roles.setdefault(r.resident_id, []).append(ROLE_NAMES_ZH.get(Role(r.role), r.role))
        bound: dict[int, list[str]] = {}
        for i in (
            await session.exec(
                select(PlatformIdentity).where(col(PlatformIdentity.resident_id).is_not(None))
            )
        ).all():
            assert i.resident_id is not None
            bound.setdefault(i.resident_id, []).append(PLATFORM_ZH.get(i.platform, i.platform))
        query = visit.arg("q")
        stmt = select(Resident).order_by(col(Resident.id))
        if query:
            stmt = stmt.where(col(Resident.name).contains(query))
        rows = []
        for person in (await session.exec(stmt.limit(500))).all():
            assert person.id is not None
            building = buildings.get(person.building_id)
            rows.append(
                {
                    "id": person.id,
                    "name": person.name,
                    "building": building.name if building else "",
                    "grid": grids.get(building.grid_id if building else None, ""),
                    "unit": person.unit or "",
                    "room": person.room or "",
                    "household": person.household or "",
                    "phone": person.phone_masked or "",
                    "verified": person.verified,
                    "roles": "、".join(roles.get(person.id, [])),
                    "bound": "、".join(sorted(set(bound.get(person.id, [])))),
                }
            )
        return rows

    async def residents(self, visit: Visit) -> web.StreamResponse:
        return self.desk.render(
            visit,
            "residents.html",
            {"rows": await self._rows(visit), "q": visit.arg("q"), "report": None},
        )

    async def residents_csv(self, visit: Visit) -> web.StreamResponse:
        rows = await self._rows(visit)
        keys = ("name", "building", "unit", "room", "household", "grid", "phone", "roles", "bound")
        return csv_response(
            "residents.csv",
            [
                "姓名",
                "楼栋",
                "单元",
                "房号",
                "户",
                "网格",
                "电话（已隐藏）",
                "身份",
                "已绑定",
                "已认证",
            ],
            [[r[k] for k in keys] + ["是" if r["verified"] else "否"] for r in rows],
        )

    async def _person(self, visit: Visit) -> Resident:
        raw = visit.request.match_info["id"]
        person = await visit.uow.residents.get(int(raw)) if raw.isdigit() else None
        if person is None:
            raise web.HTTPNotFound(text="没有这个居民。")
        return person

    async def resident(self, visit: Visit, code: str | None = None) -> web.StreamResponse:
        """One record: the moderator's own view, the only one with the full phone number."""
        person = await self._person(visit)
        assert person.id is not None
        session = visit.uow.session
        building = await session.get(Building, person.building_id) if person.building_id else None
        accounts = (
            await session.exec(
                select(PlatformIdentity).where(col(PlatformIdentity.resident_id) == person.id)
            )
        ).all()
        roles = [
            ROLE_NAMES_ZH.get(Role(r.role), r.role)
            for r in await visit.uow.residents.roles_of(person.id)
        ]
        buildings = [b.name for b in (await session.exec(select(Building))).all()]
        await visit.uow.audit.record(
            visit.staff.actor, "resident_record_viewed", "resident", str(person.id)
        )
        return self.desk.render(
            visit,
            "resident.html",
            {
                "p": person,
                "building": building.name if building else "",
                "buildings": buildings,
                "accounts": [
                    (PLATFORM_ZH.get(a.platform, a.platform), a.created_at) for a in accounts
                ],
                "roles": "、".join(roles) or "居民",
                "code": code,
            },
        )

    async def verify(self, visit: Visit) -> web.StreamResponse:
        person = await self._person(visit)
        back = f"/console/residents/{person.id}"
        try:
            await verify(visit.uow, person.id or 0, visit.staff.actor)
        except RegisterError as exc:
            raise ActionRefused(str(exc), back) from exc
        return done(back, f"{person.name} 已认证。")

    async def place(self, visit: Visit) -> web.StreamResponse:
        person = await self._person(visit)
        back = f"/console/residents/{person.id}"
        place = Address(
            visit.arg("building"), visit.arg("unit"), visit.arg("room"), visit.arg("household")
        )
        try:
            await move(visit.uow, person.id or 0, place, visit.staff.actor)
        except RegisterError as exc:
            raise ActionRefused(str(exc), back) from exc
        return done(back, "住址已更新。")

    async def bind_code(self, visit: Visit) -> web.StreamResponse:
        person = await self._person(visit)
        code = await issue_code(visit.uow, person.id or 0, visit.staff.actor, visit.now)
        response = await self.resident(visit, code=code)
        response.headers["Cache-Control"] = "no-store"
        return response

    async def import_csv(self, visit: Visit) -> web.StreamResponse:
        """A register CSV: every good line kept, each bad one reported with its number."""
        text = visit.form.get("file:file", "")
        if not text.strip():
            raise ActionRefused("请选择一个 CSV 文件。", "/console/residents")
        report = await load_register(visit, text)
        return self.desk.render(
            visit,
            "residents.html",
            {"rows": await self._rows(visit), "q": "", "report": report},
        )

    # ---- 通知 --------------------------------------------------------------------------

    async def _events(self, visit: Visit) -> list[dict[str, Any]]:
        events = await self.timetable.notices(visit.uow, visit.now, timedelta(days=NOTICE_DAYS))
        kinds = catalog()
        return [
            {
                "n": short_number(e.key),
                "key": e.key,
                "kind": kinds.get(f"schedule.kinds.{e.kind}", e.kind),
                "ref": e.ref,
                "when": e.due_at.astimezone(self.desk.zone).strftime("%Y-%m-%d %H:%M"),
            }
            for e in events
        ]

    async def notices(self, visit: Visit) -> web.StreamResponse:
        return self.desk.render(
            visit, "notices.html", {"rows": await self._events(visit), "days": NOTICE_DAYS}
        )

    async def notices_csv(self, visit: Visit) -> web.StreamResponse:
        rows = await self._events(visit)
        return csv_response(
            "notices.csv",
            ["编号", "时间", "内容", "对象", "键"],
            [[r["n"], r["when"], r["kind"], r["ref"], r["key"]] for r in rows],
        )

    async def _event(self, visit: Visit) -> Any:
        key = visit.arg("key")
        try:
            return await self.timetable.find(visit.uow, visit.now, timedelta(days=NOTICE_DAYS), key)
        except UnknownEvent as exc:
            raise ActionRefused(
                "这条通知已不在计划里（可能刚发出或已取消）。", "/console/notices"
            ) from exc

    async def notice_cancel(self, visit: Visit) -> web.StreamResponse:
        event = await self._event(visit)
        if not await self.timetable.cancel(visit.uow, event, visit.now, visit.staff.actor):
            raise ActionRefused("这条通知已经处理过了。", "/console/notices")
        return done("/console/notices", "已取消这条通知。")

    async def notice_send(self, visit: Visit) -> web.StreamResponse:
        event = await self._event(visit)
        outcome = await self.timetable.fire(
            visit.uow, event, visit.now, actor=visit.staff.actor, manual=True
        )
        if outcome is Outcome.ALREADY:
            raise ActionRefused("这条通知已经处理过了。", "/console/notices")
        await visit.uow.audit.record(
            visit.staff.actor, "schedule_sent_now", "scheduled_event", event.key
        )
        return done("/console/notices", "已立即发送。")


async def load_register(visit: Visit, text: str) -> ImportReport:
    """Like ``yishi residents import``: bad lines reported with their number, good ones kept
    (in this request's unit of work, so the page and the register agree)."""
    report = ImportReport()
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None or not set(REQUIRED) <= {
        f.strip().lower() for f in reader.fieldnames
    }:
        report.errors.append((1, f"表头需要包含 {', '.join(REQUIRED)}"))
        return report
    for raw in reader:
        try:
            row = parse_row(raw)
        except RowError as exc:
            report.errors.append((reader.line_num, str(exc)))
            continue
        _, created = await save_row(visit.uow, row, visit.staff.actor)
        if created:
            report.imported += 1
        else:
            report.updated += 1
    return report
