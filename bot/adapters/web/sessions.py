"""Web chat sessions: a secret credential per browser, a public id for everyone else.

The credential is 256 random bits the server issues, kept in an HttpOnly cookie;
the database holds only its SHA-256 (:class:`storage.identities.WebSession`). What
the group, the logs, the exports and the audit see is the session's *public id*
(``w-`` and 16 hex digits), which opens nothing. A cookie the server never issued
(forged, guessed, another browser's public id, a pre-upgrade identity) matches no
session, so that browser simply gets a new identity.

The CSRF token is derived from the credential (a different hash of it): bound to
the session, useless without the cookie, and it reveals nothing of the credential.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING

from aiohttp import web

from bot.adapters.port import PlatformStore

if TYPE_CHECKING:
    from bot.adapters.web.relay import PgRelay

SESSION_COOKIE = "yishi_session"
#: Where scripts and the page send the CSRF token.
CSRF_HEADER = "X-Yishi-CSRF"
#: The pre-upgrade cookie (its value was the identity itself); cleared when seen.
LEGACY_COOKIE = "yishi_web_id"
COOKIE_MAX_AGE = 400 * 86400  # the longest a browser keeps a cookie
_CREDENTIAL = re.compile(r"[A-Za-z0-9_-]{43}")
#: Sessions remembered in this process (a message then costs no session query).
CACHE_SIZE = 20_000


def _digest(purpose: bytes, credential: str) -> str:
    return hashlib.sha256(purpose + b"\0" + credential.encode()).hexdigest()


def credential_hash(credential: str) -> str:
    """What the database keeps of a credential."""
    return _digest(b"yishi-web-session", credential)


def csrf_token(credential: str) -> str:
    """The session's CSRF token: another one-way hash of its credential."""
    return _digest(b"yishi-web-csrf", credential)


def new_public_id() -> str:
    return f"w-{secrets.token_hex(8)}"


def public_tag(public_id: str) -> str:
    """A short tag that tells unbound people apart in a group (the id's last 4 digits)."""
    return public_id[-4:]


@dataclass(frozen=True, slots=True)
class Session:
    """This browser's session. ``credential`` goes into the cookie and nowhere else."""

    credential: str = field(repr=False)  # never in a log line or traceback
    public_id: str
    persona: str | None = None
    #: Issued by this request: the response must set the cookie.
    fresh: bool = False

    @property
    def speaker(self) -> str:
        """Who this browser speaks as: the demo persona it chose, else itself."""
        return self.persona or self.public_id

    @property
    def csrf_token(self) -> str:
        return csrf_token(self.credential)

    def carries_token(self, request: web.BaseRequest) -> bool:
        given = request.headers.get(CSRF_HEADER, "")
        return hmac.compare_digest(given.encode(), self.csrf_token.encode())


class WebSessions:
    """Finds the session a request's cookie proves, and issues new ones."""

    def __init__(self, store: PlatformStore, clock: Callable[[], datetime]) -> None:
        self.store = store
        self.clock = clock
        self._cache: OrderedDict[str, tuple[str, str | None]] = OrderedDict()
        #: With several worker processes: tells the others a session changed (relay.py).
        self.relay: PgRelay | None = None

    async def current(
        self, request: web.BaseRequest, *, expect: str | None = None, fresh: bool = False
    ) -> Session | None:
        """The session this request's cookie proves; None without one the server issued.

        Sessions are remembered in this process. A demo session's persona may have been
        switched through another process: when the request ``expect``s another speaker
        than remembered, or asks ``fresh``, the database is asked.
        """
        credential = request.cookies.get(SESSION_COOKIE, "")
        if not _CREDENTIAL.fullmatch(credential):
            return None
        key = credential_hash(credential)
        known = None if fresh else self._cache.get(key)
        if known is not None and expect is not None and expect != (known[1] or known[0]):
            known = None
        if known is None:
            found = await self.store.find_web_session(key)
            if found is None:
                return None
            known = (found.public_id, found.persona)
        self._remember(key, known)
        return Session(credential, known[0], known[1])

    async def ensure(self, request: web.BaseRequest) -> Session:
        """The request's session, or a new one (a fresh credential and public id)."""
        found = await self.current(request, fresh=True)
        if found is not None:
            return found
        credential = secrets.token_urlsafe(32)
        public_id = new_public_id()
        await self.store.open_web_session(credential_hash(credential), public_id, self.clock())
        return Session(credential, public_id, fresh=True)

    async def act_as(self, session: Session, persona: str | None) -> Session:
        """The demo's switcher: from now on ``session`` speaks as ``persona``."""
        key = credential_hash(session.credential)
        await self.store.act_as(key, persona)
        self._remember(key, (session.public_id, persona))
        if self.relay is not None:
            await self.relay.forget(key)
        return replace(session, persona=persona)

    def forget(self, key: str) -> None:
        """Another worker changed this session: read it again when next used."""
        self._cache.pop(key, None)

    def _remember(self, key: str, value: tuple[str, str | None]) -> None:
        self._cache[key] = value
        self._cache.move_to_end(key)
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
