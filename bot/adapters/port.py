"""The platform adapters' one way to storage: what they keep, asked for by intention.

The adapters (web chat, WeChat, WeCom, Telegram, the callback runner) keep a few
things of their own: delivery records, button data, live messages, whom a card in a
group answered, the customer-service window, access tokens, kept late callbacks, spent
signature nonces, web sessions. They ask :class:`PlatformStore` for them, never a
repository or the unit-of-work factory, so a change to the tables touches this module
and not five adapters (import-linter checks it: ``bot.adapters`` imports ``storage``
only here). Each method is one transaction of its own. A callback's writes that must
commit with something else (its nonce, its sender's contact, its late answer's pushes)
go through :class:`CallbackTransaction`: inside its message's transaction
(:meth:`PlatformStore.joining`), or in one of their own when no message is handled
(:meth:`PlatformStore.transaction`: a signature spent alone, an unfollow).
"""

from __future__ import annotations

import base64
import contextlib
import os
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from storage.callbacks import CallbackRepository, Touch
from storage.consents import ConsentRepository
from storage.faults import StorageUnavailable, is_outage
from storage.identities import IdentityRepository, WebSessionRepository
from storage.platforms import PlatformRepository
from storage.polls import PollRepository
from storage.types import json_text, json_value, utcnow
from storage.unit_of_work import UnitOfWork
from storage.web_chat import WebChatRepository

#: The router's transaction for one message, as :class:`~bot.router.Within` hands it
#: over: opaque to adapters, reached through :meth:`PlatformStore.joining`.
MessageTransaction = UnitOfWork

__all__ = [
    "CallbackTransaction",
    "ChatLine",
    "ChatView",
    "CopySeal",
    "LateCallback",
    "MessageTransaction",
    "PlatformStore",
    "StorageUnavailable",
    "Touch",
    "WebSessionFound",
    "is_outage",
    "utcnow",
]


@dataclass(frozen=True, slots=True)
class LateCallback:
    """A message acknowledged before it was handled, kept until it is."""

    sender_id: str
    key: str
    message: dict[str, Any]


@dataclass(frozen=True, slots=True)
class WebSessionFound:
    """A web chat session: its public id and the persona it speaks as (demo)."""

    public_id: str
    persona: str | None


@dataclass(frozen=True, slots=True)
class ChatLine:
    """One line of a web chat's kept conversation, or one push to it (``sender_id``
    None: the bot's); ``order`` breaks ties at one instant."""

    at: datetime
    order: int
    sender_id: str | None
    text: str
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ChatView:
    """What a web chat shows: its lines, its pushes, and which polls are still open."""

    lines: list[ChatLine]
    pushes: list[ChatLine]
    open_polls: set[int]


@dataclass(frozen=True, slots=True)
class Pressed:
    """The message a button was pressed on: a live message (its key), or a card that
    answered someone in a group (their id, :attr:`kernel.messages.Inbound.card_of`)."""

    message_id: str
    live_key: str | None
    card_of: str | None


class CallbackTransaction:
    """What a platform callback does inside one transaction: spend its signature's
    nonce, touch its sender's contact, queue its late answer, end its kept copy."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    @property
    def _callbacks(self) -> CallbackRepository:
        return self._uow.get(CallbackRepository)

    async def spend_nonce(
        self, platform: str, stamp: int, nonce: str, *, touch: Touch | None = None
    ) -> bool:
        """Record the signed (timestamp, nonce), touching ``touch``'s contact with it;
        False when the pair was used before."""
        return await self._callbacks.spend_nonce(platform, stamp, nonce, touch=touch)

    async def prune_nonces(self, platform: str, before: int) -> None:
        await self._callbacks.prune_nonces(platform, before)

    async def touch_contact(self, platform: str, touch: Touch) -> None:
        """The sender wrote: their customer-service window reopens."""
        await self._callbacks.touch_contact(platform, *touch)

    async def unsubscribed(self, platform: str, user_id: str, now: datetime) -> None:
        """The user unfollowed: no customer-service messages until they come back."""
        await self._uow.get(PlatformRepository).touch_contact(
            platform, user_id, now, subscribed=False
        )

    async def record_consents(
        self,
        platform: str,
        user_id: str,
        changes: Sequence[tuple[str, bool, bool]],
        *,
        stamp: str,
        now: datetime,
        why: str,
    ) -> int:
        """Apply ``(template id, accepted?, one-time?)`` changes the platform reported in
        one event (``stamp``: its time, so a retried event changes nothing); how many
        changed."""
        repo = self._uow.get(ConsentRepository)
        changed = 0
        for template_id, accepted, once in changes:
            changed += await repo.record(
                platform,
                user_id,
                template_id,
                accepted=accepted,
                once=once,
                stamp=stamp,
                now=now,
                why=why,
            )
        return changed

    async def queue_push(
        self, platform: str, chat_id: str, payload: dict[str, Any], dedupe_key: str, now: datetime
    ) -> None:
        await self._uow.pushes.enqueue(platform, chat_id, payload, dedupe_key, now=now)

    async def drop_late(self, platform: str, sender_id: str, key: str) -> None:
        """The kept message is handled in this transaction: its keeping ends."""
        await self._callbacks.drop_late(platform, sender_id, key)

    async def keep_lines(
        self, lines: Sequence[tuple[str, str | None, str, dict[str, Any]]], at: datetime
    ) -> None:
        """Keep web chat lines, ``(chat id, sender id or None for the bot, text,
        payload)`` each, with the message they belong to."""
        await self._uow.get(WebChatRepository).add(lines, at)


class CopySeal:
    """Seals the message a slow callback keeps until it is handled.

    The kept copy holds what the person typed, and that may be an anonymous vote
    (``投票 P3 赞成``) beside its sender. Deleting the row once handled is not enough
    for someone holding the database files: SQLite's write-ahead log keeps the page
    the row was written to until the log is overwritten, and PostgreSQL keeps the
    dead row version until vacuum and the insert in its WAL (and in any WAL archive).
    So the copy is written only sealed (AES-GCM, a random nonce, the platform, sender
    and message id as associated data), under a key derived from the server's ballot
    secret, which is never in the database: whatever old bytes remain say no more
    than a sealed ballot does.
    """

    _NONCE = 12

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    @staticmethod
    def _bound(platform: str, sender_id: str, key: str) -> bytes:
        return f"{platform}\x00{sender_id}\x00{key}".encode()

    def seal(
        self, platform: str, sender_id: str, key: str, message: dict[str, Any]
    ) -> dict[str, Any]:
        nonce = os.urandom(self._NONCE)
        body = self._aead.encrypt(
            nonce, json_text(message).encode(), self._bound(platform, sender_id, key)
        )
        return {"sealed": base64.b64encode(nonce + body).decode()}

    def open(self, platform: str, sender_id: str, key: str, kept: dict[str, Any]) -> dict[str, Any]:
        """The message inside ``kept``; a copy from before sealing as it is; ``{}`` (which
        the sweep logs as unreadable) when it does not open under this secret."""
        sealed = kept.get("sealed")
        if not isinstance(sealed, str):
            return kept
        try:
            raw = base64.b64decode(sealed)
            plain = self._aead.decrypt(
                raw[: self._NONCE], raw[self._NONCE :], self._bound(platform, sender_id, key)
            )
        except (InvalidTag, ValueError):
            return {}
        opened = json_value(plain)
        return opened if isinstance(opened, dict) else {}


class PlatformStore:
    """The adapters' storage port, built once in the wiring from the unit-of-work factory.

    With ``seal`` (the wiring always gives one), messages kept for a late answer are
    stored sealed (see :class:`CopySeal`)."""

    def __init__(
        self, uow_factory: Callable[[], UnitOfWork], *, seal: CopySeal | None = None
    ) -> None:
        self._uow = uow_factory
        self._seal = seal

    # -- callbacks -----------------------------------------------------------------------
    def joining(self, uow: MessageTransaction) -> CallbackTransaction:
        """A callback's part of its message's own transaction (the router's)."""
        return CallbackTransaction(uow)

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[CallbackTransaction]:
        """A transaction of its own, for a request that handles no message (a signature
        spent alone, an unsubscribe): all of it is kept, or none."""
        async with self._uow() as uow:
            yield CallbackTransaction(uow)

    async def late_callbacks(self, platform: str, before: datetime) -> list[LateCallback]:
        """Messages acknowledged unhandled and kept since before ``before``, oldest first."""
        async with self._uow() as uow:
            kept = await uow.get(PlatformRepository).late_callbacks(platform, before)
        if self._seal is None:
            return [LateCallback(k.sender_id, k.key, k.message) for k in kept]
        return [
            LateCallback(
                k.sender_id, k.key, self._seal.open(platform, k.sender_id, k.key, k.message)
            )
            for k in kept
        ]

    async def hold_late(
        self, platform: str, sender_id: str, key: str, message: dict[str, Any], now: datetime
    ) -> None:
        """Keep a message about to be acknowledged unhandled (sealed)."""
        if self._seal is not None:
            message = self._seal.seal(platform, sender_id, key, message)
        async with self._uow() as uow:
            await uow.get(PlatformRepository).hold_late(platform, sender_id, key, message, now)

    async def drop_late(self, platform: str, sender_id: str, key: str) -> None:
        """Forget a kept message (handled before, or unreadable)."""
        async with self._uow() as uow:
            await uow.get(CallbackRepository).drop_late(platform, sender_id, key)

    async def push_queued(self, dedupe_key: str) -> bool:
        """Whether a push with this dedupe key was ever queued."""
        async with self._uow() as uow:
            return await uow.get(CallbackRepository).push_queued(dedupe_key)

    # -- deliveries ----------------------------------------------------------------------
    async def record_delivery(
        self, platform: str, chat_id: str, via: str, ok: bool, detail: str | None, excerpt: str
    ) -> None:
        """How a push went out (or didn't): for the delivery record and its health."""
        async with self._uow() as uow:
            await uow.get(PlatformRepository).record_delivery(
                platform, chat_id, via, ok, detail, excerpt
            )

    # -- button data and live messages ---------------------------------------------------
    async def save_callback_data(self, pairs: Sequence[tuple[str, str]]) -> None:
        """Keep each button's data under its short key, so a press maps back."""
        async with self._uow() as uow:
            repo = uow.get(PlatformRepository)
            for key, data in pairs:
                await repo.save_callback_data(key, data)

    async def callback_data(self, key: str) -> str | None:
        async with self._uow() as uow:
            return await uow.get(PlatformRepository).callback_data(key)

    async def live_message(self, platform: str, chat_id: str, key: str) -> str | None:
        """The platform's id of live message ``key`` in this chat, if one was sent."""
        async with self._uow() as uow:
            return await uow.get(PlatformRepository).live_message(platform, chat_id, key)

    async def pressed(self, platform: str, chat_id: str, message_id: str) -> Pressed:
        """What the message with this platform id is, when one of its buttons is pressed:
        the live message it is (its key), or the card that answered someone (whom)."""
        async with self._uow() as uow:
            repo = uow.get(PlatformRepository)
            live = await repo.live_key_of(platform, chat_id, message_id)
            owner = (
                None if live is not None else await repo.card_owner(platform, chat_id, message_id)
            )
            return Pressed(message_id, live, owner)

    async def save_card_owner(
        self, platform: str, chat_id: str, message_id: str, owner_id: str | None, now: datetime
    ) -> None:
        """The card the bot shows in a group as this message answers ``owner_id`` (its
        buttons are theirs alone); None: it answers nobody (any more)."""
        async with self._uow() as uow:
            await uow.get(PlatformRepository).save_card_owner(
                platform, chat_id, message_id, owner_id, now
            )

    async def save_live_message(
        self, platform: str, chat_id: str, key: str, message_id: str
    ) -> None:
        async with self._uow() as uow:
            await uow.get(PlatformRepository).save_live_message(platform, chat_id, key, message_id)

    # -- the customer-service window -----------------------------------------------------
    async def take_window_slot(
        self, platform: str, user_id: str, now: datetime, window: timedelta, quota: int
    ) -> bool:
        """Count one customer-service message if the window is open and under quota."""
        async with self._uow() as uow:
            return await uow.get(PlatformRepository).take_window_slot(
                platform, user_id, now, window, quota
            )

    async def close_window(self, platform: str, user_id: str, quota: int) -> None:
        """The platform said the quota is spent: none until the user writes again."""
        async with self._uow() as uow:
            await uow.get(PlatformRepository).close_window(platform, user_id, quota)

    # -- subscription-notice consent -----------------------------------------------------
    async def take_consent(
        self, platform: str, user_id: str, templates: Sequence[tuple[str, bool]]
    ) -> str | None:
        """The first of ``(template id, one-time?)`` the person agreed to, a one-time
        agreement spent by taking it; None when no notice may be sent."""
        async with self._uow() as uow:
            return await uow.get(ConsentRepository).take(platform, user_id, templates)

    async def give_back_consent(self, platform: str, user_id: str, template_id: str) -> None:
        """A one-time agreement taken for a notice that never reached the platform."""
        async with self._uow() as uow:
            await uow.get(ConsentRepository).give_back(platform, user_id, template_id)

    async def consented(self, platform: str, user_id: str) -> dict[str, int]:
        """The templates this person agreed to, each with the one-time notices its
        agreements still allow (a long-term template's count means nothing)."""
        async with self._uow() as uow:
            rows = await uow.get(ConsentRepository).of(platform, user_id)
        return {r.template_id: r.uses_left for r in rows if r.accepted}

    # -- access tokens -------------------------------------------------------------------
    async def token(self, name: str, now: datetime) -> str | None:
        """The shared access token ``name`` if it is still good at ``now``."""
        async with self._uow() as uow:
            found = await uow.get(PlatformRepository).token(name, now)
            return found.value if found is not None else None

    async def save_token(self, name: str, value: str, expires_at: datetime) -> None:
        async with self._uow() as uow:
            await uow.get(PlatformRepository).save_token(name, value, expires_at)

    async def expire_token(self, name: str, value: str) -> None:
        """The platform rejected ``value``: the next caller fetches a new one."""
        async with self._uow() as uow:
            await uow.get(PlatformRepository).expire_token(name, value)

    # -- web chat ------------------------------------------------------------------------
    async def resident_name(self, platform: str, user_id: str) -> str | None:
        """The bound resident's name, if this account is bound."""
        async with self._uow() as uow:
            return await uow.get(IdentityRepository).resident_name(platform, user_id)

    async def bound_among(self, platform: str, user_ids: Sequence[str]) -> set[str]:
        """Which of these accounts are bound to a resident (the web chat's group members)."""
        async with self._uow() as uow:
            return await uow.get(IdentityRepository).bound_among(platform, user_ids)

    async def find_web_session(self, token_hash: str) -> WebSessionFound | None:
        async with self._uow() as uow:
            found = await uow.get(WebSessionRepository).find(token_hash)
            return WebSessionFound(found.public_id, found.persona) if found else None

    async def open_web_session(self, token_hash: str, public_id: str, now: datetime) -> None:
        async with self._uow() as uow:
            await uow.get(WebSessionRepository).open(token_hash, public_id, now)

    async def act_as(self, token_hash: str, persona: str | None) -> None:
        """The demo's switcher: this session now speaks as ``persona``."""
        async with self._uow() as uow:
            await uow.get(WebSessionRepository).act_as(token_hash, persona)

    async def chat_view(self, platform: str, chat_id: str, limit: int) -> ChatView:
        """A web chat's kept lines and pushes (at most ``limit`` of each) and the open
        polls, read in one transaction."""
        async with self._uow() as uow:
            lines = await uow.get(WebChatRepository).recent(chat_id, limit)
            pushes = await uow.pushes.for_chat(platform, chat_id, limit)
            open_polls = {p.id for p in await uow.get(PollRepository).open_polls() if p.id}
        return ChatView(
            [ChatLine(x.at, x.id or 0, x.sender_id, x.text, dict(x.payload or {})) for x in lines],
            [ChatLine(p.created_at, p.id or 0, None, "", dict(p.payload)) for p in pushes],
            open_polls,
        )
