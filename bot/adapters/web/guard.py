"""What a request to the web chat's API must show before it may act.

A browser sends the cookie with any request to this host, whichever page made it
(another site, or another port of the same host: SameSite does not tell ports
apart). So a request that acts (posting a message, switching persona) must be
JSON (a form or text/plain body, which any page can send without asking, gets
415), must come from a page of this origin when it names one (``Origin``), and
must carry the session's CSRF token, which only this origin's page can read. A
script (no ``Origin``) gets the token from ``GET /api/session`` like the page.

The WebSocket handshake can't carry a header from a browser, but browsers always
send ``Origin`` with it: it must be this origin; without ``Origin`` (a script) the
token header is required instead.
"""

from __future__ import annotations

from aiohttp import web

from bot.adapters.web.sessions import Session
from bot.http import TrustedProxies, json_error
from kernel.texts import t


class RequestGuard:
    """Origin, content type and CSRF checks for the web chat's API."""

    def __init__(self, proxies: TrustedProxies, allowed_origins: list[str]) -> None:
        self.proxies = proxies
        self.allowed_origins = frozenset(allowed_origins)

    def origin_allowed(self, request: web.BaseRequest) -> bool | None:
        """Whether the page that made the request may use the API; None: no Origin sent."""
        origin = request.headers.get("Origin")
        if origin is None:
            return None
        origin = origin.strip().rstrip("/").lower()
        return origin == self.proxies.origin(request) or origin in self.allowed_origins

    @staticmethod
    def require_json(request: web.BaseRequest) -> None:
        if request.content_type != "application/json":
            raise json_error(415, t("web.errors.bad_request"))

    def refuse_other_origins(self, request: web.BaseRequest) -> None:
        if self.origin_allowed(request) is False:
            raise json_error(403, t("web.errors.other_site"))

    def check_write(self, request: web.BaseRequest, session: Session | None) -> Session:
        """A request that acts: JSON, from this origin if it says, with the session's token."""
        self.require_json(request)
        return self.check_upload(request, session)

    def check_upload(self, request: web.BaseRequest, session: Session | None) -> Session:
        """A photo upload (multipart, which a page of any site may post without asking):
        from this origin if it says, and the token header, which no other site can set."""
        self.refuse_other_origins(request)
        if session is None:
            raise json_error(403, t("web.errors.stale_page"))
        if not session.carries_token(request):
            raise json_error(403, t("web.errors.stale_page"))
        return session

    def check_socket(self, request: web.BaseRequest, session: Session | None) -> Session:
        """A WebSocket handshake: this origin (browsers), or the token (scripts)."""
        allowed = self.origin_allowed(request)
        if allowed is False:
            raise json_error(403, t("web.errors.other_site"))
        if session is None:
            raise json_error(403, t("web.errors.stale_page"))
        if allowed is None and not session.carries_token(request):
            raise json_error(403, t("web.errors.stale_page"))
        return session
