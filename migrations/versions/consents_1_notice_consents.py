"""consents: who agreed to which subscription-notice template (platform_notice_consents)

Revision ID: consents_1
Revises: media_1
Create Date: 2026-12-03 08:00:00.000000
"""

from migrations import columns as col

revision: str = "consents_1"
down_revision: str | None = "media_1"


upgrade, downgrade = col.new_tables(
    col.Table(
        "platform_notice_consents",
        col.string("platform", 16),
        col.string("user_id", 128),
        col.string("template_id", 128),
        col.boolean("accepted"),
        col.integer("uses_left"),
        col.string("last_change", 64),
        col.timestamp("updated_at"),
        unique=[("platform", "user_id", "template_id")],
    ),
)
