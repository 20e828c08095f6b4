"""A refused domain action: which sentence says why (``section.code``), with its values.

Services raise a subclass naming their section of the catalogue (``poll_error``,
``meeting_error`` …); a handler whose command raises one answers with that sentence
(kernel.handler.Handler.run), so a refusal is phrased the same way wherever it comes from.

A refusal met while acting for someone else (代办: a grid worker co-signs for 张阿姨)
carries who it was for (:attr:`DomainError.acting_for`), so the answer can name them
instead of saying "您" to the assistant.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")


class DomainError(Exception):
    """``code`` names the sentence in ``section`` of the catalogue; ``values`` fill it."""

    section = "error"

    def __init__(self, code: str, /, **values: object) -> None:
        super().__init__(code)
        self.code = code
        self.values = values
        #: The resident the refused action was for, when someone acted for them (代办).
        self.acting_for: str | None = None


@contextmanager
def on_behalf_of(name: str) -> Iterator[None]:
    """Refusals raised inside are marked as met while acting for ``name``."""
    try:
        yield
    except DomainError as exc:
        if exc.acting_for is None:
            exc.acting_for = name
        raise


def or_refuse(item: T | None, refusal: Exception) -> T:
    """``item`` as looked up, or ``refusal`` when nothing was there (a wrong number)."""
    if item is None:
        raise refusal
    return item
