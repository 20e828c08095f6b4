"""Identifiers residents quote (DESIGN.md): R20261122-0007, T12, P3, M202612."""

from __future__ import annotations

import re

# Lookarounds instead of \b: Chinese characters count as word characters for \b.
TICKET_RE = re.compile(r"(?<![a-z0-9])r\s?(20\d{6})\s?-\s?(\d{1,4})(?![0-9])", re.IGNORECASE)
TOPIC_RE = re.compile(r"(?<![a-z0-9])t\s?(\d{1,4})(?![0-9])", re.IGNORECASE)
POLL_RE = re.compile(r"(?<![a-z0-9])p\s?(\d{1,4})(?![0-9])", re.IGNORECASE)
MEETING_RE = re.compile(r"(?<![a-z0-9])m\s?(20\d{4})(?![0-9])", re.IGNORECASE)


def parse_ids(text: str) -> dict[str, str]:
    """Canonical ids found in a normalized text: {"ticket", "topic", "poll", "meeting"}."""
    found: dict[str, str] = {}
    if m := TICKET_RE.search(text):
        found["ticket"] = f"R{m.group(1)}-{int(m.group(2)):04d}"
    if m := TOPIC_RE.search(text):
        found["topic"] = f"T{int(m.group(1))}"
    if m := POLL_RE.search(text):
        found["poll"] = f"P{int(m.group(1))}"
    if m := MEETING_RE.search(text):
        found["meeting"] = f"M{m.group(1)}"
    return found
