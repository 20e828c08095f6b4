"""Staff commands come by section (议题, 诉求, 投票, …): each section's commands share who
may use them and where the staff help lists them, so a section says that once."""

from __future__ import annotations

from dataclasses import dataclass

from consultation.roles import Role
from kernel.commands import Arg, Command

MODERATOR = frozenset({Role.MODERATOR})


@dataclass(frozen=True, slots=True)
class Section:
    """One section of the staff help, and the roles its commands need."""

    name: str
    roles: frozenset[Role] = MODERATOR

    def command(
        self,
        verb: str,
        action: str,
        *args: Arg,
        aliases: tuple[str, ...] = (),
        listed: bool = True,
        private: bool = False,
    ) -> Command:
        """A command of this section: its verb, the handler's method, its arguments."""
        return Command(verb, action, args, aliases, self.roles, self.name, listed, private)
