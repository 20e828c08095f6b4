"""议题 screened in the 工作台 says who was told only when it is true: not “理由已告知提议人”
to a moderator rejecting his own topic, and the proposer named when no account of theirs
can be reached, so the moderator tells them otherwise."""

from __future__ import annotations

import re

from sqlalchemy import text

from tests.console.conftest import Browserless
from tests.kit import Speaker, Town


async def _proposed(who: Speaker, words: str) -> str:
    draft = await who.says(f"我想提个议题：{words}")
    if "确认" in draft.text:
        draft = await who.taps("确认提交", draft)
    found = re.search(r"T\d+", draft.text)
    assert found, draft.text
    return found.group(0)


async def _flash(page: str) -> str:
    found = re.search(r'<p class="flash" role="status">([^<]*)</p>', page)
    assert found, page
    return found.group(1)


async def test_a_moderator_rejecting_his_own_topic_is_not_told_he_was_told(
    town: Town, as_li: Browserless
) -> None:
    ref = await _proposed(town.li, "小区东门加装夜间照明，晚上回家太黑")
    await town.li.receives()
    status, page = await as_li.post(f"/console/topics/{ref[1:]}/reject", reason="先不提了")
    assert status == 200 and await _flash(page) == f"{ref} 已驳回。", page
    assert not [p for p in await town.li.receives() if "没有通过审核" in p.text]


async def test_a_proposer_with_no_account_is_named_for_the_moderator_to_tell(
    town: Town, as_li: Browserless
) -> None:
    lights = await _proposed(town.zhang, "小区东门加装夜间照明，晚上回家太黑")
    parking = await _proposed(town.zhang, "小区停车位太少，建议在3号楼旁边增设停车位")
    status, page = await as_li.post(f"/console/topics/{lights[1:]}/reject", reason="已转物业")
    assert status == 200 and await _flash(page) == f"{lights} 已驳回。理由已告知提议人。", page
    # 张阿姨's only account is unbound (as the identities migration leaves an old one).
    async with town.bot.uow() as uow:
        await uow.session.execute(
            text(
                "UPDATE platform_identities SET resident_id = NULL WHERE platform_user_id = 'zhang'"
            )
        )
        await uow.commit()
    status, page = await as_li.post(f"/console/topics/{parking[1:]}/reject", reason="已列入规划")
    assert status == 200 and await _flash(page) == (
        f"{parking} 已驳回。提议人没有绑定聊天账号，消息发不到，请另行告知。"
    ), page
