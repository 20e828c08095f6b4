"""Messages kept for the community to teach the classifier, and their labels.

What the bot didn't understand (it asked, or said it hadn't understood) and
what a moderator labelled is kept here, so that ``yishi nlu train`` can learn
the community's own words. Kept with care:

- no sender: a kept message says what was written, not who wrote it;
- phone numbers and ID-card numbers are masked before the text is stored;
- never a vote (the router skips anything routed as one: an anonymous ballot's
  text must not outlive its count);
- unlabelled messages are purged with the message log
  (``[storage] message_log_days``), labelled ones after ``[nlu] labels_keep_days``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlmodel import Field, col, select

from storage.models import Building
from storage.repository import TableRepository, rowcount
from storage.types import Keyed, utc_field

MAX_TEXT = 500

#: A dash or space between a number's groups, as people type them (half or full width).
_SEP = r"[\s\-－—]?"
#: A mainland mobile, with or without +86/86 before it: 138 1234 5678, +86-138-1234-5678.
_MOBILE = re.compile(
    r"(?<!\d)((?:\+?86)?" + _SEP + r")?(1[3-9]\d)" + _SEP + r"(\d{4})" + _SEP + r"(\d{4})(?!\d)"
)
_ID_CARD = re.compile(r"(?<!\d)(\d{6})\d{8}(\d{3}[\dXx])(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3})" + _SEP + r"(\d{3,4})" + _SEP + r"(\d{4})(?!\d)")


def mask_personal(text: str) -> str:
    """Mask mobile, landline and ID-card numbers: 13812345678 → 138****5678."""
    text = _ID_CARD.sub(lambda m: f"{m.group(1)}********{m.group(2)}", text)
    text = _MOBILE.sub(lambda m: f"{m.group(1) or ''}{m.group(2)}****{m.group(4)}", text)
    return _LANDLINE.sub(lambda m: f"{m.group(1)}-****{m.group(3)}", text)


def without_personal(text: str) -> str:
    """``text`` with its mobile, landline and ID-card numbers blanked out (a space each):
    what reads a place must not take a phone's last four digits for a room."""
    for pattern in (_ID_CARD, _MOBILE, _LANDLINE):
        text = pattern.sub(" ", text)
    return text


class NluSample(Keyed, table=True):
    """One kept message: what the model said, why it was kept, and its label if any."""

    __tablename__ = "nlu_samples"
    created_at: datetime = utc_field(index=True)
    text: str = Field(max_length=MAX_TEXT)
    predicted: str = Field(max_length=32)
    confidence: float = Field(default=0.0)
    reason: str = Field(max_length=32)
    label: str | None = Field(default=None, max_length=32, index=True)
    labelled_by: str | None = Field(default=None, max_length=64)
    labelled_at: datetime | None = utc_field(nullable=True)


class NluSampleRepository(TableRepository[NluSample]):
    """Keeping, listing, labelling and purging kept messages."""

    table = NluSample

    async def keep(
        self, text: str, predicted: str, confidence: float, reason: str, now: datetime
    ) -> NluSample:
        """Store a masked copy of ``text`` (cut to 500 characters), unlabelled."""
        sample = NluSample(
            created_at=now,
            text=mask_personal(text)[:MAX_TEXT],
            predicted=predicted,
            confidence=round(confidence, 4),
            reason=reason,
        )
        return await self._store(sample)

    async def teach(self, text: str, label: str, by: str, now: datetime) -> NluSample:
        """A moderator's own example, labelled as it is stored."""
        sample = NluSample(
            created_at=now,
            text=mask_personal(text)[:MAX_TEXT],
            predicted="",
            reason="moderator",
            label=label,
            labelled_by=by,
            labelled_at=now,
        )
        return await self._store(sample)

    async def unlabelled(self, limit: int = 10) -> Sequence[NluSample]:
        """The most recent unlabelled messages, newest first."""
        stmt = (
            select(NluSample)
            .where(col(NluSample.label).is_(None))
            .order_by(col(NluSample.id).desc())
            .limit(limit)
        )
        return (await self.session.exec(stmt)).all()

    async def label(self, sample: NluSample, label: str, by: str, now: datetime) -> None:
        sample.label, sample.labelled_by, sample.labelled_at = label, by, now
        await self._store(sample)

    async def labelled(self) -> Sequence[NluSample]:
        """Every labelled message, oldest first (the community's training data)."""
        stmt = select(NluSample).where(col(NluSample.label).is_not(None))
        return (await self.session.exec(stmt.order_by(col(NluSample.id)))).all()

    async def count_unlabelled(self) -> int:
        return await self._count(NluSample, col(NluSample.label).is_(None))

    async def building_names(self) -> list[str]:
        """Names of the register's buildings (金桂苑1栋, 3号楼), for the community dictionary."""
        stmt = select(Building.name).order_by(col(Building.name))
        return list((await self.session.exec(stmt)).all())

    async def purge(self, *, unlabelled_before: datetime, labelled_before: datetime) -> int:
        """Remove unlabelled messages kept before the first date, labelled ones before
        the second; returns how many rows went."""
        statements = (
            delete(NluSample).where(
                col(NluSample.label).is_(None), col(NluSample.created_at) < unlabelled_before
            ),
            delete(NluSample).where(
                col(NluSample.label).is_not(None), col(NluSample.created_at) < labelled_before
            ),
        )
        removed = 0
        for statement in statements:
            result: Any = await self.session.execute(statement)
            removed += rowcount(result)
        return removed
