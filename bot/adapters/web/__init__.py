"""The built-in web chat: a WeChat-like page over HTTP + WebSocket, same router as every platform.

Each browser has a session (:mod:`bot.adapters.web.sessions`): a secret credential
in its cookie, and a public id that is its ``platform_user_id``, its private chat's
id (as WeChat uses the openid) and what others see. The residents' group chat is
``group:main`` (and any other web group ``[consultation] announce_chats`` names; no
other group exists). The group is the residents': only a browser bound to a resident
(``绑定``, or a demo persona) reads it, posts in it or is shown what is said there; an
unbound visitor has the private chat with the bot. Bot replies come back on the POST;
pushes and other people's group messages arrive on the WebSocket. Requests that act
are checked by :mod:`bot.adapters.web.guard` (JSON, same origin, CSRF token).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
import weakref
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType, web
from yarl import URL

from bot.adapters.port import PlatformStore, utcnow
from bot.adapters.web.guard import RequestGuard
from bot.adapters.web.history import (
    KeptInHistory,
    addressed,
    answered_alone,
    card_for,
    conversation,
)
from bot.adapters.web.relay import PgRelay
from bot.adapters.web.sessions import (
    COOKIE_MAX_AGE,
    LEGACY_COOKIE,
    SESSION_COOKIE,
    Session,
    WebSessions,
    public_tag,
)
from bot.adapters.web.upload import read_upload
from bot.http import TrustedProxies, json_body, json_bytes, json_error, json_reply
from bot.media import MediaRefused, MediaStore
from bot.router import Router
from kernel.flows import without_stamp
from kernel.messages import BOT_NAMES, ChatType, Inbound, Platform, Reply
from kernel.texts import t

log = logging.getLogger("yishi.web")

STATIC_DIR = Path(__file__).resolve().parent / "static"
GROUP_PREFIX = "group:"
DEFAULT_GROUP = "group:main"
#: "@议事通" in the group addresses the bot (its names are kernel.messages.BOT_NAMES).
MENTIONS = tuple(f"@{name}" for name in BOT_NAMES)
MAX_ID = 128


def _without_mentions(text: str) -> str:
    """ "@议事通 楼下吵" is about 楼下吵: the mention addresses the bot, it isn't content."""
    for name in MENTIONS:
        text = text.replace(name, " ")
    return text.strip()


class WebSender:
    """Delivers pushes to the browser tabs that have the chat open, and records it.

    With no tab open the push still arrives: the chat shows it from its history
    when the person next opens the page; the record says which of the two it was.
    """

    records_deliveries = True

    def __init__(self, hub: WebHub, store: PlatformStore) -> None:
        self.hub = hub
        self.store = store

    async def send(self, chat_id: str, reply: Reply) -> None:
        tabs = await self.hub.deliver(
            chat_id, {"type": "push", "chat_id": chat_id, "reply": reply.as_json()}
        )
        via, detail = ("websocket", f"{tabs} open tab(s)") if tabs else ("history", "no open tab")
        await self.store.record_delivery(Platform.WEB, chat_id, via, True, detail, reply.text)


#: Which of these web accounts are members of the residents' group (bound to a resident).
Members = Callable[[Sequence[str]], Awaitable[set[str]]]


class WebHub:
    """Open WebSockets by user; a group message reaches the tabs of the group's members
    (``members``: asked at each delivery, so a browser bound a moment ago is in it)."""

    def __init__(self, members: Members | None = None) -> None:
        self.sockets: dict[str, weakref.WeakSet[web.WebSocketResponse]] = {}
        self.members = members
        #: With several worker processes: the other workers' tabs (see relay.py).
        self.relay: PgRelay | None = None

    def add(self, user_id: str, ws: web.WebSocketResponse) -> None:
        self.sockets.setdefault(user_id, weakref.WeakSet()).add(ws)

    def remove(self, user_id: str, ws: web.WebSocketResponse) -> None:
        self.sockets.get(user_id, weakref.WeakSet()).discard(ws)

    async def _targets(self, chat_id: str) -> list[web.WebSocketResponse]:
        if not chat_id.startswith(GROUP_PREFIX):
            return list(self.sockets.get(chat_id, ()))
        users = [user for user, tabs in self.sockets.items() if tabs]
        if self.members is not None:
            allowed = await self.members(users)
            users = [user for user in users if user in allowed]
        return [ws for user in users for ws in self.sockets.get(user, ())]

    async def deliver(self, chat_id: str, event: dict[str, Any], skip: str | None = None) -> int:
        """Show ``event`` to the chat's tabs, here and on the other workers; the tabs here."""
        if self.relay is not None:
            await self.relay.deliver(chat_id, event, skip)
        return await self.deliver_here(chat_id, event, skip)

    async def deliver_here(
        self, chat_id: str, event: dict[str, Any], skip: str | None = None
    ) -> int:
        targets = [
            ws
            for ws in await self._targets(chat_id)
            if not ws.closed and (skip is None or ws not in self.sockets.get(skip, ()))
        ]
        data = json_bytes(event).decode()
        await asyncio.gather(*(ws.send_str(data) for ws in targets), return_exceptions=True)
        return len(targets)

    @property
    def connections(self) -> int:
        return sum(len(s) for s in self.sockets.values())


def web_groups(announce_chats: Sequence[str]) -> list[str]:
    """The web chat's group chats the configuration names (``web:group:…`` entries of
    ``[consultation] announce_chats``); ``group:main`` is always one."""
    found = [entry.split(":", 1)[1] for entry in announce_chats if entry.startswith("web:")]
    return [DEFAULT_GROUP, *(g for g in found if g.startswith(GROUP_PREFIX) and g != DEFAULT_GROUP)]


def _clean_id(value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_ID:
        raise json_error(400, t("web.errors.bad_request"))
    return value.strip()


class WebChatAdapter:
    """HTTP routes of the web chat and its push sender."""

    platform = Platform.WEB.value

    def __init__(
        self,
        router: Router,
        store: PlatformStore,
        *,
        personas: bool = False,
        trusted_proxies: list[str] | None = None,
        allowed_origins: list[str] | None = None,
        media: MediaStore | None = None,
        groups: Sequence[str] = (DEFAULT_GROUP,),
        site: str = "",
    ) -> None:
        self.router = router
        self.store = store
        #: Where uploaded photos are kept (None: the chat takes no photos).
        self.media = media
        self.personas = personas
        #: The group chats there are: any other ``group:…`` is refused (404).
        self.groups = frozenset({DEFAULT_GROUP, *groups})
        self.hub = WebHub(self._members)
        self.sender = WebSender(self.hub, store)
        self.proxies = TrustedProxies(trusted_proxies or [])
        self.guard = RequestGuard(self.proxies, allowed_origins or [])
        self.sessions = WebSessions(store, router.clock)
        #: Where people reach this server (``[web] public_url``): the page makes links in
        #: the bot's words to it taps (the 工作台 login link), besides links to itself.
        self.site = str(URL(site).origin()) if site else ""

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/", self._index)
        app.router.add_static("/static/", STATIC_DIR, name="webchat-static")
        app.router.add_get("/api/session", self._session)
        app.router.add_get("/api/people", self._people)
        app.router.add_post("/api/persona", self._persona)
        app.router.add_get("/api/history", self._history)
        app.router.add_post("/api/messages", self._post_message)
        app.router.add_post("/api/photos", self._post_photo)
        app.router.add_get("/api/ws", self._websocket)

    async def start(self) -> None:
        if self.hub.relay is not None:
            await self.hub.relay.start()

    async def stop(self) -> None:
        if self.hub.relay is not None:
            await self.hub.relay.stop()
        for group in list(self.hub.sockets.values()):
            for ws in list(group):
                await ws.close()

    def health(self) -> dict[str, Any]:
        return {"state": "ok", "connections": self.hub.connections}

    async def _index(self, _request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC_DIR / "index.html")

    # -- sessions ---------------------------------------------------------------

    def _with_cookie(
        self, request: web.Request, session: Session, response: web.Response
    ) -> web.Response:
        """Give a new session's credential to the browser: HttpOnly (no script reads
        it), SameSite=Strict, Secure whenever the browser came over HTTPS."""
        if session.fresh:
            response.set_cookie(
                SESSION_COOKIE,
                session.credential,
                max_age=COOKIE_MAX_AGE,
                path="/",
                httponly=True,
                samesite="Strict",
                secure=self.proxies.scheme(request) == "https",
            )
        if LEGACY_COOKIE in request.cookies:
            response.del_cookie(LEGACY_COOKIE, path="/")
        return response

    async def _name(self, user_id: str) -> str:
        """How the group shows ``user_id``: the bound resident's name, else 居民 + a tag."""
        name = await self.store.resident_name(self.platform, user_id)
        return name or t("web.visitor", tag=public_tag(user_id))

    async def _members(self, user_ids: Sequence[str]) -> set[str]:
        return await self.store.bound_among(self.platform, user_ids)

    async def _describe(self, session: Session) -> dict[str, Any]:
        """Who this browser speaks as; ``bound``: a resident, so the group is theirs
        (else ``group_locked`` is the line the page shows in the group's place)."""
        resident = await self.store.resident_name(self.platform, session.speaker)
        return {
            "user_id": session.speaker,
            "name": resident or t("web.visitor", tag=public_tag(session.speaker)),
            "persona": session.persona,
            "personas": self.personas,
            "csrf_token": session.csrf_token,
            "bound": resident is not None,
            "group_locked": None if resident is not None else t("web.group_locked"),
        }

    async def _member(self, session: Session, chat_id: str) -> str:
        """A group chat may be read or written by its members only: a group the
        configuration does not name is 404; a browser not bound to a resident gets 403
        with the sentence telling how to 绑定 (the page shows it). The member's name, as
        the group shows them."""
        if chat_id not in self.groups:
            raise json_error(404, t("web.errors.no_such_group"))
        name = await self.store.resident_name(self.platform, session.speaker)
        if name is None:
            raise json_error(403, t("web.group_locked"))
        return name

    async def _session(self, request: web.Request) -> web.Response:
        """This browser's session (a new one unless its cookie proves one): who it
        speaks as, and the CSRF token its requests must carry."""
        session = await self.sessions.ensure(request)
        return self._with_cookie(request, session, json_reply(await self._describe(session)))

    async def _people(self, request: web.Request) -> web.Response:
        """The demo's people to switch between, or (outside the demo) just this browser.

        The demo's list ends with this browser itself, a visitor bound to no resident
        (``visitor``), to see what a stranger sees; a new browser starts as the first
        person (``new``). ``site``: the public address links in the bot's words may go to.
        """
        session = await self.sessions.ensure(request)
        me = await self._describe(session)
        body: dict[str, Any] = {
            "community": self.router.community.name,
            "group": DEFAULT_GROUP,
            "me": me,
            "new": session.fresh,
            "site": self.site,
        }
        if self.personas:
            people = await self.router.directory(self.platform)
            if session.public_id not in {p["user_id"] for p in people}:
                people.append(
                    {
                        "user_id": session.public_id,
                        "name": t("web.visitor_persona"),
                        "verified": None,
                        "roles": [],
                        "visitor": True,
                    }
                )
            body["people"] = people
        else:
            body["people"] = [
                {"user_id": me["user_id"], "name": me["name"], "verified": None, "roles": []}
            ]
        return self._with_cookie(request, session, json_reply(body))

    async def _persona(self, request: web.Request) -> web.Response:
        """The demo's switcher: the server records whom this session speaks as."""
        found = await self.sessions.current(request, fresh=True)
        session = self.guard.check_write(request, found)
        if not self.personas:
            raise json_error(403, t("web.errors.not_demo"))
        body = await json_body(request)
        chosen = body.get("user_id") if isinstance(body, dict) else None
        if chosen is not None:
            people = await self.router.directory(self.platform)
            if chosen not in {p["user_id"] for p in people}:
                raise json_error(400, t("web.errors.unknown_person"))
        session = await self.sessions.act_as(session, chosen)
        return json_reply(await self._describe(session))

    def _own_chat(self, session: Session, claimed: Any) -> str:
        """A private chat is the speaker's own: naming someone else's is refused."""
        if claimed not in (None, session.speaker):
            raise json_error(403, t("web.errors.not_your_chat"))
        return session.speaker

    # -- chat -------------------------------------------------------------------

    async def _history(self, request: web.Request) -> web.Response:
        chat_id = request.query.get("chat_id")
        group = chat_id is not None and chat_id.startswith(GROUP_PREFIX)
        session = await self.sessions.current(request, expect=None if group else chat_id)
        if session is None:
            raise json_error(403, t("web.errors.stale_page"))
        if not group:
            chat_id = self._own_chat(session, chat_id)
        chat_id = _clean_id(chat_id)
        if group:
            await self._member(session, chat_id)
        entries = await conversation(
            self.store, self.platform, chat_id, session.speaker, self._name
        )
        return json_reply(
            {
                "pushes": await self.router.history(self.platform, chat_id),
                "entries": entries,
            }
        )

    async def _post_message(self, request: web.Request) -> web.Response:
        self.guard.require_json(request)
        self.guard.refuse_other_origins(request)
        body = await json_body(request)
        if not isinstance(body, dict):
            raise json_error(400, t("web.errors.bad_request"))
        claimed = body.get("sender_id")
        found = await self.sessions.current(
            request, expect=claimed if isinstance(claimed, str) else None
        )
        session = self.guard.check_write(request, found)
        sender_id = session.speaker
        if body.get("sender_id") not in (None, sender_id):
            if self.personas:  # a tab that still shows the persona another tab left
                raise json_error(409, t("web.errors.switched"))
            raise json_error(403, t("web.errors.not_you"))
        chat_id = _clean_id(body.get("chat_id", sender_id))
        member: str | None = None  # the name the group shows the sender by
        if chat_id.startswith(GROUP_PREFIX):
            member = await self._member(session, chat_id)
        else:
            chat_id = self._own_chat(session, chat_id)
        text = body.get("text", "")
        if not isinstance(text, str):
            raise json_error(400, t("web.errors.bad_request"))
        message_id = body.get("message_id") or uuid.uuid4().hex
        message_id = _clean_id(str(message_id))
        private = body.get("private") is True
        card_of = body.get("card_of")
        payload = await self._converse(
            request,
            sender_id,
            chat_id,
            text,
            message_id,
            private=private,
            card_of=card_of if isinstance(card_of, str) and card_of else None,
            member=member,
        )
        return json_reply({"message_id": message_id, "replies": payload})

    async def _post_photo(self, request: web.Request) -> web.Response:
        """A photo from the page (multipart: ``photo``, and ``chat_id``/``message_id``):
        checked (JPEG/PNG/WebP, at most ``[media] max_bytes``), kept, then handled as
        the photo message it is. A refused file gets a sentence the page shows."""
        session = self.guard.check_upload(request, await self.sessions.current(request))
        if self.media is None:
            raise json_error(404, t("web.errors.no_photos"))
        form, data = await read_upload(request, self.media.max_bytes)
        chat_id = _clean_id(form.get("chat_id") or session.speaker)
        member: str | None = None  # the name the group shows the sender by
        if chat_id.startswith(GROUP_PREFIX):
            member = await self._member(session, chat_id)
        else:
            chat_id = self._own_chat(session, chat_id)
        message_id = _clean_id(form.get("message_id") or uuid.uuid4().hex)
        try:
            link = await self.media.save(data)
        except MediaRefused as refused:
            status = {"too_big": 413, "not_image": 415}.get(refused.reason, 503)
            raise json_error(status, t(f"media.{refused.reason}")) from None
        payload = await self._converse(
            request, session.speaker, chat_id, "", message_id, link, member=member
        )
        return json_reply({"message_id": message_id, "photo": link, "replies": payload})

    async def _converse(
        self,
        request: web.Request,
        sender_id: str,
        chat_id: str,
        text: str,
        message_id: str,
        photo: str | None = None,
        *,
        private: bool = False,
        card_of: str | None = None,
        member: str | None = None,
    ) -> list[dict[str, Any]]:
        """Hand a message to the router, show it in the group, keep it in the history;
        the replies. A photo is shown as the locale's [照片] with its link; ``member``: the
        name the group shows the sender by, read when the group was checked. A button
        pressed in the group on a card that answered someone (``card_of``, the card's
        "for") is the router's to refuse to anyone else.

        A ``private`` button pressed in a group (a vote under a poll, 报名 under an
        announcement: see kernel.messages.Button) is between the person and the bot, as
        a Telegram callback is: the group never sees it nor the answer, and the group's
        history does not keep it — a vote tapped in the group must not show the
        neighbours who voted what. A message typed in the group that the bot answers
        for the sender alone (kernel.messages.Reply.private: a vote typed there) is
        the same: the answer goes to the sender's own chat, and the message is neither
        shown to the group nor kept in its history — so the group is told once the
        message is handled, not before."""
        shown = t("media.web_photo") if photo else without_stamp(text)
        is_group = chat_id.startswith(GROUP_PREFIX)
        private_tap = is_group and private
        message = Inbound(
            platform=self.platform,
            chat_id=chat_id,
            chat_type=ChatType.GROUP if is_group else ChatType.PRIVATE,
            sender_id=sender_id,
            message_id=message_id,
            text=_without_mentions(text),
            image_url=photo,
            sent_at=utcnow(),
            # The name others see is the server's (_name), never one the browser sends.
            sender_name=None,
            addressed=not is_group or private or any(n in text for n in MENTIONS),
            source=request.remote,
            card_of=card_of if is_group else None,
        )
        if private_tap:
            return [r.as_json() for r in await self.router.handle(message)]
        # Kept with the message, in its transaction: a retry already handled is not
        # said again in the history.
        history = KeptInHistory(
            self.store,
            chat_id,
            sender_id,
            shown,
            {"photo": photo} if photo else None,
            self.router.clock(),
            in_group=is_group,
        )
        handled = await self.router.handle(message, within=history)
        replies = addressed(handled, sender_id, is_group)
        if is_group and not answered_alone(replies):
            await self.hub.deliver(
                chat_id,
                {
                    "type": "group_message",
                    "chat_id": chat_id,
                    "sender_id": sender_id,
                    "sender_name": member or await self._name(sender_id),
                    "text": history.words,
                    **({"photo": photo} if photo else {}),
                },
                skip=sender_id,
            )
        payload = [
            card_for(r.as_json(), sender_id) if is_group and r.chat_id is None else r.as_json()
            for r in replies
        ]
        # Only what was said to the group is shown to its members (a reply addressed to
        # someone's own chat stays there).
        shown_to_group = [p for p in payload if p.get("chat_id") in (None, chat_id)]
        if is_group and shown_to_group:
            await self.hub.deliver(
                chat_id,
                {"type": "bot_replies", "chat_id": chat_id, "replies": shown_to_group},
                skip=sender_id,
            )
        return payload

    async def _websocket(self, request: web.Request) -> web.WebSocketResponse:
        found = await self.sessions.current(request, fresh=True)
        session = self.guard.check_socket(request, found)
        user_id = self._own_chat(session, request.query.get("user"))
        ws = web.WebSocketResponse(heartbeat=30)
        await ws.prepare(request)
        self.hub.add(user_id, ws)
        try:
            async for msg in ws:
                if msg.type == WSMsgType.ERROR:
                    break
        finally:
            self.hub.remove(user_id, ws)
        return ws
