"""通知发到哪: a resident chooses the platforms their pushes go to, and in which order.

"通知发到微信", "通知先发到Telegram再发微信", "通知都发", "通知发到哪" (and
``/notify``). Without a choice, pushes go first to the platform the person last
wrote on and fall back in order (see :func:`consultation.binding.push_route`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from consultation.binding import (
    EVERYWHERE,
    PreferenceError,
    remember_updates,
    remembered_updates,
    set_push_preference,
)
from consultation.binding import push_route as route_of
from handlers.tickets import TicketHandler, actor_of
from handlers.words import UPDATES_OFF, UPDATES_ON
from kernel.commands import Command, rest
from kernel.context import Context
from kernel.handler import Handler
from kernel.messages import Button, Reply
from kernel.texts import t
from notices.binding import platform_name, route_buttons, route_text

#: How residents name the platforms; longer names first ("企业微信" before "微信").
PLATFORM_WORDS = (
    ("企业微信", "wecom"),
    ("企微", "wecom"),
    ("公众号", "wechat"),
    ("微信", "wechat"),
    ("telegram", "telegram"),
    ("电报", "telegram"),
    ("tg", "telegram"),
    ("网页版", "web"),
    ("网页", "web"),
    ("浏览器", "web"),
    ("web", "web"),
)
_WORD = re.compile("|".join(re.escape(w) for w, _p in PLATFORM_WORDS), re.IGNORECASE)
_BY_WORD = {w: p for w, p in PLATFORM_WORDS}
_ALL = re.compile(r"都发|全发|全部|所有|每个|各.*发|都要")
_WHERE = re.compile(r"哪|什么地方|设置")

_VERB = r"(?:以后|今后)?的?(?:通知|提醒)(?:请|就|先|只|都|全都|全部|统统)?(?:发|推送|推|送)"
_PATTERNS = (
    _VERB + r"(?:到|给|去|在)\s*.+",  # 通知发到微信 / 通知先发到Telegram再发微信
    r"(?:以后|今后)?的?(?:通知|提醒)(?:都|全都|全部|统统)(?:发|推送|送)(?:吧|过来|给我)?[。！!]?",
    r"(?:我的)?(?:通知|提醒)(?:都)?(?:发到|发在|发)?(?:哪里|哪儿|哪)(?:了|呢)?[?？]?",
    r"通知设置",
)


def platforms_named(text: str) -> list[str]:
    """The platforms ``text`` names, in the order named, each once."""
    found: list[str] = []
    for match in _WORD.finditer(text):
        platform = _BY_WORD[match.group(0).lower()]
        if platform not in found:
            found.append(platform)
    return found


class NotifyPreferenceHandler(Handler):
    """Sets or shows where this person's pushes go."""

    grammar = (Command("/notify", "handle", (rest("where", "微信"),), listed=False),)
    phrases = _PATTERNS

    async def handle(self, ctx: Context, where: str | None = None) -> Sequence[Reply]:
        resident = ctx.user.resident
        if resident is None or resident.id is None:
            return [Reply(t("notify.unbound"))]
        text = (where or "") if ctx.command is not None else ctx.text
        named = platforms_named(text)
        if named:
            wanted = named
        elif _ALL.search(text) or text.lower() == EVERYWHERE:
            wanted = [EVERYWHERE]
        elif _WHERE.search(text) or not text:
            route = await route_of(ctx.uow, resident.id)
            if not route.accounts:
                return [Reply(t("notify.unbound"))]
            return [Reply(route_text(route) + "\n" + t("notify.how"), buttons=route_buttons(route))]
        else:
            route = await route_of(ctx.uow, resident.id)
            return [Reply(t("notify.ask"), buttons=route_buttons(route))]
        try:
            route = await set_push_preference(ctx.uow, resident.id, wanted, ctx.user.actor)
        except PreferenceError as exc:
            return [Reply(t(f"notify.{exc.code}", platform=platform_name(exc.platform or "")))]
        return [Reply(t("notify.saved") + route_text(route))]


async def _switched(ctx: Context, on: bool) -> bool | None:
    """Keep the account's choice (its next report goes by it, audited); what it was."""
    message = ctx.message
    before = await remembered_updates(ctx.uow, message.platform, message.sender_id)
    await remember_updates(
        ctx.uow, message.platform, message.sender_id, on, ctx.user.actor, ctx.now
    )
    return before


class UpdatesOnHandler(TicketHandler):
    """开启通知: whoever answered 不用了 to "处理进展要通知您吗？" switches the notices back
    on — kept with the account (its next report is not asked again) and on its tickets
    still open, each change audited."""

    grammar = (
        Command(
            "开启通知", "handle", aliases=("打开通知", "接收通知", "/updates_on"), listed=False
        ),
    )
    phrases = UPDATES_ON
    #: The reply names the person's tickets: said in the group, answered in their own chat.
    answers_privately = True

    async def handle(self, ctx: Context) -> Sequence[Reply]:
        before = await _switched(ctx, True)
        turned = await self.service(ctx).notify_again(actor_of(ctx), ctx.now)
        if turned:
            numbers = "、".join(tk.number for tk in turned)
            return [Reply(t("notify.updates_on_tickets", numbers=numbers))]
        return [Reply(t("notify.updates_already" if before is not False else "notify.updates_on"))]


class UpdatesOffHandler(TicketHandler):
    """关闭通知 ("不要再通知我了", "别给我发通知了", "不用通知我"): the progress notices of this
    account's reports stop — kept with the account (its next report is filed quiet, not
    asked) and on its tickets still open, each change audited, as 开启通知 turns them on.
    An urgent ticket keeps its notices (a danger is always followed up), and a finished
    ticket's rating question is still asked: it is no progress notice."""

    grammar = (
        Command(
            "关闭通知",
            "handle",
            aliases=("关掉通知", "停止通知", "不接收通知", "/updates_off"),
            listed=False,
        ),
    )
    phrases = UPDATES_OFF
    #: The reply names the person's tickets: said in the group, answered in their own chat.
    answers_privately = True

    async def handle(self, ctx: Context) -> Sequence[Reply]:
        before = await _switched(ctx, False)
        turned = await self.service(ctx).notify_less(actor_of(ctx), ctx.now)
        on = t("notify.b_updates_on")
        buttons = (Button(on, on),)
        if turned:
            numbers = "、".join(tk.number for tk in turned)
            return [Reply(t("notify.updates_off_tickets", numbers=numbers), buttons=buttons)]
        key = "notify.updates_already_off" if before is False else "notify.updates_off"
        return [Reply(t(key), buttons=buttons)]
