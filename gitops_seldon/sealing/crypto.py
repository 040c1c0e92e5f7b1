"""The per-value hybrid encryption of sealed-secrets (upstream ``pkg/crypto/crypto.go``).

Layout of one decoded value: ``uint16 big-endian N`` + ``RSA-OAEP(SHA-256, label)`` of a
fresh 32-byte AES key (N bytes, the modulus size) + ``AES-256-GCM`` of the plaintext with an
all-zero 12-byte nonce and no AAD (ciphertext followed by the 16-byte tag). Values are
stored as standard, padded base64.
"""

from __future__ import annotations

import base64
import binascii
import os
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

AES_KEY_BYTES = 32
GCM_NONCE = b"\x00" * 12
GCM_TAG_BYTES = 16
PREFIX_BYTES = 2


class DecryptError(Exception):
    """Every failure to open a value, reported as the controller reports it."""

    def __init__(self) -> None:
        super().__init__("no key could decrypt secret")


@dataclass(frozen=True)
class CiphertextShape:
    """What can be told about a sealed value without any key."""

    total: int
    """Decoded length in bytes."""
    wrapped: int
    """The uint16 prefix: length of the RSA-OAEP part, i.e. the modulus size in bytes."""

    @property
    def plaintext(self) -> int:
        """Length of the plaintext, when the value is well-formed."""
        return self.total - PREFIX_BYTES - self.wrapped - GCM_TAG_BYTES


def decode_base64(text: str) -> bytes:
    """Go's ``base64.StdEncoding.DecodeString``: standard alphabet, padding required; CR and
    LF are skipped. Raises ``ValueError`` (without the value) on anything else."""
    cleaned = text.replace("\r", "").replace("\n", "")
    try:
        return base64.b64decode(cleaned.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise ValueError("not standard padded base64") from None


def shape_of(value: str) -> CiphertextShape:
    """Length facts of a base64 sealed value; ``ValueError`` when it cannot be a value."""
    raw = decode_base64(value)
    if len(raw) < PREFIX_BYTES:
        raise ValueError("shorter than the 2-byte length prefix")
    (wrapped,) = struct.unpack(">H", raw[:PREFIX_BYTES])
    shape = CiphertextShape(len(raw), wrapped)
    if shape.plaintext < 0:
        raise ValueError(
            f"{len(raw)} bytes, too short for a {wrapped}-byte RSA part and the GCM tag")
    return shape


def _oaep(label: bytes) -> object:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    return padding.OAEP(mgf=padding.MGF1(algorithm=hashes.SHA256()),
                        algorithm=hashes.SHA256(), label=label or None)


def encrypt(public_key: RSAPublicKey, plaintext: bytes, label: bytes) -> bytes:
    """``HybridEncrypt``: a fresh AES key for every value, never reused or derived."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    aes_key = os.urandom(AES_KEY_BYTES)
    wrapped = public_key.encrypt(aes_key, _oaep(label))  # type: ignore[arg-type]
    body = AESGCM(aes_key).encrypt(GCM_NONCE, plaintext, None)
    return struct.pack(">H", len(wrapped)) + wrapped + body


def seal_value(public_key: RSAPublicKey, plaintext: bytes, label: bytes) -> str:
    """One ``encryptedData`` value: standard padded base64 of ``encrypt``."""
    return base64.b64encode(encrypt(public_key, plaintext, label)).decode("ascii")


def decrypt(private_keys: Iterable[RSAPrivateKey], ciphertext: bytes, label: bytes) -> bytes:
    """``HybridDecrypt`` over every key, as the controller does; one error for every failure."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if len(ciphertext) < PREFIX_BYTES:
        raise DecryptError
    (size,) = struct.unpack(">H", ciphertext[:PREFIX_BYTES])
    if len(ciphertext) < PREFIX_BYTES + size:
        raise DecryptError
    wrapped = ciphertext[PREFIX_BYTES:PREFIX_BYTES + size]
    body = ciphertext[PREFIX_BYTES + size:]
    oaep = _oaep(label)
    for key in private_keys:
        try:
            aes_key = key.decrypt(wrapped, oaep)  # type: ignore[arg-type]
            return AESGCM(aes_key).decrypt(GCM_NONCE, body, None)
        except (ValueError, InvalidTag):
            continue
    raise DecryptError


def open_value(private_keys: Iterable[RSAPrivateKey], value: str, label: bytes) -> bytes:
    """Decrypt one base64 ``encryptedData`` value."""
    try:
        raw = decode_base64(value)
    except ValueError:
        raise DecryptError from None
    return decrypt(private_keys, raw, label)
