"""Kept messages: masked before they are stored, listed newest first, labelled, purged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from storage.nlu_samples import MAX_TEXT, NluSampleRepository, mask_personal
from storage.unit_of_work import UnitOfWorkFactory

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("电话13812345678找我", "电话138****5678找我"),
        ("打138-1234-5678或139 8765 4321", "打138****5678或139****4321"),
        ("座机010-62345678", "座机010-****5678"),
        ("身份证110101199003071234", "身份证110101********1234"),
        ("3号楼2单元301，R20261122-0007", "3号楼2单元301，R20261122-0007"),
        ("订单号1234567890123", "订单号1234567890123"),
    ],
)
def test_phone_and_id_numbers_are_masked(text: str, masked: str) -> None:
    assert mask_personal(text) == masked


async def test_kept_text_is_masked_and_cut(seeded: UnitOfWorkFactory) -> None:
    async with seeded() as uow:
        repo = uow.get(NluSampleRepository)
        await repo.keep("楼下吵，有事打13812345678", "report_issue", 0.41, "ask_report", NOW)
        await repo.keep("灯" * 900, "other", 0.3, "ask", NOW)
    async with seeded() as uow:
        newest, first = await uow.get(NluSampleRepository).unlabelled()
    assert first.text == "楼下吵，有事打138****5678"
    assert (first.predicted, first.confidence, first.reason) == ("report_issue", 0.41, "ask_report")
    assert len(newest.text) == MAX_TEXT


async def test_labelled_messages_leave_the_list_and_join_the_training_data(
    seeded: UnitOfWorkFactory,
) -> None:
    async with seeded() as uow:
        repo = uow.get(NluSampleRepository)
        one = await repo.keep("我要吹哨", "other", 0.5, "ask", NOW)
        await repo.keep("说事", "other", 0.44, "ask", NOW)
        await repo.label(one, "report_issue", "resident:1", NOW)
        await repo.teach("6栋的鸭子又跑出来了", "report_issue", "resident:1", NOW)
    async with seeded() as uow:
        repo = uow.get(NluSampleRepository)
        assert [s.text for s in await repo.unlabelled()] == ["说事"]
        assert await repo.count_unlabelled() == 1
        labelled = await repo.labelled()
    assert [(s.text, s.label, s.labelled_by) for s in labelled] == [
        ("我要吹哨", "report_issue", "resident:1"),
        ("6栋的鸭子又跑出来了", "report_issue", "resident:1"),
    ]


async def test_purge_keeps_labels_longer_than_unlabelled_messages(
    seeded: UnitOfWorkFactory,
) -> None:
    async with seeded() as uow:
        repo = uow.get(NluSampleRepository)
        for days, label in ((40, None), (10, None), (400, "other"), (100, "help")):
            sample = await repo.keep(f"{days}天前", "other", 0.5, "ask", NOW - timedelta(days=days))
            if label:
                await repo.label(sample, label, "resident:1", NOW)
    async with seeded() as uow:
        removed = await uow.get(NluSampleRepository).purge(
            unlabelled_before=NOW - timedelta(days=30), labelled_before=NOW - timedelta(days=365)
        )
    assert removed == 2
    async with seeded() as uow:
        repo = uow.get(NluSampleRepository)
        left = {s.text for s in await repo.unlabelled()} | {s.text for s in await repo.labelled()}
    assert left == {"10天前", "100天前"}
