"""工作台: the community workers' web workbench on the one aiohttp server.

Server-rendered pages (aiohttp-jinja2), forms that work without JavaScript, and
ECharts (vendored in ``static/``, Apache-2.0, see ``static/echarts.LICENSE``) for
the charts. Login is a one-time link from chat (``工作台``); see
:mod:`consultation.workbench` for links and sessions, :mod:`console.desk` for the
rules every route follows.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web

from console.consultation import ConsultationPages
from console.desk import ALL_STAFF, CONSOLE_COOKIE, CSP, JINJA, PREFIX, Desk, Visit
from console.learning import LearningPages
from console.overview import OverviewPage
from console.register import RegisterPages
from console.reports import ReportPages
from console.tickets import TicketPages
from consultation.config import ConsultationRules
from consultation.ticket_parsing import Catalogue
from consultation.timetable import Timetable
from consultation.workbench import SESSION_TTL, AccessError, close_session, open_session
from kernel.context import Community
from storage.unit_of_work import UnitOfWorkFactory

HERE = Path(__file__).parent


class Workbench:
    """Every ``/console/`` route; plugs into the app like the public pages do."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        community: Community,
        catalogue: Catalogue,
        rules: ConsultationRules,
        timetable: Timetable,
        clock: Callable[[], datetime],
        *,
        session_ttl: timedelta = SESSION_TTL,
        secure_cookie: bool = False,
        on_commit: Callable[[], None] | None = None,
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.session_ttl = session_ttl
        self.secure_cookie = secure_cookie
        self.desk = Desk(
            uow,
            community.zone,
            clock,
            on_commit=on_commit,
            secure_cookie=secure_cookie,
            community=community.name,
        )
        tickets = TicketPages(self.desk, catalogue)
        self.pages: list[Any] = [
            OverviewPage(self.desk, catalogue, tickets),
            tickets,
            ConsultationPages(self.desk, rules, community.ballots, community.anonymous_min_votes),
            RegisterPages(self.desk, timetable),
            ReportPages(self.desk, catalogue),
            LearningPages(self.desk),
        ]

    @property
    def routes(self) -> list[tuple[str, str]]:
        return self.desk.routes

    def add_routes(self, app: web.Application) -> None:
        aiohttp_jinja2.setup(
            app,
            loader=jinja2.FileSystemLoader(str(HERE / "templates")),
            app_key=JINJA,
            autoescape=jinja2.select_autoescape(["html"]),
        )
        app.on_response_prepare.append(_headers)
        app.router.add_static(f"{PREFIX}/static/", HERE / "static", append_version=True)
        app.router.add_get(PREFIX, _to_slash)
        app.router.add_get(f"{PREFIX}/welcome", self.welcome)
        app.router.add_get(f"{PREFIX}/login", self.login_page)
        app.router.add_post(f"{PREFIX}/login", self.login)
        self.desk.routes += [("POST", f"{PREFIX}/login")]
        self.desk.bind(app)
        self.desk.post("/logout", self.logout, ALL_STAFF)
        for page in self.pages:
            page.add_routes()

    async def welcome(self, request: web.Request) -> web.StreamResponse:
        """How to log in (what a visitor without a session sees)."""
        return aiohttp_jinja2.render_template(
            "welcome.html", request, {"community": self.desk.community}, app_key=JINJA
        )

    async def login_page(self, request: web.Request) -> web.StreamResponse:
        """The link from chat lands here; the token is used by the POST this page makes
        (a link preview fetching the address uses nothing)."""
        token = request.query.get("token", "")
        return aiohttp_jinja2.render_template(
            "login.html",
            request,
            {"token": token, "community": self.desk.community},
            app_key=JINJA,
        )

    async def login(self, request: web.Request) -> web.StreamResponse:
        if not Desk._same_origin(request):
            raise web.HTTPForbidden(text="跨站请求已拒绝。")
        posted = await request.post()
        token = posted.get("token")
        now = self.clock()
        try:
            async with self.uow() as uow:
                session_token, _staff = await open_session(
                    uow, token if isinstance(token, str) else "", now, self.session_ttl
                )
        except AccessError:
            return aiohttp_jinja2.render_template(
                "welcome.html",
                request,
                {"community": self.desk.community, "bad_link": True},
                app_key=JINJA,
                status=403,
            )
        response = web.HTTPSeeOther(f"{PREFIX}/")
        response.set_cookie(
            CONSOLE_COOKIE,
            session_token,
            max_age=int(self.session_ttl.total_seconds()),
            path=PREFIX,
            httponly=True,
            samesite="Strict",
            secure=self.secure_cookie or request.secure,
        )
        raise response

    async def logout(self, visit: Visit) -> web.StreamResponse:
        await close_session(
            visit.uow, visit.request.cookies.get(CONSOLE_COOKIE, ""), visit.staff, visit.now
        )
        response = web.HTTPSeeOther(f"{PREFIX}/welcome")
        response.del_cookie(CONSOLE_COOKIE, path=PREFIX)
        return response


async def _to_slash(request: web.Request) -> web.StreamResponse:
    raise web.HTTPMovedPermanently(f"{PREFIX}/")


async def _headers(request: web.Request, response: web.StreamResponse) -> None:
    """The workbench's pages: a strict CSP, no caching of personal data, no framing."""
    if not request.path.startswith(PREFIX):
        return
    # Its own policy wins over the app-wide one (bot/http.py): photos may come from the
    # platforms' https hosts, and the login form's POST must carry its Origin, which a
    # no-referrer policy would turn into "null".
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    if not request.path.startswith(f"{PREFIX}/static/"):
        response.headers.setdefault("Cache-Control", "no-store")
