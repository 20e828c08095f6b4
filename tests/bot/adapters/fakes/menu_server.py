"""The custom-menu part of the WeChat/WeCom stand-in (served by ``FakeWechat``).

WeChat: ``POST /cgi-bin/menu/create`` keeps the menu and
``GET /cgi-bin/get_current_selfmenu_info`` serves it back in WeChat's read-back
shape (``sub_button`` is ``{"list": [...]}`` there). WeCom: the same create with
``?agentid=``, and ``GET /cgi-bin/menu/get?agentid=`` answers create's body (46003
before there is one). Each create is checked as WeChat checks it, with its errcodes:
40016 button count, 40017 button type, 40018 name length (16 bytes), 40019 key
length (128 bytes), 40055 a view button's url; under a button 40023 count (5),
40024 type, 40025 name length (60 bytes; WeCom 40), 40026 key length, 40054 url.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TokenCheck = Callable[[web.Request], web.Response | None]
TYPES = ("click", "view", "scancode_push", "scancode_waitmsg", "pic_sysphoto", "location_select")


def _error(code: int, message: str) -> web.Response:
    return web.json_response({"errcode": code, "errmsg": message})


def _check_button(button: Any, *, sub: bool, name_bytes: int) -> tuple[int, str] | None:
    """WeChat's verdict on one button (``sub``: under a top-level one), None if fine."""
    if not isinstance(button, dict):
        return (40024, "invalid sub button type") if sub else (40017, "invalid button type")
    name = str(button.get("name", ""))
    if not name or len(name.encode()) > name_bytes:
        return (
            (40025, "invalid sub button name size") if sub else (40018, "invalid button name size")
        )
    kind = button.get("type")
    if kind not in TYPES:
        return (40024, "invalid sub button type") if sub else (40017, "invalid button type")
    if kind == "view":
        url = str(button.get("url", ""))
        if not url.startswith(("http://", "https://")) or len(url.encode()) > 1024:
            return (
                (40054, "invalid sub button url domain")
                if sub
                else (40055, "invalid button url domain")
            )
        return None
    key = str(button.get("key", ""))
    if not key or len(key.encode()) > 128:
        return (40026, "invalid sub button key size") if sub else (40019, "invalid button key size")
    return None


def check_menu(body: Any, *, sub_name_bytes: int = 60) -> tuple[int, str] | None:
    """The whole menu as WeChat checks it: the first problem's errcode, or None."""
    buttons = body.get("button") if isinstance(body, dict) else None
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
        return 40016, "invalid button size"
    for button in buttons:
        subs = button.get("sub_button") if isinstance(button, dict) else None
        if subs is None:
            found = _check_button(button, sub=False, name_bytes=16)
        else:
            name = str(button.get("name", ""))
            if not name or len(name.encode()) > 16:
                return 40018, "invalid button name size"
            if not isinstance(subs, list) or not 1 <= len(subs) <= 5:
                return 40023, "invalid sub button size"
            found = next(
                (
                    problem
                    for s in subs
                    if (problem := _check_button(s, sub=True, name_bytes=sub_name_bytes))
                ),
                None,
            )
        if found is not None:
            return found
    return None


@dataclass
class FakeMenus:
    """The account's menu (WeChat) and each app's (WeCom, by agentid), as created."""

    wechat: dict[str, Any] | None = None
    wecom: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Every create call's body, accepted or not.
    created: list[dict[str, Any]] = field(default_factory=list)

    def add_routes(self, app: web.Application, check_token: TokenCheck) -> None:
        async def create(request: web.Request) -> web.Response:
            refused = check_token(request)
            if refused is not None:
                return refused
            body = await request.json()
            self.created.append(body)
            agent = request.query.get("agentid")
            problem = check_menu(body, sub_name_bytes=60 if agent is None else 40)
            if problem is not None:
                return _error(*problem)
            if agent is None:
                self.wechat = body
            else:
                self.wecom[agent] = body
            return _error(0, "ok")

        async def selfmenu(request: web.Request) -> web.Response:
            refused = check_token(request)
            if refused is not None:
                return refused
            if self.wechat is None:
                return web.json_response({"is_menu_open": 0})
            shown = [
                {"name": b["name"], "sub_button": {"list": b["sub_button"]}}
                if "sub_button" in b
                else b
                for b in self.wechat["button"]
            ]
            return web.json_response({"is_menu_open": 1, "selfmenu_info": {"button": shown}})

        async def wecom_get(request: web.Request) -> web.Response:
            refused = check_token(request)
            if refused is not None:
                return refused
            menu = self.wecom.get(request.query.get("agentid", ""))
            if menu is None:
                return _error(46003, "menu no exist")
            return web.json_response({"errcode": 0, "errmsg": "ok", **menu})

        app.router.add_post("/cgi-bin/menu/create", create)
        app.router.add_get("/cgi-bin/get_current_selfmenu_info", selfmenu)
        app.router.add_get("/cgi-bin/menu/get", wecom_get)
