"""Small HTTP helpers shared by the adapters."""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web


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
        raise json_error(400, "body must be JSON") from None


_ERRORS: dict[int, type[web.HTTPClientError]] = {
    400: web.HTTPBadRequest,
    403: web.HTTPForbidden,
    404: web.HTTPNotFound,
    415: web.HTTPUnsupportedMediaType,
}


def json_error(status: int, message: str) -> web.HTTPException:
    """A clean 4xx with a JSON body, to ``raise``."""
    return _ERRORS[status](
        text=json_bytes({"error": message}).decode(), content_type="application/json"
    )
