"""A reply that carries a credential (a bind code, a workbench link) is sent once and
never kept in the record of the message."""

from __future__ import annotations

import re

from sqlalchemy import text

from kernel.texts import t
from tests.kit import Town


async def test_a_bind_code_is_not_kept_with_the_message(town: Town) -> None:
    issued = await town.li.says("生成绑定码 小陈", mid="issue-1")
    found = re.search(r"\d{8}", issued.text)
    assert found, issued.text
    async with town.bot.uow() as uow:
        rows = (await uow.session.execute(text("SELECT reply FROM inbound_messages"))).all()
    assert rows and not any(found.group(0) in str(r[0]) for r in rows)
    again = await town.li.says("生成绑定码 小陈", mid="issue-1")  # the platform's retry
    assert again.text == t("router.secret_not_kept") and found.group(0) not in again.text


async def test_a_workbench_link_is_not_kept_with_the_message(town: Town) -> None:
    link = await town.li.says("工作台", mid="console-1")
    token = re.search(r"token=([\w-]+)", link.text)
    assert token, link.text
    async with town.bot.uow() as uow:
        rows = (await uow.session.execute(text("SELECT reply FROM inbound_messages"))).all()
    assert not any(token.group(1) in str(r[0]) for r in rows)
