"""A photo posted in the residents' group, then the problem said to the bot there: the
outside walk had the photo answered in front of the group ("收到图片了。请再用一句话说明…")
and then dropped from the report "@议事通 这里垃圾堆了好几天" made. In the group the bot
says nothing to a photo; kept for the same sender's report in the same group, a short
while, it goes with that report, as a photo sent first in private chat does."""

from __future__ import annotations

from kernel.messages import Location
from tests.kit import Town

BINS = "https://img.example/bins.jpg"
MORE = "https://img.example/bins-2.jpg"


async def test_a_photo_in_the_group_gets_no_answer_and_goes_with_the_report(
    model_town: Town,
) -> None:
    town = model_town
    posted = await town.zhang.says("", image=BINS, in_group=True)
    assert not posted, posted.text
    card = await town.zhang.says("这里垃圾堆了好几天", in_group=True, addressed=True)
    assert card.private and "照片：1 张" in card, card.text
    filed = await town.zhang.taps("确认提交", card)
    assert "已受理" in filed, filed.text
    [ticket] = await town.tickets_of("zhang")
    assert ticket.photos == [BINS]
    assert await town.group.new() == [], "nothing was said to the group"


async def test_two_photos_posted_go_with_it_both(model_town: Town) -> None:
    town = model_town
    assert not await town.zhang.says("", image=BINS, in_group=True)
    assert not await town.zhang.says("", image=MORE, in_group=True)
    card = await town.zhang.says("这里垃圾堆了好几天", in_group=True, addressed=True)
    assert "照片：2 张" in card, card.text
    await town.zhang.taps("确认提交", card)
    [ticket] = await town.tickets_of("zhang")
    assert ticket.photos == [BINS, MORE]


async def test_a_photo_is_the_senders_and_only_for_a_short_while(model_town: Town) -> None:
    town = model_town
    await town.zhang.says("", image=BINS, in_group=True)
    neighbours = await town.liu.says("这里垃圾堆了好几天", in_group=True, addressed=True)
    assert "照片" not in neighbours, "张阿姨's photo is not 刘大爷's report"
    town.clock.advance(minutes=11)
    late = await town.zhang.says("这里垃圾堆了好几天", in_group=True, addressed=True)
    assert "请确认" in late and "照片" not in late, late.text


async def test_a_photo_in_the_group_is_not_taken_by_a_report_in_private(
    model_town: Town,
) -> None:
    town = model_town
    await town.zhang.says("", image=BINS, in_group=True)
    card = await town.zhang.says("5号楼门口垃圾堆了好几天")
    assert "请确认" in card and "照片" not in card, card.text


async def test_a_photo_in_the_group_goes_with_an_emergency_said_there(
    model_town: Town,
) -> None:
    town = model_town
    await town.liu.says("", image="https://img.example/well.jpg", in_group=True)
    urgent = await town.liu.says("4号楼门口的井盖被人挪开了", in_group=True, addressed=True)
    assert "已按紧急诉求受理" in urgent, urgent.text
    [well] = await town.tickets_of("liu")
    assert well.urgent and well.photos == ["https://img.example/well.jpg"]


async def test_a_location_shared_in_the_group_unaddressed_is_still_not_answered(
    model_town: Town,
) -> None:
    town = model_town
    shared = await town.zhang.says("", location=Location(31.82, 117.22, "5号楼"), in_group=True)
    assert not shared, shared.text
