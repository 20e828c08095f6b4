"""The custom menu (自定义菜单) of the WeChat Official Account and of the WeCom app.

Residents tap 反映问题 at the bottom of the chat rather than type a command. Each
entry is configured (``[[wechat.menu]]``, ``[[wecom.menu]]``) with the text a tap
``send``s — a command as a resident would type it — or a ``url`` to open, and is
checked here against the platforms' limits, so a menu WeChat would refuse stops
start-up with a line naming the entry. A CLICK button's key is derived from its
text (``menu:`` + a hash), so a tap maps back to exactly those words and is
answered as if they were typed; reordering or renaming entries keeps the keys.
A key no entry makes (an old menu's, a sample's) is not guessed at.

Both platforms take the same JSON to create a menu; WeChat reads it back in
another shape (:func:`from_selfmenu`). One model, one rendering, one comparison
serve both.
"""

from __future__ import annotations

import hashlib
from typing import Any, ClassVar, Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

TOP_MAX = 3  # buttons at the bottom
SUB_MAX = 5  # entries under one of them
KEY_PREFIX = "menu:"
SEND_MAX_CHARS = 100
URL_MAX_BYTES = 1000  # WeChat: 1024


def _width(name: str) -> int:
    """How wide a name shows: a Chinese character counts two, a Latin letter one."""
    return sum(1 if ord(ch) < 128 else 2 for ch in name)


class MenuItem(BaseModel):
    """An entry under a top-level button: it sends a text or opens a page."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: Widest name, counting a Chinese character as two (WeChat: 8 汉字 under a button);
    #: and at most so many UTF-8 bytes (WeCom's 40 is the tighter of the two).
    name_width: ClassVar[int] = 16
    name_bytes: ClassVar[int] = 40

    name: str
    #: The words a tap sends, as a resident would type them ("我要反映问题").
    send: str = Field(default="", max_length=SEND_MAX_CHARS)
    #: A page to open: https://…, or a path on [web] public_url ("/public/").
    url: str = ""

    @field_validator("name")
    @classmethod
    def _fits(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("a menu entry needs a name")
        if _width(value) > cls.name_width or len(value.encode()) > cls.name_bytes:
            raise ValueError(
                f"{value!r} is too long for the menu: at most {cls.name_width // 2} Chinese "
                f"characters (or {cls.name_width} Latin letters) here"
            )
        return value

    @field_validator("send")
    @classmethod
    def _stripped(cls, value: str) -> str:
        return value.strip()

    @field_validator("url")
    @classmethod
    def _page(cls, value: str) -> str:
        value = value.strip()
        if value and not value.startswith(("https://", "http://", "/")):
            raise ValueError("must be an http(s):// address or a path such as /public/")
        if len(value.encode()) > URL_MAX_BYTES:
            raise ValueError(f"longer than {URL_MAX_BYTES} bytes")
        return value

    def _actions(self) -> int:
        return bool(self.send) + bool(self.url)

    @model_validator(mode="after")
    def _one_action(self) -> MenuItem:
        if self._actions() != 1:
            raise ValueError(self._what_to_do())
        return self

    def _what_to_do(self) -> str:
        return f"menu entry {self.name!r} needs either send (the text a tap sends) or url, not both"


class MenuEntry(MenuItem):
    """A button at the bottom: sends a text, opens a page, or opens ``sub`` entries."""

    name_width: ClassVar[int] = 8  # 4 汉字
    name_bytes: ClassVar[int] = 16

    sub: tuple[MenuItem, ...] = Field(default=(), max_length=SUB_MAX)

    def _actions(self) -> int:
        return super()._actions() + bool(self.sub)

    def _what_to_do(self) -> str:
        return (
            f"menu entry {self.name!r} needs exactly one of send (the text a tap sends), "
            "url, or sub (up to 5 entries under it)"
        )


Menu = tuple[MenuEntry, ...]

#: What a community account shows at the bottom. Each text is one the handlers take
#: as a command (tests/bot/adapters/test_menu.py taps every one).
DEFAULT_MENU: Menu = (
    MenuEntry(name="反映问题", send="我要反映问题"),
    MenuEntry(name="我的诉求", send="我的诉求"),
    MenuEntry(
        name="议事日",
        sub=(
            MenuItem(name="议事日时间", send="议事日安排"),
            MenuItem(name="我要报名", send="报名"),
            MenuItem(name="提议题", send="我要提议题"),
            MenuItem(name="居务公开", url="/public/"),
        ),
    ),
)

#: WeCom's app is the staff's: their tasks, the workbench link, what they can do.
DEFAULT_STAFF_MENU: Menu = (
    MenuEntry(name="我的任务", send="我的任务"),
    MenuEntry(name="工作台", send="工作台"),
    MenuEntry(name="帮助", send="帮助"),
)


def check_menu(entries: Menu) -> Menu:
    """A field validator for ``menu``: at most three buttons (their own limits are the
    entries')."""
    if len(entries) > TOP_MAX:
        raise ValueError(f"at most {TOP_MAX} buttons, not {len(entries)}")
    return entries


def menu_key(send: str) -> str:
    """A CLICK button's key for the text it sends: stable, short (WeChat allows 128 bytes)."""
    return KEY_PREFIX + hashlib.sha256(send.encode("utf-8")).hexdigest()[:16]


def menu_keys(entries: Menu) -> dict[str, str]:
    """Every CLICK key of the menu → the text a tap on it sends."""
    items = [item for entry in entries for item in (entry, *entry.sub)]
    return {menu_key(item.send): item.send for item in items if item.send}


def create_body(entries: Menu, public_url: str) -> tuple[dict[str, Any], list[str]]:
    """The body of ``/cgi-bin/menu/create``, and a note for each entry left out: a page
    given as a path needs ``[web] public_url`` (WeChat opens only full addresses)."""
    left_out: list[str] = []

    def button(item: MenuItem) -> dict[str, Any] | None:
        if item.send:
            return {"type": "click", "name": item.name, "key": menu_key(item.send)}
        url = item.url
        if url.startswith("/"):
            if not public_url:
                left_out.append(f"{item.name} ({url}): set [web] public_url to link it")
                return None
            url = public_url.rstrip("/") + url
        return {"type": "view", "name": item.name, "url": url}

    buttons: list[dict[str, Any]] = []
    for entry in entries:
        if not entry.sub:
            found = button(entry)
        else:
            subs = [b for b in map(button, entry.sub) if b is not None]
            found = {"name": entry.name, "sub_button": subs} if subs else None
        if found is not None:
            buttons.append(found)
    return {"button": buttons}, left_out


def _plain(button: dict[str, Any]) -> dict[str, Any]:
    """A button with the fields both platforms create and read back, and nothing else."""
    subs = button.get("sub_button")
    if isinstance(subs, dict):  # WeChat's read-back: {"list": [...]}
        subs = subs.get("list")
    if subs:
        return {"name": button.get("name", ""), "sub_button": [_plain(s) for s in subs]}
    return {k: v for k, v in button.items() if k in ("type", "name", "key", "url")}


def as_create_body(body: dict[str, Any]) -> dict[str, Any]:
    """A menu as create's body, whichever way the platform wrote it."""
    buttons = body.get("button") or []
    return {"button": [_plain(b) for b in buttons if isinstance(b, dict)]}


def from_selfmenu(answer: dict[str, Any]) -> dict[str, Any]:
    """WeChat's ``get_current_selfmenu_info`` as create's body (empty when the menu is off)."""
    if not answer.get("is_menu_open"):
        return {"button": []}
    return as_create_body(answer.get("selfmenu_info") or {})


def describe(body: dict[str, Any], keys: dict[str, str]) -> list[str]:
    """The menu as people see it, one line an entry, with what a tap does."""

    def line(button: dict[str, Any], indent: str) -> str:
        name = button.get("name", "")
        kind = button.get("type")
        if kind == "view":
            return f"{indent}{name} → opens {button.get('url', '')}"
        if kind != "click":  # made in WeChat's own backend (a reply text, a mini program)
            return f"{indent}{name} → {kind} (not in the configuration)"
        key = str(button.get("key", ""))
        sends = keys.get(key)
        does = f"sends “{sends}”" if sends is not None else f"key {key} (not in the configuration)"
        return f"{indent}{name} → {does}"

    lines: list[str] = []
    for button in as_create_body(body)["button"]:
        if "sub_button" in button:
            lines.append(f"  {button['name']}")
            lines.extend(line(sub, "      ") for sub in button["sub_button"])
        else:
            lines.append(line(button, "  "))
    return lines or ["  (no menu)"]


class MenuApi(Protocol):
    """What a platform's API client offers for its menu."""

    async def create_menu(self, body: dict[str, Any]) -> None: ...

    async def current_menu(self) -> dict[str, Any]: ...


async def publish_menu(api: MenuApi, body: dict[str, Any] | None) -> dict[str, Any]:
    """Create the menu (when ``body`` is given), then read back what the platform shows."""
    if body is not None:
        await api.create_menu(body)
    return as_create_body(await api.current_menu())
