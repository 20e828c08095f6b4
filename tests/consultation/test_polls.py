"""Vote integrity on real databases: concurrency, duplicates, changes, eligibility, close,
households, paper ballots and the anonymity of anonymous polls."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from consultation import events as ev
from consultation.ballot_box import BallotError, BallotKeys
from consultation.ballots import Electorate, PollKind
from consultation.polls import PollError, PollEvents, PollService, PollSpec, parse_poll_command
from storage.engine import create_engine, session_factory
from storage.exports import EXPORTS
from storage.models import Resident
from storage.unit_of_work import UnitOfWork, UnitOfWorkFactory

NOW = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)
KEYS = BallotKeys(b"test-ballot-secret-" + b"0" * 32)
SH = ZoneInfo("Asia/Shanghai")
#: The anonymous minimum set to 1: the sealed-ballot tests below count two or three
#: ballots, fewer than an anonymous poll publishes (see tests/handlers/test_anonymous_minimum.py).
COUNT_ALL = 1


async def make_people(uow_factory: UnitOfWorkFactory, n: int, **kw: object) -> list[Resident]:
    async with uow_factory() as uow:
        people = [Resident(name=f"居民{i:04d}", verified=True, **kw) for i in range(n)]  # type: ignore[arg-type]
        uow.session.add_all(people)
        await uow.session.flush()
        return people


async def open_poll(uow_factory: UnitOfWorkFactory, spec: PollSpec) -> int:
    async with uow_factory() as uow:
        poll = await PollService(uow, NOW, KEYS).open(spec, None, "web", "group:main", "test")
        assert poll.id is not None
        return poll.id


async def cast(
    uow_factory: UnitOfWorkFactory, poll_id: int, who: Resident, mask: int, *, at: datetime = NOW
) -> str:
    async with uow_factory() as uow:
        return (
            await PollService(uow, at, KEYS).cast(poll_id, who, mask, f"resident:{who.id}")
        ).status


@pytest.fixture
async def uowf(db_url: str) -> UnitOfWorkFactory:
    engine = create_engine(db_url, pool_size=10)
    yield UnitOfWorkFactory(session_factory(engine))
    await engine.dispose()


async def test_1000_concurrent_voters_tally_exactly(uowf: UnitOfWorkFactory) -> None:
    people = await make_people(uowf, 1000)
    poll_id = await open_poll(uowf, PollSpec("是否同意", quorum_pct=60))
    masks = [1 << (i % 3) for i in range(1000)]  # 334 赞成, 333 反对, 333 弃权
    await asyncio.gather(*(cast(uowf, poll_id, p, m) for p, m in zip(people, masks, strict=True)))
    async with uowf() as uow:
        service = PollService(uow, NOW, KEYS)
        poll = await service.get(poll_id)
        result = await service.tally(poll)
    assert result.counts == (334, 333, 333) and result.voters == 1000
    assert result.electorate == 1000 and result.quorum_met and not result.rule_met


async def test_anonymous_1000_concurrent_votes_and_changes_count_once(
    uowf: UnitOfWorkFactory,
) -> None:
    """500 voters each send two different votes at once: one is new, the other (the one
    that came second) changes it; at close each voter counts once, with the later choice."""
    people = await make_people(uowf, 500)
    poll_id = await open_poll(uowf, PollSpec("匿名表决", anonymous=True))

    async def twice(p: Resident) -> list[tuple[str, int]]:
        first, second = await asyncio.gather(cast(uowf, poll_id, p, 1), cast(uowf, poll_id, p, 2))
        return [(first, 1), (second, 2)]

    results = await asyncio.gather(*(twice(p) for p in people))
    assert all(sorted(s for s, _ in pair) == ["changed", "new"] for pair in results)
    last = [m for pair in results for s, m in pair if s == "changed"]
    async with uowf() as uow:
        closed = await PollService(uow, NOW, KEYS).close(poll_id, "moderator")
    assert closed.tally.voters == 500
    assert closed.tally.counts == (last.count(1), last.count(2), 0)


async def test_same_vote_twice_and_changed_vote(uowf: UnitOfWorkFactory) -> None:
    [a] = await make_people(uowf, 1)
    poll_id = await open_poll(uowf, PollSpec("Q"))
    assert await cast(uowf, poll_id, a, 1) == "new"
    assert await cast(uowf, poll_id, a, 1) == "same", "cast again as it stands: nothing changed"
    assert await cast(uowf, poll_id, a, 2) == "changed"
    async with uowf() as uow:
        service = PollService(uow, NOW, KEYS)
        result = await service.tally(await service.get(poll_id))
    assert result.counts == (0, 1, 0), "the last vote stands, counted once"


async def test_ineligible_voters_are_told_why(uowf: UnitOfWorkFactory) -> None:
    [unverified] = await make_people(uowf, 1)
    async with uowf() as uow:
        unverified.verified = False
        uow.session.add(unverified)
    [resident] = await make_people(uowf, 1)
    poll_id = await open_poll(uowf, PollSpec("Q"))
    committee_poll = await open_poll(uowf, PollSpec("Q", electorate=Electorate.COMMITTEE))
    with pytest.raises(PollError) as no:
        await cast(uowf, poll_id, unverified, 1)
    assert no.value.code == "not_verified"
    with pytest.raises(PollError) as only:
        await cast(uowf, committee_poll, resident, 1)
    assert only.value.code == "only_committee"


async def test_voting_after_close(uowf: UnitOfWorkFactory) -> None:
    [a, b] = await make_people(uowf, 2)
    poll_id = await open_poll(uowf, PollSpec("Q", closes_at=NOW + timedelta(hours=1)))
    await cast(uowf, poll_id, a, 1)
    with pytest.raises(PollError) as late:
        await cast(uowf, poll_id, b, 1, at=NOW + timedelta(hours=1))
    assert late.value.code == "closed", "past closes_at even before the closer ran"
    async with uowf() as uow:
        [event] = await PollEvents().upcoming(uow, NOW, timedelta(days=1))
        await PollEvents().fire(uow, event, NOW + timedelta(hours=1), late=False)
        await PollEvents().fire(uow, event, NOW + timedelta(hours=2), late=True)
        poll = await PollService(uow, NOW, KEYS).get(poll_id)
    closings = [e for e in uow.published if isinstance(e, ev.PollClosed)]
    assert len(closings) == 1 and not closings[0].late
    assert poll.status == "closed" and poll.result["voters"] == 1
    with pytest.raises(PollError):
        await cast(uowf, poll_id, b, 1, at=NOW)


async def test_one_vote_per_household(uowf: UnitOfWorkFactory) -> None:
    [mum, dad] = await make_people(uowf, 2, household="3-2-301")
    [single] = await make_people(uowf, 1)
    poll_id = await open_poll(uowf, PollSpec("Q", electorate=Electorate.HOUSEHOLDS))
    await cast(uowf, poll_id, mum, 1)
    with pytest.raises(PollError) as taken:
        await cast(uowf, poll_id, dad, 2)
    assert taken.value.code == "household_voted"
    await cast(uowf, poll_id, single, 2)
    async with uowf() as uow:
        service = PollService(uow, NOW, KEYS)
        poll = await service.get(poll_id)
        result = await service.tally(poll)
        assert result.counts == (1, 1, 0) and result.electorate == 2
        assert sorted(await service.non_voters(poll)) == []


async def test_paper_ballot_respects_one_vote_per_person(uowf: UnitOfWorkFactory) -> None:
    [chat_voter, paper_voter] = await make_people(uowf, 2)
    poll_id = await open_poll(uowf, PollSpec("Q"))
    await cast(uowf, poll_id, chat_voter, 1)
    async with uowf() as uow:
        with pytest.raises(PollError) as dup:
            await PollService(uow, NOW, KEYS).paper(poll_id, chat_voter, 2, "moderator")
    assert dup.value.code == "paper_already"
    async with uowf() as uow:
        await PollService(uow, NOW, KEYS).paper(poll_id, paper_voter, 2, "moderator")
    with pytest.raises(PollError) as stands:
        await cast(uowf, poll_id, paper_voter, 1)
    assert stands.value.code == "paper_stands"
    async with uowf() as uow:
        service = PollService(uow, NOW, KEYS)
        assert (await service.tally(await service.get(poll_id))).counts == (1, 1, 0)


async def test_hidden_results_cannot_be_revealed_once_voting_started(
    uowf: UnitOfWorkFactory,
) -> None:
    [a] = await make_people(uowf, 1)
    poll_id = await open_poll(uowf, PollSpec("Q", hide_results=True))
    await cast(uowf, poll_id, a, 1)
    async with uowf() as uow:
        with pytest.raises(PollError) as locked:
            await PollService(uow, NOW, KEYS).set_hidden(poll_id, False, "moderator")
    assert locked.value.code == "hide_locked"
    secret = await open_poll(uowf, PollSpec("Q2", hide_results=True, anonymous=True))
    async with uowf() as uow:
        with pytest.raises(PollError) as anonymous:
            await PollService(uow, NOW, KEYS).set_hidden(secret, False, "moderator")
    assert anonymous.value.code == "hide_locked_anonymous"


async def test_anonymous_poll_keeps_no_link_between_voter_and_choice(
    uowf: UnitOfWorkFactory, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    people = await make_people(uowf, 6)
    poll_id = await open_poll(
        uowf, PollSpec("Q", kind=PollKind.SINGLE, options=("甲方案", "乙方案"), anonymous=True)
    )
    for i, p in enumerate(people):
        await cast(uowf, poll_id, p, 1 if i < 2 else 2)
    async with uowf() as uow:
        service = PollService(uow, NOW, KEYS)
        with pytest.raises(PollError):
            await service.participants(await service.get(poll_id))  # not before close
        await service.close(poll_id, "moderator")
    async with uowf() as uow:
        dump = await _dump_database(uow)
        votes = [row async for row in EXPORTS["votes"](uow)]
    # The participation rows hold voters but no choice; the counters hold choices, no voters.
    voters = [r for r in dump["poll_voters"] if r["poll_id"] == poll_id]
    assert len(voters) == 6 and all(r["choice_mask"] is None for r in voters)
    tallies = [r for r in dump["poll_tallies"] if r["poll_id"] == poll_id]
    assert sorted((r["choice_mask"], r["votes"]) for r in tallies) == [(1, 2), (2, 4)]
    assert set(tallies[0]) == {"id", "poll_id", "choice_mask", "votes"}
    # No row that names a voter (id, name or actor) carries a choice, in any table.
    ids = {p.id for p in people}
    tokens = {f"resident:{p.id}" for p in people} | {p.name for p in people}
    for table, rows in dump.items():
        for row in rows:
            blob = json.dumps(row, ensure_ascii=False, default=str)
            names_voter = row.get("resident_id") in ids or any(tok in blob for tok in tokens)
            if names_voter:
                assert "甲方案" not in blob and "乙方案" not in blob, (table, row)
                assert row.get("choice_mask") is None, (table, row)
    # Exports: a row per ballot, no voter column.
    anon = [v for v in votes if v["poll"] == f"P{poll_id}"]
    assert len(anon) == 6 and all("voter" not in v and "resident_id" not in v for v in anon)
    # Logs never carried a choice.
    assert not any("甲方案" in r.getMessage() or "乙方案" in r.getMessage() for r in caplog.records)


async def _dump_database(uow: UnitOfWork) -> dict[str, list[dict[str, object]]]:
    from sqlmodel import SQLModel

    out: dict[str, list[dict[str, object]]] = {}
    for name in SQLModel.metadata.tables:
        rows = (await uow.session.execute(text(f'SELECT * FROM "{name}"'))).mappings().all()
        out[name] = [dict(r) for r in rows]
    return out


def test_poll_command_parsing() -> None:
    now = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)
    spec = parse_poll_command(
        "开启投票 停车改造选哪个 T12 选项:东侧/地下/路边 多选:2 范围:每户 匿名 法定:60% "
        "通过:三分之二 截止:12-06 18:00",
        now,
        SH,
    )
    assert spec.question == "停车改造选哪个" and spec.topic_id == 12
    assert spec.kind is PollKind.MULTI and spec.max_choices == 2 and len(spec.options) == 3
    assert spec.electorate is Electorate.HOUSEHOLDS and spec.anonymous and spec.hide_results
    assert spec.quorum_pct == 60 and spec.rule.value == "two_thirds"
    assert spec.closes_at == datetime(2026, 12, 6, 10, 0, tzinfo=UTC)
    for bad, code in (
        ("开启投票 Q 截止:12-01 08:00", "deadline_past"),
        ("开启投票 Q 范围:全国", "bad_electorate"),
        ("开启投票 Q 法定:120%", "bad_quorum"),
        ("开启投票 Q 多选:2", "multi_needs_options"),
    ):
        with pytest.raises(PollError) as err:
            parse_poll_command(bad, now, SH)
        assert err.value.code == code


# -- anonymous polls: sealed ballots ---------------------------------------------------


async def test_anonymous_household_and_paper_rules_hold_for_sealed_ballots(
    uowf: UnitOfWorkFactory,
) -> None:
    [mum, dad] = await make_people(uowf, 2, household="3-2-301")
    [paper_voter, changer] = await make_people(uowf, 2)
    poll_id = await open_poll(uowf, PollSpec("Q", anonymous=True, electorate=Electorate.HOUSEHOLDS))
    assert await cast(uowf, poll_id, mum, 1) == "new"
    with pytest.raises(PollError) as taken:
        await cast(uowf, poll_id, dad, 2)
    assert taken.value.code == "household_voted"
    async with uowf() as uow:
        await PollService(uow, NOW, KEYS).paper(poll_id, paper_voter, 2, "moderator")
    with pytest.raises(PollError) as stands:
        await cast(uowf, poll_id, paper_voter, 1)
    assert stands.value.code == "paper_stands"
    assert await cast(uowf, poll_id, changer, 4) == "new"
    assert await cast(uowf, poll_id, changer, 2) == "changed"
    async with uowf() as uow:
        closed = await PollService(uow, NOW, KEYS, COUNT_ALL).close(poll_id, "moderator")
    assert closed.tally.counts == (1, 2, 0) and closed.tally.voters == 3


async def test_a_wrong_ballot_secret_leaves_the_poll_open_and_uncounted(
    uowf: UnitOfWorkFactory,
) -> None:
    people = await make_people(uowf, 3)
    poll_id = await open_poll(uowf, PollSpec("Q", anonymous=True))
    for p, mask in zip(people, (1, 1, 2), strict=True):
        await cast(uowf, poll_id, p, mask)
    other = BallotKeys(b"another-secret-entirely-" + b"1" * 32)
    async with uowf() as uow:
        with pytest.raises(PollError) as unreadable:
            await PollService(uow, NOW, other, COUNT_ALL).close(poll_id, "moderator")
    assert unreadable.value.code == "ballots_unreadable"
    async with uowf() as uow:
        service = PollService(uow, NOW, KEYS, COUNT_ALL)
        assert (await service.get(poll_id)).status == "open"
        closed = await service.close(poll_id, "moderator")
    assert closed.tally.counts == (2, 1, 0)
    # A ballot moved into another voter's slot (or poll) no longer opens.
    slot = KEYS.slot(poll_id, "r:1")
    sealed = KEYS.seal(poll_id, slot, 1)
    with pytest.raises(BallotError):
        KEYS.open(poll_id, KEYS.slot(poll_id, "r:2"), sealed)
    with pytest.raises(BallotError):
        KEYS.open(poll_id + 1, slot, sealed)
    assert KEYS.open(poll_id, slot, sealed) == 1


async def test_closing_while_a_vote_is_in_flight_counts_it(uowf: UnitOfWorkFactory) -> None:
    """A vote holds the poll until it commits and closing waits for it: a vote that was
    accepted is in the published count, and no sealed ballot is left behind."""
    [early, late] = await make_people(uowf, 2)
    poll_id = await open_poll(uowf, PollSpec("Q", anonymous=True))
    await cast(uowf, poll_id, early, 1)

    async def close() -> ev.PollClosed:
        async with uowf() as uow:
            return await PollService(uow, NOW, KEYS, COUNT_ALL).close(poll_id, "moderator")

    async with uowf() as vote:
        await PollService(vote, NOW, KEYS).cast(poll_id, late, 2, "resident")
        closing = asyncio.create_task(close())
        await asyncio.sleep(0.3)
        assert not closing.done(), "closing waits for the vote in flight"
    closed = await closing
    assert closed.tally.counts == (1, 1, 0) and closed.tally.voters == 2
    async with uowf() as uow:
        left = (await uow.session.execute(text("SELECT count(*) FROM poll_ballots"))).scalar()
    assert left == 0
    with pytest.raises(PollError) as after:
        await cast(uowf, poll_id, late, 1)
    assert after.value.code == "closed"


async def test_counters_from_before_sealed_ballots_are_added_at_close(
    uowf: UnitOfWorkFactory,
) -> None:
    """An anonymous poll open across the upgrade: its old counters count, its old voters
    (no sealed ballot to find) are told their vote can't be changed, new ones are sealed."""
    [old_voter, new_voter] = await make_people(uowf, 2)
    poll_id = await open_poll(uowf, PollSpec("Q", anonymous=True))
    async with uowf() as uow:
        await uow.session.execute(
            text(
                "INSERT INTO poll_voters (poll_id, voter_key, resident_id, channel) "
                "VALUES (:p, :k, :r, 'chat')"
            ),
            {"p": poll_id, "k": f"r:{old_voter.id}", "r": old_voter.id},
        )
        await uow.session.execute(
            text("INSERT INTO poll_tallies (poll_id, choice_mask, votes) VALUES (:p, 2, 1)"),
            {"p": poll_id},
        )
    with pytest.raises(PollError) as final:
        await cast(uowf, poll_id, old_voter, 1)
    assert final.value.code == "anonymous_final"
    assert await cast(uowf, poll_id, new_voter, 2) == "new"
    async with uowf() as uow:
        closed = await PollService(uow, NOW, KEYS, COUNT_ALL).close(poll_id, "moderator")
    assert closed.tally.counts == (0, 2, 0) and closed.tally.voters == 2
