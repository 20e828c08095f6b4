"""Every aggregate's tables and exports in one import.

SQLModel's metadata (what Alembic compares) and :data:`storage.exports.EXPORTS`
(what ``yishi export`` offers) fill as modules are imported; this is the one place
that imports them all.
"""

from __future__ import annotations

import storage.consents
import storage.console
import storage.identities
import storage.meeting_changes
import storage.meetings
import storage.models
import storage.nlu_samples
import storage.outcomes
import storage.platforms
import storage.polls
import storage.recurring
import storage.scheduler
import storage.throttle
import storage.tickets
import storage.topics
import storage.web_chat  # noqa: F401
