"""What the community teaches its classifier: the messages the bot was unsure of, and
the labels moderators give them (or sentences of their own), each audited.

``yishi nlu train`` then learns from the labels (see :mod:`nlu`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from storage.nlu_samples import NluSample, NluSampleRepository
from storage.unit_of_work import UnitOfWork


class LearningService:
    """Samples to label and labels given, inside the caller's unit of work."""

    def __init__(self, uow: UnitOfWork, now: datetime) -> None:
        self.uow, self.now = uow, now
        self.samples = uow.get(NluSampleRepository)

    async def pending(self, limit: int) -> tuple[Sequence[NluSample], int]:
        """The newest unlabelled samples (at most ``limit``) and how many there are."""
        return await self.samples.unlabelled(limit), await self.samples.count_unlabelled()

    async def label(self, sample_id: int, intent: str, actor: str) -> NluSample | None:
        """Label one sample; None when there is no such sample."""
        sample = await self.samples.get(sample_id)
        if sample is None:
            return None
        before = {"label": sample.label}
        await self.samples.label(sample, intent, actor, self.now)
        await self.uow.audit.record(
            actor, "nlu_labelled", "nlu_sample", str(sample_id), before, {"label": intent}
        )
        return sample

    async def teach(self, text: str, intent: str, actor: str) -> NluSample:
        """A moderator's own sentence with its meaning (one the bot got wrong, say)."""
        sample = await self.samples.teach(text, intent, actor, self.now)
        await self.uow.audit.record(
            actor, "nlu_taught", "nlu_sample", str(sample.id), None, {"label": intent}
        )
        return sample
