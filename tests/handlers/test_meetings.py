"""协商议事日 in residents' words, with the trained model as they meet it."""

from __future__ import annotations

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
