"""Shared fixtures: real databases (SQLite files, PostgreSQL when reachable) and a wired bot.

PostgreSQL tests use ``YISHI_TEST_PG_URL`` (default ``postgresql://postgres@127.0.0.1:5432/test``);
each test gets a fresh database of its own, created and dropped around it, so
parallel runs never see each other's rows. Where no server answers they skip
with the reason.

Time and background work are the test's: every bot runs on a :class:`Clock` the
test moves, and the background loops (push sender, scheduler with its
housekeeping) stay off unless a test is about them and says so with
``@pytest.mark.loops("push")`` / ``("scheduler")``; other tests deliver pushes
with ``push.drain()`` and fire timers with ``scheduler.tick()``/``run_due()``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from bot.app import Yishi
from bot.config import Settings
from kernel.intents import IntentClassifier, KeywordClassifier
from storage.engine import create_engine
from storage.migrate import upgrade
from tests.kit import Town

PG_URL = os.environ.get("YISHI_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


class Clock:
    """A controllable clock: tests move time instead of sleeping."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 22, 2, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(autouse=True)
def _background_loops(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the loops a test names in ``pytest.mark.loops`` run when its bot starts."""
    import bot.app

    marker = request.node.get_closest_marker("loops")
    wanted = frozenset(marker.args if marker else ())
    unknown = wanted - bot.app.LOOPS
    assert not unknown, f"no such background loop: {sorted(unknown)}"
    monkeypatch.setattr(bot.app, "LOOPS", wanted)


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file made once per run; each test copies it (fast, still real)."""
    path = tmp_path_factory.mktemp("template") / "template.db"

    async def build() -> None:
        engine = create_engine(f"sqlite:///{path}")
        await upgrade(engine)
        await engine.dispose()  # the last connection to close checkpoints the WAL

    asyncio.run(build())
    return path


@pytest.fixture
def sqlite_url(tmp_path: Path, _sqlite_template: Path) -> str:
    """A real, migrated SQLite database file for this test."""
    target = tmp_path / "yishi.db"
    shutil.copy(_sqlite_template, target)
    return f"sqlite:///{target}"


def _pg_available() -> str | None:
    async def probe() -> str | None:
        try:
            import asyncpg

            conn = await asyncio.wait_for(asyncpg.connect(_asyncpg_dsn(PG_URL)), 3)
            await conn.close()
            return None
        except Exception as exc:
            return f"PostgreSQL not reachable at {PG_URL} ({type(exc).__name__}: {exc})"

    return asyncio.run(probe())


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def _pg_reason() -> str | None:
    return _pg_available()


@pytest.fixture
def pg_url(_pg_reason: str | None) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test (skips when no server)."""
    if _pg_reason:
        pytest.skip(_pg_reason)
    with fresh_pg_database() as url:
        yield url


@contextlib.contextmanager
def fresh_pg_database() -> Iterator[str]:
    """Create and migrate a PostgreSQL database of its own; dropped on leaving."""
    import asyncpg

    name = f"yishi_t_{uuid.uuid4().hex[:12]}"
    admin = _asyncpg_dsn(PG_URL)

    async def create() -> None:
        conn = await asyncpg.connect(admin)
        await conn.execute(f'CREATE DATABASE "{name}"')
        await conn.close()
        engine = create_engine(make_url(PG_URL).set(database=name).render_as_string(False))
        await upgrade(engine)
        await engine.dispose()

    async def drop() -> None:
        conn = await asyncpg.connect(admin)
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()

    asyncio.run(create())
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(drop())


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """Runs the test once on a SQLite file and once on PostgreSQL."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("pg_url"))


def _media_dir(url: str) -> Path:
    if url.startswith("sqlite") and "///" in url:
        return Path(url.split("///", 1)[1]).parent / "media"
    return Path(tempfile.gettempdir()) / f"yishi-test-media-{os.getpid()}"


def make_settings(url: str, **sections: dict[str, Any]) -> Settings:
    """Settings for the demo community on ``url`` (the web chat lets tests pick the speaker)."""
    data: dict[str, Any] = {
        "storage": {"url": url},
        "log": {"format": "text"},
        "web": {"demo_personas": True},
        "polls": {"ballot_secret": "test-ballot-secret-" + "0" * 32},
        # The clock-driven ticket tests count plain hours (a 4 h limit is 4 h later);
        # working time (the default of `yishi run`) has its own tests, which set
        # tickets.working_hours (tests/consultation/test_worktime.py, tests/console/).
        "tickets": {"working_hours": []},
        # Photos beside the test's database (never in the working directory).
        "media": {"dir": str(_media_dir(url))},
    }
    for section, values in sections.items():
        data.setdefault(section, {}).update(values)
    return Settings(**data)


@pytest.fixture
async def yishi(sqlite_url: str, clock: Clock) -> AsyncIterator[Yishi]:
    """A wired bot (keyword classifier, controllable clock) on a SQLite file, demo seeded."""
    from bot.demo import seed_demo

    bot = Yishi(make_settings(sqlite_url), classifier=KeywordClassifier(), clock=clock)
    await seed_demo(bot.uow, clock())
    yield bot
    await bot.stop()


@pytest.fixture(scope="session")
def trained_classifier() -> IntentClassifier:
    """The shipped Chinese model, loaded once: what ``yishi demo`` and ``yishi run`` use."""
    from nlu import load_classifier

    return load_classifier()


@pytest.fixture
async def model_town(
    sqlite_url: str, clock: Clock, trained_classifier: IntentClassifier
) -> AsyncIterator[Town]:
    """The demo community understood by the trained model, as residents meet it: for
    sentences the keyword stand-in reads differently (see tests/kit.py)."""
    async for found in town_with(sqlite_url, clock, trained_classifier):
        yield found


async def town_with(
    url: str, clock: Clock, classifier: IntentClassifier | None = None, **sections: dict[str, Any]
) -> AsyncIterator[Town]:
    """The demo community on ``url`` with a test's own settings sections (a lower co-sign
    threshold: ``consultation={"cosign_threshold": 2}``) and classifier (the keyword one
    by default), for a fixture: ``async for found in town_with(...): yield found``."""
    from bot.demo import seed_demo

    settings = make_settings(url, **sections)
    bot = Yishi(settings, classifier=classifier or KeywordClassifier(), clock=clock)
    await seed_demo(bot.uow, clock())
    yield Town(bot, clock)
    await bot.stop()


@pytest.fixture
async def town(sqlite_url: str, clock: Clock) -> AsyncIterator[Town]:
    """The demo community in the web chat, on a SQLite file (see tests/kit.py)."""
    async for found in town_with(sqlite_url, clock):
        yield found


@pytest.fixture
async def one_cosign(sqlite_url: str, clock: Clock) -> AsyncIterator[Town]:
    """The demo community where one co-signature qualifies a topic."""
    async for found in town_with(sqlite_url, clock, consultation={"cosign_threshold": 1}):
        yield found


@pytest.fixture
async def town_on_both(db_url: str, clock: Clock) -> AsyncIterator[Town]:
    """The demo community, once on SQLite and once on PostgreSQL."""
    async for found in town_with(db_url, clock):
        yield found


@pytest.fixture(scope="session")
def _s3_server() -> Iterator[str]:
    """A local S3 server (moto's, speaking S3's REST protocol over loopback HTTP)."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_media(_s3_server: str) -> dict[str, Any]:
    """``[media]`` settings for a fresh private bucket on the local S3 server."""
    import boto3

    settings: dict[str, Any] = {
        "backend": "s3",
        "s3_bucket": f"yishi-{uuid.uuid4().hex[:12]}",
        "s3_endpoint_url": _s3_server,
        "s3_region": "us-east-1",
        "s3_access_key_id": "test-key",
        "s3_secret_access_key": "test-secret",
    }
    boto3.client(
        "s3",
        endpoint_url=_s3_server,
        region_name="us-east-1",
        aws_access_key_id="test-key",
        aws_secret_access_key="test-secret",
    ).create_bucket(Bucket=settings["s3_bucket"])
    return settings
