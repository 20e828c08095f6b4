"""What the consultation domain asks the bot to say, without knowing the words.

Domain code must not phrase sentences (they live in the bot's catalogue), yet
timed events fire from here. A :class:`Notice` names the sentence and its
values; the bot's renderer turns it into a message payload.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from consultation.binding import push_to_person
from storage.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class Notice:
    """Sentence ``key`` with ``values``; buttons as (label key, data)."""

    key: str
    values: dict[str, Any] = field(default_factory=dict)
    buttons: tuple[tuple[str, str], ...] = ()


#: Notice → a Reply payload (``{"text", "buttons", ...}``).
Renderer = Callable[[Notice], dict[str, Any]]


def plain_renderer(notice: Notice) -> dict[str, Any]:
    """A fallback that shows the key and values (tests, tools without the catalogue)."""
    text = notice.key + " " + " ".join(f"{k}={v}" for k, v in notice.values.items())
    return {
        "text": text,
        "buttons": [{"label": label, "data": data} for label, data in notice.buttons],
        "mentions": [],
        "chat_id": None,
    }


async def push_to_residents(
    uow: UnitOfWork,
    resident_ids: Sequence[int],
    payload: dict[str, Any],
    dedupe_prefix: str,
) -> int:
    """Queue ``payload`` to each resident on their preferred platform, once per key."""
    sent = 0
    for resident_id in sorted(set(resident_ids)):

        def key(platform: str, _chat: str, rid: int = resident_id) -> str:
            return f"{dedupe_prefix}:{rid}:{platform}"

        sent += await push_to_person(uow, resident_id, payload, key)
    return sent
