"""Phrasing shared by every kind of notice and reply."""

from __future__ import annotations

from datetime import datetime, tzinfo

from kernel.messages import Reply
from kernel.texts import t


def day_text(when: datetime, zone: tzinfo, *, year: bool = False) -> str:
    """A day as people write it: ``12月5日`` (``2027年1月2日`` with the year)."""
    local = when.astimezone(zone)
    day = f"{local.month}月{local.day}日"
    return f"{local.year}年{day}" if year else day


def date_text(when: datetime, zone: tzinfo, now: datetime | None = None) -> str:
    """A meeting's or deadline's time as residents read it: ``12月5日 09:30``, with the
    year (``2027年1月2日 09:30``) when ``now`` is given and it is another year."""
    local = when.astimezone(zone)
    other_year = now is not None and now.astimezone(zone).year != local.year
    return f"{day_text(local, zone, year=other_year)} {local:%H:%M}"


def titled(title: str, name: str) -> str:
    """A name with its title in front, as people say it (网格员王小明), unless the name
    already ends with it — the demo's 王网格员 is not 网格员王网格员."""
    return name if not name or name.endswith(title) else f"{title}{name}"


def refusal(section: str, code: str, values: dict[str, object]) -> Reply:
    """A domain error's catalogue sentence (``topic_error.not_found`` …)."""
    return Reply(t(f"{section}.{code}", **values))
