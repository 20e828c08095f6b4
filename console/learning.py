"""教我听懂 in the workbench: the messages the bot was unsure of, labelled by a moderator.

The chat's 待标注 / 标注 over the same :class:`consultation.learning.LearningService`
(each label audited with who and when); ``yishi nlu train`` then learns from them.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from console.desk import MODERATOR, ActionRefused, Desk, Visit, done
from consultation.learning import LearningService
from kernel.intents import Intent
from kernel.texts import t

#: How many unlabelled messages the page lists (newest first).
SHOWN = 50


def intent_choices() -> list[tuple[str, str]]:
    """Each intent as a moderator reads it: (label, 反映问题)."""
    return [(i.value, t(f"intent.{i.value}")) for i in Intent]


@dataclass(eq=False)
class LearningPages:
    """``/console/nlu``: the list and one label at a time."""

    desk: Desk

    def add_routes(self) -> None:
        self.desk.get("/nlu", self.pending, MODERATOR)
        self.desk.post("/nlu/{id}/label", self.label)

    async def pending(self, visit: Visit) -> web.StreamResponse:
        samples, total = await LearningService(visit.uow, visit.now).pending(SHOWN)
        names = dict(intent_choices())
        rows = [
            {
                "id": s.id,
                "at": self.desk.local(s.created_at),
                "text": s.text,
                "guess": names.get(s.predicted, s.predicted),
                "confidence": f"{s.confidence:.2f}",
            }
            for s in samples
        ]
        return self.desk.render(
            visit, "learning.html", {"rows": rows, "total": total, "choices": intent_choices()}
        )

    async def label(self, visit: Visit) -> web.StreamResponse:
        sample_id = int(visit.request.match_info["id"])
        intent = visit.arg("intent")
        if intent not in {i.value for i in Intent}:
            raise ActionRefused("请选择这句话的意思。", "/console/nlu")
        service = LearningService(visit.uow, visit.now)
        if await service.label(sample_id, intent, visit.staff.actor) is None:
            raise ActionRefused("没有这条消息，可能已经被清理了。", "/console/nlu")
        return done("/console/nlu", f"已标注为“{t(f'intent.{intent}')}”。")
