"""Controller private keys for recovery (``kubeseal --recovery-unseal``, ``readPrivKeysFromFile``).

Accepted: a PEM ``RSA PRIVATE KEY`` (PKCS#1) or ``PRIVATE KEY`` (PKCS#8), or a YAML/JSON
backup of the controller's key Secret(s) (one Secret, a ``v1.List``, or several documents),
whose ``data["tls.key"]`` is used. Every key found is tried when decrypting.
"""

from __future__ import annotations

import base64
import binascii
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gitops_seldon.problems import GitopsSeldonError
from gitops_seldon.sealing.pem import pem_blocks

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

PRIVATE_KEY_TYPES = ("RSA PRIVATE KEY", "PRIVATE KEY")


class PrivateKeyError(GitopsSeldonError):
    """No usable private key."""


def _keys_from_pem(data: bytes) -> list[RSAPrivateKey]:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
    from cryptography.hazmat.primitives.serialization import (
        load_der_private_key,
    )

    keys = []
    for block in pem_blocks(data):
        if block.type not in PRIVATE_KEY_TYPES:
            continue
        try:
            key = load_der_private_key(block.der, password=None)
        except (ValueError, TypeError):
            continue
        if isinstance(key, RSAPrivateKey):
            keys.append(key)
    return keys


def _secret_items(data: Any) -> list[Any]:
    if isinstance(data, dict) and data.get("kind") == "List":
        items = data.get("items")
        return list(items) if isinstance(items, list) else []
    return [data]


def _keys_from_secrets(text: str) -> list[RSAPrivateKey]:
    from gitops_seldon.source import parse

    documents, _ = parse(text, "key")
    keys: list[RSAPrivateKey] = []
    for document in documents:
        for item in _secret_items(document.data):
            if not isinstance(item, dict):
                continue
            encoded = (item.get("data") or {}).get("tls.key")
            plain = (item.get("stringData") or {}).get("tls.key")
            try:
                pem = base64.b64decode(encoded) if isinstance(encoded, str) else None
            except (binascii.Error, ValueError):
                pem = None
            if pem is None and isinstance(plain, str):
                pem = plain.encode("utf-8")
            if pem is not None:
                keys += _keys_from_pem(pem)
    return keys


def load_private_keys(data: bytes) -> list[RSAPrivateKey]:
    keys = _keys_from_pem(data)
    if keys:
        return keys
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return []
    return _keys_from_secrets(text)


def read_private_keys(paths: list[Path]) -> list[RSAPrivateKey]:
    keys: list[RSAPrivateKey] = []
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise PrivateKeyError(f"{path}: cannot read the key ({exc.strerror or exc})") from None
        found = load_private_keys(data)
        if not found:
            raise PrivateKeyError(
                f"{path}: no RSA private key found (expected a PEM 'RSA PRIVATE KEY' or "
                "'PRIVATE KEY', or a YAML/JSON backup of the controller's key Secret)")
        keys += found
    return keys
