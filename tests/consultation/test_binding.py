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
    CODE_SPACE,
    LIMITS,
    OVERALL,
    BindError,
    Throttled,
    issue_code,
    overall_limit,
    redeem,
)
from storage.engine import create_engine, session_factory
from storage.models import Resident
from storage.throttle import Limit
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


async def issue_many(uowf: UnitOfWorkFactory, n: int) -> list[str]:
    """``n`` live codes (the overall limit shrinks as more codes are live)."""
    person = await resident(uowf)
    return [await issue(uowf, person) for _ in range(n)]


def test_the_overall_limit_keeps_guessing_under_one_in_ten_thousand_a_day() -> None:
    """375 / N wrong codes an hour with N codes live: 24 h × rate × N / 9e7 ≤ 1e-4."""
    assert CODE_SPACE == 90_000_000
    assert overall_limit(0) == overall_limit(1) == Limit(375, 3600)
    assert overall_limit(10).capacity == 37
    for live in (1, 2, 10, 37, 50, 375, 1000, 10_000):
        limit = overall_limit(live)
        per_hour = limit.capacity / limit.period * 3600
        risk = 24 * per_hour * live / CODE_SPACE
        assert risk <= 1.0001e-4, (live, risk)
        assert limit.capacity >= 1


async def test_three_typos_are_told_gently_then_the_right_code_binds(
    uowf: UnitOfWorkFactory,
) -> None:
    code = await issue(uowf, await resident(uowf))
    typos = [await attempt(uowf, g, "oZhang", NOW, "192.0.2.1") for g in guesses(code, 3, 3)]
    assert typos == ["unknown", "unknown", "unknown", "bound"], "no wait after three typos"


async def test_an_account_past_five_typos_waits_but_its_right_code_binds(
    uowf: UnitOfWorkFactory,
) -> None:
    code = await issue(uowf, await resident(uowf))
    tries = [await attempt(uowf, g, "oMallory", NOW) for g in guesses(code, 9, 8)]
    assert tries[:5] == ["unknown"] * 5
    assert tries[5:8] == ["wait 3"] * 3, "then one try every 3 minutes"
    assert tries[8] == "bound", "the right code binds all the same"
    assert tries[9] == "wait 3"
    later = NOW + timedelta(minutes=3)
    assert await attempt(uowf, "10000000", "oMallory", later) == "unknown"
    assert await attempt(uowf, "10000001", "oMallory", later) == "wait 3"


async def test_a_brute_force_from_everywhere_never_finds_the_code(
    uowf: UnitOfWorkFactory,
) -> None:
    """300 guesses, each from a new account and a new address (identities are free), ten
    codes live: the community-wide bucket lets 375 / 10 = 37 through, then one every 97 s,
    whichever address they come from; the real code among them is not even checked.
    The failures are counted in buckets, not audit rows; the rightful owner binds later."""
    codes = await issue_many(uowf, 10)
    code = codes[0]
    tries = Counter()
    for i, guess in enumerate(guesses(code, 300, 250)):
        at = NOW + timedelta(milliseconds=20 * i)  # 50 guesses a second
        answer = await attempt(uowf, guess, f"oBot{i}", at, source=f"10.0.{i // 200}.{i % 200}")
        tries[answer.split()[0]] += 1
    assert tries["bound"] == 0
    assert tries["unknown"] == 37 and tries["wait"] == 264, tries
    async with uowf() as uow:
        audit = Counter(
            a for (a,) in (await uow.session.execute(text("SELECT action FROM audit_log"))).all()
        )
        buckets = (await uow.session.execute(text("SELECT count(*) FROM rate_buckets"))).scalar()
    assert audit["bind_locked"] == 1 and "bind_failed" not in audit, audit
    assert buckets is not None and buckets <= 1 + 2 * 301, "a row per account and address"
    later = NOW + timedelta(minutes=2)
    assert await attempt(uowf, code, "oZhang", later, source="10.9.9.9") == "bound"


async def test_one_address_guessing_does_not_keep_its_neighbours_from_binding(
    uowf: UnitOfWorkFactory,
) -> None:
    """A 小区 behind one NAT (or the reverse proxy): a guesser there with a new session
    for every guess is told to wait after 20, yet residents at the same address bind with
    the right code, until the community's bucket is empty: then nobody's code is checked,
    wherever it comes from."""
    codes = await issue_many(uowf, 10)  # 37 wrong codes an hour for everyone
    nat = "203.0.113.7"
    tries = [
        await attempt(uowf, g, f"web-{i}", NOW, source=nat)
        for i, g in enumerate(guesses(codes[0], 30, 25))
    ]
    assert tries[:20] == ["unknown"] * 20 and set(tries[20:25] + tries[26:]) == {"wait 3"}
    assert tries[25] == "bound", "a neighbour's right code, past the address's limit"
    assert await attempt(uowf, codes[1], "web-neighbour", NOW, source=nat) == "bound"
    wrong = [await attempt(uowf, f"{11_000_000 + i}", f"web-x{i}", NOW, nat) for i in range(20)]
    assert "unknown" not in wrong and "wait 3" in wrong and wrong[-1] != "wait 3"
    # 37 wrong codes spent (8 live codes now: 46 an hour, one every 78 s): nothing checked.
    assert await attempt(uowf, codes[2], "web-late", NOW, source=nat) == "wait 2"
    assert await attempt(uowf, codes[3], "oWechat", NOW) == "wait 2"
    later = NOW + timedelta(minutes=2)
    assert await attempt(uowf, codes[3], "oWechat", later) == "bound"


async def test_two_processes_share_the_limit(db_url: str) -> None:
    """Two engines (as two processes would) guessing at once, on one database: together
    they get no more failures through than the limit."""
    engines = [create_engine(db_url, pool_size=5) for _ in range(2)]
    factories = [UnitOfWorkFactory(session_factory(e)) for e in engines]
    try:
        code = (await issue_many(factories[0], 10))[0]

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
        assert counted == {"unknown": overall_limit(10).capacity, "wait": 200 - 37}
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
        assert await repo.purge_full(soon, LIMITS) == 1, "oOnce's is full again"
        later = (NOW + timedelta(minutes=14)).timestamp()
        assert await repo.purge_full(later, LIMITS) == 0, "oMallory's lock-out is recent"
        much_later = (NOW + timedelta(minutes=16)).timestamp()
        assert await repo.purge_full(much_later, LIMITS) == 1
        keys = (await uow.session.execute(text("SELECT key FROM rate_buckets"))).scalars()
        assert list(keys) == [OVERALL], "the community's one row stays"
