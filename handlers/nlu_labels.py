"""待标注 / 标注: moderators teach the classifier their community's words.

Messages the bot didn't understand are kept (masked, never a vote; see
:mod:`consultation.learning`). A moderator lists the recent ones with 待标注 and
labels one with ``标注 12 反映问题`` (or the English label, ``report_issue``);
``标注 有人把车停在盲道上 反映问题`` teaches a sentence of their own, e.g. one the
bot got wrong. ``yishi nlu train`` then learns from the labels.
"""

from __future__ import annotations

from collections.abc import Sequence

from consultation.learning import LearningService
from handlers.staff import MODERATOR, Section
from kernel.commands import rest, word
from kernel.context import Context
from kernel.handler import Handler
from kernel.intents import INTENT_LABELS, Intent
from kernel.messages import Reply
from kernel.texts import t
from notices.learning import intent_name, samples_to_label, unknown_intent

LIST_SIZE = 10

#: Chinese names a moderator may use for each intent (the button names come first).
INTENT_NAMES: dict[str, Intent] = {
    **{t(f"intent.{i.value}"): i for i in Intent},
    "反映": Intent.REPORT_ISSUE,
    "报修": Intent.REPORT_ISSUE,
    "投诉": Intent.REPORT_ISSUE,
    "问题": Intent.REPORT_ISSUE,
    "查询": Intent.QUERY_STATUS,
    "查进度": Intent.QUERY_STATUS,
    "进度": Intent.QUERY_STATUS,
    "提议": Intent.PROPOSE_TOPIC,
    "议题": Intent.PROPOSE_TOPIC,
    "附议": Intent.SECOND_TOPIC,
    "报名": Intent.JOIN_MEETING,
    "议事日": Intent.MEETING_INFO,
    "会议": Intent.MEETING_INFO,
    "评价": Intent.FEEDBACK,
    "帮助": Intent.HELP,
    "其他": Intent.OTHER,
    "闲聊": Intent.OTHER,
}

_teaching_command = Section("教我听懂").command


def parse_intent(word: str) -> Intent | None:
    """An intent from its label (report_issue) or a Chinese name (反映问题, 其他)."""
    word = word.strip().strip("“”\"'")
    if word.lower() in INTENT_LABELS:
        return Intent(word.lower())
    return INTENT_NAMES.get(word)


class NluLabelHandler(Handler):
    """Lists kept messages and records a moderator's labels, with who and when."""

    grammar = (
        _teaching_command("待标注", "listing"),
        _teaching_command(
            "标注", "label", word("sample", "12", pattern=r"#?\d{1,9}"), word("intent", "反映问题")
        ),
        _teaching_command(
            "标注", "teach", rest("sentence", "有人把车停在盲道上 反映问题", optional=False)
        ),
    )
    required_roles = MODERATOR
    #: Kept messages are residents' own words: shown to the moderator alone.
    answers_privately = True

    async def listing(self, ctx: Context) -> Sequence[Reply]:
        samples, total = await LearningService(ctx.uow, ctx.now).pending(LIST_SIZE)
        return [samples_to_label(samples, total, ctx.community.zone)]

    async def label(self, ctx: Context, sample: str, intent: str) -> Sequence[Reply]:
        """``标注 12 反映问题`` or ``标注 #12 report_issue`` (the list shows #12)."""
        meaning, sample_id = parse_intent(intent), int(sample.lstrip("#"))
        if meaning is None:
            return [unknown_intent(intent)]
        learning = LearningService(ctx.uow, ctx.now)
        found = await learning.label(sample_id, meaning.value, ctx.user.actor)
        if found is None:
            return [Reply(t("nlu_label.no_such", id=sample_id))]
        name = intent_name(meaning)
        return [Reply(t("nlu_label.done", id=sample_id, text=found.text, intent=name))]

    async def teach(self, ctx: Context, sentence: str) -> Sequence[Reply]:
        text, _, word = sentence.rpartition(" ")
        if not text.strip():
            return [Reply(t("nlu_label.usage"))]
        meaning = parse_intent(word)
        if meaning is None:
            return [unknown_intent(word)]
        learning = LearningService(ctx.uow, ctx.now)
        taught = await learning.teach(text.strip(), meaning.value, ctx.user.actor)
        name = intent_name(meaning)
        return [Reply(t("nlu_label.taught", id=taught.id, text=taught.text, intent=name))]
