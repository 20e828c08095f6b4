"""framework tables

Revision ID: 0001
Revises:
Create Date: 2026-11-22 16:54:37.874659
"""

from collections.abc import Sequence

from migrations.columns import (
    Table,
    boolean,
    create,
    drop,
    integer,
    json,
    reference,
    string,
    timestamp,
)

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


TABLES = (
    Table(
        "audit_log",
        timestamp("at", index=True),
        string("actor", 128),
        string("action", 64),
        string("entity_type", 32),
        string("entity_id", 64),
        json("before", null=True),
        json("after", null=True),
        indexes={"ix_audit_entity": ("entity_type", "entity_id")},
    ),
    Table(
        "conversation_states",
        string("platform", 16),
        string("chat_id", 128),
        string("user_id", 128),
        string("flow", 64),
        string("step", 64),
        json("data"),
        timestamp("expires_at", index=True),
        timestamp("updated_at"),
        unique=[("platform", "chat_id", "user_id")],
    ),
    Table(
        "grids",
        string("code", 32, unique=True),
        string("name", 64),
    ),
    Table(
        "inbound_messages",
        string("platform", 16),
        string("platform_message_id", 128),
        string("chat_id", 128),
        string("sender_id", 128),
        string("intent", 32, null=True),
        json("reply", null=True),
        timestamp("received_at", index=True),
        unique=[("platform", "platform_message_id")],
    ),
    Table(
        "pushes",
        string("dedupe_key", 191, null=True, unique=True),
        string("platform", 16),
        string("chat_id", 128),
        json("payload"),
        string("status", 16, index=True),
        integer("attempts"),
        string("last_error", 500, null=True),
        timestamp("created_at"),
        timestamp("next_attempt_at", index=True),
        timestamp("sent_at", null=True),
    ),
    Table(
        "buildings",
        string("name", 64, unique=True),
        reference("grid_id", "grids", null=True, index=True),
    ),
    Table(
        "residents",
        string("name", 64),
        string("phone", 32, null=True),
        string("phone_masked", 32, null=True),
        reference("building_id", "buildings", null=True, index=True),
        string("unit", 16, null=True),
        string("room", 16, null=True),
        string("household", 64, null=True, index=True),
        boolean("verified"),
        timestamp("created_at"),
    ),
    Table(
        "platform_identities",
        string("platform", 16),
        string("platform_user_id", 128),
        reference("resident_id", "residents", null=True, index=True),
        string("display_name", 64, null=True),
        timestamp("created_at"),
        unique=[("platform", "platform_user_id")],
    ),
    Table(
        "role_assignments",
        reference("resident_id", "residents", index=True),
        string("role", 32),
        reference("grid_id", "grids", null=True, index=True),
        unique=[("resident_id", "role", "grid_id")],
    ),
)


def upgrade() -> None:
    create(*TABLES)


def downgrade() -> None:
    drop(*TABLES)
