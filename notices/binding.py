"""绑定: the QR code a moderator asked for reaches their chat (or the plain code, when
WeChat could not make one)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from consultation import events as ev
from consultation.audiences import Audience, Chat, Person
from consultation.binding import CODE_TTL
from kernel.messages import Reply
from kernel.texts import t
from notices.dispatch import Notify, Route, Table

HOURS = int(CODE_TTL.total_seconds() // 3600)


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


def routes() -> Table:
    """The binding rows of the dispatch table."""
    table: dict[type[ev.Event], Sequence[Route[Any]]] = {
        ev.BindQrReady: [Notify[ev.BindQrReady](lambda e: [Chat(e.platform, e.chat_id)], _qr)],
        ev.ResidentVerified: [
            Notify[ev.ResidentVerified](lambda e: [Person(e.resident_id)], _verified)
        ],
    }
    return table
