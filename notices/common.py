"""Phrasing shared by every kind of notice and reply."""

from __future__ import annotations

from datetime import datetime, tzinfo

from kernel.messages import Reply
from kernel.texts import t


def date_text(when: datetime, zone: tzinfo, now: datetime | None = None) -> str:
    """A meeting's or deadline's time as residents read it: ``12月05日 09:30``, with the
    year (``2027年01月02日 09:30``) when ``now`` is given and it is another year."""
    local = when.astimezone(zone)
    if now is not None and now.astimezone(zone).year != local.year:
        return f"{local:%Y年%m月%d日 %H:%M}"
    return f"{local:%m月%d日 %H:%M}"


def refusal(section: str, code: str, values: dict[str, object]) -> Reply:
    """A domain error's catalogue sentence (``topic_error.not_found`` …)."""
    return Reply(t(f"{section}.{code}", **values))
