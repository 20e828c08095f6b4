"""What the consultation domain asks the bot to say, without knowing the words.

Domain code must not phrase sentences (they live in the bot's catalogue), yet
timed events fire from here. A :class:`Notice` names the sentence and its
values; the bot's renderer turns it into a message payload.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from storage.deliberation import PeopleRepository
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
    """Queue ``payload`` to every platform each resident is bound on, once per key."""
    people = uow.get(PeopleRepository)
    sent = 0
    for resident_id in sorted(set(resident_ids)):
        for identity in await people.chats_of(resident_id):
            key = f"{dedupe_prefix}:{resident_id}:{identity.platform}"
            if await uow.pushes.enqueue(identity.platform, identity.platform_user_id, payload, key):
                sent += 1
    return sent
