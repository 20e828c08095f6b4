"""media: the web chat's lines (web_chat_lines)

Revision ID: media_1
Revises: nlu_1
Create Date: 2026-12-02 22:30:00.000000
"""

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
