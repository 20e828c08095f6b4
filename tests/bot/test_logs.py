"""Logs a person can read on a terminal, JSON for a collector, an access line per request."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from bot.app import build_yishi
from bot.logs import QUIET, setup_logging, stop_logging
from bot.serve import serve
from kernel.intents import KeywordClassifier
from tests.conftest import Clock, make_settings


class Terminal(io.StringIO):
    """What stderr is when a person watches it."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """setup_logging() owns the root logger; give pytest's handlers back afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    quiet = {name: logging.getLogger(name).level for name in QUIET}
    yield
    stop_logging()
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, was in quiet.items():
        logging.getLogger(name).setLevel(was)


def emit() -> None:
    logging.getLogger("yishi.push").warning("push undeliverable", extra={"push_id": 3})
    logging.getLogger("apscheduler.executors.default").info('Running job "tick" (trigger: …)')
    logging.getLogger("apscheduler.scheduler").info("Added job")


def test_a_terminal_gets_short_human_lines_without_the_scheduler_heartbeat(
    restore_logging: None,
) -> None:
    out = Terminal()
    setup_logging("INFO", "auto", stream=out)
    emit()
    stop_logging()
    [line] = out.getvalue().splitlines()
    assert re.fullmatch(r"\d\d:\d\d:\d\d WARN  push: push undeliverable  push_id=3", line), line


def test_a_pipe_gets_one_json_object_a_line(restore_logging: None) -> None:
    out = io.StringIO()  # not a terminal: a file, a pipe, journald
    setup_logging("INFO", "auto", stream=out)
    emit()
    stop_logging()
    [line] = out.getvalue().splitlines()
    record = json.loads(line)
    assert record["level"] == "WARNING" and record["logger"] == "yishi.push"
    assert record["message"] == "push undeliverable" and record["push_id"] == 3
    assert "time" in record


def test_the_format_key_forces_either(restore_logging: None) -> None:
    terminal, pipe = Terminal(), io.StringIO()
    setup_logging("INFO", "json", stream=terminal)
    emit()
    setup_logging("INFO", "text", stream=pipe)
    emit()
    stop_logging()
    assert json.loads(terminal.getvalue())["push_id"] == 3
    assert pipe.getvalue().split(" ", 1)[1].startswith("WARN  push: push undeliverable")


async def test_each_request_gets_an_access_line_with_its_latency_and_no_query(
    sqlite_url: str, clock: Clock, restore_logging: None
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    out = io.StringIO()
    setup_logging("INFO", "json", stream=out)
    bot = build_yishi(
        make_settings(sqlite_url, web={"port": port}), classifier=KeywordClassifier(), clock=clock
    )
    ready = asyncio.Event()
    server = asyncio.create_task(serve(bot, ready=ready))
    await asyncio.wait_for(ready.wait(), 30)
    async with aiohttp.ClientSession() as session:
        base = f"http://127.0.0.1:{port}"
        async with session.get(f"{base}/healthz") as resp:
            assert resp.status == 200
        async with session.get(f"{base}/public/nowhere?token=secret-token") as resp:
            assert resp.status == 404
        photo = await bot.media.save(b"\x89PNG\r\n\x1a\n" + bytes(64))
        async with session.get(f"{base}/media/{photo.rsplit('/', 1)[1]}") as resp:
            assert resp.status == 200
    os.kill(os.getpid(), signal.SIGINT)
    await asyncio.wait_for(server, 30)
    stop_logging()
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    access = [r for r in records if r["logger"] == "yishi.access"]
    assert [(r["message"], r["status"]) for r in access] == [
        ("GET /healthz", 200),
        ("GET /public/nowhere", 404),
        ("GET /media/{name}", 200),
    ]
    assert all(isinstance(r["ms"], float) and r["ms"] > 0 for r in access)
    assert "secret-token" not in out.getvalue() and '127.0.0.1"' not in out.getvalue()
    assert photo.rsplit("/", 1)[1] not in out.getvalue(), "a photo's name opens it"


def test_yishi_chat_keeps_log_lines_out_of_the_prompt(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("YISHI_")}
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "chat", "--as", "zhang"],
        input="帮助\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert "反映问题" in result.stdout
    assert result.stderr == ""
    logged = (tmp_path / "yishi-chat.log").read_text(encoding="utf-8")
    assert '"logger"' in logged  # the start-up lines went to the file
