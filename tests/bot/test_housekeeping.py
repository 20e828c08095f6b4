"""The nightly purge: at 03:30 in the community's zone, once, recorded in the audit log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import col, select

from bot.app import Yishi, default_timed_sources
from storage.models import InboundMessage
from storage.nlu_samples import NluSampleRepository
from tests.conftest import Clock, make_settings
from tests.kit import message as msg


async def _zhangs_messages(bot: Yishi) -> set[str]:
    async with bot.uow() as uow:
        rows = await uow.session.exec(
            select(InboundMessage.platform_message_id).where(
                col(InboundMessage.sender_id) == "zhang"
            )
        )
        return set(rows.all())


async def _help(bot: Yishi, message_id: str) -> None:
    [reply] = await bot.router.handle(msg("帮助", mid=message_id))
    assert "反映问题" in reply.text


async def test_purge_runs_at_0330_local_once_and_is_audited(yishi: Yishi, clock: Clock) -> None:
    bot = Yishi(yishi.settings, clock=clock, timed_sources=default_timed_sources(yishi.settings))
    try:
        clock.now = datetime(2026, 10, 1, 2, 0, tzinfo=UTC)
        await _help(bot, "october-1")
        await _help(bot, "october-2")
        clock.now = datetime(2026, 11, 22, 19, 29, tzinfo=UTC)  # 03:29 on 23 Nov, Shanghai
        await _help(bot, "november")
        assert await bot.scheduler.tick()
        assert await _zhangs_messages(bot) == {"october-1", "october-2", "november"}

        clock.advance(minutes=1)
        assert list(await bot.scheduler.run_due()) == ["housekeeping.purge:2026-11-23"]
        clock.advance(minutes=1)
        assert await bot.scheduler.run_due() == {}

        assert await _zhangs_messages(bot) == {"november"}
        async with bot.uow() as uow:
            [entry] = await uow.audit.for_entity("housekeeping", "2026-11-23")
        assert (entry.actor, entry.action) == ("scheduler", "records_purged")
        assert entry.after is not None and entry.after["messages"] == 2
    finally:
        await bot.stop()


async def test_a_purge_missed_in_the_night_waits_for_the_next(yishi: Yishi, clock: Clock) -> None:
    bot = Yishi(yishi.settings, clock=clock, timed_sources=default_timed_sources(yishi.settings))
    try:
        clock.now = datetime(2026, 10, 1, 2, 0, tzinfo=UTC)
        await _help(bot, "october-1")
        clock.now = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # started at 10:00 in Shanghai
        await _help(bot, "november")
        assert await bot.scheduler.tick()
        assert await bot.scheduler.run_due() == {}
        assert await _zhangs_messages(bot) == {"october-1", "november"}
        bot.scheduler.horizon = timedelta(hours=24)  # a plan reaching the next night
        upcoming = {e.key: e.due_at for e in await bot.scheduler.rebuild()}
        assert upcoming == {
            "housekeeping.purge:2026-11-24": datetime(2026, 11, 23, 19, 30, tzinfo=UTC)
        }
    finally:
        await bot.stop()


async def test_purge_can_be_switched_off(sqlite_url: str) -> None:
    settings = make_settings(sqlite_url, scheduler={"housekeeping_enabled": False})
    kinds = {kind for source in default_timed_sources(settings) for kind in source.kinds}
    assert "housekeeping.purge" not in kinds
    assert "housekeeping.purge" in {
        kind for s in default_timed_sources(make_settings(sqlite_url)) for kind in s.kinds
    }


async def test_purge_forgets_old_unlabelled_messages_kept_for_labelling(
    yishi: Yishi, clock: Clock
) -> None:
    """Unlabelled ones go with the message log (30 days); labels stay a year."""
    settings = make_settings(yishi.settings.storage.url, nlu={"labels_keep_days": 365})
    bot = Yishi(settings, clock=clock, timed_sources=default_timed_sources(settings))
    try:
        async with bot.uow() as uow:
            repo = uow.get(NluSampleRepository)
            november = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
            october = datetime(2026, 10, 1, 2, 0, tzinfo=UTC)
            await repo.keep("十月没人标", "other", 0.4, "ask", october)
            labelled = await repo.keep("十月标了的", "other", 0.4, "ask", october)
            await repo.label(labelled, "help", "resident:1", october)
            await repo.keep("十一月的", "other", 0.4, "ask", november)
        clock.now = datetime(2026, 11, 22, 19, 29, tzinfo=UTC)
        assert await bot.scheduler.tick()
        clock.advance(minutes=1)
        assert list(await bot.scheduler.run_due()) == ["housekeeping.purge:2026-11-23"]
        async with bot.uow() as uow:
            repo = uow.get(NluSampleRepository)
            left = [s.text for s in await repo.unlabelled()] + [
                s.text for s in await repo.labelled()
            ]
            [entry] = await uow.audit.for_entity("housekeeping", "2026-11-23")
        assert sorted(left) == ["十一月的", "十月标了的"]
        assert entry.after is not None and entry.after["nlu_samples"] == 1
    finally:
        await bot.stop()
