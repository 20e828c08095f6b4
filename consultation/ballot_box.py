"""Sealed ballots for anonymous polls: what an operator with the whole database can't read.

An anonymous vote writes two rows in one transaction: the participation row (who
took part) and a sealed ballot. Whatever the database keeps about that
transaction (its id in ``xmin``, old row versions, the order of the heap) can
join the two, so the ballot itself must say nothing to someone without the
server's ballot secret, which lives in the configuration, never in the database
or the logs:

- the ballot's **slot** is ``HMAC(secret, poll, voter key)``: the same voter
  always lands in the same slot (a changed vote replaces their own ballot and
  counts once), but nobody without the secret can compute which slot is whose;
- the **choice** is sealed with AES-GCM under a key derived per poll, with a
  random nonce, so two ballots with the same choice look unrelated, and with the
  poll and slot as associated data, so a ballot copied into another slot or poll
  no longer opens. Every sealed choice has the same length.

The tally is computed in memory when the poll closes; the counts are published
and the sealed ballots deleted (:mod:`consultation.polls`).
"""

from __future__ import annotations

import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

#: Bytes of secret a deployment needs (a generated one has exactly this many).
SECRET_BYTES = 32
_NONCE_BYTES = 12
_CHOICE_BYTES = 2  # masks up to 16 options; every ballot the same length


class BallotError(Exception):
    """A sealed ballot did not open: another secret, or a ballot moved or altered."""


class BallotKeys:
    """Slots and seals for anonymous ballots, derived from one server secret."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < SECRET_BYTES:
            raise ValueError(f"the ballot secret needs at least {SECRET_BYTES} bytes")
        self._slot_key = self._derive(secret, b"slot")
        self._seal_key = self._derive(secret, b"seal")
        self._other_key = self._derive(secret, b"other")
        self._ciphers: dict[int, AESGCM] = {}

    @staticmethod
    def _derive(secret: bytes, purpose: bytes) -> bytes:
        return hmac.new(secret, b"yishi-ballot:" + purpose, hashlib.sha256).digest()

    def _poll_key(self, poll_id: int) -> AESGCM:
        cipher = self._ciphers.get(poll_id)
        if cipher is None:
            key = hmac.new(self._seal_key, b"poll:%d" % poll_id, hashlib.sha256).digest()
            cipher = self._ciphers[poll_id] = AESGCM(key)
        return cipher

    def key_for(self, purpose: str) -> bytes:
        """A 32-byte key of its own for something else that must be as unreadable as a
        ballot without the secret (a kept callback that may carry a typed vote)."""
        return self._derive(self._other_key, purpose.encode())

    def slot(self, poll_id: int, voter_key: str) -> str:
        """Where this voter's ballot lives in this poll (64 hex characters)."""
        message = f"{poll_id}\x00{voter_key}".encode()
        return hmac.new(self._slot_key, message, hashlib.sha256).hexdigest()

    def seal(self, poll_id: int, slot: str, mask: int) -> bytes:
        """The choice ``mask``, encrypted for this poll and slot (nonce ‖ ciphertext)."""
        nonce = os.urandom(_NONCE_BYTES)
        plain = mask.to_bytes(_CHOICE_BYTES, "big")
        return nonce + self._poll_key(poll_id).encrypt(nonce, plain, _bound(poll_id, slot))

    def open(self, poll_id: int, slot: str, sealed: bytes) -> int:
        """The choice inside ``sealed``; :class:`BallotError` if it is not this slot's."""
        nonce, body = sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:]
        try:
            plain = self._poll_key(poll_id).decrypt(nonce, body, _bound(poll_id, slot))
        except (InvalidTag, ValueError) as exc:
            raise BallotError("a sealed ballot did not open") from exc
        return int.from_bytes(plain, "big")


def _bound(poll_id: int, slot: str) -> bytes:
    return f"{poll_id}:{slot}".encode()
