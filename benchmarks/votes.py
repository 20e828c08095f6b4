"""100,000 votes cast through the service layer, then tallied: prints the figures.

Run: ``.venv/bin/python benchmarks/votes.py [--voters N] [--url sqlite:///path]``.
Each vote goes through :meth:`PollService.cast` (eligibility, the unique
participation key, the choice; for the anonymous poll a sealed ballot), batched
1,000 per transaction to keep the run bounded. The named tally is the GROUP BY
the bot runs at close; the anonymous one opens every sealed ballot in memory
(measured while open, as close does it: the service's own tally of an open anonymous
poll is its turnout only), and its close also writes the counts and deletes the
ballots (measured once).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from consultation.ballot_box import BallotKeys
from consultation.polls import PollService, PollSpec
from storage.engine import create_engine, session_factory
from storage.migrate import upgrade
from storage.models import Resident
from storage.people import PeopleRepository
from storage.unit_of_work import UnitOfWorkFactory

NOW = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)
BATCH = 1000
KEYS = BallotKeys(b"benchmark-ballot-secret-" + b"0" * 32)


async def run(url: str, voters: int) -> None:
    engine = create_engine(url)
    await upgrade(engine)
    uow = UnitOfWorkFactory(session_factory(engine))
    started = time.perf_counter()
    async with uow() as u:
        for start in range(0, voters, 10_000):
            u.session.add_all(
                Resident(name=f"居民{i}", verified=True, household=f"h{i}")
                for i in range(start, min(voters, start + 10_000))
            )
        await u.session.flush()
    async with uow() as u:
        people = list(await u.get(PeopleRepository).verified())
        named = await PollService(u, NOW, KEYS).open(
            PollSpec("命名表决"), None, "web", "g", "bench"
        )
        anon = await PollService(u, NOW, KEYS).open(
            PollSpec("匿名表决", anonymous=True), None, "web", "g", "bench"
        )
    print(f"residents: {len(people):,} loaded in {time.perf_counter() - started:.1f} s")
    for poll in (named, anon):
        assert poll.id is not None
        started = time.perf_counter()
        for start in range(0, len(people), BATCH):
            async with uow() as u:
                service = PollService(u, NOW, KEYS)
                for i, person in enumerate(people[start : start + BATCH], start=start):
                    await service.cast(poll.id, person, 1 << (i % 3), "bench")
        cast_s = time.perf_counter() - started
        async with uow() as u:
            service = PollService(u, NOW, KEYS)
            fresh = await service.get(poll.id)
            timings = []
            for _ in range(5):
                t0 = time.perf_counter()
                if poll.anonymous:  # what close does: every sealed ballot opened in memory
                    counts = await service._count_sealed(fresh, {})
                    result = service._count(fresh, counts, len(people))
                else:
                    result = await service.tally(fresh)
                timings.append((time.perf_counter() - t0) * 1000)
        kind = "anonymous" if poll.anonymous else "named"
        closing = ""
        if poll.anonymous:
            t0 = time.perf_counter()
            async with uow() as u:
                closed = await PollService(u, NOW, KEYS).close(poll.id, "bench")
            closing = f"; close (open, publish, delete) {time.perf_counter() - t0:.2f} s"
            assert closed.tally.counts == result.counts
        print(
            f"{kind:>9}: {len(people):,} votes cast in {cast_s:.1f} s "
            f"({len(people) / cast_s:,.0f} votes/s); tally {min(timings):.1f} ms best, "
            f"{sorted(timings)[2]:.1f} ms median{closing}; counts {result.counts}, "
            f"turnout {result.turnout_pct:.1f}%"
        )
        assert result.voters == len(people) and sum(result.counts) == len(people)
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--voters", type=int, default=100_000)
    parser.add_argument("--url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        print(f"database: {url.split('@')[-1]}")
        asyncio.run(run(url, args.voters))


if __name__ == "__main__":
    main()
