"""PEM blocks read as Go's ``encoding/pem`` reads them, without the ``cryptography`` package.

kubeseal keeps only ``CERTIFICATE`` blocks that carry no PEM headers
(client-go ``util/cert/pem.go`` ``ParseCertsPEM``) and uses the first one. The SHA-256 of
that block's DER bytes is the certificate fingerprint (what ``openssl x509 -fingerprint
-sha256`` prints), so validate can compute fingerprints without any crypto library.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass, field

_BLOCK = re.compile(
    rb"^-----BEGIN (?P<type>[^-\r\n]*)-----[ \t]*\r?\n"
    rb"(?P<body>.*?)"
    rb"^-----END (?P=type)-----[ \t]*$",
    re.DOTALL | re.MULTILINE,
)


@dataclass(frozen=True)
class PemBlock:
    type: str
    headers: dict[str, str] = field(default_factory=dict)
    der: bytes = b""


def pem_blocks(data: bytes) -> list[PemBlock]:
    """Every well-formed PEM block, in order; malformed ones are skipped (as Go does)."""
    blocks = []
    for match in _BLOCK.finditer(data):
        lines = match.group("body").decode("ascii", "replace").splitlines()
        headers: dict[str, str] = {}
        if lines and ":" in lines[0]:
            while lines and lines[0].strip():
                key, _, value = lines.pop(0).partition(":")
                headers[key.strip()] = value.strip()
        body = "".join(line.strip() for line in lines)
        try:
            der = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            continue
        blocks.append(PemBlock(match.group("type").decode("ascii", "replace"), headers, der))
    return blocks


def first_certificate_der(data: bytes) -> bytes | None:
    """DER of the certificate kubeseal would use: the first header-less CERTIFICATE block."""
    for block in pem_blocks(data):
        if block.type == "CERTIFICATE" and not block.headers:
            return block.der
    return None


def fingerprint(der: bytes) -> str:
    """``sha256:<lowercase hex>`` of DER bytes, the format of ``gitops-seldon.dev/sealed-with``
    and of the config's ``certFingerprint``."""
    return "sha256:" + hashlib.sha256(der).hexdigest()
