"""One confidentiality rule for tickets, read by chat, exports and pages alike.

A neighbour dispute (邻里纠纷) names the neighbour complained about; the complainant
must stay unknown to that neighbour and to anyone else outside the people handling
the ticket. Which categories are confidential is the community's choice
(``[tickets] confidential_categories``); what that withholds is decided here, once:

- the complainant's name and phone, and who filed or rated it, are withheld in every
  export, report and page (the workers handling it see them in their task card);
- a confidential ticket is never merged with another one as a duplicate, and nobody
  else can follow it (either would show one resident another's complaint).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

#: The categories confidential when the configuration names none.
DEFAULT_CONFIDENTIAL: tuple[str, ...] = ("邻里纠纷",)
#: What an export or page shows in place of a withheld name.
WITHHELD = "（保密）"
#: Ticket history actions whose actor is the complainant.
_COMPLAINANT_ACTIONS = frozenset({"filed", "rated"})


@dataclass(frozen=True, slots=True)
class Confidentiality:
    """Which ticket categories are confidential, and what each use may show of them."""

    categories: frozenset[str] = frozenset(DEFAULT_CONFIDENTIAL)

    @classmethod
    def of(cls, categories: Iterable[str]) -> Confidentiality:
        return cls(frozenset(c.strip() for c in categories if c.strip()))

    def covers(self, category: str | None) -> bool:
        """Whether tickets of ``category`` are confidential."""
        return category is not None and category in self.categories

    def may_merge(self, category: str) -> bool:
        """Whether a new report may be merged into an open ticket as its duplicate."""
        return not self.covers(category)

    def may_follow(self, category: str) -> bool:
        """Whether a resident other than the complainant may follow the ticket."""
        return not self.covers(category)

    def complainant(self, category: str | None, name: str | None) -> str | None:
        """The complainant's name as an export or page shows it."""
        return WITHHELD if self.covers(category) else name

    def complainant_phone(self, category: str | None, phone: str | None) -> str | None:
        """The complainant's (already masked) phone as an export or page shows it."""
        return None if self.covers(category) else phone

    def actor(self, category: str | None, action: str, name: str | None) -> str | None:
        """Who did ``action`` in the ticket's history, as an export or page shows it."""
        if self.covers(category) and action in _COMPLAINANT_ACTIONS:
            return WITHHELD
        return name
