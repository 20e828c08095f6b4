"""The audit log: every state change with who and when."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from storage.models import (
    AuditEntry,
)
from storage.repository import Repository


class AuditRepository(Repository):
    """The append-only record of who changed what."""

    async def record(
        self,
        actor: str,
        action: str,
        entity_type: str,
        entity_id: str,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None:
        self.session.add(
            AuditEntry(
                actor=actor,
                action=action,
                entity_type=entity_type,
                entity_id=entity_id,
                before=before,
                after=after,
            )
        )

    async def for_entity(self, entity_type: str, entity_id: str) -> Sequence[AuditEntry]:
        return await self._rows(AuditEntry, entity_type=entity_type, entity_id=entity_id)
