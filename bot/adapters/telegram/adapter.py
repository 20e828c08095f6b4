"""Telegram through python-telegram-bot v22, with our router as the one brain.

PTB does the Bot API (its ``base_url`` points tests at a fake server); a single
:class:`~telegram.ext.TypeHandler` turns each update into an :class:`Inbound`
for the router and sends the replies back with inline keyboards. Updates come by
long polling or by webhook on our own aiohttp server (``POST /telegram``,
checked against ``X-Telegram-Bot-Api-Secret-Token``). Each update is handled in
one transaction keyed by its sender and ``update_id``: a redelivery has no second
effect, and one whose first delivery died with the process has its effect (nothing
is claimed before the message is handled). A webhook update that fails is answered
with an error, so Telegram delivers it again. Replies are sent after the commit;
a redelivery of an update this process handled is not answered again, one it never
saw (its first delivery died between the commit and the send) gets the stored
replies.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import Application, ContextTypes, TypeHandler

from bot.adapters.callbacks import BodyTooLarge, read_bounded
from bot.adapters.port import MessageTransaction, PlatformStore, Pressed, is_outage, utcnow
from bot.adapters.telegram.limiter import TelegramLimiter
from bot.adapters.wechat.adapter import button_key
from bot.config import TelegramSettings
from bot.media import MediaRefused, MediaStore
from bot.push import PermanentPushError
from bot.router import Router, unavailable_reply
from kernel.messages import Button, ChatType, Inbound, Location, Platform, Reply
from kernel.texts import t

log = logging.getLogger("yishi.telegram")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_CALLBACK_BYTES = 64
MAX_UPDATE_BYTES = 1_048_576
KEY_PREFIX = "k:"
MAX_ALERT_CHARS = 200  # Telegram's limit for a callback answer's text
#: Updates this process remembers handling (a redelivery of one is not answered again).
RECENT_UPDATES = 10_000

#: Commands shown in Telegram's menu; descriptions in Chinese.
COMMANDS = (
    ("start", "开始使用"),
    ("help", "帮助与功能菜单"),
    ("bind", "绑定居民身份（/bind 六位绑定码）"),
    ("cancel", "取消当前操作"),
)


class _FirstRecord:
    """Notes whether the router recorded the update in this delivery (the first)."""

    def __init__(self) -> None:
        self.first = False

    async def opened(self, uow: MessageTransaction) -> None:
        return None

    async def recorded(self, uow: MessageTransaction, replies: list[Reply]) -> None:
        self.first = True

    async def failed(self, uow: MessageTransaction, replies: list[Reply]) -> None:
        self.first = True  # the first delivery: its error reply is sent once too


class TelegramSender:
    """Pushes to Telegram chats within the limits; records each delivery."""

    records_deliveries = True

    def __init__(self, adapter: TelegramAdapter) -> None:
        self.adapter = adapter

    async def send(self, chat_id: str, reply: Reply) -> None:
        try:
            await self.adapter.send_reply(chat_id, reply)
        except Forbidden as exc:  # blocked the bot, left the group
            await self.adapter.record(chat_id, "bot_api", False, str(exc), reply)
            raise PermanentPushError(str(exc)) from exc
        except TelegramError as exc:
            await self.adapter.record(chat_id, "bot_api", False, str(exc), reply)
            raise
        await self.adapter.record(chat_id, "bot_api", True, None, reply)


class TelegramAdapter:
    """A Telegram bot: polling or ``/telegram`` webhook, sends with inline keyboards."""

    platform = Platform.TELEGRAM.value

    def __init__(
        self,
        router: Router,
        store: PlatformStore,
        settings: TelegramSettings,
        *,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        media: MediaStore | None = None,
    ) -> None:
        self.router = router
        self.store = store
        self.settings = settings
        #: Where photos are kept (None: a photo is kept as its file id).
        self.media = media
        builder = (
            Application.builder()
            .token(settings.token)
            .base_url(settings.base_url)
            .base_file_url(settings.file_base_url)
        )
        if settings.mode == "webhook":
            builder = builder.updater(None)
        self.application = builder.build()
        self.application.add_handler(TypeHandler(Update, self._on_update))
        self.limiter = (
            TelegramLimiter(settings, sleep=sleep) if sleep else TelegramLimiter(settings)
        )
        self.sender = TelegramSender(self)
        self.state = "stopped"
        self.counts = {
            "updates": 0,
            "duplicates": 0,
            "rejected": 0,
            "sent": 0,
            "edited": 0,
            "resent": 0,
        }
        #: Update keys this process took on (in order), bounded.
        self._recent: OrderedDict[str, None] = OrderedDict()

    @property
    def bot(self) -> Any:
        return self.application.bot

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/telegram", self._webhook)

    async def start(self) -> None:
        await self.application.initialize()  # getMe: who we are
        await self.bot.set_my_commands([BotCommand(c, d) for c, d in COMMANDS])
        await self.application.start()
        if self.settings.mode == "polling":
            assert self.application.updater is not None
            await self.application.updater.start_polling(
                poll_interval=0.0, timeout=10, allowed_updates=Update.ALL_TYPES
            )
        elif self.settings.webhook_url:
            await self.bot.set_webhook(
                self.settings.webhook_url,
                secret_token=self.settings.webhook_secret or None,
                allowed_updates=Update.ALL_TYPES,
            )
        self.state = "ok"

    async def stop(self) -> None:
        if self.state == "stopped":
            return
        if self.application.updater is not None and self.application.updater.running:
            await self.application.updater.stop()
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()
        self.state = "stopped"

    def health(self) -> dict[str, Any]:
        return {"state": self.state, "mode": self.settings.mode, **self.counts}

    # -- webhook -------------------------------------------------------------------------
    async def _webhook(self, request: web.Request) -> web.Response:
        secret = self.settings.webhook_secret
        given = request.headers.get(SECRET_HEADER, "")
        if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
            self.counts["rejected"] += 1
            raise web.HTTPForbidden(text="bad secret token")
        try:
            body = await read_bounded(request, MAX_UPDATE_BYTES)
            data = json.loads(body)
            if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
                raise ValueError("not an update")
            update = Update.de_json(data, self.bot)
        except BodyTooLarge:
            self.counts["rejected"] += 1
            raise web.HTTPRequestEntityTooLarge(
                max_size=MAX_UPDATE_BYTES, actual_size=request.content_length or 0
            ) from None
        except (ValueError, TypeError, KeyError, UnicodeDecodeError) as exc:
            self.counts["rejected"] += 1
            raise web.HTTPBadRequest(text=f"malformed update: {type(exc).__name__}") from None
        # Not through PTB's process_update, which logs a handler's exception and goes
        # on: an update that failed must be answered with an error, so Telegram retries.
        await self._on_update(update, None)
        return web.Response(text="ok")

    # -- updates -------------------------------------------------------------------------
    async def _on_update(self, update: Update, _context: ContextTypes.DEFAULT_TYPE | None) -> None:
        query = update.callback_query
        notes: list[str] = []
        try:
            await self._handle(update, notes)
        except Exception as exc:
            if not is_outage(exc):
                raise
            # Nothing was saved and Telegram will not deliver the update again: ask the
            # resident to send it again later, in words.
            log.warning("database unavailable", extra={"update_id": update.update_id})
            if update.effective_chat is not None:
                with contextlib.suppress(TelegramError):
                    await self.send_reply(str(update.effective_chat.id), unavailable_reply())
        finally:
            if query is not None:  # a pressed button always stops spinning
                text = "\n".join(notes)
                if len(text) > MAX_ALERT_CHARS:
                    text = text[: MAX_ALERT_CHARS - 1] + "…"
                with contextlib.suppress(TelegramError):
                    await query.answer(text or None, show_alert=bool(text))

    async def _handle(self, update: Update, notes: list[str]) -> None:
        """Route one update; answers meant for the presser alone go into ``notes``."""
        key = f"update:{update.update_id}"
        if key in self._recent:  # handled here already (or at work here now)
            self.counts["duplicates"] += 1
            return
        self._remember(key)
        try:
            await self._route(update, key, notes)
        except BaseException:
            self._recent.pop(key, None)  # not handled: a redelivery gets its turn
            raise

    def _remember(self, key: str) -> None:
        self._recent[key] = None
        while len(self._recent) > RECENT_UPDATES:
            self._recent.popitem(last=False)

    async def _route(self, update: Update, key: str, notes: list[str]) -> None:
        query = update.callback_query
        message = update.effective_message
        user = update.effective_user
        if message is None or user is None or update.effective_chat is None:
            return
        on = query.message if query is not None else None
        pressed = (
            await self.store.pressed(self.platform, str(on.chat.id), str(on.message_id))
            if on is not None
            else None
        )
        live = pressed.live_key if pressed is not None else None
        chat = update.effective_chat
        is_group = chat.type in ("group", "supergroup")
        if query is not None:
            text = await self._button_data(query.data or "")
            addressed = True
        else:
            text, addressed = self._message_text(message, is_group)
        photo = message.photo[-1].file_id if (query is None and message.photo) else None
        image_url = f"telegram-file:{photo}" if photo else None
        if photo and self.media is not None:
            image_url, refusal = await self._keep_photo(photo)
            if refusal is not None:
                await self.send_reply(str(chat.id), Reply(refusal))
                return
        location = (
            Location(message.location.latitude, message.location.longitude)
            if query is None and message.location is not None
            else None
        )
        inbound = Inbound(
            platform=self.platform,
            chat_id=str(chat.id),
            chat_type=ChatType.GROUP if is_group else ChatType.PRIVATE,
            sender_id=str(user.id),
            message_id=key,
            text=text,
            sent_at=message.date if query is None else utcnow(),
            sender_name=user.full_name,
            image_url=image_url,
            location=location,
            addressed=addressed,
            # A card that answered someone else: the router refuses the press, and its
            # answer (for the presser alone) is the press's alert.
            card_of=pressed.card_of if pressed is not None and is_group else None,
        )
        first = _FirstRecord()
        replies = await self.router.handle(inbound, within=first)
        if first.first:
            self.counts["updates"] += 1
        else:
            # Recorded by a delivery this process never saw: one that died between its
            # commit and its sends (or another process's). Its replies go out now.
            self.counts["resent"] += 1
        # A press on a live message (a poll) must not add to the group: the message
        # itself is edited by its queued update, and the presser's own answer
        # (their vote's confirmation) shows as an alert only they see.
        edit_target = message if query is not None and live is None else None
        for reply in replies:
            chat_id = reply.chat_id or str(chat.id)
            # For the sender alone (a vote's receipt) in a group: a press gets it as its
            # alert, a typed message in the sender's own chat.
            alone = reply.private and is_group and reply.chat_id is None
            if alone and query is None:
                await self._say_privately(str(user.id), str(chat.id), reply, user.full_name)
                continue
            hidden = (live is not None or alone) and is_group and chat_id == str(chat.id)
            if hidden and not reply.buttons:
                notes.append(reply.text)
                continue
            if edit_target is not None and reply.buttons and chat_id == str(chat.id):
                shown = await self._edit(edit_target, reply)
                edit_target = None
            else:
                try:
                    shown = await self.send_reply(chat_id, reply)
                except TelegramError as exc:
                    log.warning("reply not sent", extra={"chat_id": chat_id, "error": str(exc)})
                    await self.record(chat_id, "bot_api", False, str(exc), reply)
                    continue
            if is_group and chat_id == str(chat.id):
                await self._own_card(chat_id, shown, reply, str(user.id), pressed)

    async def _own_card(
        self,
        chat_id: str,
        message_id: str,
        reply: Reply,
        asker: str,
        pressed: Pressed | None,
    ) -> None:
        """A card shown in the group in answer to ``asker`` (:attr:`Reply.for_asker`) is
        theirs: its message id is kept with them, so a neighbour's press on it later — on
        any process, after a restart — is refused. A card the press edited into one
        anyone may press is nobody's any more."""
        owner = asker if reply.for_asker else None
        was_owned = (
            pressed is not None and pressed.card_of is not None and pressed.message_id == message_id
        )
        if owner is None and not was_owned:
            return
        await self.store.save_card_owner(
            self.platform, chat_id, message_id, owner, self.router.clock()
        )

    async def _say_privately(self, user_id: str, group_id: str, reply: Reply, name: str) -> None:
        """A reply for the sender alone to a message typed in a group, in their own chat
        (a private chat's id is the user's). Telegram lets a bot write there only once the
        person has started a chat with it: if it refuses, the group is told only that the
        answer could not reach them privately — never what it said."""
        try:
            await self.send_reply(user_id, reply)
            return
        except (Forbidden, BadRequest) as exc:
            log.info("private reply refused", extra={"chat_id": user_id, "error": str(exc)})
            await self.record(user_id, "bot_api", False, str(exc), reply)
        except TelegramError as exc:
            log.warning("reply not sent", extra={"chat_id": user_id, "error": str(exc)})
            await self.record(user_id, "bot_api", False, str(exc), reply)
            return
        instead = Reply(t("router.private_unreachable", name=name))
        try:
            await self.send_reply(group_id, instead)
        except TelegramError as exc:
            log.warning("reply not sent", extra={"chat_id": group_id, "error": str(exc)})
            await self.record(group_id, "bot_api", False, str(exc), instead)

    async def _keep_photo(self, file_id: str) -> tuple[str | None, str | None]:
        """The kept copy's link, or the sentence saying why the photo was not kept."""
        assert self.media is not None
        try:
            found = await self.bot.get_file(file_id)
            if found.file_size and found.file_size > self.media.max_bytes:
                raise MediaRefused("too_big")
            data = bytes(await found.download_as_bytearray())
            return await self.media.save(data), None
        except MediaRefused as refused:
            return None, t(f"media.{refused.reason}")
        except TelegramError as exc:
            log.warning("photo not fetched", extra={"error": type(exc).__name__})
            return None, t("media.unavailable")

    def _message_text(self, message: Message, is_group: bool) -> tuple[str, bool]:
        text = message.text or message.caption or ""
        if not is_group:
            return text, True
        try:
            mention: str | None = f"@{self.bot.username}"
        except RuntimeError:  # not initialised (no getMe yet)
            mention = None
        addressed = text.startswith("/")
        if mention and mention.lower() in text.lower():
            addressed = True
            start = text.lower().index(mention.lower())
            text = (text[:start] + text[start + len(mention) :]).strip()
        replied = message.reply_to_message
        if replied is not None and replied.from_user is not None and mention:
            addressed = addressed or replied.from_user.id == self.bot.id
        return text, addressed

    async def _button_data(self, data: str) -> str:
        if data.startswith(KEY_PREFIX):
            found = await self.store.callback_data(data[len(KEY_PREFIX) :])
            return found if found is not None else ""
        return data

    async def _keyboard(self, buttons: tuple[Button, ...]) -> InlineKeyboardMarkup | None:
        if not buttons:
            return None
        rows: list[list[InlineKeyboardButton]] = []
        long: list[Button] = []
        for button in buttons:
            data = button.data
            if len(data.encode("utf-8")) > MAX_CALLBACK_BYTES or data.startswith(KEY_PREFIX):
                long.append(button)
                data = KEY_PREFIX + button_key(button.data)
            rows.append([InlineKeyboardButton(button.label, callback_data=data)])
        if long:
            await self.store.save_callback_data([(button_key(b.data), b.data) for b in long])
        # Short choices (yes/no/abstain, ratings) sit side by side.
        if len(rows) <= 5 and all(len(b.label) <= 6 for b in buttons):
            return InlineKeyboardMarkup([[r[0] for r in rows]])
        return InlineKeyboardMarkup(rows)

    async def send_reply(self, chat_id: str, reply: Reply) -> str:
        """Send ``reply``; one with an ``edit_key`` edits the live message it names, if any.
        The id of the message that shows it."""
        markup = await self._keyboard(reply.buttons)
        key = reply.edit_key
        if key is not None:
            found = await self.store.live_message(self.platform, chat_id, key)
            if found is not None and await self._edit_live(chat_id, int(found), reply, markup):
                return found
        sent: Message = await self.limiter.run(
            chat_id, lambda: self.bot.send_message(chat_id, reply.text, reply_markup=markup)
        )
        self.counts["sent"] += 1
        if key is not None:
            await self.store.save_live_message(self.platform, chat_id, key, str(sent.message_id))
        return str(sent.message_id)

    async def _edit_live(
        self, chat_id: str, message_id: int, reply: Reply, markup: InlineKeyboardMarkup | None
    ) -> bool:
        """Edit a live message in place; False when Telegram refuses (send it anew)."""
        try:
            await self.limiter.run(
                chat_id,
                lambda: self.bot.edit_message_text(
                    reply.text, chat_id=chat_id, message_id=message_id, reply_markup=markup
                ),
            )
        except BadRequest as exc:
            if "not modified" in str(exc).lower():  # the latest state is already shown
                return True
            log.info("live edit refused; sending anew", extra={"error": str(exc)})
            return False
        self.counts["edited"] += 1
        return True

    async def _edit(self, message: Message, reply: Reply) -> str:
        """A button press whose answer carries buttons again (a live tally) edits in place:
        the id of the message that shows it (a new one where the edit was refused)."""
        markup = await self._keyboard(reply.buttons)
        chat_id = str(message.chat_id)
        try:
            await self.limiter.run(
                chat_id,
                lambda: self.bot.edit_message_text(
                    reply.text,
                    chat_id=message.chat_id,
                    message_id=message.message_id,
                    reply_markup=markup,
                ),
            )
            self.counts["edited"] += 1
        except BadRequest as exc:  # "message is not modified", too old to edit, …
            log.info("edit refused; sending anew", extra={"error": str(exc)})
            return await self.send_reply(chat_id, reply)
        return str(message.message_id)

    async def record(
        self, chat_id: str, via: str, ok: bool, detail: str | None, reply: Reply
    ) -> None:
        await self.store.record_delivery(self.platform, chat_id, via, ok, detail, reply.text)
