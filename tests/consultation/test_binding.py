"""Bind codes can't be guessed in practice: failures are throttled per account, per source
and for everyone, across processes, on SQLite and PostgreSQL; good codes still work."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from consultation.binding import (
    CODE_DIGITS,
    LIMITS,
    BindError,
    Throttled,
    issue_code,
    redeem,
)
from storage.engine import create_engine, session_factory
from storage.models import Resident
from storage.unit_of_work import UnitOfWorkFactory

NOW = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)


@pytest.fixture
async def uowf(db_url: str) -> AsyncIterator[UnitOfWorkFactory]:
    engine = create_engine(db_url, pool_size=10)
    yield UnitOfWorkFactory(session_factory(engine))
    await engine.dispose()


async def resident(uowf: UnitOfWorkFactory) -> int:
    async with uowf() as uow:
        person = Resident(name="张阿姨", verified=True)
        uow.session.add(person)
        await uow.session.flush()
        assert person.id is not None
        return person.id


async def issue(uowf: UnitOfWorkFactory, resident_id: int, at: datetime = NOW) -> str:
    async with uowf() as uow:
        return await issue_code(uow, resident_id, "resident:1", at)


async def attempt(
    uowf: UnitOfWorkFactory, code: str, user: str, at: datetime, source: str | None = None
) -> str:
    """One bind attempt in its own transaction: "bound", "unknown" or "wait N"."""
    async with uowf() as uow:
        try:
            await redeem(uow, code, "wechat", user, at, source)
        except Throttled as exc:
            return f"wait {exc.minutes}"
        except BindError as exc:
            return exc.code
    return "bound"


def guesses(real: str, n: int, at: int) -> list[str]:
    """``n`` wrong codes with the real one at position ``at``."""
    low = 10 ** (CODE_DIGITS - 1)
    wrong = (f"{low + i * 7919}" for i in range(n + 1))
    out = [g for g in wrong if g != real][:n]
    out.insert(at, real)
    return out


async def test_codes_are_eight_digits_and_one_answer_for_bad_used_expired(
    uowf: UnitOfWorkFactory,
) -> None:
    person = await resident(uowf)
    code = await issue(uowf, person)
    assert len(code) == 8 and code.isdigit()
    stale = await issue(uowf, person, NOW - timedelta(days=2))
    assert await attempt(uowf, code, "oZhang", NOW) == "bound"
    answers = {
        await attempt(uowf, code, "oOther", NOW),  # used
        await attempt(uowf, stale, "oOther", NOW),  # expired
        await attempt(uowf, "12345678", "oOther", NOW),  # never issued
    }
    assert answers == {"unknown"}, "no hint of which codes exist"


async def test_one_account_is_stopped_after_five_failures(uowf: UnitOfWorkFactory) -> None:
    code = await issue(uowf, await resident(uowf))
    tries = [await attempt(uowf, g, "oMallory", NOW) for g in guesses(code, 9, 8)]
    assert tries[:5] == ["unknown"] * 5
    assert tries[5:] == ["wait 12"] * 5, "the real code, sixth or later, is not even tried"
    later = NOW + timedelta(minutes=12)
    assert await attempt(uowf, code, "oMallory", later) == "bound"


async def test_a_brute_force_from_everywhere_never_finds_the_code(
    uowf: UnitOfWorkFactory,
) -> None:
    """300 guesses, each from a new account and a new address (identities are free), the
    real code among them: the community-wide bucket lets 100 through, then one every 36 s.
    The failures are counted in buckets, not audit rows; the rightful owner binds later."""
    code = await issue(uowf, await resident(uowf))
    tries = Counter()
    for i, guess in enumerate(guesses(code, 300, 250)):
        at = NOW + timedelta(milliseconds=20 * i)  # 50 guesses a second
        answer = await attempt(uowf, guess, f"oBot{i}", at, source=f"10.0.{i // 200}.{i % 200}")
        tries[answer.split()[0]] += 1
    assert tries["bound"] == 0
    assert tries["unknown"] <= 100 + 1 and tries["wait"] >= 200
    async with uowf() as uow:
        audit = Counter(
            a for (a,) in (await uow.session.execute(text("SELECT action FROM audit_log"))).all()
        )
        buckets = (await uow.session.execute(text("SELECT count(*) FROM rate_buckets"))).scalar()
    assert audit["bind_locked"] == 1 and "bind_failed" not in audit, audit
    assert buckets is not None and buckets <= 1 + 2 * (100 + 2), "rows bounded by the limit"
    later = NOW + timedelta(minutes=40)
    assert await attempt(uowf, code, "oZhang", later, source="10.9.9.9") == "bound"


async def test_one_source_with_many_accounts_is_stopped(uowf: UnitOfWorkFactory) -> None:
    code = await issue(uowf, await resident(uowf))
    tries = [
        await attempt(uowf, g, f"web-{i}", NOW, source="203.0.113.7")
        for i, g in enumerate(guesses(code, 30, 25))
    ]
    assert tries[:20] == ["unknown"] * 20 and set(tries[20:]) == {"wait 3"}
    assert await attempt(uowf, code, "web-ok", NOW, source="198.51.100.1") == "bound"


async def test_two_processes_share_the_limit(db_url: str) -> None:
    """Two engines (as two processes would) guessing at once, on one database: together
    they get no more failures through than the limit."""
    engines = [create_engine(db_url, pool_size=5) for _ in range(2)]
    factories = [UnitOfWorkFactory(session_factory(e)) for e in engines]
    try:
        code = await issue(factories[0], await resident(factories[0]))

        async def guess(i: int, g: str) -> str:
            for _ in range(50):  # SQLite: a busy file now and then; try again
                try:
                    return await attempt(factories[i % 2], g, f"o{i}", NOW, source=f"s{i}")
                except Exception as exc:  # pragma: no cover - only on contention
                    if "locked" not in str(exc):
                        raise
                    await asyncio.sleep(0.01)
            raise AssertionError("database stayed locked")

        wrong = [g for g in guesses(code, 200, 0) if g != code]
        answers = await asyncio.gather(*(guess(i, g) for i, g in enumerate(wrong)))
        counted = Counter(a.split()[0] for a in answers)
        assert counted == {"unknown": LIMITS["bind:all"].capacity, "wait": 100}
    finally:
        for e in engines:
            await e.dispose()


async def test_buckets_that_refilled_are_purged(uowf: UnitOfWorkFactory) -> None:
    from storage.throttle import ThrottleRepository

    code = await issue(uowf, await resident(uowf))
    for i in range(5):
        await attempt(uowf, f"1000000{i}", "oMallory", NOW)  # locks this account
    await attempt(uowf, "10000009", "oOnce", NOW)
    assert code not in {f"1000000{i}" for i in range(10)}
    async with uowf() as uow:
        repo = uow.get(ThrottleRepository)
        soon = (NOW + timedelta(minutes=5)).timestamp()
        assert await repo.purge_full(soon, LIMITS) == 1, "everyone's refills fast"
        later = (NOW + timedelta(minutes=50)).timestamp()
        assert await repo.purge_full(later, LIMITS) == 1, "oOnce's is full again"
        keys = (await uow.session.execute(text("SELECT key FROM rate_buckets"))).scalars()
        assert list(keys) == ["bind:account:wechat:oMallory"]
        much_later = (NOW + timedelta(minutes=61)).timestamp()
        assert await repo.purge_full(much_later, LIMITS) == 1
