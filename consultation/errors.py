"""A refused domain action: which sentence says why (``section.code``), with its values.

Services raise a subclass naming their section of the catalogue (``poll_error``,
``meeting_error`` …); a handler whose command raises one answers with that sentence
(kernel.handler.Handler.run), so a refusal is phrased the same way wherever it comes from.
"""

from __future__ import annotations


class DomainError(Exception):
    """``code`` names the sentence in ``section`` of the catalogue; ``values`` fill it."""

    section = "error"

    def __init__(self, code: str, /, **values: object) -> None:
        super().__init__(code)
        self.code = code
        self.values = values
