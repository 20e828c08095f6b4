"""Reading a photo upload from the web chat: multipart, streamed, never past the limit.

The app's ``client_max_size`` (``[web] max_body_bytes``) is for JSON; a phone's photo is
larger, so this route reads its multipart body itself and stops at ``[media] max_bytes``
(the photo is refused then, with a sentence the page shows).
"""

from __future__ import annotations

from aiohttp import BodyPartReader, web

from bot.http import json_error
from kernel.texts import t

#: Besides the photo, only short fields (a chat id, a message id).
FIELD_BYTES = 256


async def read_upload(request: web.Request, max_bytes: int) -> tuple[dict[str, str], bytes]:
    """The form's short fields and the ``photo`` part's bytes."""
    if request.content_type != "multipart/form-data":
        raise json_error(415, t("web.errors.no_photo"))
    reader = await request.multipart()
    fields: dict[str, str] = {}
    data: bytes | None = None
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader):
            raise json_error(400, t("web.errors.no_photo"))
        if part.name == "photo":
            data = await _read_limited(part, max_bytes)
        elif part.name in ("chat_id", "message_id"):
            fields[part.name] = (await _read_limited(part, FIELD_BYTES, field=True)).decode(
                errors="replace"
            )
        else:
            raise json_error(400, t("web.errors.no_photo"))
    if not data:
        raise json_error(400, t("web.errors.no_photo"))
    return fields, data


async def _read_limited(part: BodyPartReader, limit: int, *, field: bool = False) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while chunk := await part.read_chunk(64 * 1024):
        size += len(chunk)
        if size > limit:
            if field:
                raise json_error(400, t("web.errors.bad_request"))
            raise json_error(413, t("media.too_big"))
        chunks.append(chunk)
    return b"".join(chunks)
