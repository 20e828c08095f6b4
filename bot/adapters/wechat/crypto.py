"""WeChat's message crypto (WXBizMsgCrypt), shared by the Official Account and WeCom.

The algorithm, byte for byte as Tencent's sample code does it: the AES key is
``base64(EncodingAESKey + "=")`` (32 bytes), the IV its first 16 bytes; the
plaintext is ``random(16) + len(msg) as 4 bytes big-endian + msg + receive_id``
(the appid, or the corp id for WeCom), PKCS#7-padded to a multiple of **32**
bytes, AES-256-CBC, base64. Signatures are the SHA-1 of the sorted, concatenated
strings (token, timestamp, nonce[, encrypt]).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 32


class CryptoError(Exception):
    """A signature, key, padding or receive-id check failed."""


def signature(*parts: str) -> str:
    """SHA-1 over the sorted parts, as WeChat signs URLs and encrypted bodies."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def check_signature(expected: str, *parts: str) -> bool:
    """Constant-time comparison, so a forger learns nothing from the timing."""
    return hmac.compare_digest(signature(*parts).encode(), expected.encode("utf-8", "replace"))


def aes_key(encoding_aes_key: str) -> bytes:
    """The 32-byte AES key from the 43-character EncodingAESKey."""
    if len(encoding_aes_key) != 43:
        raise CryptoError("EncodingAESKey must be 43 characters")
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except binascii.Error as exc:
        raise CryptoError("EncodingAESKey is not base64") from exc
    if len(key) != 32:
        raise CryptoError("EncodingAESKey must decode to 32 bytes")
    return key


def pkcs7_pad(data: bytes) -> bytes:
    amount = BLOCK - len(data) % BLOCK
    return data + bytes([amount]) * amount


def pkcs7_unpad(data: bytes) -> bytes:
    if not data:
        raise CryptoError("empty plaintext")
    amount = data[-1]
    if amount < 1 or amount > BLOCK or data[-amount:] != bytes([amount]) * amount:
        raise CryptoError("bad padding")
    return data[:-amount]


class MessageCrypt:
    """Encrypts replies and decrypts callbacks for one (token, EncodingAESKey, receive id)."""

    def __init__(self, token: str, encoding_aes_key: str, receive_id: str) -> None:
        self.token = token
        self.key = aes_key(encoding_aes_key)
        self.receive_id = receive_id
        self._receive_id = receive_id.encode("utf-8")
        # Made once: each message needs only a fresh encryptor or decryptor from it.
        self._cipher = Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16]))

    def encrypt(self, message: str, *, nonce16: bytes | None = None) -> str:
        """Base64 ciphertext of ``message`` (the random prefix is fixed only in tests)."""
        body = message.encode("utf-8")
        plain = (nonce16 or os.urandom(16)) + struct.pack(">I", len(body)) + body + self._receive_id
        encryptor = self._cipher.encryptor()
        data = encryptor.update(pkcs7_pad(plain)) + encryptor.finalize()
        return base64.b64encode(data).decode("ascii")

    def decrypt(self, encrypted: str) -> str:
        """The message inside ``encrypted``; raises :class:`CryptoError` on any mismatch."""
        try:
            data = base64.b64decode(encrypted, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise CryptoError("ciphertext is not base64") from exc
        if not data or len(data) % 16:
            raise CryptoError("ciphertext length is not a multiple of the block size")
        decryptor = self._cipher.decryptor()
        plain = pkcs7_unpad(decryptor.update(data) + decryptor.finalize())
        if len(plain) < 20:
            raise CryptoError("plaintext too short")
        (length,) = struct.unpack(">I", plain[16:20])
        if 20 + length > len(plain):
            raise CryptoError("declared length exceeds plaintext")
        body, receive_id = plain[20 : 20 + length], plain[20 + length :]
        if not hmac.compare_digest(receive_id, self._receive_id):
            raise CryptoError("receive id (appid / corp id) mismatch")
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CryptoError("message is not UTF-8") from exc

    def envelope(self, inner_xml: str, timestamp: int, nonce: str) -> dict[str, str | int]:
        """The fields of an encrypted passive reply (WeChat and WeCom alike)."""
        encrypted = self.encrypt(inner_xml)
        return {
            "Encrypt": encrypted,
            "MsgSignature": self.sign(str(timestamp), nonce, encrypted),
            "TimeStamp": timestamp,
            "Nonce": nonce,
        }

    def sign(self, timestamp: str, nonce: str, encrypted: str) -> str:
        return signature(self.token, timestamp, nonce, encrypted)

    def verify(self, msg_signature: str, timestamp: str, nonce: str, encrypted: str) -> bool:
        return check_signature(msg_signature, self.token, timestamp, nonce, encrypted)
