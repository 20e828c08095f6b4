"""A topic walked end to end in the chat: proposal, screening, co-signing, agenda, poll,
published outcome and evaluation — as resident, moderator and committee member."""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp.test_utils import TestClient, TestServer

from bot.app import Yishi, build_web_app
from bot.config import Settings
from bot.demo import seed_demo
from kernel.intents import KeywordClassifier
from tests.conftest import Clock, make_settings
from tests.kit import say


async def pushes_to(yishi: Yishi, chat: str) -> list[str]:
    async with yishi.uow() as uow:
        return [p.payload["text"] for p in await uow.pushes.for_chat("web", chat, 200)]


def settings(url: str) -> Settings:
    return make_settings(url, consultation={"cosign_threshold": 1, "committee_members": []})


async def test_topic_from_proposal_to_evaluation(sqlite_url: str) -> None:
    clock = Clock(datetime(2026, 11, 22, 2, 0, tzinfo=UTC))
    yishi = Yishi(settings(sqlite_url), classifier=KeywordClassifier(), clock=clock)
    await seed_demo(yishi.uow)
    try:
        await _walk(yishi, clock)
    finally:
        await yishi.stop()


async def _walk(yishi: Yishi, clock: Clock) -> None:
    # Resident proposes; the bot confirms title and description.
    [confirm] = await say(yishi, "我想提个议题：3号楼停车位太少，建议把东侧空地改成停车位")
    assert "3号楼停车位太少" in confirm.text and "确认提交" in [b.label for b in confirm.buttons]
    # The button carries the draft's stamp (its card acts on this draft only).
    [submit] = [b.data for b in confirm.buttons if b.label == "确认提交"]
    [filed] = await say(yishi, submit)
    assert "T1" in filed.text
    # The moderator gets the pre-screen hint and buttons whose data is the command.
    [note] = await pushes_to(yishi, "li")
    assert "【新议题 T1】" in note and "协商事项" in note
    [accepted] = await say(yishi, "审核 T1 通过", sender="li")
    assert "T1 已通过审核" in accepted.text
    assert any("已通过审核" in x for x in await pushes_to(yishi, "zhang"))
    # A neighbour co-signs; the threshold (1) is reached and the topic qualifies.
    [own] = await say(yishi, "附议 T1")
    assert "自己提的" in own.text
    [cosigned] = await say(yishi, "附议 T1", sender="liu")
    assert "列入协商议事日议程" in cosigned.text
    assert any("附议已满" in x for x in await pushes_to(yishi, "zhang"))
    [again] = await say(yishi, "附议 T1", sender="liu")
    assert "已经附议过" in again.text
    # The moderator creates the meeting by rule and builds the agenda.
    [created] = await say(yishi, "创建议事日", sender="li")
    assert "M202612" in created.text and "12月5日 09:30" in created.text
    [agenda] = await say(yishi, "议程 M202612 T1 30分钟", sender="li")
    assert "第 1 项" in agenda.text
    [invited] = await say(yishi, "邀请 M202612", sender="li")
    assert "委员 1 人" in invited.text, invited.text
    assert any("诚邀您参加协商议事日 M202612" in x for x in await pushes_to(yishi, "chen"))
    # 张阿姨 proposed T1: she is invited as its proposer, not as a neighbour of it.
    [asked] = [x for x in await pushes_to(yishi, "zhang") if "诚邀您" in x]
    assert "议题 T1 是您提的" in asked and "涉及您所在楼栋" not in asked, asked
    [again] = await say(yishi, "邀请 M202612", sender="li")
    assert again.text == "M202612 该邀请的人都已经邀请过了，这次没有新增。"
    # Residents see the meeting and sign up (onsite / online) and can withdraw.
    [info] = await say(yishi, "这个月议事日是哪天", sender="liu")
    assert "M202612" in info.text and "T1" in info.text
    [signed] = await say(yishi, "报名", sender="liu")
    assert "报名成功" in signed.text
    [online] = await say(yishi, "线上报名", sender="zhang")
    assert "线上报名成功" in online.text
    [signed_chen] = await say(yishi, "报名", sender="chen")
    assert "报名成功" in signed_chen.text
    # The day: sign-in, a poll of the attendees, a paper ballot, the tally.
    clock.now = datetime(2026, 12, 5, 1, 20, tzinfo=UTC)  # 09:20 in Shanghai
    [code] = await say(yishi, "签到码 M202612", sender="li")  # shown in the hall
    pin = code.text.split("签到码：")[1][:6]
    [checked] = await say(yishi, f"签到 {pin}", sender="liu")
    assert "签到成功" in checked.text
    [other] = await say(yishi, "签到 M202612 陈委员", sender="li")
    assert "已为 陈委员 签到" in other.text
    [opened] = await say(
        yishi, "开启投票 T1 范围:到会 法定:50%", sender="li", chat="group:main", group=True
    )
    assert "【表决 P1】" in opened.text and "到会签到人员，应投 2 人" in opened.text
    assert [b.label for b in opened.buttons] == ["赞成", "反对", "弃权"]
    [outsider] = await say(yishi, "赞成", sender="zhang")
    assert "只限到会签到" in outsider.text
    [voted] = await say(yishi, "投票 P1 赞成", sender="liu")
    assert "赞成" in voted.text and "已投 1/2" in voted.text
    # A bare word over a vote already cast is asked about; the button changes it.
    [asked] = await say(yishi, "反对", sender="liu")
    assert asked.text.startswith("您在 P1 投的是「赞成」，要改成「反对」吗？")
    [changed] = await say(yishi, asked.buttons[0].data, sender="liu")
    assert "已改票" in changed.text
    [asked] = await say(yishi, "同意", sender="liu")
    [back] = await say(yishi, asked.buttons[0].data, sender="liu")
    assert "赞成" in back.text
    [paper] = await say(yishi, "录入纸质票 P1 陈委员 赞成", sender="li")
    assert "已录入 陈委员" in paper.text and "已投 2/2" in paper.text
    [closed] = await say(yishi, "结束投票 P1", sender="li", chat="group:main", group=True)
    assert "赞成：2 票（100.0%）" in closed.text and "✅ 通过" in closed.text
    [late] = await say(yishi, "赞成", sender="liu")
    assert "没有进行中的投票" in late.text or "已经结束" in late.text
    # Outcome: notes, minutes to the group and the public page.
    [noted] = await say(yishi, "记录 M202612 T1 大家同意东侧空地改建，物业出方案", sender="li")
    assert "已记录" in noted.text
    clock.now = datetime(2026, 12, 5, 4, 0, tzinfo=UTC)  # noon: the meeting is over
    [published] = await say(yishi, "发布纪要 M202612", sender="li")
    assert "/public/meetings/M202612" in published.text
    minutes = [x for x in await pushes_to(yishi, "group:main") if "【会议纪要】" in x]
    assert minutes and "D1" in minutes[0] and "东侧空地改建" in minutes[0]
    # Follow-up: owner, progress, done; residents evaluate.
    [assigned] = await say(yishi, "落实 D1 负责人 王网格员 期限 2026-12-31", sender="li")
    assert "王网格员" in assigned.text and "2026-12-31" in assigned.text
    [progress] = await say(yishi, "进展 D1 已联系施工队", sender="li")
    assert "已记录" in progress.text
    [done] = await say(yishi, "办结 D1", sender="li")
    assert "已请" in done.text
    assert any("请您评议" in x for x in await pushes_to(yishi, "liu"))
    [thanks] = await say(yishi, "满意", sender="liu")
    assert "谢谢您对 D1 的评议（满意）" in thanks.text
    [button] = await say(yishi, "评议 D1 不满意", sender="zhang")
    assert "不满意" in button.text
    # The public page shows it all, with no personal data beyond committee names.
    async with TestClient(TestServer(build_web_app(yishi))) as client:
        resp = await client.get("/public/meetings/M202612")
        html = await resp.text()
        assert resp.status == 200
        assert "陈委员" in html and "东侧空地改建" in html and "满意 1 人" in html
        assert "刘大爷" not in html and "张阿姨" not in html and "138" not in html
        assert (await client.get("/public/meetings/M209901")).status == 404
        assert (await client.get("/public/meetings/x<y")).status == 400
    # Every state change of the topic is recorded with who and when.
    async with yishi.uow() as uow:
        actions = [e.action for e in await uow.audit.for_entity("topic", "T1")]
    assert actions[:3] == ["topic_proposed", "topic_accepted", "topic_qualified"]
    assert "topic_scheduled" in actions and "topic_decided" in actions


async def test_rejection_reason_reaches_the_proposer(yishi: Yishi) -> None:
    await say(yishi, "我想提个议题：楼上邻居借钱不还，想让大家评评理")
    await say(yishi, "确认")
    note = (await pushes_to(yishi, "li"))[0]
    assert "不议" in note
    [needs] = await say(yishi, "驳回 T1", sender="li")
    assert "理由" in needs.text
    [rejected] = await say(yishi, "驳回 T1 属于私人纠纷，建议找人民调解委员会", sender="li")
    assert "已驳回" in rejected.text
    told = await pushes_to(yishi, "zhang")
    assert any("私人纠纷" in x for x in told)
    [resident] = await say(yishi, "审核 T1 通过", sender="zhang")
    assert "社区工作者" in resident.text


async def test_merge_tells_the_proposer(yishi: Yishi) -> None:
    for who in ("zhang", "liu"):
        await say(yishi, "我想提个议题：小区停车位太少，希望增加车位", sender=who)
        await say(yishi, "确认", sender=who)
    [merged] = await say(yishi, "合并 T2 到 T1", sender="li")
    assert "并入 T1" in merged.text
    assert any("已合并" in x for x in await pushes_to(yishi, "liu"))


async def test_unverified_cannot_propose(yishi: Yishi) -> None:
    [reply] = await say(yishi, "我想提个议题：楼道太黑", sender="xiaochen")
    assert "居民" in reply.text


async def test_anonymous_vote_in_chat_can_be_changed_and_stores_no_choice(yishi: Yishi) -> None:
    [opened] = await say(
        yishi, "开启投票 是否同意养犬公约 匿名", sender="li", chat="group:main", group=True
    )
    assert "匿名投票" in opened.text and "截止前可以改票" in opened.text
    [cast] = await say(yishi, "反对", mid="anon-1")
    assert "匿名票已投出" in cast.text and "反对" not in cast.text
    # The bare word over her vote is asked about, saying nothing of either choice.
    [asked] = await say(yishi, "赞成", mid="anon-2")
    assert asked.text.startswith("您已经投过 P1 了。这是匿名投票") and "赞成" not in asked.text
    [changed] = await say(yishi, "投票 P1 赞成", mid="anon-3")
    assert "最后一次的选择为准" in changed.text and "赞成" not in changed.text
    # The stored replies and intents of this voter's messages never carry the choice.
    async with yishi.uow() as uow:
        for mid in ("anon-1", "anon-2", "anon-3"):
            stored = await uow.inbound.get("web", "zhang", mid)
            assert stored is not None and stored.intent == "vote"
            assert "反对" not in str(stored.reply) and "赞成" not in str(stored.reply)
        assert await uow.conversations.get("web", "zhang", "zhang", yishi.clock()) is None
    # One vote: too few to publish counts (a changed vote counting once, with its last
    # choice, is tests/consultation/test_polls.py's).
    [closed] = await say(yishi, "结束投票 P1", sender="li", chat="group:main", group=True)
    assert "参与 1 人，不足 5 人" in closed.text and "赞成" not in closed.text, closed.text


async def test_same_vote_delivered_twice_counts_once(yishi: Yishi) -> None:
    await say(yishi, "开启投票 是否同意 截止:18:00", sender="li", chat="group:main", group=True)
    first = await say(yishi, "赞成", sender="liu", mid="dup-1")
    second = await say(yishi, "赞成", sender="liu", mid="dup-1")
    assert first == second
    [status] = await say(yishi, "投票情况 P1")
    assert "已投 1/" in status.text


async def test_reminders_go_only_to_eligible_non_voters(yishi: Yishi) -> None:
    await say(yishi, "开启投票 是否同意", sender="li", chat="group:main", group=True)
    await say(yishi, "赞成", sender="liu")
    [reminded] = await say(yishi, "提醒投票 P1", sender="li")
    assert "已提醒" in reminded.text
    assert not any("投票提醒" in x for x in await pushes_to(yishi, "liu"))
    assert not any("投票提醒" in x for x in await pushes_to(yishi, "xiaochen"))
    assert any("投票提醒" in x for x in await pushes_to(yishi, "zhang"))


async def test_demo_seeds_a_meeting_and_a_topic_to_walk(yishi: Yishi, clock: Clock) -> None:
    from bot.demo import seed_consultation_demo
    from consultation.config import ConsultationRules

    code = await seed_consultation_demo(
        yishi.uow, ConsultationRules(), yishi.community.zone, clock()
    )
    assert code == "M202612"
    assert (
        await seed_consultation_demo(yishi.uow, ConsultationRules(), yishi.community.zone, clock())
        is None
    )
    [cosigned] = await say(yishi, "附议 T1", sender="liu")
    assert "1/10" in cosigned.text
    [info] = await say(yishi, "议事日安排", sender="chen")
    assert "M202612" in info.text
