"""Who agreed to which subscription-notice template (WeChat's 订阅通知).

Outside WeChat's 48-hour customer-service window the account can reach a person
only with a subscription notice on a template that person agreed to. A long-term
template (长期订阅) may be used until the person withdraws; a one-time template
(一次性订阅) allows one notice per agreement. What the platform tells us (the
consent popup, the settings page, a refused send) is kept here, one row a person
and template, and each change is in the audit log with who and when.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, UniqueConstraint, and_, update
from sqlmodel import Field, col, select

from storage.audit import AuditRepository
from storage.repository import Repository, rowcount
from storage.types import Keyed, utc_field


class NoticeConsent(Keyed, table=True):
    """A person's standing with one template: agreed or not, and (one-time templates)
    how many notices their agreements still allow."""

    __tablename__ = "platform_notice_consents"
    __table_args__ = (UniqueConstraint("platform", "user_id", "template_id"),)
    platform: str = Field(max_length=16)
    user_id: str = Field(max_length=128)
    template_id: str = Field(max_length=128)
    accepted: bool = Field(default=False)
    uses_left: int = Field(default=0)
    #: The platform's stamp of the last change applied: a retried event changes nothing.
    last_change: str = Field(default="", max_length=64)
    updated_at: datetime = utc_field()


class ConsentRepository(Repository):
    """Consent recorded as the platform reports it, and spent as notices go out."""

    async def record(
        self,
        platform: str,
        user_id: str,
        template_id: str,
        *,
        accepted: bool,
        once: bool,
        stamp: str,
        now: datetime,
        why: str,
    ) -> bool:
        """Apply one reported change; False when this stamp was applied before."""
        await self._add_new(
            NoticeConsent(
                platform=platform, user_id=user_id, template_id=template_id, updated_at=now
            )
        )
        uses = col(NoticeConsent.uses_left) + (1 if once else 0) if accepted else 0
        result = await self.session.execute(
            update(NoticeConsent)
            .where(self._row(platform, user_id, template_id))
            .where(col(NoticeConsent.last_change) != stamp)
            .values(accepted=accepted, uses_left=uses, last_change=stamp, updated_at=now)
        )
        if rowcount(result) != 1:
            return False
        await AuditRepository(self.session).record(
            f"{platform}:{user_id}",
            f"consent_{'accepted' if accepted else 'withdrawn'}",
            "notice_consent",
            f"{platform}:{user_id}:{template_id}",
            after={"once": once, "why": why},
        )
        return True

    async def take(
        self, platform: str, user_id: str, templates: Sequence[tuple[str, bool]]
    ) -> str | None:
        """The first of ``(template id, one-time?)`` this person agreed to; a one-time
        agreement is spent by taking it. None: no notice may be sent."""
        for template_id, once in templates:
            where = and_(self._row(platform, user_id, template_id), col(NoticeConsent.accepted))
            if not once:
                found = (await self.session.exec(select(NoticeConsent.id).where(where))).first()
                if found is not None:
                    return template_id
                continue
            result = await self.session.execute(
                update(NoticeConsent)
                .where(where, col(NoticeConsent.uses_left) > 0)
                .values(uses_left=col(NoticeConsent.uses_left) - 1)
            )
            if rowcount(result) == 1:
                return template_id
        return None

    async def give_back(self, platform: str, user_id: str, template_id: str) -> None:
        """A one-time agreement taken for a notice that never reached the platform."""
        await self.session.execute(
            update(NoticeConsent)
            .where(self._row(platform, user_id, template_id), col(NoticeConsent.accepted))
            .values(uses_left=col(NoticeConsent.uses_left) + 1)
        )

    async def of(self, platform: str, user_id: str) -> Sequence[NoticeConsent]:
        return await self._rows(NoticeConsent, platform=platform, user_id=user_id)

    @staticmethod
    def _row(platform: str, user_id: str, template_id: str) -> ColumnElement[bool]:
        return and_(
            col(NoticeConsent.platform) == platform,
            col(NoticeConsent.user_id) == user_id,
            col(NoticeConsent.template_id) == template_id,
        )
