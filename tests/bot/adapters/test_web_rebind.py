"""改绑 over real HTTP: an account bound to 张阿姨 that sends a code issued for 小陈 is asked
first (确认改绑 / 取消, the buttons carrying that code); re-bound, it no longer sees 张阿姨's
tickets, drafts or conversation, which follow her to her new account; the re-bind is in
the audit log with who and when."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from aiohttp.test_utils import TestClient
from sqlmodel import select

from storage.models import Resident
from tests.bot.adapters.webchat import Browser, bot_of, code_for
from tests.conftest import Clock

TICKET_NUMBER = re.compile(r"R\d{8}-\d{3,4}")


async def test_a_bound_account_is_asked_before_it_is_bound_to_someone_else(
    client: TestClient[Any, Any], browsers: Callable[[], Browser], clock: Clock
) -> None:
    phone = browsers()
    await phone.open()
    assert (
        "绑定成功！您好，张阿姨" in (await phone.say(f"绑定 {await code_for(client, '张阿姨')}"))[0]
    )
    await phone.say("楼上邻居家漏水漏到我家，找他好几次了都不管")
    await phone.say("3号楼2单元401室")
    found = TICKET_NUMBER.search("\n".join(await phone.say("确认提交")))
    assert found
    number = found.group(0)
    await phone.say("楼道的灯坏了")  # a draft under way
    assert number in "\n".join(await phone.say("我的诉求"))

    # The same resident's code again: nothing to do, and the code stays unused.
    spare = await code_for(client, "张阿姨")
    assert "已经绑定过了" in (await phone.say(f"绑定 {spare}"))[0]

    # 小陈's code on 张阿姨's phone: asked, with both buttons bound to that code.
    code = await code_for(client, "小陈")
    status, answer = await phone.post(text=f"绑定 {code}")
    ask = answer["replies"][0]  # (and a reminder of the draft under way)
    assert status == 200 and ask["text"].startswith("这个账号已绑定为张阿姨，确定改绑为小陈吗？"), (
        ask
    )
    assert [(b["label"], b["data"]) for b in ask["buttons"]] == [
        ("确认改绑", f"确认改绑 {code}"),
        ("取消", f"取消改绑 {code}"),
    ]
    assert "还是张阿姨" in (await phone.say(f"取消改绑 {code}"))[0]
    assert number in "\n".join(await phone.say("我的诉求")), "取消 changed nothing"

    clock.advance(minutes=5)
    assert (await phone.say(f"确认改绑 {code}"))[0].startswith("已改绑。您好，小陈")
    assert number not in "\n".join(await phone.say("我的诉求"))
    assert "漏水" not in "\n".join(await phone.say(number))
    assert "没有待确认的草稿" in (await phone.say("确认提交"))[0], "张阿姨's draft is gone"
    assert "已经绑定过了" in (await phone.say(f"确认改绑 {code}"))[0], "pressed twice"

    # 张阿姨 binds her new phone with the spare code: her ticket is there.
    new_phone = browsers()
    await new_phone.open()
    assert "张阿姨" in (await new_phone.say(f"绑定 {spare}"))[0]
    assert number in "\n".join(await new_phone.say("我的诉求"))
    assert "漏水" in "\n".join(await new_phone.say(number))

    # Its progress is told to 张阿姨's new phone, not to the phone that is 小陈's now.
    li = browsers()
    await li.open()
    await li.act_as("li")
    said = "\n".join(await li.say(f"接单 {number}") + await li.say(f"处理中 {number} 已联系物业"))
    bot = bot_of(client)
    async with bot.uow() as uow:
        to_old = await uow.pushes.for_chat("web", phone.me["user_id"])
        to_new = await uow.pushes.for_chat("web", new_phone.me["user_id"])
    assert not [p for p in to_old if number in str(p.payload)], said
    assert [p for p in to_new if "已联系物业" in str(p.payload)], (said, to_new)

    account = f"web:{phone.me['user_id']}"
    async with bot.uow() as uow:
        entries = await uow.audit.for_entity("platform_account", account)
        ids = {r.name: r.id for r in (await uow.session.exec(select(Resident))).all()}
    actions = [(e.action, e.actor) for e in entries]
    assert actions == [("bound", account), ("rebound", account)], actions
    rebound = entries[-1]
    assert rebound.before == {"resident_id": ids["张阿姨"]}
    assert rebound.after == {"resident_id": ids["小陈"], "at": clock().isoformat()}
