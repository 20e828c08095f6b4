"""The audit entries the services write: each change stamped with the domain's time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from storage.unit_of_work import UnitOfWork


async def audit_change(
    uow: UnitOfWork,
    now: datetime,
    actor: str,
    action: str,
    entity_type: str,
    entity_id: str,
    before: dict[str, Any] | None = None,
    /,
    **after: object,
) -> None:
    """Records ``after`` (the values given by name) with ``"at"``: the service's ``now``
    (the scheduler's clock, a test's fixed time), which the entry's insertion time may
    not be."""
    await uow.audit.record(
        actor, action, entity_type, entity_id, before, {**after, "at": now.isoformat()}
    )
