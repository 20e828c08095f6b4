"""绑定: the code a moderator issues, the QR code that reaches their chat (or the plain
code, when WeChat could not make one), and where a resident's pushes go."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from consultation import events as ev
from consultation.audiences import Audience, Chat, Person
from consultation.binding import CODE_TTL, PushRoute
from kernel.messages import Button, Reply
from kernel.texts import t
from notices.dispatch import Notify, Route, Table

HOURS = int(CODE_TTL.total_seconds() // 3600)


def code_issued(name: str, code: str, verified: bool, accounts: int = 0) -> Reply:
    """The bind code for the moderator to pass on (secret: never stored for redelivery),
    with a word when the person already uses the bot on ``accounts`` accounts (they will
    be told when the code binds) and when the resident still has to be verified."""
    issued = t("bind.issued", name=name, code=code, hours=HOURS)
    if accounts:
        issued = t("bind.issued_bound", name=name, count=accounts) + "\n" + issued
    if not verified:
        issued += "\n" + t("bind.issued_unverified", name=name)
    return Reply(issued, secret=True)


def platform_name(platform: str) -> str:
    return t(f"notify.platform.{platform}")


def route_text(route: PushRoute) -> str:
    """The person's current push route as a sentence."""
    names = [platform_name(p) for p, _chat in route.accounts]
    if route.everywhere:
        return t("notify.now_all", platforms="、".join(names))
    first, rest = names[0], "、".join(names[1:])
    key = "notify.now_chosen" if route.chosen else "notify.now_default"
    then = t("notify.then", others=rest) if rest else ""
    return t(key, first=first, then=then)


def route_buttons(route: PushRoute) -> tuple[Button, ...]:
    """One button a platform the person has, and 都发 when there are several."""
    platforms = list(dict.fromkeys(p for p, _chat in route.accounts))
    choices = [
        Button(t("notify.to", platform=platform_name(p)), f"通知发到{platform_name(p)}")
        for p in platforms
    ]
    if len(platforms) > 1:
        choices.append(Button(t("notify.to_all"), "通知都发"))
    return tuple(choices)


def _qr(event: ev.BindQrReady, _a: Audience) -> Reply:
    if event.image_url is None:
        return Reply(t("bind.qr_failed", code=event.code, hours=HOURS))
    return Reply(
        t(
            "bind.qr_issued",
            name=event.name,
            image_url=event.image_url,
            code=event.code,
            hours=HOURS,
        )
    )


def _verified(event: ev.ResidentVerified, _a: Audience) -> Reply:
    return Reply(t("bind.verified_push", name=event.name))


def _bound_elsewhere(event: ev.BoundElsewhere, _a: Audience) -> Reply:
    if event.phone:
        return Reply(t("bind.bound_elsewhere", phone=event.phone))
    return Reply(t("bind.bound_elsewhere_no_phone"))


def _old_accounts(event: ev.BoundElsewhere) -> list[Audience]:
    return [Chat(platform, chat_id) for platform, chat_id in event.accounts]


def routes() -> Table:
    """The binding rows of the dispatch table."""
    table: dict[type[ev.Event], Sequence[Route[Any]]] = {
        ev.BindQrReady: [Notify[ev.BindQrReady](lambda e: [Chat(e.platform, e.chat_id)], _qr)],
        ev.BoundElsewhere: [Notify[ev.BoundElsewhere](_old_accounts, _bound_elsewhere)],
        ev.ResidentVerified: [
            Notify[ev.ResidentVerified](lambda e: [Person(e.resident_id)], _verified)
        ],
    }
    return table
