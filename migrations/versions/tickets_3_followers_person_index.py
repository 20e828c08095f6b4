"""tickets: index followers by person (我的诉求 reads what someone follows)"""

from migrations import columns as col

revision: str = "tickets_3"
down_revision: str | None = "platforms_3"

BY_PERSON = col.Index("ix_ticket_followers_person", "ticket_followers", "platform", "user_id")

upgrade, downgrade = BY_PERSON.create, BY_PERSON.drop
