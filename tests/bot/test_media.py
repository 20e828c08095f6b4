"""The photo store on both backends: a local directory and an S3 bucket (a real S3
server on loopback), checked, kept whole, served by link and by nothing else."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from yarl import URL

from bot.config import MediaSettings
from bot.media import MediaRefused, MediaStore
from tests.bot.adapters.webchat import ClientFactory

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
JPEG = b"\xff\xd8\xff\xe0" + bytes(512)


@pytest.fixture(params=["local", "s3"])
def media_settings(request: pytest.FixtureRequest, tmp_path: Path) -> MediaSettings:
    if request.param == "local":
        return MediaSettings(dir=str(tmp_path / "media"))
    return MediaSettings(**request.getfixturevalue("s3_media"))


@pytest.fixture
async def served(
    media_settings: MediaSettings, aiohttp_client: ClientFactory
) -> tuple[MediaStore, TestClient[Any, Any]]:
    store = MediaStore.from_settings(media_settings, "http://yishi.example")
    app = web.Application()
    store.add_routes(app)
    return store, await aiohttp_client(app)


def bucket(settings: MediaSettings) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=settings.s3_endpoint_url,
        region_name=settings.s3_region,
        aws_access_key_id=settings.s3_access_key_id,
        aws_secret_access_key=settings.s3_secret_access_key,
    )


async def test_a_kept_photo_is_served_whole_at_its_link(
    served: tuple[MediaStore, TestClient[Any, Any]],
) -> None:
    store, http = served
    link = await store.save(PNG)
    assert link.startswith("http://yishi.example/media/") and link.endswith(".png")
    resp = await http.get(URL(link).path)
    assert resp.status == 200 and resp.content_type == "image/png"
    assert await resp.read() == PNG
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    other = await store.save(JPEG)
    assert other != link and await store.read(other) == JPEG


async def test_names_not_issued_are_not_found(
    served: tuple[MediaStore, TestClient[Any, Any]],
) -> None:
    store, http = served
    await store.save(PNG)
    for path in ("/media/" + "0" * 32 + ".png", "/media/..%2Fconfig.toml", "/media/x.png"):
        assert (await http.get(path)).status == 404, path


async def test_what_is_not_a_photo_or_too_big_is_refused(media_settings: MediaSettings) -> None:
    store = MediaStore.from_settings(
        media_settings.model_copy(update={"max_bytes": 2048}), "http://yishi.example"
    )
    with pytest.raises(MediaRefused) as refused:
        await store.save(b"GIF89a" + bytes(64))
    assert refused.value.reason == "not_image"
    with pytest.raises(MediaRefused) as refused:
        await store.save(PNG[:8] + bytes(4096))
    assert refused.value.reason == "too_big"


async def test_an_s3_photo_lies_in_the_private_bucket_under_the_prefix(
    s3_media: dict[str, Any],
) -> None:
    settings = MediaSettings(**s3_media)
    store = MediaStore.from_settings(settings, "http://yishi.example")
    link = await store.save(JPEG)
    name = link.rsplit("/", 1)[1]
    s3 = bucket(settings)
    [kept] = s3.list_objects_v2(Bucket=settings.s3_bucket)["Contents"]
    assert kept["Key"] == f"media/{name}" and kept["Size"] == len(JPEG)
    head = s3.head_object(Bucket=settings.s3_bucket, Key=kept["Key"])
    assert head["ContentType"] == "image/jpeg"


async def test_an_unreachable_bucket_refuses_the_photo_and_the_link_says_try_later(
    s3_media: dict[str, Any], aiohttp_client: ClientFactory
) -> None:
    settings = MediaSettings(**{**s3_media, "s3_bucket": "no-such-bucket"})
    store = MediaStore.from_settings(settings, "http://yishi.example")
    with pytest.raises(MediaRefused) as refused:
        await store.save(PNG)
    assert refused.value.reason == "unavailable"
    app = web.Application()
    store.add_routes(app)
    http = await aiohttp_client(app)
    assert (await http.get("/media/" + "a" * 32 + ".png")).status == 503


def test_s3_needs_a_bucket_and_never_shows_its_secret() -> None:
    with pytest.raises(ValueError, match="s3_bucket"):
        MediaSettings(backend="s3")
    settings = MediaSettings(backend="s3", s3_bucket="b", s3_secret_access_key="hunter2-secret")
    assert "hunter2" not in repr(settings) and "hunter2" not in str(settings)
