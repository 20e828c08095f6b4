"""The web chat's whole inbound path on PostgreSQL with 1 and 2 worker processes.

For each worker count: a fresh database and ``yishi demo --workers N`` on a port of
its own. The configurations run side by side and take turns round by round (as
benchmarks/pipeline.py does with its bare server: this machine's speed drifts),
closed loop at each level of senders, then an open loop offering ``--rate``
messages a second to each. Printed per configuration and level:

* throughput (the median round's) and p50/p99 latency (over every round);
* **server CPU per message**: user + system time of the worker processes over the
  measured part, as the kernel accounts it to them (psutil, /proc);
* **database CPU per message**: the same for the PostgreSQL backends that serve
  this configuration's database (their pids from pg_stat_activity);
* and over all closed-loop rounds, the database's own bookkeeping per message from
  pg_stat_database: time its backends spent executing statements (active_time),
  commits, and rows written (inserted + updated + deleted). The opening of each
  sender's web session (one GET and one insert) is counted in with the messages.

    .venv/bin/python benchmarks/postgres.py [--workers 1,2] [--levels 1,50,200]
        [--messages 4000] [--rounds 3] [--rate 600] [--open-seconds 10]

PostgreSQL at ``--pg`` (default 127.0.0.1:5432, database ``test`` for the admin
connection); each configuration's database is created and dropped here. ``--workers``
may name ``0``: one process on a SQLite file (plain ``yishi demo``), measured the same
way, for comparing PostgreSQL's cost with SQLite's under the same conditions.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pipeline import (  # a sibling script, not a package
    Round,
    add_load_options,
    drive,
    drive_open,
    generator_collector_off,
    stop,
    summarise,
)

from tests.browser import free_port  # pipeline put the repository on sys.path
from tests.run_support import wait_healthy

ROOT = Path(__file__).resolve().parents[1]
PG = "postgresql://postgres@127.0.0.1:5432/test"
#: PostgreSQL flushes a backend's statistics at most every second while busy and
#: within ten seconds once idle: wait that long before reading pg_stat_database.
STATS_SETTLE_SECONDS = 11.0


def cpu_seconds(processes: Iterable[psutil.Process]) -> dict[int, float]:
    """User + system CPU seconds of each live process, by pid."""
    found: dict[int, float] = {}
    for proc in processes:
        try:
            times = proc.cpu_times()
        except psutil.Error:
            continue
        found[proc.pid] = times.user + times.system
    return found


def spent(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU used between two readings (a process that started meanwhile: all of its own)."""
    return sum(value - before.get(pid, 0.0) for pid, value in after.items())


@dataclass
class Config:
    """One ``yishi demo --workers N`` and its database."""

    workers: int
    database: str
    port: int
    proc: subprocess.Popen[bytes]
    admin: asyncpg.Connection
    rounds: dict[int, list[Round]] = field(default_factory=dict)
    server_cpu: dict[int, list[float]] = field(default_factory=dict)
    db_cpu: dict[int, list[float]] = field(default_factory=dict)
    stats_before: dict[str, float] = field(default_factory=dict)
    stats: dict[str, float] = field(default_factory=dict)
    messages: int = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def label(self) -> str:
        return str(self.workers) if self.workers else "sqlite"

    def worker_processes(self) -> list[psutil.Process]:
        server = psutil.Process(self.proc.pid)
        return server.children() if self.workers else [server]

    async def backends(self) -> list[psutil.Process]:
        if not self.workers:
            return []
        rows = await self.admin.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = $1", self.database
        )
        return [psutil.Process(r["pid"]) for r in rows if psutil.pid_exists(r["pid"])]

    async def database_stats(self) -> dict[str, float]:
        if not self.workers:
            return {"active_time": 0.0, "xact_commit": 0.0, "written": 0.0}
        await self.admin.execute("SELECT pg_stat_clear_snapshot()")
        row = await self.admin.fetchrow(
            "SELECT active_time, xact_commit, tup_inserted + tup_updated + tup_deleted AS written"
            " FROM pg_stat_database WHERE datname = $1",
            self.database,
        )
        assert row is not None
        return {k: float(row[k]) for k in ("active_time", "xact_commit", "written")}


class CpuProbe:
    """Reads the workers' and the backends' CPU around the measured part of a run."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.server = 0.0
        self.database = 0.0
        self._server: dict[int, float] = {}
        self._database: dict[int, float] = {}

    async def start(self) -> None:
        self._server = cpu_seconds(self.config.worker_processes())
        self._database = cpu_seconds(await self.config.backends())

    async def stop(self) -> None:
        self.server = spent(self._server, cpu_seconds(self.config.worker_processes()))
        self.database = spent(self._database, cpu_seconds(await self.config.backends()))


def spawn_server(
    workers: int, url: str, port: int, log: Path, pool_size: int
) -> subprocess.Popen[bytes]:
    """``yishi demo --workers N`` on ``url``, logging warnings to ``log``."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("YISHI_")},
        "YISHI_STORAGE__URL": url,
        "YISHI_STORAGE__POOL_SIZE": str(pool_size),
        "YISHI_WEB__PORT": str(port),
        "YISHI_LOG__LEVEL": "WARNING",
    }
    with log.open("wb") as out:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bot.cli",
                "demo",
                *(["--workers", str(workers)] * (workers > 0)),
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=out,
        )


async def start_config(workers: int, pg: str, logs: Path, pool_size: int) -> Config:
    database = f"yishi_bench_{workers}w_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(pg)
    port = free_port()
    if workers:
        await admin.execute(f'CREATE DATABASE "{database}"')
        url = pg.rsplit("/", 1)[0] + f"/{database}"
    else:
        url = f"sqlite:///{logs / database}.db"  # logs: an absolute path (main)
    proc = spawn_server(workers, url, port, logs / f"{database}.log", pool_size)
    config = Config(workers, database, port, proc, admin)
    await wait_healthy(config.base, patience=180)
    return config


async def stop_config(config: Config) -> None:
    stop(config.proc, 60)
    if config.workers:
        await config.admin.execute(f'DROP DATABASE IF EXISTS "{config.database}" WITH (FORCE)')
    await config.admin.close()


async def measure(configs: list[Config], levels: list[int], messages: int, rounds: int) -> None:
    """Closed loop at each level, the configurations taking turns round by round."""
    for config in configs:
        await drive(config.base, 20, 400)  # warm-up: imports, caches, connection pools
    await asyncio.sleep(STATS_SETTLE_SECONDS)
    for config in configs:
        config.stats_before = await config.database_stats()
    for level in levels:
        for _ in range(rounds):
            for config in configs:
                probe = CpuProbe(config)
                count = messages if level > 1 else min(messages, 500)
                result = await drive(config.base, level, count, probe)
                config.rounds.setdefault(level, []).append(result)
                config.server_cpu.setdefault(level, []).append(probe.server)
                config.db_cpu.setdefault(level, []).append(probe.database)
                config.messages += len(result.latencies) + level  # + the senders' sessions
    await asyncio.sleep(STATS_SETTLE_SECONDS)
    for config in configs:
        after = await config.database_stats()
        config.stats = {k: after[k] - config.stats_before[k] for k in after}


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    levels = [int(x) for x in args.levels.split(",")]
    counts = [int(x) for x in args.workers.split(",")]
    logs = Path(args.logs)
    load_before = os.getloadavg()
    configs: list[Config] = []
    try:
        for workers in counts:
            configs.append(await start_config(workers, args.pg, logs, args.pool_size))
        with generator_collector_off():
            await measure(configs, levels, args.messages, args.rounds)
            opened: dict[str, dict[str, float]] = {}
            for config in configs:
                probe = CpuProbe(config)
                result = await drive_open(
                    config.base, args.open_senders, args.rate, args.open_seconds, probe
                )
                result["server_ms"] = probe.server / result["messages"] * 1000
                result["db_ms"] = probe.database / result["messages"] * 1000
                opened[config.label] = result
    finally:
        for config in configs:
            await stop_config(config)
    load_after = os.getloadavg()

    print(
        f"inbound pipeline on PostgreSQL, {os.cpu_count()} cores, "
        f"load average {load_before[0]:.1f} before, {load_after[0]:.1f} after, "
        f"pool_size {args.pool_size} (up to {2 * args.pool_size} connections a worker)"
    )
    print(
        f"{'workers':>7} {'senders':>7} {'msgs':>6} {'msg/s':>7} {'each round':>15} "
        f"{'p50 ms':>7} {'p99 ms':>7} {'server CPU ms/msg':>18} {'db CPU ms/msg':>14} "
        f"{'errors':>6}"
    )
    report: dict[str, Any] = {"levels": {}, "open_loop": {}, "database": {}}
    for level in levels:
        for config in configs:
            summary = summarise(config.rounds[level])
            handled = [len(r.latencies) for r in config.rounds[level]]
            server = statistics.median(
                c / n * 1000 for c, n in zip(config.server_cpu[level], handled, strict=True)
            )
            db = statistics.median(
                c / n * 1000 for c, n in zip(config.db_cpu[level], handled, strict=True)
            )
            each = "-".join(
                f"{x:.0f}" for x in (min(summary["throughputs"]), max(summary["throughputs"]))
            )
            print(
                f"{config.label:>7} {level:>7} {summary['messages']:>6} "
                f"{summary['throughput']:>7.0f} {each:>15} {summary['p50_ms']:>7.1f} "
                f"{summary['p99_ms']:>7.1f} {server:>18.2f} {db:>14.2f} {summary['errors']:>6}"
            )
            report["levels"].setdefault(config.label, {})[level] = {
                **summary,
                "server_cpu_ms": server,
                "db_cpu_ms": db,
            }
    for config in configs:
        result = opened[config.label]
        print(
            f"open loop, {config.label} worker(s): {args.open_senders} senders offering "
            f"{args.rate:.0f} msg/s for {args.open_seconds:.0f} s: "
            f"{result['throughput']:.0f} msg/s answered, p50 {result['p50_ms']:.1f} ms, "
            f"p99 {result['p99_ms']:.1f} ms, max {result['max_ms']:.1f} ms, "
            f"server CPU {result['server_ms']:.2f} ms/msg, db CPU {result['db_ms']:.2f} ms/msg, "
            f"errors {int(result['errors'])}"
        )
        report["open_loop"][config.label] = result
    for config in (c for c in configs if c.workers):
        n = config.messages
        stats = config.stats
        print(
            f"database, {config.workers} worker(s), over {n} closed-loop messages: "
            f"{stats['active_time'] / n:.2f} ms executing statements, "
            f"{stats['xact_commit'] / n:.2f} commits, {stats['written'] / n:.2f} rows written "
            "per message"
        )
        report["database"][str(config.workers)] = {k: v / n for k, v in stats.items()}
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--workers", default="1,2", help="worker counts to compare (0: one process on SQLite)"
    )
    add_load_options(parser, rate=600)
    parser.add_argument(
        "--pool-size",
        type=int,
        default=10,
        help="[storage] pool_size of each worker (10, the default; less on a shared server)",
    )
    parser.add_argument("--pg", default=os.environ.get("YISHI_TEST_PG_URL", PG))
    parser.add_argument("--logs", default="/tmp/yishi-bench-postgres", help="servers' logs")
    args = parser.parse_args()
    args.logs = str(Path(args.logs).resolve())
    Path(args.logs).mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    report = asyncio.run(main_async(args))
    print(f"({time.monotonic() - started:.0f} s)")
    print(json.dumps(report, default=float))


if __name__ == "__main__":
    main()
