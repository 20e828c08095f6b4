"""The workbench's HTTP layer: sessions, CSRF, role checks, rendering — one place for each.

Every route is registered through :meth:`Desk.get` or :meth:`Desk.post`, which
wrap the view: a session is required (else the how-to-log-in page, or 403 for a
change), the person's roles are checked on the server, and every POST must carry
the session's CSRF token (form field ``csrf`` or header ``X-CSRF-Token``) and, when
the browser sends one, an ``Origin`` of this site. A view gets a :class:`Visit`
and runs inside one unit of work; what it changes commits (with its events, hence
its pushes) when it returns, or rolls back when it raises.

The outcome a change reports (:func:`done`: "已分派。") is shown once on the page it
redirects to, and only when the redirect came from this session: the wrapper seals
the message with the session's key (:func:`flash_seal`), and a page shows a ``msg``
whose seal does not match as nothing. A forwarded link can't make the 工作台 say words
of its sender's.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import KW_ONLY, dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

import aiohttp_jinja2
from aiohttp import BodyPartReader, web
from yarl import URL

from consultation.roles import Role
from consultation.workbench import Staff, csrf_for, session_staff
from storage.unit_of_work import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger("yishi.console")

CONSOLE_COOKIE = "yishi_console"
PREFIX = "/console"
#: Content-Security-Policy of every workbench response: no inline script or style.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'"
)
ALL_STAFF = frozenset({Role.MODERATOR, Role.GRID_WORKER, Role.DEPARTMENT})
MODERATOR = frozenset({Role.MODERATOR})


class ActionRefused(Exception):
    """A domain refusal already phrased for the worker; the view's changes roll back."""

    def __init__(self, message: str, back: str) -> None:
        super().__init__(message)
        self.message = message
        self.back = back


@dataclass
class Visit:
    """One request of a signed-in worker, inside its unit of work."""

    request: web.Request
    uow: UnitOfWork
    staff: Staff
    now: datetime
    csrf: str
    form: dict[str, str] = field(default_factory=dict)

    def arg(self, name: str, default: str = "") -> str:
        """A form field (POST) or query parameter (GET), stripped."""
        value = self.form.get(name)
        if value is None:
            value = self.request.query.get(name, default)
        return value.strip()

    def number(self, name: str) -> int | None:
        value = self.arg(name)
        return int(value) if value.isdigit() else None


View = Callable[[Visit], Awaitable[web.StreamResponse]]


def done(path: str, message: str) -> web.HTTPSeeOther:
    """After a change: back to a page, with the outcome said once (Post/Redirect/Get).
    The desk seals the message for the session it was said to (:func:`_sealed`)."""
    return web.HTTPSeeOther(f"{path}?{urlencode({'msg': message})}")


def flash_seal(csrf: str, message: str) -> str:
    """The seal of an outcome said to the session whose CSRF token is ``csrf``."""
    key = csrf.encode()
    return hmac.new(key, f"yishi-console-flash:{message}".encode(), hashlib.sha256).hexdigest()[:32]


def _sealed(response: web.StreamResponse, csrf: str) -> web.StreamResponse:
    """A redirect of :func:`done`'s with its message sealed for this session."""
    if not csrf or not isinstance(response, web.HTTPSeeOther):
        return response
    location = URL(response.location)
    message = location.query.get("msg")
    if message is None:
        return response
    return web.HTTPSeeOther(str(location.update_query(seal=flash_seal(csrf, message))))


def flash(request: web.Request, csrf: str) -> str:
    """The outcome a page says: the ``msg`` of its address when this session's own
    change put it there (sealed), else nothing."""
    message = request.query.get("msg", "")
    seal = request.query.get("seal", "")
    if not message or not hmac.compare_digest(seal.encode(), flash_seal(csrf, message).encode()):
        return ""
    return message


@dataclass(eq=False)
class Desk:
    """Route registration with the workbench's rules, shared by every page module."""

    uow: UnitOfWorkFactory
    zone: ZoneInfo
    clock: Callable[[], datetime]
    _: KW_ONLY
    on_commit: Callable[[], None] | None = None
    secure_cookie: bool = False
    community: str = ""
    #: (method, path) of every route, for the CSRF sweep and the docs.
    routes: list[tuple[str, str]] = field(default_factory=list, init=False)
    _app: web.Application | None = field(default=None, init=False)

    def bind(self, app: web.Application) -> None:
        self._app = app

    def local(self, moment: datetime | None) -> str:
        """A stored (UTC) time as the community reads it: 2026-12-02 09:30."""
        if moment is None:
            return "—"
        return moment.astimezone(self.zone).strftime("%Y-%m-%d %H:%M")

    def get(self, path: str, view: View, roles: frozenset[Role] = ALL_STAFF) -> None:
        self.route("GET", path, view, roles)

    def post(self, path: str, view: View, roles: frozenset[Role] = MODERATOR) -> None:
        self.route("POST", path, view, roles)

    def route(self, method: str, path: str, view: View, roles: frozenset[Role]) -> None:
        """``view`` at ``PREFIX + path`` for ``roles``; a POST is a change (CSRF, Origin)."""
        assert self._app is not None
        change = method == "POST"
        self._app.router.add_route(method, PREFIX + path, self._wrap(view, roles, change=change))
        self.routes.append((method, PREFIX + path))

    def _wrap(
        self, view: View, roles: frozenset[Role], *, change: bool
    ) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def handler(request: web.Request) -> web.StreamResponse:
            token = request.cookies.get(CONSOLE_COOKIE, "")
            form: dict[str, str] = {}
            if change:
                if not self._same_origin(request):
                    raise web.HTTPForbidden(text="跨站请求已拒绝。")
                if request.content_type.startswith("multipart/"):
                    form = await _multipart(request)
                else:
                    posted = await request.post()
                    form = {k: v for k, v in posted.items() if isinstance(v, str)}
            now = self.clock()
            csrf = ""
            try:
                async with self.uow() as uow:
                    staff = await session_staff(uow, token, now)
                    if staff is None:
                        if change:
                            raise web.HTTPForbidden(text="请先从聊天里获取工作台登录链接。")
                        raise web.HTTPSeeOther(f"{PREFIX}/welcome")
                    csrf = csrf_for(token)
                    if change:
                        sent = form.get("csrf") or request.headers.get("X-CSRF-Token") or ""
                        if not hmac.compare_digest(sent.encode(), csrf.encode()):
                            raise web.HTTPForbidden(text="表单已失效，请刷新页面后重试。")
                    if not staff.roles & roles:
                        raise web.HTTPForbidden(text="您的身份不能做这项操作。")
                    visit = Visit(request, uow, staff, now, csrf, form)
                    response = await view(visit)
            except ActionRefused as refused:
                response = done(refused.back, refused.message)
            response = _sealed(response, csrf)
            if change and self.on_commit is not None:
                self.on_commit()
            if isinstance(response, web.HTTPException):
                raise response
            return response

        return handler

    @staticmethod
    def _same_origin(request: web.Request) -> bool:
        """A browser's Origin (sent with every cross-site POST) must be this site."""
        origin = request.headers.get("Origin")
        if origin is None or origin == "null":
            return origin is None
        return urlsplit(origin).netloc == request.host

    def render(
        self, visit: Visit, template: str, context: dict[str, Any], status: int = 200
    ) -> web.Response:
        """A page in the workbench's frame (menu for the person's roles, CSRF token)."""
        base = {
            "staff": visit.staff,
            "csrf": visit.csrf,
            "msg": flash(visit.request, visit.csrf),
            "path": visit.request.path,
            "community": self.community,
            "zone": self.zone,
            "now": visit.now,
            "menu": menu(visit.staff),
        }
        response = aiohttp_jinja2.render_template(
            template, visit.request, {**base, **context}, app_key=JINJA, status=status
        )
        return response


#: The jinja2 environment of the workbench (its own key: other pages may have theirs).
JINJA: web.AppKey[Any] = web.AppKey("console_jinja2", object)


def menu(staff: Staff) -> list[tuple[str, str]]:
    """The pages this person has: moderators all; grid workers and departments theirs."""
    items = [("/console/", "总览"), ("/console/tickets", "诉求")]
    if staff.moderator:
        items += [
            ("/console/topics", "议题"),
            ("/console/meetings", "议事日"),
            ("/console/polls", "表决"),
            ("/console/decisions", "落实"),
            ("/console/residents", "居民"),
            ("/console/notices", "通知"),
            ("/console/reports", "台账"),
            ("/console/nlu", "教我听懂"),
        ]
    return items


async def _multipart(request: web.Request) -> dict[str, str]:
    """Text fields and uploaded files (decoded by the caller) of a multipart form."""
    form: dict[str, str] = {}
    reader = await request.multipart()
    while True:
        part = await reader.next()
        if part is None:
            break
        if not isinstance(part, BodyPartReader) or not part.name:
            continue
        data = await part.read(decode=True)
        if part.filename:
            form[f"{part.name}:file"] = _decode_upload(bytes(data))
        else:
            form[part.name] = bytes(data).decode("utf-8", "replace")
    return form


def _decode_upload(data: bytes) -> str:
    """A CSV as Excel writes it: UTF-8 with or without BOM, else GB18030."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", "replace")


def first(values: Iterable[str], default: str = "") -> str:
    for value in values:
        if value:
            return value
    return default
