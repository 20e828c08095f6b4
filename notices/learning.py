"""教我听懂 as moderators read it: the kept messages waiting for a label, and the names
of the meanings a label may take."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from kernel.intents import INTENT_LABELS, Intent
from kernel.messages import Reply
from kernel.texts import t
from storage.nlu_samples import NluSample


def intent_name(intent: Intent) -> str:
    return t(f"intent.{intent.value}")


def samples_to_label(samples: Sequence[NluSample], total: int, zone: ZoneInfo) -> Reply:
    """待标注: the newest kept messages, each with the classifier's guess, and how to label."""
    if not samples:
        return Reply(t("nlu_label.none"))
    lines = [t("nlu_label.header", shown=len(samples), total=total)]
    for s in samples:
        guess = t(f"intent.{s.predicted}") if s.predicted in INTENT_LABELS else "—"
        when = s.created_at.astimezone(zone).strftime("%m-%d %H:%M")
        lines.append(
            t("nlu_label.item", id=s.id, text=s.text, guess=guess, p=round(s.confidence * 100))
            + f"（{when}）"
        )
    lines.append(t("nlu_label.how"))
    return Reply("\n".join(lines))


def unknown_intent(word: str) -> Reply:
    """A label that names no meaning: the names it may take."""
    names = "、".join(intent_name(i) for i in Intent)
    return Reply(t("nlu_label.unknown_intent", word=word, names=names))
