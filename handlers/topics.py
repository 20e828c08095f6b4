"""议题: residents propose and co-sign (附议); moderators screen, reject with a reason, merge.

Moderator commands (also the data of the buttons on the new-topic message):
``审核 T12 通过`` · ``驳回 T12 理由…`` · ``合并 T12 到 T5`` · ``待审议题``; and on the offer of a
recurring problem (:mod:`consultation.recurring`): ``转为议题 R…`` · ``暂不转议题 R…``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence

from consultation.config import ConsultationRules
from consultation.ids import find_ref, topic_ref
from consultation.recurring import RecurringError, RecurringProblems
from consultation.roles import COSIGNERS
from consultation.topics import (
    TOPIC_STATUS_ZH,
    TopicDraft,
    TopicError,
    TopicService,
    draft_from_message,
)
from handlers.staff import MODERATOR, Section
from handlers.words import CONFIRM_WORDS, GO_ON
from kernel.commands import Command, ref, rest, ticket, word
from kernel.context import Context
from kernel.flows import DRAFT_ID, SUBMIT_WORDS, Flow, Step
from kernel.handler import Handler
from kernel.intents import Intent
from kernel.messages import Reply
from kernel.texts import t
from nlu.stance import disagrees, explicit_cosign, withdraws_cosign
from notices.common import refusal
from notices.topic_views import (
    cosign_choices,
    cosign_receipt,
    cosign_withdrawn,
    cosigner_roll,
    offer_decided,
    pending_topics,
    reject_reason_asked,
    screened,
    told_parts,
    topic_draft,
    topic_standing,
    topics_overview,
)

FLOW = "topic"
#: The 【新议题】 card's 驳回 asks for the reason: the moderator's next message is it.
REJECT_FLOW = "topic_reject"
NEED_VERIFIED = COSIGNERS


class ProposeTopicHandler(Handler):
    """ "我想提个议题：…" → confirm title and description → T12, moderators get the pre-screen."""

    intents = (Intent.PROPOSE_TOPIC,)
    flow = Flow(
        FLOW,
        (
            Step("describe", then=("confirm",), answers=GO_ON),
            Step(
                "confirm",
                expects="confirm",
                answers=(*sorted(CONFIRM_WORDS), *GO_ON),
                buttons=(SUBMIT_WORDS[0],),  # the draft's 确认提交, typed with a slip too
            ),
        ),
        starts=("describe", "confirm"),
        kept="topic.kept",
        put_down="topic.put_down",
        put_down_tapped="topic.put_down_tapped",
        dropped="topic.dropped_confirmed",
    )
    phrases = (r"(?:我(?:想|要)?)?提(?:一?个)?议题.*",)
    required_roles = NEED_VERIFIED

    def __init__(self, rules: ConsultationRules) -> None:
        self.rules = rules

    async def handle(self, ctx: Context) -> Sequence[Reply]:
        draft = draft_from_message(ctx.text)
        draft_id = uuid.uuid4().hex  # its card's buttons act on this draft only
        if draft is None:
            ctx.conversation.start(FLOW, "describe", draft_id=draft_id)
            return [Reply(t("topic.ask"))]
        ctx.conversation.start(
            FLOW, "confirm", draft_id=draft_id, title=draft.title, description=draft.description
        )
        return [topic_draft(draft, draft_id)]

    async def resume(self, ctx: Context) -> Sequence[Reply]:
        conv = ctx.conversation
        if conv.step == "confirm" and ctx.text.lower() in CONFIRM_WORDS:
            return await self._file(ctx)
        if ctx.text in GO_ON:
            if conv.step == "describe":
                return [Reply(t("topic.ask"))]
            title, description = conv.data.get("title", ""), conv.data.get("description", "")
            draft_id = str(conv.data.get(DRAFT_ID, ""))
            return [topic_draft(TopicDraft(str(title), str(description)), draft_id)]
        draft = draft_from_message(ctx.text)
        if draft is None:
            key = "topic.too_short" if conv.step == "describe" else "topic.not_understood_confirm"
            return [Reply(t(key))]
        conv.advance("confirm", title=draft.title, description=draft.description)
        return [topic_draft(draft, str(conv.data.get(DRAFT_ID, "")))]

    async def _file(self, ctx: Context) -> Sequence[Reply]:
        data = dict(ctx.conversation.data)
        ctx.conversation.end()
        assert ctx.user.resident is not None
        service = TopicService(ctx.uow, self.rules, ctx.now)
        topic = await service.propose(
            ctx.user.resident, TopicDraft(data["title"], data["description"]), ctx.user.actor
        )
        return [Reply(t("topic.filed", ref=topic_ref(topic.id or 0)))]


_BARE_REF = re.compile(r"[Tt]\d{1,9}")


class TopicListHandler(Handler):
    """议题列表 · 我的议题 · 有哪些议题: what is open for 附议, and the sender's own topics
    (these used to start a proposal titled "我的议题")."""

    phrases = (
        r"(?:看看|查看|查一下|看一下|(?:现在|最近|目前)?(?:有哪些|有什么|的)|我的|我提的|我提过的)?"
        r"议题(?:列表|清单|情况|进展|有哪些|有什么)?[吗呢啊？?]*",
        # 最近有什么议题可以附议 · 有什么可以附议的 · 可以附议的议题有哪些 (the model
        # took these for 帮助)
        r"(?:现在|最近|目前)?有?(?:什么|哪些|哪个)(?:议题)?(?:可以|能|要|需要)附议的?(?:议题)?"
        r"[吗呢啊？?]*",
        r"(?:现在|最近|目前)?(?:可以|能)附议的(?:议题)?(?:有哪些|有什么|是哪些)?[吗呢啊？?]*",
    )

    def __init__(self, rules: ConsultationRules) -> None:
        self.rules = rules

    async def handle(self, ctx: Context) -> Sequence[Reply]:
        service = TopicService(ctx.uow, self.rules, ctx.now)
        resident = ctx.user.resident
        mine = await service.proposed_by(resident) if resident is not None else []
        open_topics = await service.list("accepted")
        own_first = "我" in ctx.text  # 我的议题 / 我提的议题: their own come first
        viewer = resident.id if resident is not None else None
        need = self.rules.cosign_threshold
        return [topics_overview(open_topics, mine, need, viewer, own_first=own_first)]


class SecondTopicHandler(Handler):
    """附议 T12 (or the intent without a number: list what is open for co-signing)."""

    intents = (Intent.SECOND_TOPIC,)
    #: A bare 附议 lists what is open for co-signing, with buttons (it used to be told
    #: only "请这样发：附议 T3").
    grammar = (
        Command("附议", "cosign", (ref("T", "topic", bare=True, optional=True),), listed=False),
        Command(
            "取消附议",
            "withdraw",
            (ref("T", "topic", bare=True),),
            aliases=("撤回附议", "撤销附议"),
            listed=False,
        ),
    )
    #: "T1" alone asks about the topic (it used to co-sign it).
    phrases = (_BARE_REF.pattern,)
    required_roles = NEED_VERIFIED

    def __init__(self, rules: ConsultationRules) -> None:
        self.rules = rules

    async def handle(self, ctx: Context) -> Sequence[Reply]:
        """A sentence that names a topic co-signs it only when it says so in so many words
        (我附议T3, 支持T3); "T3这个议题我不太赞同" or "T3" alone is told how T3 stands."""
        topic_id = find_ref(ctx.text, "T")
        if topic_id is not None and withdraws_cosign(ctx.text):  # 我不附议T3了
            return await self.withdraw(ctx, topic_id)
        if topic_id is None or explicit_cosign(ctx.text):
            return await self.cosign(ctx, topic_id)
        return await self.status(ctx, topic_id, disagreeing=disagrees(ctx.text))

    async def status(
        self, ctx: Context, topic_id: int, *, disagreeing: bool = False
    ) -> Sequence[Reply]:
        """A topic as it stands, with 附议 offered while it collects co-signatures; to
        someone who disagrees, that nothing was signed and where to say so instead."""
        topic = await TopicService(ctx.uow, self.rules, ctx.now).get(topic_id)
        viewer = ctx.user.resident.id if ctx.user.resident is not None else None
        standing = topic_standing(topic, self.rules.cosign_threshold, viewer)
        if not disagreeing:
            return [standing]
        note = t("topic.not_cosigned_disagreeing", ref=topic_ref(topic_id))
        return [Reply(f"{note}\n{standing.text}")]

    async def cosign(self, ctx: Context, topic: int | None) -> Sequence[Reply]:
        service = TopicService(ctx.uow, self.rules, ctx.now)
        if topic is None:
            open_topics = await service.list("accepted")
            return [cosign_choices(open_topics, self.rules.cosign_threshold)]
        assert ctx.user.resident is not None
        try:
            result = await service.cosign(topic, ctx.user.resident, ctx.user.actor)
        except TopicError as exc:
            return [refusal("topic_error", exc.code, exc.values)]
        return [cosign_receipt(result)]

    async def withdraw(self, ctx: Context, topic: int) -> Sequence[Reply]:
        """取消附议 T3: the co-signature taken back (audited) while the topic still collects
        them; once it is on an agenda or decided, it stays. A topic that falls short goes
        back to collecting (those who heard it qualify are told by the service's event)."""
        assert ctx.user.resident is not None
        service = TopicService(ctx.uow, self.rules, ctx.now)
        try:
            before = await service.get(topic)
            if before.status not in WITHDRAWABLE:
                status = TOPIC_STATUS_ZH[before.status]
                raise TopicError("withdraw_too_late", ref=topic_ref(topic), status=status)
            was = before.status
            after = await service.withdraw_cosign(topic, ctx.user.resident, ctx.user.actor)
        except TopicError as exc:
            return [refusal("topic_error", exc.code, exc.values)]
        short = was == "qualified" and after.status == "accepted"
        return [cosign_withdrawn(after, self.rules.cosign_threshold, short=short)]


#: While a topic collects co-signatures (or has just enough), a co-signature may be taken
#: back; on an agenda or decided, what it was qualified with stays.
WITHDRAWABLE = frozenset({"accepted", "qualified"})

_topic_command = Section("议题").command
#: 审核 T12's verdicts that accept: nothing (审核 T12), 通过 and the like.
_ACCEPTING = re.compile(r"(?:审核)?(?:通过|同意|可以|ok|好的?)?(?:了|吧)?", re.IGNORECASE)


def _me(ctx: Context) -> int | None:
    """The moderator who acts, as a resident (None when not bound to one)."""
    return ctx.user.resident.id if ctx.user.resident is not None else None


class TopicModerationHandler(Handler):
    """审核 T12 通过 · 驳回 T12 理由 · 合并 T12 到 T5 · 待审议题 · 转为议题 R… · 暂不转议题 R…."""

    grammar = (
        _topic_command("待审议题", "pending", private=True),
        _topic_command("附议名单", "cosigners", ref("T", "topic"), private=True),
        _topic_command("审核", "screen", ref("T", "topic"), rest("verdict", "通过")),
        _topic_command("驳回", "reject", ref("T", "topic"), rest("reason", "理由…")),
        _topic_command(
            "合并",
            "merge",
            ref("T", "topic"),
            word("to", "到", pattern="到|进|入|至", optional=True),
            ref("T", "into", example="T5"),
        ),
        _topic_command("转为议题", "from_tickets", ticket()),
        _topic_command("暂不转议题", "not_from_tickets", ticket(), listed=False),
    )
    #: 驳回 T12 without a reason (the card's button): the reason is asked for, and the
    #: next message is it; 算了 cancels and the topic still awaits screening.
    flow = Flow(REJECT_FLOW, (Step("reason"),), starts=("reason",))
    required_roles = MODERATOR

    def __init__(self, rules: ConsultationRules) -> None:
        self.rules = rules

    def _service(self, ctx: Context) -> TopicService:
        return TopicService(ctx.uow, self.rules, ctx.now)

    async def pending(self, ctx: Context) -> Sequence[Reply]:
        pending = await self._service(ctx).list("proposed")
        return [pending_topics(pending)]

    async def cosigners(self, ctx: Context, topic: int) -> Sequence[Reply]:
        """附议名单 T12: who co-signed, those signed for by a grid worker marked 代办."""
        found, people = await self._service(ctx).cosign_list(topic)
        return [cosigner_roll(found, people)]

    async def screen(self, ctx: Context, topic: int, verdict: str | None) -> Sequence[Reply]:
        """审核 T12 通过 · 审核 T12 驳回 理由. Any other word is not taken for 通过 ("审核 T3
        通不过" used to accept T3): the usage, and nothing done."""
        verdict = verdict or ""
        if verdict.startswith(("驳回", "不通过")):
            return await self.reject(ctx, topic, re.sub(r"^(?:驳回|不通过)", "", verdict))
        if not _ACCEPTING.fullmatch(verdict.strip(" 。.!！~～")):
            return [Reply(t("topic.screen_not_understood", ref=topic_ref(topic)))]
        accepted = await self._service(ctx).accept(topic, ctx.user.actor, _me(ctx))
        threshold = self.rules.cosign_threshold
        grouped = t("topic.accepted_grouped") if self.rules.group_chats() else ""
        return [
            await screened(
                ctx.uow, "topic.accepted_moderator", accepted, threshold=threshold, grouped=grouped
            )
        ]

    async def reject(self, ctx: Context, topic: int, reason: str | None) -> Sequence[Reply]:
        """驳回 T12 理由; without one (one tap used to reject with a fixed reason, whatever
        the pre-screen said) the reason is asked for, once the topic still awaits screening."""
        reason, service, me = (reason or "").strip(" ：:，,"), self._service(ctx), _me(ctx)
        if not reason:
            found = await service.screening(topic)
            reporters = await service.reporters(found, me, found.proposer_id)
            ctx.conversation.start(REJECT_FLOW, "reason", topic=topic)
            whom, _missed = await told_parts(ctx.uow, found, me, [rid for rid, _ in reporters])
            return [reject_reason_asked(found, whom)]
        rejected = await service.reject(topic, reason, ctx.user.actor, me)
        done = await screened(
            ctx.uow, "topic.rejected_moderator", rejected, told="topic.told_reason"
        )
        return [done]

    async def resume(self, ctx: Context) -> Sequence[Reply]:
        """The reason asked for by :meth:`reject`."""
        topic = int(ctx.conversation.data.get("topic", 0))
        ctx.conversation.end()
        return await self.reject(ctx, topic, ctx.text)

    async def merge(self, ctx: Context, topic: int, to: str | None, into: int) -> Sequence[Reply]:
        merged = await self._service(ctx).merge(topic, into, ctx.user.actor, _me(ctx))
        return [await screened(ctx.uow, "topic.merged_moderator", merged, into=topic_ref(into))]

    def _recurring(self, ctx: Context) -> RecurringProblems:
        return RecurringProblems(ctx.uow, self.rules, ctx.community.zone)

    async def from_tickets(self, ctx: Context, number: str) -> Sequence[Reply]:
        """提交初审 on a recurring problem's offer: a topic draft citing its tickets."""
        if ctx.user.resident is None:
            raise RecurringError("no_resident")
        done = await self._recurring(ctx).accept(number, ctx.user.resident, ctx.user.actor, ctx.now)
        return [offer_decided(done)]

    async def not_from_tickets(self, ctx: Context, number: str) -> Sequence[Reply]:
        """暂不提交: the offer is closed, recorded with who and when."""
        done = await self._recurring(ctx).decline(
            number, ctx.user.resident, ctx.user.actor, ctx.now
        )
        if done.decided_now:
            return [Reply(t("recurring.declined"))]
        return [offer_decided(done)]
