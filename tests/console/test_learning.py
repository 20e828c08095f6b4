"""教我听懂 in the workbench: a moderator labels what the bot was unsure of, audited, and
the chat's 待标注 no longer lists it; nobody else may."""

from __future__ import annotations

import re

from sqlalchemy import text

from storage.nlu_samples import NluSampleRepository
from tests.console.conftest import Browserless
from tests.kit import Town


async def _kept(town: Town, words: str) -> int:
    async with town.bot.uow() as uow:
        sample = await uow.get(NluSampleRepository).keep(
            words, "other", 0.41, "unsure", town.clock()
        )
        assert sample.id is not None
        return sample.id


async def test_a_moderator_labels_a_kept_message_in_the_workbench(
    town: Town, as_li: Browserless
) -> None:
    sample = await _kept(town, "阿拉屋里厢水龙头一直滴滴答答")
    status, page = await as_li.page("/console/nlu")
    assert status == 200 and "阿拉屋里厢水龙头一直滴滴答答" in page and "待标注 1 条" in page
    assert f'action="/console/nlu/{sample}/label"' in page and "反映问题" in page
    status, page = await as_li.post(f"/console/nlu/{sample}/label", intent="report_issue")
    assert status == 200 and "已标注为“反映问题”" in page and "没有待标注的消息" in page
    listing = await town.li.says("待标注")
    assert "滴滴答答" not in listing
    async with town.bot.uow() as uow:
        rows = await uow.session.execute(
            text("SELECT actor, after FROM audit_log WHERE action = 'nlu_labelled'")
        )
        [(actor, after)] = rows.all()
    assert actor.startswith("resident:") and "report_issue" in str(after)


async def test_a_bad_label_or_sample_is_refused_and_changes_nothing(
    town: Town, as_li: Browserless
) -> None:
    """A forged intent or a sample that is gone: refused in words, nothing labelled."""
    sample = await _kept(town, "那个事情怎么样了呀")
    _, page = await as_li.post(f"/console/nlu/{sample}/label", intent="drop_tables")
    assert "请选择这句话的意思" in page
    _, page = await as_li.post("/console/nlu/999999/label", intent="other")
    assert "没有这条消息" in page
    _, page = await as_li.page("/console/nlu")
    assert "那个事情怎么样了呀" in page and re.search(r"待标注 1 条", page)


async def test_only_moderators_open_it(town: Town, served: object) -> None:
    from tests.console.conftest import login_with, token_in

    link = await town.wang.says("工作台")
    worker = await login_with(served, token_in(link.text))  # type: ignore[arg-type]
    status, page = await worker.page("/console/nlu")
    assert status == 403 and "教我听懂（待标注" not in page, (status, page[:200])
