"""consents: who agreed to which subscription-notice template (platform_notice_consents)"""

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
