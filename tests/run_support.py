"""A real ``yishi run`` in a subprocess, as the crash test and the benchmarks start it:
its config file's common part, and the wait until it answers ``/healthz``."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import aiohttp


def run_config(db_url: str, port: int, platforms: str = "") -> str:
    """A config for ``yishi run``: its database, a loopback port and a quiet text log;
    ``platforms`` adds the sections of what the run is about (TOML)."""
    return f"""
[storage]
url = "{db_url}"
[web]
host = "127.0.0.1"
port = {port}
[log]
level = "WARNING"
format = "text"
{platforms}"""


async def wait_healthy(
    base: str,
    patience: float = 60.0,
    proc: subprocess.Popen[bytes] | None = None,
    log: Path | None = None,
) -> None:
    """Until ``base`` answers ``/healthz`` with 200. A ``proc`` that exits meanwhile
    fails the wait at once instead of at the deadline; ``log`` is shown either way."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + patience
    async with aiohttp.ClientSession() as session:
        while loop.time() < deadline:
            if proc is not None and proc.poll() is not None:
                break
            try:
                async with session.get(base + "/healthz") as resp:
                    if resp.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    tail = await asyncio.to_thread(log.read_text, errors="replace") if log is not None else ""
    raise RuntimeError(f"{base} did not become healthy\n{tail[-3000:]}".rstrip())
