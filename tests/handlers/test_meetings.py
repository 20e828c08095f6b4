"""协商议事日 in residents' words, with the trained model as they meet it."""

from __future__ import annotations

import re

from tests.kit import Town


async def test_not_coming_offers_to_cancel_the_sign_up(model_town: Town) -> None:
    town = model_town
    assert "M202612" in await town.li.says("创建议事日")
    assert "报名成功" in await town.liu.says("报名")
    assert "报名成功" in await town.zhang.says("线上报名")

    offer = await town.liu.says("我不去了")
    assert offer.text == (
        "您报名了 M202612（12月5日 09:30，现场参加）。要取消报名吗？"
        "确认请点下面的按钮；不取消的话不用回复。"
    ), offer.text
    assert offer.labels == ["取消报名"]
    roll = await town.li.says("报名名单 M202612")
    assert "刘大爷" in roll, "nothing is cancelled unasked"
    done = await town.liu.taps("取消报名", offer)
    assert done.text == "已取消 M202612 的报名。欢迎下次参加！"

    other = await town.zhang.says("我去不了了，取消吧")
    assert other.text.startswith("您报名了 M202612（12月5日 09:30，线上参加）。要取消报名吗？")
    assert "张阿姨" in await town.li.says("报名名单 M202612")

    nobody = await town.chen.says("我不去了")
    assert nobody.text.startswith("您现在没有报名协商议事日，不用取消。")


async def test_asking_whether_signed_up_says_for_which_meeting(model_town: Town) -> None:
    """ "我报名了吗" was answered "这个问题我答不上来" (and "我报名了没有" with a quiz): it
    says whether the asker is signed up for the next meeting, which, and how."""
    town = model_town
    assert "M202612" in await town.li.says("创建议事日")
    before = await town.zhang.says("我报名了吗")
    assert before.text.startswith("您还没有报名 M202612（12月5日 09:30"), before.text
    assert before.labels == ["报名", "线上报名"]
    assert "报名成功" in await town.zhang.taps("报名", before)
    for asked in ("我报名了吗", "我报名了没有", "我报名了吗？"):
        said = await town.zhang.says(asked)
        assert said.text == (
            "您已报名：\nM202612（12月5日 09:30，现场参加）\n去不了的话发“取消报名”。"
        ), (asked, said.text)


async def test_not_coming_to_the_meeting_on_a_day_is_offered_its_cancellation(
    model_town: Town,
) -> None:
    """ "12号的会我去不了了" was drafted as a report (公共设施…): it is the sign-up of that
    meeting offered for cancelling, as "我去不了了" is, and the tap cancels it."""
    town = model_town
    assert "M202612" in await town.li.says("创建议事日")
    assert "M202612" in await town.li.says("改期 M202612 12月12日 09:30")
    assert "已将 M202612 改到" in await town.li.says("确认改期 M202612 12月12日 09:30")
    assert "报名成功" in await town.zhang.says("报名")
    offer = await town.zhang.says("12号的会我去不了了")
    assert offer.text.startswith("您报名了 M202612（12月12日 09:30，现场参加）。要取消报名吗？")
    assert offer.labels == ["取消报名"]
    done = await town.zhang.taps("取消报名", offer)
    assert done.text == "已取消 M202612 的报名。欢迎下次参加！"
    assert "您还没有报名 M202612" in await town.zhang.says("我报名了没有")


async def test_a_moderator_asking_for_the_list_is_never_signed_up(model_town: Town) -> None:
    """ "报名名单？" and "看看报名名单" signed 李书记 up (read as 报名): punctuation and
    看看/查看/查一下 don't change which command it is, and a list asked for in other
    words is shown, never a sign-up."""
    town = model_town
    assert "M202612" in await town.li.says("创建议事日")
    assert "报名成功" in await town.liu.says("报名")
    lists = ("报名名单？", "看看报名名单", "查看报名名单", "查一下报名名单", "报名名单给我看看")
    for asked in lists:
        roll = await town.li.says(asked)
        assert roll.text.startswith("M202612 报名：现场 1 人"), (asked, roll.text)
        assert "李书记" not in roll, (asked, roll.text)
    assert "李书记" not in await town.li.says("报名名单")
    resident = await town.zhang.says("看看报名名单")
    assert "报名成功" not in resident and "刘大爷" not in resident, resident.text
    assert "您还没有报名" in await town.zhang.says("我报名了吗")


async def test_a_preview_confirmed_by_typing_its_button(model_town: Town) -> None:
    """Typed, "确认改期" (and 确认取消) were answered "请这样发：确认改期 M202612 …": only the
    buttons worked. Under the latest open preview the typed word does what its button
    does; with none open (another request since), it says which to send first."""
    town = model_town
    assert "M202612" in await town.li.says("创建议事日")
    assert "报名成功" in await town.zhang.says("报名")
    preview = await town.li.says("改期 M202612 12月12日 09:30")
    assert preview.labels == ["确认改期"]
    moved = await town.li.says("确认改期")
    assert moved.text.startswith("已将 M202612 改到 12月12日 09:30"), moved.text
    await town.scheduler_runs()
    assert any("12月12日" in p.text for p in await town.zhang.receives()), "residents told"
    again = await town.li.says("确认改期")
    assert again.text.startswith("现在没有等您确认的改期"), again.text

    await town.li.says("改期 M202612 12月13日 09:30")
    assert "张阿姨" in await town.li.says("报名名单")
    late = await town.li.says("确认改期")
    assert late.text.startswith("现在没有等您确认的改期"), "closed by the request since"
    assert "12月12日" in await town.zhang.says("我报名了吗"), "nothing moved"

    cancel = await town.li.says("取消议事日 M202612 下雨")
    assert cancel.labels == ["确认取消"]
    done = await town.li.says("确认取消")
    assert done.text.startswith("已取消 M202612"), done.text


async def test_a_rebind_confirmed_by_typing_its_button(model_town: Town) -> None:
    """ "确认改绑" typed under the 改绑 question asked for the code again: it re-binds, as
    the tap does; "取消" there keeps the account as it is."""
    town = model_town
    issued = await town.li.says("生成绑定码 刘大爷")
    code = re.search(r"\d{8}", issued.text)
    assert code, issued.text
    asked = await town.zhang.says(f"绑定 {code.group(0)}")
    assert asked.labels == ["确认改绑", "取消"], asked.text
    kept = await town.zhang.says("取消")
    assert kept.text == "好的，没有改绑，这里还是张阿姨的账号。", kept.text
    await town.zhang.says(f"绑定 {code.group(0)}")
    rebound = await town.zhang.says("确认改绑")
    assert rebound.text.startswith("已改绑。您好，刘大爷"), rebound.text
