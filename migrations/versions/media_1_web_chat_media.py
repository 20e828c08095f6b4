"""media: the web chat's lines (web_chat_lines)"""

import sqlalchemy as sa

from migrations import columns as col

revision: str = "media_1"
down_revision: str | None = "nlu_1"


upgrade, downgrade = col.new_tables(
    col.Table(
        "web_chat_lines",
        col.string("chat_id", 128),
        col.string("sender_id", 128, null=True),
        col.Column("text", sa.Text),
        col.json("payload"),
        col.timestamp("at"),
        indexes={"ix_web_chat_lines_chat": ("chat_id", "id")},
    ),
)
