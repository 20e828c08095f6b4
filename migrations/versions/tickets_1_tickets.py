"""tickets

Revision ID: tickets_1
Revises: 0001
Create Date: 2026-11-22 17:11:46.841254
"""

from migrations import columns as col

revision: str = "tickets_1"
down_revision: str | None = "0001"

#: tickets_2 replaces its statistics index, and its downgrade brings it back.
TICKETS = col.Table(
    "tickets",
    col.string("number", 16, unique=True),
    col.string("draft_id", 64, unique=True),
    col.string("category", 32),
    col.boolean("urgent"),
    col.string("status", 16, index=True),
    col.string("level", 16),
    col.string("description", 2000),
    col.string("building", 64, null=True),
    col.string("unit", 16, null=True),
    col.string("room", 16, null=True),
    col.string("spot", 64, null=True),
    col.json("details"),
    col.json("photos"),
    col.reference("reporter_resident_id", "residents", null=True, index=True),
    col.string("reporter_platform", 16),
    col.string("reporter_user_id", 128),
    col.string("reporter_name", 64, null=True),
    col.boolean("wants_updates"),
    col.reference("grid_id", "grids", null=True, index=True),
    col.reference("holder_id", "residents", null=True, index=True),
    col.string("department", 64, null=True),
    col.boolean("dispatched"),
    col.string("duplicate_of", 16, null=True),
    col.timestamp("received_at", index=True),
    col.timestamp("response_due_at"),
    col.timestamp("resolution_due_at"),
    col.timestamp("accepted_at", null=True),
    col.timestamp("resolved_at", null=True),
    col.timestamp("closed_at", null=True),
    col.timestamp("rating_due_at", null=True),
    col.timestamp("response_warned_at", null=True),
    col.timestamp("response_escalated_at", null=True),
    col.timestamp("resolution_warned_at", null=True),
    col.timestamp("resolution_escalated_at", null=True),
    col.integer("deadline_round"),
    col.string("rating", 16, null=True),
    col.string("rating_comment", 500, null=True),
    col.integer("reopen_count"),
    col.integer("extensions"),
    col.timestamp("updated_at"),
    indexes={
        "ix_tickets_open_place": ("category", "status", "building", "spot"),
        "ix_tickets_reporter": ("reporter_platform", "reporter_user_id"),
        "ix_tickets_stats": (
            "received_at",
            "grid_id",
            "category",
            "dispatched",
            "accepted_at",
            "response_due_at",
            "resolved_at",
            "resolution_due_at",
            "rating",
        ),
    },
)

upgrade, downgrade = col.new_tables(
    col.Table(
        "ticket_counters",
        col.string("day", 8),
        col.integer("last"),
        key="day",
    ),
    TICKETS,
    col.Table(
        "ticket_events",
        col.reference("ticket_id", "tickets", index=True),
        col.timestamp("at"),
        col.string("actor", 128),
        col.string("actor_name", 64, null=True),
        col.string("action", 32),
        col.string("from_status", 16, null=True),
        col.string("to_status", 16, null=True),
        col.string("note", 1000, null=True),
        col.json("data"),
    ),
    col.Table(
        "ticket_followers",
        col.reference("ticket_id", "tickets", index=True),
        col.string("platform", 16),
        col.string("user_id", 128),
        col.reference("resident_id", "residents", null=True),
        col.timestamp("created_at"),
        unique=[("ticket_id", "platform", "user_id")],
    ),
)
