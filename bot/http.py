"""Small HTTP helpers shared by the adapters."""

from __future__ import annotations

import ipaddress
import logging
from typing import Any

import orjson
from aiohttp import web
from aiohttp.typedefs import Handler

from kernel.texts import t

log = logging.getLogger("yishi.http")


def json_bytes(data: Any) -> bytes:
    """JSON with Chinese left readable (UTF-8, not escapes), written by orjson."""
    return orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS)


def json_reply(data: Any, status: int = 200) -> web.Response:
    """A JSON response, its body written straight to bytes."""
    return web.Response(
        body=json_bytes(data), status=status, content_type="application/json", charset="utf-8"
    )


async def json_body(request: web.Request) -> Any:
    """The request's JSON body; a 400 (as :func:`json_error`) when it is not JSON."""
    try:
        return orjson.loads(await request.read())
    except orjson.JSONDecodeError:
        raise json_error(400, t("web.errors.bad_request")) from None


class _TooLarge(web.HTTPClientError):
    """413 without aiohttp's own sizes (the message says what to do instead)."""

    status_code = 413


_ERRORS: dict[int, type[web.HTTPClientError]] = {
    400: web.HTTPBadRequest,
    403: web.HTTPForbidden,
    404: web.HTTPNotFound,
    409: web.HTTPConflict,
    413: _TooLarge,
    415: web.HTTPUnsupportedMediaType,
}


def json_error(status: int, message: str) -> web.HTTPException:
    """A clean 4xx with a JSON body, to ``raise``."""
    return _ERRORS[status](
        text=json_bytes({"error": message}).decode(), content_type="application/json"
    )


#: aiohttp's own refusals on the web chat's API (no such route, a wrong method, a body
#: over ``[web] max_body_bytes``), by status: the sentence the page shows for each.
_API_REFUSALS = {
    400: "bad_request",
    404: "not_found",
    405: "not_allowed",
    413: "too_long",
    415: "bad_request",
}
#: Headers of a refusal that a client still needs when its body is replaced.
_KEPT_HEADERS = ("Allow", "Retry-After")


@web.middleware
async def api_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """On ``/api/``, whatever is refused is ``{"error": <a short Chinese sentence>}`` with
    its status, as the web chat's page expects and shows: the handlers' own refusals
    (:func:`json_error`) pass as they are; aiohttp's plain-text ones (404, 405, 413 …)
    get the catalogue's sentence for their status; a bug is a 500 saying so (its
    traceback logged). Outermost, so a database outage is still answered as such."""
    if not request.path.startswith("/api/"):
        return await handler(request)
    try:
        return await handler(request)
    except web.HTTPException as refused:
        if refused.status < 400 or refused.content_type == "application/json":
            raise
        other = "server" if refused.status >= 500 else "bad_request"
        sentence = t(f"web.errors.{_API_REFUSALS.get(refused.status, other)}")
        response = json_reply({"error": sentence}, status=refused.status)
        for name in _KEPT_HEADERS:
            if name in refused.headers:
                response.headers[name] = refused.headers[name]
        return response
    except Exception:
        if request.headers.get("Upgrade", "").lower() == "websocket":
            raise  # the socket may be open already: no HTTP answer can follow
        log.exception("unhandled error on the web chat's API", extra={"path": request.path})
        return json_reply({"error": t("web.errors.server")}, status=500)


#: Sent with every response of the one app. The pages load their scripts and styles
#: from files only (no inline script or style), talk only to their own origin, and
#: can't be framed; browsers must not guess content types or leak the page address.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}


async def add_security_headers(_request: web.BaseRequest, response: web.StreamResponse) -> None:
    """``on_response_prepare``: every response (pages, API, static files, errors) gets
    :data:`SECURITY_HEADERS`, unless a handler chose its own value."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)


class TrustedProxies:
    """Which peers' X-Forwarded-Proto / X-Forwarded-Host describe the real request.

    Only a listed reverse proxy can say that the browser spoke HTTPS or which host
    it asked for; anyone else sending those headers is ignored.
    """

    def __init__(self, networks: list[str]) -> None:
        self.networks = [ipaddress.ip_network(n, strict=False) for n in networks]

    def trusted(self, request: web.BaseRequest) -> bool:
        if not self.networks or request.remote is None:
            return False
        try:
            peer = ipaddress.ip_address(request.remote)
        except ValueError:
            return False
        return any(peer in network for network in self.networks)

    def _forwarded(self, request: web.BaseRequest, header: str) -> str | None:
        value = request.headers.get(header)
        if not value or not self.trusted(request):
            return None
        return value.split(",")[0].strip().lower() or None

    def scheme(self, request: web.BaseRequest) -> str:
        """``https`` or ``http`` as the browser used it."""
        if request.secure:
            return "https"
        forwarded = self._forwarded(request, "X-Forwarded-Proto")
        return forwarded if forwarded in ("http", "https") else request.scheme

    def host(self, request: web.BaseRequest) -> str:
        """The host (and port) the browser asked for."""
        return (self._forwarded(request, "X-Forwarded-Host") or request.host).lower()

    def origin(self, request: web.BaseRequest) -> str:
        """This server's own origin as the browser sees it: ``scheme://host[:port]``."""
        scheme, host = self.scheme(request), self.host(request)
        default = ":443" if scheme == "https" else ":80"
        return f"{scheme}://{host.removesuffix(default)}"
